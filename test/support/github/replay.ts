/**
 * Replays recorded GitHub traffic from @octokit/fixtures on a loopback server: each
 * request must be the next recorded one (method, path, authorization and JSON body), and
 * is answered with the recorded status, headers and body. Mismatches are collected.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';

const require = createRequire(import.meta.url);

export interface RecordedExchange {
  method: string;
  path: string;
  body: unknown;
  status: number;
  response: unknown;
  reqheaders: Record<string, string | number>;
  headers: Record<string, string>;
}

/** The recorded exchanges of `api.github.com/<scenario>`. */
export function scenario(name: string): RecordedExchange[] {
  const file = require.resolve(
    `@octokit/fixtures/scenarios/api.github.com/${name}/normalized-fixture.json`,
  );
  return JSON.parse(readFileSync(file, 'utf8')) as RecordedExchange[];
}

const FORWARDED = [
  'content-type',
  'etag',
  'location',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-used',
  'x-ratelimit-resource',
];

export class FixtureReplay {
  readonly mismatches: string[] = [];
  private next = 0;

  private constructor(
    private readonly exchanges: readonly RecordedExchange[],
    private readonly server: Server,
  ) {}

  static async start(exchanges: readonly RecordedExchange[]): Promise<FixtureReplay> {
    const server = createServer();
    const replay = new FixtureReplay(exchanges, server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const expected = replay.exchanges[replay.next];
        replay.next += 1;
        const raw = Buffer.concat(chunks).toString('utf8');
        const body: unknown = raw === '' ? '' : JSON.parse(raw);
        const seen = `${request.method ?? ''} ${request.url ?? ''}`;
        if (expected === undefined) {
          replay.mismatches.push(`${seen}: nothing more was recorded`);
          response.writeHead(500).end();
          return;
        }
        const problems = [
          (request.method ?? '').toLowerCase() !== expected.method
            ? `method, recorded ${expected.method}`
            : undefined,
          request.url !== expected.path ? `path, recorded ${expected.path}` : undefined,
          request.headers.authorization !== expected.reqheaders['authorization']
            ? 'authorization'
            : undefined,
          !isDeepStrictEqual(body, expected.body)
            ? `body ${raw}, recorded ${JSON.stringify(expected.body)}`
            : undefined,
        ].filter((problem) => problem !== undefined);
        if (problems.length > 0) replay.mismatches.push(`${seen}: ${problems.join('; ')}`);
        const headers = Object.fromEntries(
          Object.entries(expected.headers).filter(([name]) =>
            FORWARDED.includes(name.toLowerCase()),
          ),
        );
        response.writeHead(expected.status, headers);
        response.end(expected.response === '' ? undefined : JSON.stringify(expected.response));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return replay;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Recorded exchanges no request reached. */
  get pending(): number {
    return this.exchanges.length - this.next;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
