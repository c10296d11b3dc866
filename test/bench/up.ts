/**
 * `npm run bench up` (after `npm run build`): the time from `ferry up examples/iris` to the
 * first InferenceService answering a prediction at its printed URL (target ≤ 60 s on two
 * cores), beside the same steps on a pre-started devcluster, local runner and operator
 * (the iris files committed to the repository it already syncs, to the same answer), so
 * the start-up cost shows as the difference and the ratio.
 *
 * Each of FERRY_BENCH_ROUNDS rounds (default 3) runs both, on fresh state, and also reads
 * the time `ferry up` prints for itself.
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRunner } from '../../operator/src/devcluster/index.js';
import { REPO, startCluster } from '../support/cluster.js';
import { FERRY_IMAGE } from '../support/ferry.js';
import { createRepo } from '../support/git.js';
import { startOperator, writeKubeconfig } from '../support/operator-process.js';
import { spawnUp } from '../support/up-process.js';
import { median } from './figures.js';

const ROUNDS = Number(process.env.FERRY_BENCH_ROUNDS ?? 3);
const IRIS = join(REPO, 'examples', 'iris');
const TIMEOUT_MS = 300_000;
const REQUEST = JSON.stringify({
  inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [[5.1, 3.5, 1.4, 0.2]] }],
});

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: REQUEST,
      signal: AbortSignal.timeout(2000),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** `ferry up` from the command to an answer; also the figure it prints itself. */
async function coldUp(): Promise<{ ms: number; printedMs: number }> {
  const state = await mkdtemp(join(tmpdir(), 'ferry-bench-up-'));
  const started = performance.now();
  const up = spawnUp([IRIS, '--state-dir', state]);
  try {
    const match = await up.waitFor(/iris answers at (\S+), ([\d.]+) s after/, TIMEOUT_MS);
    const url = match[1] ?? '';
    while (!(await answers(url))) await new Promise((resolve) => setTimeout(resolve, 20));
    return { ms: performance.now() - started, printedMs: Number(match[2]) * 1000 };
  } finally {
    up.child.kill('SIGINT');
    await up.exited;
    await rm(state, { recursive: true, force: true });
  }
}

/** The same manifests committed to a repository that an already running operator syncs. */
async function warmUp(): Promise<number> {
  const cluster = await startCluster({ crds: true });
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-bench-warm-'));
  const claims = { 'ferry-data': join(scratch, 'data'), 'ferry-models': join(scratch, 'models') };
  await cp(join(IRIS, 'data'), claims['ferry-data'], { recursive: true });
  await cp(join(IRIS, 'models'), claims['ferry-models'], { recursive: true });
  const repo = await createRepo();
  await repo.commit({ 'README.md': 'empty\n' });
  const runner = await startLocalRunner({
    server: cluster.devcluster.url,
    ferry: { ...FERRY_IMAGE, workingDir: REPO },
    stateDir: join(scratch, 'runner'),
    claims,
    addressPrefix: '127.3.1.',
    serviceAddressPrefix: '127.3.2.',
  });
  const operator = await startOperator(await writeKubeconfig(cluster), [
    '--leader-elect=false',
    '--namespace',
    'default',
    '--git-dir',
    repo.directory,
    '--git-interval',
    '2s',
    ...Object.entries(claims).flatMap(([claim, directory]) => ['--claim', `${claim}=${directory}`]),
  ]);
  try {
    const files: Record<string, string> = {};
    for (const file of (await readdir(IRIS)).filter((name) => name.endsWith('.yaml')))
      files[file] = await readFile(join(IRIS, file), 'utf8');
    const started = performance.now();
    await repo.commit(files, 'the iris example');
    const deadline = started + TIMEOUT_MS;
    for (;;) {
      const service = runner.services().find((candidate) => candidate.name === 'iris');
      const port = service?.ports[80];
      if (
        service !== undefined &&
        port !== undefined &&
        (await answers(`http://${service.address}:${String(port)}/v2/models/iris`))
      )
        return performance.now() - started;
      if (performance.now() > deadline) throw new Error('iris never answered');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await operator.stop();
    await runner.stop();
    await cluster.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export async function run(): Promise<void> {
  const cold: number[] = [];
  const printed: number[] = [];
  const warm: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const up = await coldUp();
    cold.push(up.ms);
    printed.push(up.printedMs);
    warm.push(await warmUp());
    console.log(
      `round ${String(round)}: ferry up ${seconds(up.ms)} (it printed ${seconds(up.printedMs)}), pre-started ${seconds(warm.at(-1) ?? NaN)}`,
    );
  }
  const coldMedian = median(cold);
  const warmMedian = median(warm);
  console.log(
    `ferry up examples/iris to the first answer: median ${seconds(coldMedian)} (target ≤ 60 s), as printed ${seconds(median(printed))}`,
  );
  console.log(
    `same steps on a pre-started devcluster, runner and operator: median ${seconds(warmMedian)}`,
  );
  console.log(
    `start-up cost: ${seconds(coldMedian - warmMedian)}, ferry up / pre-started = ${(coldMedian / warmMedian).toFixed(2)}x`,
  );
}
