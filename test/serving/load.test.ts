/**
 * `ferry load` against a real model server: the built CLI sends iris rows, normal or
 * shifted, and what it reports matches what the server saw (its /samples reservoir).
 */
import { execFile } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FERRY_CLI } from '../support/up-process.js';
import { IRIS_ROWS } from '../support/traffic.js';
import { get, IRIS, serve, type RunningServer } from './models.js';

let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function load(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [FERRY_CLI, 'load', ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );
}

interface Samples {
  seen: number;
  inputs: { name: string; values: number[] }[];
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('ferry load', { timeout: 60_000 }, () => {
  it('sends iris rows at the rate asked and reports the answers by status', async () => {
    server = await serve(IRIS, { name: 'iris' });
    const { code, stdout } = await load(
      `${server.url}/v2/models/iris`,
      '--rate',
      '20',
      '--duration',
      '2s',
    );
    expect(code).toBe(0);
    const total = /^total {2}sent (\d+) {2}200: (\d+) {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms$/m.exec(
      stdout,
    );
    expect(total).not.toBeNull();
    expect(Number(total?.[2])).toBe(Number(total?.[1]));
    expect(Number(total?.[1])).toBeGreaterThanOrEqual(30);
    expect(stdout).toMatch(/^ +1s {2}sent \d+ {2}200: \d+/m);
    const samples = (await get(`${server.url}/v2/models/iris/samples`)).body as Samples;
    expect(samples.seen).toBe(Number(total?.[1]));
  });

  it('--shift adds the delta to that feature of every row', async () => {
    server = await serve(IRIS, { name: 'iris' });
    const { code } = await load(
      `${server.url}/v2/models/iris`,
      '--shift',
      'petal_length=3',
      '--rate',
      '50',
      '--duration',
      '1s',
    );
    expect(code).toBe(0);
    const samples = (await get(`${server.url}/v2/models/iris/samples`)).body as Samples;
    const column = (index: number) =>
      samples.inputs.find((input) => input.name === `input[${String(index)}]`)?.values ?? [];
    const sent = IRIS_ROWS.slice(0, column(2).length);
    // Rows are sent in file order: the shifted column is the file's plus 3, the others as they are.
    expect(mean(column(2))).toBeCloseTo(mean(sent.map((row) => (row[2] ?? 0) + 3)), 3);
    expect(mean(column(0))).toBeCloseTo(mean(sent.map((row) => row[0] ?? 0)), 3);
  });

  it('refuses a shift of a feature the data has not, naming those it has', async () => {
    const { code, stderr } = await load('http://127.0.0.1:9/v2/models/iris', '--shift', 'petal=1');
    expect(code).toBe(2);
    expect(stderr).toContain(
      'no feature "petal"; the features are sepal_length, sepal_width, petal_length, petal_width',
    );
  });

  it('spreads its requests over a connection balancer, as a Service balances them', async () => {
    // Two servers behind a round-robin TCP balancer, as kube-proxy puts pods behind a
    // Service: it balances connections, so only new connections reach both.
    const first = await serve(IRIS, { name: 'iris' });
    const second = await serve(IRIS, { name: 'iris' });
    const backends = [first.url, second.url].map((url) => new URL(url));
    let next = 0;
    const balancer: Server = createServer((client) => {
      const backend = backends[next++ % backends.length] as URL;
      const upstream = connect(Number(backend.port), backend.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = balancer.address() as AddressInfo;
      const { code } = await load(
        `http://127.0.0.1:${String(port)}/v2/models/iris`,
        '--rate',
        '20',
        '--duration',
        '2s',
      );
      expect(code).toBe(0);
      const seen = await Promise.all(
        [first, second].map(
          async (one) => ((await get(`${one.url}/v2/models/iris/samples`)).body as Samples).seen,
        ),
      );
      const total = (seen[0] ?? 0) + (seen[1] ?? 0);
      expect(total).toBeGreaterThanOrEqual(30);
      for (const count of seen) expect(count).toBeGreaterThan(total * 0.3);
    } finally {
      balancer.close();
      await first.close();
      await second.close();
    }
  });

  it('counts a request whose connection is reset as an error with its code, and exits 1', async () => {
    server = await serve(IRIS, { name: 'iris' });
    const model = new URL(server.url);
    // Answers the metadata request as the model does, and resets every inference request.
    const resetting = createHttpServer((request, response) => {
      if (request.method === 'POST') {
        request.socket.destroy();
        return;
      }
      void get(`${model.origin}${request.url ?? ''}`).then((reply) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = resetting.address() as AddressInfo;
      const { code, stdout } = await load(
        `http://127.0.0.1:${String(port)}/v2/models/iris`,
        '--duration',
        '1s',
      );
      expect(code).toBe(1);
      expect(stdout).toMatch(
        /^total {2}sent (\d+) {2}error \(ECONNRESET\): \1 {2}p50 - {2}p99 -$/m,
      );
    } finally {
      resetting.close();
    }
  });

  it('fails when the model does not answer', async () => {
    server = await serve(IRIS, { name: 'iris' });
    const url = server.url;
    await server.close();
    server = undefined;
    const { code, stderr } = await load(`${url}/v2/models/iris`, '--duration', '1s');
    expect(code).not.toBe(0);
    expect(stderr).toContain('ferry load:');
  });
});
