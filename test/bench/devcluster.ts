/**
 * devcluster on 10,000 objects: creates per second, list latency, watch fan-out to 10
 * watchers, and resident memory. Every timing is also given as a multiple of a no-op
 * node:http round trip measured in the same run, so figures compare across machines.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DevCluster } from '../../operator/src/devcluster/index.js';

const OBJECTS = 10_000;
const WATCHERS = 10;
const UPDATES = 1_000;
const CONCURRENCY = 8;

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent,
        headers:
          payload === undefined
            ? {}
            : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300)
            reject(new Error(`${method} ${path}: ${String(res.statusCode)} ${text}`));
          else resolve(text);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function inParallel(count: number, work: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function baselineRoundTripMs(): Promise<number> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rounds = 3_000;
  for (let i = 0; i < 200; i++) await call(base, 'GET', '/');
  const start = performance.now();
  await inParallel(rounds, () => call(base, 'POST', '/', { a: 1 }));
  const perRequest = (performance.now() - start) / rounds;
  server.close();
  return perRequest;
}

function watcher(
  base: string,
  path: string,
  expected: number,
): { ready: Promise<void>; done: Promise<number> } {
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = new Promise<number>((resolve, reject) => {
    const req = request(new URL(path, base), { agent: false }, (res) => {
      markReady();
      let seen = 0;
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          if (buffer.startsWith('{"type":"MODIFIED"')) seen++;
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
        }
        if (seen >= expected) {
          resolve(performance.now());
          req.destroy();
        }
      });
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
  return { ready, done };
}

const fmt = (value: number, digits = 1): string => value.toFixed(digits);

export async function run(): Promise<void> {
  const baseline = await baselineRoundTripMs();
  console.log(
    `baseline: no-op node:http round trip ${fmt(baseline * 1000, 0)} µs per request at ${CONCURRENCY} in flight`,
  );
  const rssBefore = process.memoryUsage().rss;
  const cluster = await DevCluster.start({ historyLimit: 20_000 });
  const base = cluster.url;
  try {
    const path = '/api/v1/namespaces/default/configmaps';
    let start = performance.now();
    await inParallel(OBJECTS, (i) =>
      call(base, 'POST', path, {
        metadata: { name: `cm-${String(i).padStart(5, '0')}`, labels: { shard: String(i % 10) } },
        data: { index: String(i), payload: 'x'.repeat(200) },
      }),
    );
    const createMs = (performance.now() - start) / OBJECTS;
    console.log(
      `creates: ${fmt(1000 / createMs, 0)}/s, ${fmt(createMs * 1000, 0)} µs each = ${fmt(createMs / baseline)}× baseline`,
    );

    const lists: number[] = [];
    let size = 0;
    for (let i = 0; i < 5; i++) {
      start = performance.now();
      size = (await call(base, 'GET', path)).length;
      lists.push(performance.now() - start);
    }
    lists.sort((a, b) => a - b);
    const listMs = lists[2] ?? 0;
    console.log(
      `list ${OBJECTS} objects (${fmt(size / 1e6)} MB): median ${fmt(listMs)} ms = ${fmt(listMs / baseline, 0)}× baseline`,
    );
    start = performance.now();
    await call(base, 'GET', `${path}?labelSelector=shard%3D3`);
    console.log(
      `list with label selector (1,000 of ${OBJECTS}): ${fmt(performance.now() - start)} ms`,
    );

    const rv = (
      JSON.parse(await call(base, 'GET', `${path}?limit=1`)) as {
        metadata: { resourceVersion: string };
      }
    ).metadata.resourceVersion;
    const watchers = Array.from({ length: WATCHERS }, () =>
      watcher(base, `${path}?watch=true&resourceVersion=${rv}`, UPDATES),
    );
    await Promise.all(watchers.map((w) => w.ready));
    start = performance.now();
    await inParallel(UPDATES, (i) =>
      call(
        base,
        'PATCH',
        `${path}/cm-${String(i).padStart(5, '0')}`,
        { data: { touched: 'yes' } },
        'application/merge-patch+json',
      ),
    );
    const written = performance.now();
    const finished = Math.max(...(await Promise.all(watchers.map((w) => w.done))));
    const fanoutMs = finished - start;
    const delivered = WATCHERS * UPDATES;
    console.log(
      `watch fan-out: ${UPDATES} updates to ${WATCHERS} watchers, ${delivered} events in ${fmt(fanoutMs, 0)} ms (${fmt(delivered / (fanoutMs / 1000), 0)} events/s; writes took ${fmt(written - start, 0)} ms, last event ${fmt(Math.max(0, finished - written), 0)} ms after the last write) = ${fmt(fanoutMs / UPDATES / baseline)}× baseline per update`,
    );

    globalThis.gc?.();
    const rss = process.memoryUsage().rss;
    console.log(
      `resident memory: ${fmt(rss / 1e6, 0)} MB (${fmt((rss - rssBefore) / 1e6, 0)} MB more than before starting, ${fmt((rss - rssBefore) / OBJECTS / 1024)} KiB per object incl. history)`,
    );
  } finally {
    agent.destroy();
    await cluster.stop();
  }
}
