/**
 * `npm run bench serve`: what `ferry serve` costs on top of the model, measured in one run.
 *
 * For a tiny model (the iris logistic regression, tens of µs per call) and a heavier one (the
 * MLP from test/fixtures/models/build.py, 1–5 ms per single-row call) it measures:
 * - raw in-process `session.run` (one row at a time, the floor);
 * - a no-op `node:http` server in its own process that reads the body and answers a canned
 *   response of the same size (the cost of HTTP in Node);
 * - the same bare server running `session.run` on each request (the least any Node server
 *   running onnxruntime can cost: a run inside a server costs more than one in a tight loop);
 * - `ferry serve` in its own process, started as a model server pod starts it (with
 *   `MODEL_SERVER_NODE_OPTIONS`), with dynamic batching off (--max-batch-size 1) and on
 *   (32, no added delay),
 * each at concurrency 1 and 16 through a closed-loop keep-alive load generator on loopback, and
 * prints p50/p99 latency, throughput, serving-side CPU per request (from /proc, so it holds up
 * when other work shares the machine), and the ratios the serving targets name.
 *
 * A hostile-load row then times good iris requests against one `ferry serve` twice: beside
 * other good requests, and while 100,000 bad requests of mixed kinds (deep nesting, malformed
 * JSON, wrong tensors, numbers JSON cannot hold, a megabyte of brackets, unknown models) are
 * sent beside them from another process. It prints the good requests' p99 in both runs and
 * the server's RSS at start and once idle after, with the size of V8's young generation at
 * start and as the load ended (the part of the heap the load grows).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { MODEL_SERVER_NODE_OPTIONS } from '../../operator/src/serving/node-options.js';
import { median, mib } from './figures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const WARMUP_MS = 300;
/** Measuring time per target and concurrency, split into ROUNDS interleaved rounds. */
const MEASURE_MS = 3000;
const ROUNDS = 10;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat CPU times. */
const CLOCK_TICKS = 100;

interface Figures {
  p50: number;
  p99: number;
  /** Requests per second. */
  rate: number;
  /** Serving-side CPU per request, µs: robust to other load on the machine, unlike latency. */
  cpu: number;
}

interface Row extends Figures {
  model: string;
  target: string;
  concurrency: number;
}

interface Workload {
  model: string;
  path: string;
  input: string;
  width: number;
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  try {
    await promisify(execFile)('/usr/bin/python3', [
      join(ROOT, 'test', 'fixtures', 'models', 'build.py'),
      dir,
      'mlp',
    ]);
    const workloads: Workload[] = [
      {
        model: 'tiny',
        path: join(ROOT, 'examples', 'iris', 'models', 'v1', 'model.onnx'),
        input: 'input',
        width: 4,
      },
      { model: 'mlp', path: join(dir, 'mlp.onnx'), input: 'x', width: 256 },
    ];
    const rows: Row[] = [];
    for (const workload of workloads) rows.push(...(await measureWorkload(workload)));
    printTable(rows);
    printRatios(rows);
    await measureHostile(workloads[0] as Workload);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureWorkload(workload: Workload): Promise<Row[]> {
  const { model, path, input, width } = workload;
  const features = Array.from(
    { length: width },
    (_, i) => Math.round(Math.sin(i + 1) * 1000) / 100,
  );
  const body = JSON.stringify({
    inputs: [{ name: input, datatype: 'FP32', shape: [1, width], data: features }],
  });
  const serve = (maxBatchSize: number): Promise<Started> =>
    startServe([
      '--model',
      path,
      '--name',
      'm',
      '--port',
      '0',
      '--max-batch-size',
      String(maxBatchSize),
    ]);
  const batchingOff = await serve(1);
  const answer = await post(
    new Agent({ keepAlive: true }),
    `${batchingOff.url}/v2/models/m/infer`,
    body,
  );
  const noop = await startProcess(['-e', BARE_SERVER], { FERRY_BENCH_ANSWER: answer });
  const bare = await startProcess(['-e', BARE_SERVER], {
    FERRY_BENCH_ANSWER: answer,
    FERRY_BENCH_MODEL: path,
  });
  const batchingOn = await serve(32);
  const session = await ort.InferenceSession.create(path);
  const infer = (url: string): string => `${url}/v2/models/m/infer`;
  // The machine's background load drifts; interleaving short rounds of every target spreads
  // that drift evenly instead of pinning it on whichever target ran during a busy second.
  const targets: {
    target: string;
    concurrencies: number[];
    measure: (c: number, ms: number) => Promise<Sample>;
  }[] = [
    {
      target: 'session.run',
      concurrencies: [1],
      measure: (_c, ms) => measureRaw(session, input, features, ms),
    },
    {
      target: 'no-op http',
      concurrencies: [1, 16],
      measure: (c, ms) => load(`${noop.url}/`, body, c, ms, noop),
    },
    {
      target: 'http + session.run',
      concurrencies: [1, 16],
      measure: (c, ms) => load(`${bare.url}/`, body, c, ms, bare),
    },
    {
      target: 'ferry, batching off',
      concurrencies: [1, 16],
      measure: (c, ms) => load(infer(batchingOff.url), body, c, ms, batchingOff),
    },
    {
      target: 'ferry, batching on',
      concurrencies: [1, 16],
      measure: (c, ms) => load(infer(batchingOn.url), body, c, ms, batchingOn),
    },
  ];
  const samples = new Map<string, Sample>();
  try {
    for (const { concurrencies, measure } of targets) {
      for (const c of concurrencies) await measure(c, WARMUP_MS);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of [1, 16]) {
        for (const { target, concurrencies, measure } of targets) {
          if (!concurrencies.includes(concurrency)) continue;
          const key = `${target}@${concurrency}`;
          const sample = await measure(concurrency, MEASURE_MS / ROUNDS);
          const sofar = samples.get(key);
          samples.set(
            key,
            sofar === undefined
              ? sample
              : {
                  latencies: [...sofar.latencies, ...sample.latencies],
                  elapsedMs: sofar.elapsedMs + sample.elapsedMs,
                  cpuSeconds: sofar.cpuSeconds + sample.cpuSeconds,
                },
          );
        }
      }
    }
  } finally {
    await session.release();
    await Promise.all([noop.stop(), bare.stop(), batchingOff.stop(), batchingOn.stop()]);
  }
  return [...samples].map(([key, sample]) => {
    const [target = '', concurrency = ''] = key.split('@');
    return {
      model,
      target,
      concurrency: Number(concurrency),
      ...figures(sample),
    };
  });
}

interface Sample {
  latencies: number[];
  elapsedMs: number;
  /** CPU time the serving side used meanwhile (all its threads). */
  cpuSeconds: number;
}

/** The floor: one-row `session.run` calls back to back in this process, tensor creation included. */
async function measureRaw(
  session: ort.InferenceSession,
  input: string,
  features: number[],
  ms: number,
): Promise<Sample> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < ms) {
    const before = performance.now();
    await session.run({
      [input]: new ort.Tensor('float32', Float32Array.from(features), [1, features.length]),
    });
    latencies.push(performance.now() - before);
  }
  const used = process.cpuUsage(cpu);
  return {
    latencies,
    elapsedMs: performance.now() - started,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

/** Closed loop: `concurrency` callers each send the next request as soon as the last answers. */
async function load(
  url: string,
  body: string,
  concurrency: number,
  ms: number,
  server: Started,
): Promise<Sample> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const cpu = await server.cpuSeconds();
  const started = performance.now();
  const caller = async (): Promise<void> => {
    while (performance.now() - started < ms) {
      const before = performance.now();
      await post(agent, url, body);
      latencies.push(performance.now() - before);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedMs = performance.now() - started;
  const cpuSeconds = (await server.cpuSeconds()) - cpu;
  agent.destroy();
  return { latencies, elapsedMs, cpuSeconds };
}

/** CPU seconds (user + system, every thread) process `pid` has used, from /proc. */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function post(agent: Agent, url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { agent, method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (response.statusCode === 200) resolve(text);
          else reject(new Error(`HTTP ${response.statusCode ?? '?'} from ${url}: ${text}`));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The `q` quantile of latencies in ms, in µs. */
function quantileUs(latencies: readonly number[], q: number): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN) * 1000;
}

function figures({ latencies, elapsedMs, cpuSeconds }: Sample): Figures {
  return {
    p50: quantileUs(latencies, 0.5),
    p99: quantileUs(latencies, 0.99),
    rate: (latencies.length / elapsedMs) * 1000,
    cpu: (cpuSeconds / latencies.length) * 1e6,
  };
}

/**
 * A bare server: reads each body, parses it, and answers a canned response, so it costs what
 * HTTP in Node costs and nothing more. With FERRY_BENCH_MODEL set it also runs the model on the
 * request's one tensor before answering: the least any Node server running onnxruntime does.
 */
const BARE_SERVER = `
const { createServer } = require('node:http');
const ort = require('onnxruntime-node');
const answer = process.env.FERRY_BENCH_ANSWER;
const model = process.env.FERRY_BENCH_MODEL;
(async () => {
  const session = model ? await ort.InferenceSession.create(model) : undefined;
  const server = createServer({ keepAliveTimeout: 65000 }, (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const [tensor] = JSON.parse(Buffer.concat(chunks).toString()).inputs;
      if (session) {
        await session.run({ [tensor.name]: new ort.Tensor('float32', Float32Array.from(tensor.data), tensor.shape) });
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
})();
process.on('SIGTERM', () => process.exit(0));
`;

interface Started {
  url: string;
  pid: number;
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `ferry serve args...` as a model server pod runs it: with its NODE_OPTIONS. */
function startServe(args: string[]): Promise<Started> {
  return startProcess([CLI, 'serve', ...args], { NODE_OPTIONS: MODEL_SERVER_NODE_OPTIONS });
}

/** Starts `node args...` and waits for the first URL it prints. */
function startProcess(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const url = /(http:\/\/[\d.]+:\d+)/.exec(seen)?.[1];
      if (url !== undefined) {
        resolve({
          url,
          pid: child.pid ?? 0,
          cpuSeconds: () => cpuSecondsOf(child.pid ?? 0),
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(() => {
      reject(new Error(`node ${args.join(' ')} exited before listening: ${stderr}`));
    });
  });
}

function printTable(rows: readonly Row[]): void {
  const header = ['model', 'target', 'conc', 'p50 µs', 'p99 µs', 'req/s', 'CPU µs/req'];
  const lines = rows.map((row) => [
    row.model,
    row.target,
    String(row.concurrency),
    row.p50.toFixed(0),
    row.p99.toFixed(0),
    row.rate.toFixed(0),
    row.cpu.toFixed(0),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => line[i]?.length ?? 0)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

function printRatios(rows: readonly Row[]): void {
  const find = (model: string, target: string, concurrency: number): Row => {
    const row = rows.find(
      (each) => each.model === model && each.target === target && each.concurrency === concurrency,
    );
    if (row === undefined)
      throw new Error(`no measurement for ${model} ${target} c=${concurrency}`);
    return row;
  };
  const raw = find('tiny', 'session.run', 1);
  const noop1 = find('tiny', 'no-op http', 1);
  const lines: [string, string, boolean][] = [];
  for (const target of ['ferry, batching on', 'ferry, batching off']) {
    const ferry = find('tiny', target, 1);
    const beyondHttp = ferry.p50 - noop1.p50 - raw.p50;
    const cpu = ferry.cpu - noop1.cpu - raw.cpu;
    lines.push([
      `tiny p50 overhead over session.run, c=1 (${target}): ${(ferry.p50 - raw.p50).toFixed(0)} µs end to end, ` +
        `${beyondHttp.toFixed(0)} µs beyond the no-op server's HTTP; in CPU, ${cpu.toFixed(0)} µs per request beyond both`,
      'target ≤ 100 µs (beyond HTTP)',
      beyondHttp <= 100,
    ]);
  }
  const bare1 = find('tiny', 'http + session.run', 1);
  for (const target of ['ferry, batching on', 'ferry, batching off']) {
    const ferry = find('tiny', target, 1);
    lines.push([
      `tiny, c=1 (${target}): ferry's own cost over a bare node:http server running the same ` +
        `session.run: ${(ferry.p50 - bare1.p50).toFixed(0)} µs p50, ${(ferry.cpu - bare1.cpu).toFixed(0)} µs CPU per request`,
      'for reference',
      true,
    ]);
  }
  const noop16 = find('tiny', 'no-op http', 16);
  for (const target of ['ferry, batching on', 'ferry, batching off']) {
    const share = find('tiny', target, 16).rate / noop16.rate;
    lines.push([
      `tiny throughput vs no-op server, c=16 (${target}): ${(share * 100).toFixed(0)}%`,
      'target ≥ 50%',
      share >= 0.5,
    ]);
  }
  const gain =
    find('mlp', 'ferry, batching on', 16).rate / find('mlp', 'ferry, batching off', 16).rate;
  lines.push([
    `mlp throughput, batching on vs off, c=16: ${gain.toFixed(2)}×`,
    'target ≥ 3×',
    gain >= 3,
  ]);
  const cost =
    find('mlp', 'ferry, batching on', 1).p50 / find('mlp', 'ferry, batching off', 1).p50 - 1;
  lines.push([
    `mlp p50 cost of batching, c=1: ${(cost * 100).toFixed(1)}%`,
    'target ≤ 5%',
    cost <= 0.05,
  ]);
  console.log('');
  for (const [text, target, met] of lines) {
    const verdict = target === 'for reference' ? 'note  ' : met ? 'meets ' : 'MISSES';
    console.log(`${verdict}  ${text}${target === 'for reference' ? '' : `  (${target})`}`);
  }
}

const HOSTILE_REQUESTS = 100_000;
/**
 * Callers in both runs: one timed caller of good requests here, the rest in a background
 * process, sending the bad requests or, in the clean run, more good ones. So the server's
 * queue is as long with bad requests as without, and what the bad requests cost their sender
 * (a megabyte written per request) is not timed as the good requests' latency.
 */
const HOSTILE_CONCURRENCY = 8;
/** The hostile run and the clean run alternate in this many rounds, spreading the machine's drift. */
const HOSTILE_ROUNDS = 10;

/** Bad requests of every kind the server must refuse cheaply: [model in the path, body]. */
function badRequests(input: string, width: number): [string, string][] {
  const row = Array.from({ length: width }, () => 1);
  const tensor = (fields: string): string =>
    `{"inputs":[{"name":"${input}","datatype":"FP32",${fields}}]}`;
  return [
    ['m', `{"id":${'['.repeat(6000)}${']'.repeat(6000)},"inputs":[]}`],
    ['m', tensor(`"shape":[1,${width}],"data":[${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}]`)],
    ['m', '{"inputs": ['],
    ['m', '[]'],
    [
      'm',
      `{"inputs":[{"name":"${input}","datatype":"INT64","shape":[1,${width}],"data":${JSON.stringify(row)}}]}`,
    ],
    ['m', tensor(`"shape":[1,${width + 1}],"data":${JSON.stringify(row)}`)],
    ['m', tensor(`"shape":[1,${width}],"data":[1e999${',1'.repeat(width - 1)}]`)],
    ['m', tensor(`"shape":[1000000000,1000000000],"data":[]`)],
    ['m', tensor(`"shape":[1,${width}],"data":[[[[${row.join(',')}]]]]`)],
    ['m', `{"id":7,"inputs":[{"name":"nope","datatype":"FP32","shape":[1],"data":[1]}]}`],
    ['m', '['.repeat(1024 * 1024)],
    ['nope', tensor(`"shape":[1,${width}],"data":${JSON.stringify(row)}`)],
  ];
}

interface HostileRound {
  /** The timed good requests' latencies, ms. */
  readonly good: number[];
  /** The background requests' answers: a status code, or a client error's code. */
  readonly codes: Map<string, number>;
}

/**
 * The background callers: `node -e` with the requests as JSON [model, body][] on stdin. They
 * send them in turn, FERRY_BENCH_COUNT in all or until SIGTERM, print "sending" as they start
 * and the answers' codes as JSON at the end.
 */
const BACKGROUND_LOAD = `
const { Agent, request } = require('node:http');
const base = process.env.FERRY_BENCH_URL;
const callers = Number(process.env.FERRY_BENCH_CALLERS);
const limit = Number(process.env.FERRY_BENCH_COUNT);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const kinds = JSON.parse(input).map(([model, body]) => [model, Buffer.from(body)]);
  const agent = new Agent({ keepAlive: true, maxSockets: callers });
  const codes = {};
  let sent = 0;
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  const send = ([model, body]) => new Promise((resolve) => {
    const outgoing = request(base + '/v2/models/' + model + '/infer',
      { agent, method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        response.on('end', () => resolve(String(response.statusCode)));
      });
    outgoing.on('error', (error) => resolve(error.code || 'error'));
    outgoing.end(body);
  });
  const caller = async () => {
    while (!stopping && sent < limit) {
      const code = await send(kinds[sent++ % kinds.length]);
      codes[code] = (codes[code] || 0) + 1;
    }
  };
  console.log('sending');
  await Promise.all(Array.from({ length: callers }, caller));
  agent.destroy();
  console.log(JSON.stringify(codes));
});
`;

/**
 * One round: HOSTILE_CONCURRENCY - 1 background callers send `background` in turn while the
 * timed caller sends `good`. It ends when the background has sent `until.background`
 * requests, or when the timed caller has sent `until.good`.
 */
async function timedRound(
  base: string,
  good: string,
  background: readonly [string, string][],
  until: { background: number } | { good: number },
): Promise<HostileRound> {
  const child = spawn(process.execPath, ['-e', BACKGROUND_LOAD], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      FERRY_BENCH_URL: base,
      FERRY_BENCH_CALLERS: String(HOSTILE_CONCURRENCY - 1),
      FERRY_BENCH_COUNT: String('background' in until ? until.background : Infinity),
    },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const sending = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('sending')) resolve();
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  child.stdin.end(JSON.stringify(background));
  await Promise.race([sending, exited]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  while ('good' in until ? latencies.length < until.good : running()) {
    const before = performance.now();
    const code = await statusOf(agent, `${base}/v2/models/m/infer`, good);
    if (code !== 200) throw new Error(`a good request got ${code}`);
    latencies.push(performance.now() - before);
  }
  agent.destroy();
  child.kill('SIGTERM');
  await exited;
  const counts = JSON.parse(output.slice(output.indexOf('{'))) as Record<string, number>;
  return { good: latencies, codes: new Map(Object.entries(counts)) };
}

function statusOf(agent: Agent, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { agent, method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Resident set size of process `pid`, in bytes, from /proc. */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

/**
 * How long RSS is watched once the load ends: `ferry serve` runs a full collection 5 s after
 * its last request and V8's memory reducer follows some 20 s later; 60 s holds both.
 */
const IDLE_MS = 60_000;

interface IdleRss {
  /** The lowest RSS seen in IDLE_MS, bytes. */
  bytes: number;
  /** When it was first seen, ms after the watch began. */
  atMs: number;
}

/** RSS once idle: sampled every second for IDLE_MS with no requests sent; the lowest, and when. */
async function settledRss(pid: number): Promise<IdleRss> {
  const started = performance.now();
  let lowest: IdleRss = { bytes: await rssOf(pid), atMs: 0 };
  while (performance.now() - started < IDLE_MS) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const bytes = await rssOf(pid);
    if (bytes < lowest.bytes) lowest = { bytes, atMs: performance.now() - started };
  }
  return lowest;
}

/** The size of V8's young generation (`new` space) in the server at `url`, from its /metrics. */
async function youngGeneration(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(
    /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(metrics)?.[1] ?? NaN,
  );
}

async function measureHostile(workload: Workload): Promise<void> {
  const { path, input, width } = workload;
  const row = Array.from({ length: width }, (_, i) => Math.round(Math.sin(i + 1) * 1000) / 100);
  const good = JSON.stringify({
    inputs: [{ name: input, datatype: 'FP32', shape: [1, width], data: row }],
  });
  const bad = badRequests(input, width);
  const server = await startServe(['--model', path, '--name', 'm', '--port', '0']);
  try {
    await timedRound(server.url, good, [['m', good]], { good: 2000 });
    const startRss = await settledRss(server.pid);
    const startYoung = await youngGeneration(server.url);
    const pairs: { hostile: number[]; clean: number[] }[] = [];
    const codes = new Map<string, number>();
    const perRound = HOSTILE_REQUESTS / HOSTILE_ROUNDS;
    for (let index = 0; index < HOSTILE_ROUNDS; index++) {
      const hostile = await timedRound(server.url, good, bad, { background: perRound });
      for (const [code, n] of hostile.codes) codes.set(code, (codes.get(code) ?? 0) + n);
      const clean = await timedRound(server.url, good, [['m', good]], {
        good: hostile.good.length,
      });
      pairs.push({ hostile: hostile.good, clean: clean.good });
    }
    const loadedYoung = await youngGeneration(server.url);
    const afterRss = await settledRss(server.pid);
    const p99 = (latencies: readonly number[]): number => quantileUs(latencies, 0.99);
    // A hostile round and the clean round after it share the machine's state of the moment,
    // so their ratio cancels the drift that pooling every round would let one busy second
    // decide; the median of the rounds' ratios is the verdict.
    const ratios = pairs.map((pair) => p99(pair.hostile) / p99(pair.clean)).sort((a, b) => a - b);
    const ratio = median(ratios);
    const pooledHostile = p99(pairs.flatMap((pair) => pair.hostile));
    const pooledClean = p99(pairs.flatMap((pair) => pair.clean));
    const goodCount = pairs.reduce((sum, pair) => sum + pair.hostile.length, 0);
    // Anything but a 4xx: a 5xx, or a connection the server reset before answering.
    const failures = [...codes]
      .filter(([code]) => !/^4\d\d$/.test(code))
      .reduce((sum, [, n]) => sum + n, 0);
    console.log('');
    console.log(
      `hostile load (tiny, c=${HOSTILE_CONCURRENCY} in both runs): ${HOSTILE_REQUESTS} bad requests of ${bad.length} kinds ` +
        `from ${HOSTILE_CONCURRENCY - 1} background callers, answered ${[...codes]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([code, n]) => `${code}×${n}`)
          .join(' ')}; ${goodCount} timed good requests beside them, as many beside good ones, ` +
        `in ${HOSTILE_ROUNDS} alternating rounds`,
    );
    const verdicts: [string, string, boolean][] = [
      [`5xx or resets among the bad requests: ${failures}`, 'target 0', failures === 0],
      [
        `good p99 under hostile load vs clean, median of ${HOSTILE_ROUNDS} round pairs: ${ratio.toFixed(2)}× ` +
          `(rounds ${(ratios[0] ?? NaN).toFixed(2)}–${(ratios.at(-1) ?? NaN).toFixed(2)}×; ` +
          `all rounds pooled ${pooledHostile.toFixed(0)} µs vs ${pooledClean.toFixed(0)} µs)`,
        'target ≤ 2×',
        ratio <= 2,
      ],
      [
        `RSS once idle ${mib(afterRss.bytes)} (lowest of ${IDLE_MS / 1000} s, reached after ${(afterRss.atMs / 1000).toFixed(0)} s) ` +
          `vs at start ${mib(startRss.bytes)}: ${((afterRss.bytes / startRss.bytes - 1) * 100).toFixed(0)}%`,
        'target ≤ +20%',
        afterRss.bytes <= 1.2 * startRss.bytes,
      ],
    ];
    for (const [text, target, met] of verdicts) {
      console.log(`${met ? 'meets ' : 'MISSES'}  ${text}  (${target})`);
    }
    console.log(
      `note    V8 young generation ${mib(startYoung)} at start, ${mib(loadedYoung)} as the load ended ` +
        `(NODE_OPTIONS=${MODEL_SERVER_NODE_OPTIONS})`,
    );
  } finally {
    await server.stop();
  }
}
