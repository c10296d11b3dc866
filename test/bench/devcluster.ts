/**
 * devcluster on 10,000 ConfigMaps of 1 KiB: creates per second, resident memory against
 * the bytes stored, list latency, write latency (p50/p99) without watchers and with 10,
 * watch delivery latency (p99, from the start of the write to the event's arrival), and
 * watch fan-out throughput. Every timing is also given as a multiple of a no-op node:http
 * round trip measured in the same run, so figures compare across machines. Targets: write
 * p99 <= 5 ms, delivery p99 <= 10 ms, RSS growth <= 3x the stored bytes. The server's CPU
 * time per write is printed beside the latencies: on a shared machine a p99 is mostly
 * other processes' time slices, the CPU time is the server's own cost.
 *
 * The devcluster (and the no-op server) run in their own process (`devcluster/server.ts`),
 * as an API server does, and memory is read there. In this process their timings would
 * include the clients': the ten watches' parsing, run on the server's event loop, and the
 * benchmark's own garbage (the listed items, the watch buffers) collected in the server's
 * heap, in the pauses a write p99 is made of.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import type { CpuReport, MemoryReport, Ready } from './devcluster/server.js';

const OBJECTS = 10_000;
const WATCHERS = 10;
const UPDATES = 1_000;
const LATENCY_WRITES = 1_000;
const CONCURRENCY = 8;
const PAYLOAD = 'x'.repeat(1024);

function percentile(samples: readonly number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

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

async function baselineRoundTripMs(base: string): Promise<number> {
  const rounds = 3_000;
  for (let i = 0; i < 200; i++) await call(base, 'GET', '/');
  const start = performance.now();
  await inParallel(rounds, () => call(base, 'POST', '/', { a: 1 }));
  return (performance.now() - start) / rounds;
}

/** The bytes of the JSON of every listed item (the listed objects are not kept). */
async function storedBytes(base: string, path: string): Promise<number> {
  const { items } = JSON.parse(await call(base, 'GET', path)) as { items: unknown[] };
  return items.reduce<number>((sum, item) => sum + JSON.stringify(item).length, 0);
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

/**
 * A watch that records when each event carrying `data.seq` arrives, keyed by that seq.
 * `stop` ends it.
 */
function timedWatcher(
  base: string,
  path: string,
): { ready: Promise<void>; arrivals: Map<number, number>; stop: () => void } {
  const arrivals = new Map<number, number>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const req = request(new URL(path, base), { agent: false }, (res) => {
    markReady();
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      const now = performance.now();
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const match = /"seq":"(\d+)"/.exec(buffer.slice(0, newline));
        if (match !== null) arrivals.set(Number(match[1]), now);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { ready, arrivals, stop: () => req.destroy() };
}

/**
 * `LATENCY_WRITES` sequential merge patches of one ConfigMap each (one in flight, so each
 * duration is the server's), with `watchers` open watches; returns write durations and
 * the delivery delay of every event (arrival minus the start of its write).
 */
async function writeLatency(
  base: string,
  path: string,
  watchers: number,
  round: number,
): Promise<{ writes: number[]; deliveries: number[] }> {
  const rv = (
    JSON.parse(await call(base, 'GET', `${path}?limit=1`)) as {
      metadata: { resourceVersion: string };
    }
  ).metadata.resourceVersion;
  const open = Array.from({ length: watchers }, () =>
    timedWatcher(base, `${path}?watch=true&resourceVersion=${rv}`),
  );
  await Promise.all(open.map((w) => w.ready));
  const started = new Map<number, number>();
  const writes: number[] = [];
  for (let i = 0; i < LATENCY_WRITES; i++) {
    const seq = round * LATENCY_WRITES + i;
    const begin = performance.now();
    started.set(seq, begin);
    await call(
      base,
      'PATCH',
      `${path}/cm-${String((i * 7) % OBJECTS).padStart(5, '0')}`,
      { data: { seq: String(seq) } },
      'application/merge-patch+json',
    );
    writes.push(performance.now() - begin);
  }
  const deadline = performance.now() + 10_000;
  while (open.some((w) => w.arrivals.size < LATENCY_WRITES) && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const deliveries = open.flatMap((w) =>
    [...w.arrivals].map(([seq, at]) => at - (started.get(seq) ?? at)),
  );
  for (const w of open) w.stop();
  return { writes, deliveries };
}

const fmt = (value: number, digits = 1): string => value.toFixed(digits);

export async function run(): Promise<void> {
  const server = fork(new URL('devcluster/server.ts', import.meta.url), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(server, 'message')) as [Ready];
  const base = ready.devcluster;
  const memory = async (): Promise<MemoryReport> => {
    server.send('memory');
    return ((await once(server, 'message')) as [MemoryReport])[0];
  };
  const cpuMicros = async (): Promise<number> => {
    server.send('cpu');
    return ((await once(server, 'message')) as [CpuReport])[0].cpuMicros;
  };
  /** `round`'s result and the server's CPU time per write in it, µs. */
  const withCpu = async <T>(round: () => Promise<T>): Promise<[T, number]> => {
    const before = await cpuMicros();
    const result = await round();
    return [result, ((await cpuMicros()) - before) / LATENCY_WRITES];
  };
  try {
    const path = '/api/v1/namespaces/default/configmaps';
    let start = performance.now();
    await inParallel(OBJECTS, (i) =>
      call(base, 'POST', path, {
        metadata: { name: `cm-${String(i).padStart(5, '0')}`, labels: { shard: String(i % 10) } },
        data: { index: String(i), payload: PAYLOAD },
      }),
    );
    const createMs = (performance.now() - start) / OBJECTS;
    const { before, now: after } = await memory();
    const stored = await storedBytes(base, path);
    console.log(
      `memory for ${OBJECTS} ConfigMaps of 1 KiB (${fmt(stored / 1e6)} MB stored as JSON): RSS grew ${fmt((after.rss - before.rss) / 1e6)} MB = ${fmt((after.rss - before.rss) / stored, 2)}× the stored bytes (target <= 3×), JS heap grew ${fmt((after.heapUsed - before.heapUsed) / 1e6)} MB = ${fmt((after.heapUsed - before.heapUsed) / stored, 2)}×; both include watch history`,
    );
    const baseline = await baselineRoundTripMs(ready.baseline);
    console.log(
      `baseline: no-op node:http round trip ${fmt(baseline * 1000, 0)} µs per request at ${CONCURRENCY} in flight`,
    );
    console.log(
      `creates: ${fmt(1000 / createMs, 0)}/s, ${fmt(createMs * 1000, 0)} µs each = ${fmt(createMs / baseline)}× baseline`,
    );

    const [quiet, quietCpu] = await withCpu(() => writeLatency(base, path, 0, 0));
    const [watched, watchedCpu] = await withCpu(() => writeLatency(base, path, WATCHERS, 1));
    const quietP99 = percentile(quiet.writes, 0.99);
    const watchedP99 = percentile(watched.writes, 0.99);
    console.log(
      `write latency at ${OBJECTS} objects, no watchers: p50 ${fmt(percentile(quiet.writes, 0.5), 2)} ms, p99 ${fmt(quietP99, 2)} ms = ${fmt(quietP99 / baseline)}× baseline; server CPU ${fmt(quietCpu, 0)} µs per write`,
    );
    console.log(
      `write latency with ${WATCHERS} watchers: p50 ${fmt(percentile(watched.writes, 0.5), 2)} ms, p99 ${fmt(watchedP99, 2)} ms = ${fmt(watchedP99 / quietP99, 2)}× the unwatched p99 (target <= 5 ms); server CPU ${fmt(watchedCpu, 0)} µs per write`,
    );
    console.log(
      `watch delivery with ${WATCHERS} watchers: ${watched.deliveries.length} of ${WATCHERS * LATENCY_WRITES} events, p50 ${fmt(percentile(watched.deliveries, 0.5), 2)} ms, p99 ${fmt(percentile(watched.deliveries, 0.99), 2)} ms after the write started (target <= 10 ms)`,
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

    const { rss } = (await memory()).now;
    console.log(
      `resident memory: ${fmt(rss / 1e6, 0)} MB (${fmt((rss - before.rss) / 1e6, 0)} MB more than before starting, ${fmt((rss - before.rss) / OBJECTS / 1024)} KiB per object incl. history)`,
    );
  } finally {
    agent.destroy();
    const exited = once(server, 'exit');
    server.send('stop');
    await exited;
  }
}
