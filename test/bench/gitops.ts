/**
 * `npm run bench gitops`: the git sync of the real `ferry operator` against a devcluster.
 *
 * - Webhook to applied: a commit changes one object of the iris example's repository; the
 *   time from the signed push delivery to the change being visible through the API, p50
 *   and p95 (target p95 ≤ 1 s), against a bare `kubectl apply` of the same manifests,
 *   timed to the same observation, in interleaved rounds.
 * - A 500-manifest repository: the first sync's duration (the operator's own
 *   `ferry_gitops_sync_duration_seconds`) and a one-file change's webhook to applied,
 *   against `kubectl apply` of the 500 files and of the one file.
 * - Steady-state polls of GitHub (`--github-repo`, against the OpenAPI-checked stand-in):
 *   the share of branch polls answered 304, which cost no rate limit (target ≥ 90%),
 *   against the polls that found a new commit.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from '../support/cluster.js';
import { startFerryCluster } from '../support/ferry.js';
import { createRepo, type WorkRepo } from '../support/git.js';
import {
  configMap,
  deliverPush,
  reportFor,
  startGitHubOperator,
  startWebhookOperator,
} from '../support/gitops.js';
import type { OperatorProcess } from '../support/operator-process.js';
import type { TestCluster } from '../support/cluster.js';
import { git } from '../support/git.js';
import { GitHubStandIn } from '../support/github/standin.js';

const exec = promisify(execFile);
const ROUNDS = Number(process.env.FERRY_BENCH_ROUNDS ?? 20);
const MANIFESTS = 500;
const SECRET = 'bench-secret';
const BASELINE_NS = 'baseline';

function settings(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
}

function dataset(name: string): string {
  return `apiVersion: ml.ferry.dev/v1alpha1\nkind: Dataset\nmetadata:\n  name: ${name}\nspec:\n  source:\n    uri: file:///data/${name}.csv\n`;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Setup {
  cluster: TestCluster;
  kubeconfig: string;
  repo: WorkRepo;
  operator: OperatorProcess;
}

async function setUp(files: Record<string, string>): Promise<Setup> {
  const { cluster, kubeconfig, api } = await startFerryCluster();
  await api.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: BASELINE_NS },
  });
  const repo = await createRepo();
  const first = await repo.commit(files);
  const operator = await startWebhookOperator(kubeconfig, repo.directory, SECRET, [
    '--log-level',
    'warn',
  ]);
  await reportFor(cluster, 'default', first, 'Synced', 120_000);
  return { cluster, kubeconfig, repo, operator };
}

/** Commits `files`, delivers the push, and times until `applied` holds. */
async function pushAndWait(
  setup: Setup,
  files: Record<string, string>,
  round: number,
  applied: () => Promise<boolean>,
): Promise<number> {
  const commit = await setup.repo.commit(files);
  const started = performance.now();
  const response = await deliverPush(setup.operator.address, SECRET, {
    ref: 'refs/heads/main',
    after: commit,
    delivery: `bench-${round}-${commit}`,
  });
  if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
  await until(applied);
  return performance.now() - started;
}

/** `kubectl apply -f` of `paths` into the baseline namespace, timed until `applied` holds. */
async function kubectlApply(
  kubeconfig: string,
  paths: readonly string[],
  applied: () => Promise<boolean>,
): Promise<number> {
  const started = performance.now();
  await exec(
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      'apply',
      '-n',
      BASELINE_NS,
      ...paths.flatMap((path) => ['-f', path]),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  await until(applied);
  return performance.now() - started;
}

/**
 * `rounds` changes of ConfigMap `name`'s value, each timed twice until it shows: committed
 * at `gitFile` and pushed, and written to `plainFile` and applied from `applyPath` by kubectl.
 */
async function timeChanges(
  setup: Setup,
  rounds: number,
  change: { name: string; gitFile: string; plainFile: string; applyPath: string },
): Promise<{ gitops: number[]; kubectl: number[] }> {
  const gitops: number[] = [];
  const kubectl: number[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const value = String(round);
    const hasValue = (namespace: string) => async () =>
      (await configMap(setup.cluster, namespace, change.name))?.data?.value === value;
    const manifest = settings(change.name, value);
    gitops.push(
      await pushAndWait(setup, { [change.gitFile]: manifest }, round, hasValue('default')),
    );
    await writeFile(change.plainFile, manifest);
    kubectl.push(await kubectlApply(setup.kubeconfig, [change.applyPath], hasValue(BASELINE_NS)));
  }
  return { gitops, kubectl };
}

async function syncSeconds(operator: OperatorProcess): Promise<number> {
  const text = await (await fetch(`http://${operator.address}/metrics`)).text();
  return Number(
    /^ferry_gitops_sync_duration_seconds_sum\{result="Synced"\} (\S+)/m.exec(text)?.[1],
  );
}

async function webhookToApplied(): Promise<void> {
  const iris = join(REPO, 'examples', 'iris');
  const files: Record<string, string> = { 'settings.yaml': settings('bench', '0') };
  for (const file of ['dataset.yaml', 'trainingjob.yaml', 'modelversion.yaml', 'serving.yaml']) {
    files[file] = await readFile(join(iris, file), 'utf8');
  }
  const setup = await setUp(files);
  const plain = await mkdtemp(join(tmpdir(), 'ferry-bench-plain-'));
  for (const file of Object.keys(files)) {
    if (file === 'settings.yaml') continue;
    await copyFile(join(iris, file), join(plain, file));
  }
  let timed;
  try {
    timed = await timeChanges(setup, ROUNDS, {
      name: 'bench',
      gitFile: 'settings.yaml',
      plainFile: join(plain, 'settings.yaml'),
      applyPath: plain,
    });
  } finally {
    await setup.operator.stop();
    await setup.cluster.stop();
  }
  const { gitops, kubectl } = timed;
  const p50 = quantile(gitops, 0.5);
  const p95 = quantile(gitops, 0.95);
  const b50 = quantile(kubectl, 0.5);
  const b95 = quantile(kubectl, 0.95);
  console.log(
    `webhook to applied (iris example, ${ROUNDS} rounds): p50 ${ms(p50)}, p95 ${ms(p95)} (target p95 ≤ 1000 ms; ${(p95 / 1000).toFixed(2)}× the budget)`,
  );
  console.log(
    `baseline kubectl apply of the same manifests: p50 ${ms(b50)}, p95 ${ms(b95)}; sync/kubectl ${(p50 / b50).toFixed(2)}× at p50, ${(p95 / b95).toFixed(2)}× at p95`,
  );
}

async function largeRepository(): Promise<void> {
  const files: Record<string, string> = {};
  for (let i = 0; i < MANIFESTS; i += 1) {
    const name = `object-${String(i).padStart(3, '0')}`;
    files[`manifests/${name}.yaml`] = i % 10 === 0 ? dataset(name) : settings(name, '0');
  }
  const started = performance.now();
  const setup = await setUp(files);
  const firstWall = performance.now() - started;
  const firstSync = (await syncSeconds(setup.operator)) * 1000;
  const plain = await mkdtemp(join(tmpdir(), 'ferry-bench-large-'));
  for (const [path, text] of Object.entries(files)) {
    await writeFile(join(plain, path.replace('manifests/', '')), text);
  }
  try {
    const lastName = `object-${String(MANIFESTS - 1).padStart(3, '0')}`;
    const baselineFirst = await kubectlApply(
      setup.kubeconfig,
      [plain],
      async () => (await configMap(setup.cluster, BASELINE_NS, lastName)) !== undefined,
    );
    const one = join(plain, 'object-001.yaml');
    const { gitops: change, kubectl: baselineChange } = await timeChanges(setup, 5, {
      name: 'object-001',
      gitFile: 'manifests/object-001.yaml',
      plainFile: one,
      applyPath: one,
    });
    console.log(
      `${MANIFESTS}-manifest repository, first sync: ${ms(firstSync)} in the operator (${ms(firstWall)} from starting the process); kubectl apply of the ${MANIFESTS} files: ${ms(baselineFirst)}; sync/kubectl ${(firstSync / baselineFirst).toFixed(2)}×`,
    );
    const c50 = quantile(change, 0.5);
    const k50 = quantile(baselineChange, 0.5);
    console.log(
      `${MANIFESTS}-manifest repository, one-file change, webhook to applied: p50 ${ms(c50)} of 5; kubectl apply of that file: p50 ${ms(k50)}; sync/kubectl ${(c50 / k50).toFixed(2)}×`,
    );
  } finally {
    await setup.operator.stop();
    await setup.cluster.stop();
  }
}

async function githubPolls(): Promise<void> {
  const token = 'ghp_benchtoken0000000000000000000000000';
  const { cluster, kubeconfig } = await startFerryCluster();
  const github = await GitHubStandIn.start({ owner: 'ferry-ml', repo: 'models', token });
  const work = await mkdtemp(join(tmpdir(), 'ferry-bench-github-'));
  const clone = join(work, 'clone');
  await git(work, 'clone', '-q', github.gitDir, clone);
  await writeFile(join(work, 'token'), token);
  const push = async (value: string): Promise<void> => {
    await writeFile(join(clone, 'settings.yaml'), settings('settings', value));
    await git(clone, 'add', '.');
    await git(clone, 'commit', '-q', '-m', value);
    await git(clone, 'push', '-q', 'origin', 'HEAD:main');
  };
  await push('0');
  const operator = await startGitHubOperator(kubeconfig, github, join(work, 'token'), '100ms');
  try {
    await until(async () => (await configMap(cluster, 'default', 'settings')) !== undefined);
    const start = github.exchanges.length;
    // Ten seconds of polling with a commit every two seconds.
    for (let round = 1; round <= 5; round += 1) {
      await push(String(round));
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const polls = github.exchanges
      .slice(start)
      .filter((exchange) => exchange.operationId === 'git/get-ref');
    const notModified = polls.filter((exchange) => exchange.status === 304).length;
    console.log(
      `github polls: ${String(polls.length)} branch polls over 10 s with 5 new commits; ${String(notModified)} answered 304 = ${((100 * notModified) / Math.max(1, polls.length)).toFixed(1)}% (target ≥ 90%); OpenAPI violations ${String(github.violations.length)}`,
    );
  } finally {
    await operator.stop();
    await cluster.stop();
    await github.stop();
  }
}

export async function run(): Promise<void> {
  await webhookToApplied();
  await largeRepository();
  await githubPolls();
}
