/**
 * The runner's kubelet endpoint for container logs, which the API server's `pods/log`
 * proxies to: `GET /containerLogs/<namespace>/<pod>/<container>` on 127.0.0.1, with
 * kubelet's query parameters `follow`, `previous`, `timestamps`, `tailLines`,
 * `limitBytes`, `sinceSeconds` and `sinceTime`.
 *
 * Contract: the answer is the text of the container's current run (with `previous`, the
 * run before it), read from its log file under the state dir; with `follow`, lines are
 * sent as they are written until that run ends or the client goes. A container with no
 * run yet, or no previous run, gets 400 with kubelet's message.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLogLines, podDirectory, runLogFile, runsOf, type LogLine } from './container-logs.js';
import { identityOf, objectsAt, stringAt, type JsonObject } from './json.js';

const FOLLOW_POLL_MS = 200;

export interface LogSource {
  stateDir: string;
  /** The pod as the runner's cache holds it. */
  pod: (namespace: string, name: string) => JsonObject | undefined;
  /** Whether the container's current run is still going (its log may grow). */
  running: (uid: string, container: string) => boolean;
}

interface LogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines: number | undefined;
  limitBytes: number | undefined;
  since: string | undefined;
}

export class LogServer {
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly source: LogSource) {
    this.server = createServer((request, response) => {
      this.open.add(response);
      response.on('close', () => this.open.delete(response));
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          answer(response, 500, error instanceof Error ? error.message : String(error));
        else response.end();
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const response of this.open) response.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://kubelet');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (match === null || request.method !== 'GET') {
      answer(response, 404, 'not found');
      return;
    }
    const [namespace, name, container] = match.slice(1).map(decodeURIComponent) as [
      string,
      string,
      string,
    ];
    const pod = this.source.pod(namespace, name);
    const identity = pod === undefined ? undefined : identityOf(pod);
    if (pod === undefined || identity === undefined) {
      answer(response, 404, `pod "${name}" not found`);
      return;
    }
    const query = parseQuery(url.searchParams);
    const directory = join(podDirectory(this.source.stateDir, identity), container);
    const runs = await runsOf(directory);
    const current = runs.at(-1);
    if (current === undefined) {
      answer(
        response,
        400,
        `container "${container}" in pod "${name}" is waiting to start: ${waitingReason(pod, container)}`,
      );
      return;
    }
    const run = query.previous ? runs.at(-2) : current;
    if (run === undefined) {
      answer(
        response,
        400,
        `previous terminated container "${container}" in pod "${name}" not found`,
      );
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    const file = runLogFile(directory, run);
    const live = (): boolean => run === current && this.source.running(identity.uid, container);
    let budget = query.limitBytes ?? Number.POSITIVE_INFINITY;
    const send = (lines: LogLine[]): boolean => {
      for (const line of lines) {
        if (query.since !== undefined && line.time < query.since) continue;
        const text = Buffer.from(
          query.timestamps ? `${line.time} ${line.text}` : line.text,
          'utf8',
        );
        if (text.length >= budget) {
          response.write(text.subarray(0, budget));
          return false;
        }
        budget -= text.length;
        response.write(text);
      }
      return true;
    };
    const first = parseLogLines(await readOrEmpty(file));
    const lines =
      query.tailLines === undefined
        ? first.lines
        : first.lines.slice(Math.max(0, first.lines.length - query.tailLines));
    let offset = first.next;
    if (!send(lines) || !query.follow) {
      response.end();
      return;
    }
    while (!response.destroyed) {
      const running = live();
      const content = await readOrEmpty(file);
      const next = parseLogLines(content, offset);
      offset = next.next;
      if (!send(next.lines) || !running) break;
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
    response.end();
  }
}

function parseQuery(query: URLSearchParams): LogQuery {
  const flag = (key: string): boolean => {
    const value = query.get(key);
    return value !== null && value !== 'false' && value !== '0';
  };
  const count = (key: string): number | undefined => {
    const value = Number(query.get(key) ?? '');
    return query.get(key) === null || !Number.isInteger(value) || value < 0 ? undefined : value;
  };
  const sinceSeconds = count('sinceSeconds');
  const sinceTime = query.get('sinceTime');
  return {
    follow: flag('follow'),
    previous: flag('previous'),
    timestamps: flag('timestamps'),
    tailLines: count('tailLines'),
    limitBytes: count('limitBytes'),
    since:
      sinceSeconds !== undefined
        ? new Date(Date.now() - sinceSeconds * 1000).toISOString()
        : sinceTime === null
          ? undefined
          : new Date(sinceTime).toISOString(),
  };
}

function waitingReason(pod: JsonObject, container: string): string {
  const status = objectsAt(pod, 'status', 'containerStatuses').find(
    (candidate) => stringAt(candidate, 'name') === container,
  );
  return stringAt(status, 'state', 'waiting', 'reason') ?? 'ContainerCreating';
}

async function readOrEmpty(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    return Buffer.alloc(0);
  }
}

function answer(response: ServerResponse, code: number, message: string): void {
  response.writeHead(code, { 'Content-Type': 'text/plain' });
  response.end(message);
}
