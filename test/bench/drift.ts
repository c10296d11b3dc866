/**
 * `npm run bench drift` (after `npm run build`): the drift statistics and `ferry drift`,
 * measured in one run.
 *
 * 1. KS plus PSI on 1e6 against 1e6 float64 values, pinned to one core (taskset), in a child
 *    process of its own so its peak RSS can be read: Ferry's time (median of 5 after 4
 *    warm-up runs, wall and CPU time), its peak memory (the RSS high-water mark of one warmed-up
 *    run above the RSS before it) as a multiple of the input, and SciPy's
 *    `ks_2samp` plus a NumPy PSI on the same files (Debian's python3-scipy), with the ratio.
 * 2. `ferry drift` on two generated CSVs of DRIFT_BENCH_MB each (default 200): throughput in
 *    MiB/s of wall time and of CPU time (from /proc, which holds up when other work shares the
 *    machine), and its RSS sampled from /proc every 50 ms, against the same run on files a
 *    quarter the size, to show RSS does not grow with the data.
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { prepare } from '../../operator/src/drift/distribution.js';
import { ksTwoSample } from '../../operator/src/drift/ks.js';
import { populationStabilityIndex } from '../../operator/src/drift/statistics.js';
import { seededRandom } from '../../operator/src/data/random.js';
import { median, mib } from './figures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const N = 1_000_000;
const RUNS = 5;
const WARMUP_RUNS = 4;
const TARGET_MS = 250;
const CSV_MB = Number(process.env.DRIFT_BENCH_MB ?? 200);
/** Linux's USER_HZ, the unit of /proc/<pid>/stat CPU times. */
const CLOCK_TICKS = 100;

const BASELINE = `
import sys, time, json
import numpy as np
from scipy import stats
a = np.fromfile(sys.argv[1], dtype="<f8"); b = np.fromfile(sys.argv[2], dtype="<f8")
def psi(r, c):
    edges = np.quantile(r, np.arange(1, 10) / 10)
    rc = np.bincount(np.searchsorted(edges, r, side="left"), minlength=10) / r.size
    cc = np.bincount(np.searchsorted(edges, c, side="left"), minlength=10) / c.size
    rc = np.where(rc == 0, 1e-4, rc); cc = np.where(cc == 0, 1e-4, cc)
    return float(np.sum((cc - rc) * np.log(cc / rc)))
wall, cpu = [], []
for _ in range(${RUNS + 1}):
    start, start_cpu = time.perf_counter(), time.process_time()
    result = stats.ks_2samp(a, b); value = psi(a, b)
    wall.append((time.perf_counter() - start) * 1000); cpu.append((time.process_time() - start_cpu) * 1000)
print(json.dumps({"wall": wall[1:], "cpu": cpu[1:], "d": float(result.statistic), "p": float(result.pvalue), "psi": value}))
`;

interface KernelFigures {
  /** Wall and CPU milliseconds of each timed run. */
  wall: number[];
  cpu: number[];
  d: number;
  p: number;
  psi: number;
  inputBytes: number;
  /** RSS after the warm-up runs and a full GC, and the high-water mark of one run after it. */
  rssBefore: number;
  rssPeak: number;
}

/** The measured kernel, run in the child (with --expose-gc): reads the files, then KS + PSI. */
async function kernelChild(first: string, second: string): Promise<void> {
  const load = async (path: string): Promise<Float64Array> => {
    const bytes = await readFile(path);
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  };
  const a = await load(first);
  const b = await load(second);
  const once = (): { d: number; p: number; psi: number } => {
    const reference = prepare({ kind: 'numeric', values: a });
    const current = prepare({ kind: 'numeric', values: b });
    if (reference.kind !== 'numeric' || current.kind !== 'numeric') throw new Error('numeric');
    const ks = ksTwoSample(reference.sorted, current.sorted);
    return { d: ks.statistic, p: ks.pValue, psi: populationStabilityIndex(reference, current) };
  };
  // Warm-up: V8 optimises the loops after a few calls, and heap sizes settle.
  for (let run = 0; run < WARMUP_RUNS; run++) once();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  // Writing 5 to clear_refs resets the kernel's RSS high-water mark (VmHWM) to the current RSS.
  await writeFile('/proc/self/clear_refs', '5');
  const rssBefore = await procStatus('VmRSS');
  let figures = once();
  const rssPeak = await procStatus('VmHWM');
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const usage = process.cpuUsage();
    figures = once();
    const used = process.cpuUsage(usage);
    cpu.push((used.user + used.system) / 1000);
    wall.push(performance.now() - start);
  }
  const inputBytes = a.byteLength + b.byteLength;
  const result: KernelFigures = { wall, cpu, ...figures, inputBytes, rssBefore, rssPeak };
  process.stdout.write(JSON.stringify(result));
}

/** A `kB` figure of /proc/self/status, in bytes. */
async function procStatus(key: string): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  const line = status.split('\n').find((entry) => entry.startsWith(`${key}:`));
  return line === undefined ? NaN : Number(line.replace(/[^0-9]/g, '')) * 1024;
}

if (process.env.FERRY_DRIFT_BENCH_KERNEL !== undefined) {
  const [first, second] = process.env.FERRY_DRIFT_BENCH_KERNEL.split(',');
  await kernelChild(first ?? '', second ?? '');
}

export async function run(): Promise<void> {
  await access(CLI).catch(() => {
    throw new Error('run `npm run build` first: the benchmark runs dist/cli/main.js');
  });
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-drift-'));
  try {
    await benchKernel(dir);
    await benchCli(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchKernel(dir: string): Promise<void> {
  const random = seededRandom(42);
  const first = join(dir, 'a.f64');
  const second = join(dir, 'b.f64');
  await writeFile(first, Buffer.from(normal(random, N, 0).buffer));
  await writeFile(second, Buffer.from(normal(random, N, 0.002).buffer));
  const exec = promisify(execFile);
  const ours = JSON.parse(
    (
      await exec(
        'taskset',
        ['-c', '0', process.execPath, '--expose-gc', '--import', 'tsx', import.meta.filename],
        {
          env: { ...process.env, FERRY_DRIFT_BENCH_KERNEL: `${first},${second}` },
          maxBuffer: 1 << 20,
        },
      )
    ).stdout,
  ) as KernelFigures;
  const scipy = JSON.parse(
    (
      await exec('taskset', ['-c', '0', '/usr/bin/python3', '-c', BASELINE, first, second], {
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
      })
    ).stdout,
  ) as { wall: number[]; cpu: number[]; d: number; p: number; psi: number };
  const ms = (values: number[]): string => `${median(values).toFixed(1)} ms`;
  console.log(`KS + PSI, ${N} vs ${N} float64, one core (medians of ${RUNS}, wall and CPU time):`);
  console.log(
    `  ferry           ${ms(ours.wall)} wall, ${ms(ours.cpu)} CPU (target ≤ ${TARGET_MS} ms)`,
  );
  console.log(
    `  scipy + numpy   ${ms(scipy.wall)} wall, ${ms(scipy.cpu)} CPU (ks_2samp + NumPy PSI)`,
  );
  const ratio = (side: 'wall' | 'cpu'): string =>
    (median(scipy[side]) / median(ours[side])).toFixed(2);
  console.log(
    `  ratio           ferry is ${ratio('wall')}× (wall) and ${ratio('cpu')}× (CPU) as fast as SciPy`,
  );
  console.log(
    `  same figures    D ${ours.d} vs ${scipy.d}, p ${ours.p.toExponential(6)} vs ${scipy.p.toExponential(6)}, PSI ${ours.psi.toExponential(6)} vs ${scipy.psi.toExponential(6)}`,
  );
  const extra = ours.rssPeak - ours.rssBefore;
  console.log(
    `  peak memory     ${mib(extra)} above the ${mib(ours.inputBytes)} input: ${((ours.inputBytes + extra) / ours.inputBytes).toFixed(2)}× the input at peak, input included (target ≤ 3×)`,
  );
}

async function benchCli(dir: string): Promise<void> {
  console.log(`ferry drift on two CSVs (5 columns: 3 numeric, 1 integer, 1 categorical):`);
  for (const megabytes of [CSV_MB / 4, CSV_MB]) {
    const reference = join(dir, `reference-${megabytes}.csv`);
    const current = join(dir, `current-${megabytes}.csv`);
    await writeCsv(reference, megabytes, 0, 1);
    await writeCsv(current, megabytes, 0.01, 2);
    const bytes = (await stat(reference)).size + (await stat(current)).size;
    const run = await timedRun([CLI, 'drift', '--reference', reference, '--current', current]);
    const rate = (seconds: number): string => (bytes / 2 ** 20 / seconds).toFixed(1);
    console.log(
      `  ${mib(bytes)} in ${run.seconds.toFixed(1)} s: ${rate(run.seconds)} MiB/s wall, ${rate(run.cpuSeconds)} MiB/s per CPU second, peak RSS ${mib(run.peakRss)} (exit ${run.code})`,
    );
    await rm(reference);
    await rm(current);
  }
}

async function writeCsv(
  path: string,
  megabytes: number,
  shift: number,
  seed: number,
): Promise<void> {
  const random = seededRandom(seed);
  const out = createWriteStream(path);
  out.write('a,b,c,count,colour\n');
  const colours = ['red', 'green', 'blue', 'yellow'];
  let written = 0;
  const target = megabytes * 2 ** 20;
  while (written < target) {
    let chunk = '';
    for (let row = 0; row < 10_000; row++) {
      const [a, b, c] = normal(random, 3, shift);
      chunk += `${(a ?? 0).toFixed(6)},${(b ?? 0).toFixed(6)},${((c ?? 0) * 1000).toFixed(3)},${Math.floor(random() * 50)},${colours[Math.floor(random() * 4)] ?? ''}\n`;
    }
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Runs node with the arguments; samples the child's RSS from /proc every 50 ms. */
async function timedRun(
  args: string[],
): Promise<{ seconds: number; cpuSeconds: number; peakRss: number; code: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  let peakRss = 0;
  let cpuSeconds = 0;
  const sample = async (): Promise<void> => {
    try {
      const status = await readFile(`/proc/${child.pid ?? 0}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+) kB/.exec(status);
      if (match !== null) peakRss = Math.max(peakRss, Number(match[1]) * 1024);
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks.
      const stat = await readFile(`/proc/${child.pid ?? 0}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // The child has exited.
    }
  };
  const timer = setInterval(() => void sample(), 50);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(timer);
  return { seconds: (performance.now() - start) / 1000, cpuSeconds, peakRss, code };
}

function normal(random: () => number, n: number, mean: number): Float64Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = mean + Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return values;
}
