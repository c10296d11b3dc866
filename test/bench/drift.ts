/**
 * `npm run bench drift` (after `npm run build`): the drift statistics and `ferry drift`,
 * measured in one run.
 *
 * 1. KS plus PSI on 1e6 against 1e6 float64 values, pinned to one core (taskset), in a child
 *    process of its own so its peak RSS can be read: Ferry's time (median of 5 after a
 *    warm-up), its peak memory (the first run's RSS high-water mark above the loaded input)
 *    as a multiple of the input, and SciPy's
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

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const N = 1_000_000;
const RUNS = 5;
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
times = []
for _ in range(${RUNS + 1}):
    start = time.perf_counter()
    result = stats.ks_2samp(a, b); value = psi(a, b)
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"times": times[1:], "d": float(result.statistic), "p": float(result.pvalue), "psi": value}))
`;

interface KernelFigures {
  times: number[];
  d: number;
  p: number;
  psi: number;
  inputBytes: number;
  rssBeforeKiB: number;
  peakRssKiB: number;
}

/** The measured kernel, run in the child: reads the two files, then KS + PSI RUNS+1 times. */
async function kernelChild(first: string, second: string): Promise<void> {
  const load = async (path: string): Promise<Float64Array> => {
    const bytes = await readFile(path);
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  };
  const a = await load(first);
  const b = await load(second);
  const rssBeforeKiB = process.resourceUsage().maxRSS;
  let peakRssKiB = rssBeforeKiB;
  const times: number[] = [];
  let figures = { d: 0, p: 0, psi: 0 };
  for (let run = 0; run <= RUNS; run++) {
    const start = performance.now();
    const reference = prepare({ kind: 'numeric', values: a });
    const current = prepare({ kind: 'numeric', values: b });
    if (reference.kind !== 'numeric' || current.kind !== 'numeric') throw new Error('numeric');
    const ks = ksTwoSample(reference.sorted, current.sorted);
    const psi = populationStabilityIndex(reference, current);
    times.push(performance.now() - start);
    figures = { d: ks.statistic, p: ks.pValue, psi };
    // The high-water mark of the first run, before earlier runs' garbage can pile up.
    if (run === 0) peakRssKiB = process.resourceUsage().maxRSS;
  }
  const result: KernelFigures = {
    times: times.slice(1),
    ...figures,
    inputBytes: a.byteLength + b.byteLength,
    rssBeforeKiB,
    peakRssKiB,
  };
  process.stdout.write(JSON.stringify(result));
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
        ['-c', '0', process.execPath, '--import', 'tsx', import.meta.filename],
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
  ) as { times: number[]; d: number; p: number; psi: number };
  const oursMs = median(ours.times);
  const scipyMs = median(scipy.times);
  const extraBytes = (ours.peakRssKiB - ours.rssBeforeKiB) * 1024;
  console.log(`KS + PSI, ${N} vs ${N} float64, one core (median of ${RUNS}):`);
  console.log(
    `  ferry           ${oursMs.toFixed(1)} ms  (target ≤ ${TARGET_MS} ms: ${oursMs <= TARGET_MS ? 'met' : 'missed'})`,
  );
  console.log(
    `  scipy + numpy   ${scipyMs.toFixed(1)} ms  (ks_2samp + NumPy PSI, SciPy's own run)`,
  );
  console.log(`  ratio           ferry is ${(scipyMs / oursMs).toFixed(2)}× as fast as SciPy`);
  console.log(
    `  same figures    D ${ours.d} vs ${scipy.d}, p ${ours.p.toExponential(6)} vs ${scipy.p.toExponential(6)}, PSI ${ours.psi.toExponential(6)} vs ${scipy.psi.toExponential(6)}`,
  );
  const total = (ours.inputBytes + Math.max(0, extraBytes)) / ours.inputBytes;
  console.log(
    `  peak memory     ${mib(extraBytes)} above the ${mib(ours.inputBytes)} input: ${total.toFixed(2)}× the input at peak (target ≤ 3×)`,
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
    const { seconds, peakRss, code } = await timedRun([
      CLI,
      'drift',
      '--reference',
      reference,
      '--current',
      current,
    ]);
    console.log(
      `  ${mib(bytes)} in ${seconds.toFixed(1)} s: ${(bytes / 2 ** 20 / seconds).toFixed(1)} MiB/s, peak RSS ${mib(peakRss)} (exit ${code})`,
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
