/**
 * The README's walkthrough, as a user follows it: `ferry up examples/iris` spawned from the
 * built CLI, the real kubectl against the KUBECONFIG it prints, HTTP to the URL it prints,
 * and Ctrl-C (SIGINT) at the end. Each step is one test, in the README's order and
 * numbering; they share the running `ferry up`.
 *
 * Then what a second run meets: a second `ferry up` on the same state directory while one
 * runs exits 2, and a restart resumes the objects, the repository and the claims as they were.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, REPO } from '../support/cluster.js';
import {
  descendants,
  isAlive,
  spawnFerry,
  spawnUp,
  type FerryProcess,
} from '../support/up-process.js';

const READY_MS = 180_000;

let stateDir: string;
let up: FerryProcess | undefined;
let kubeconfig = '';
let url = '';
let request = '';
let serviceUid = '';
let load: FerryProcess | undefined;

/** Starts `ferry load URL ARGS…` as the README shows it, and waits for its first second. */
async function startLoad(...args: string[]): Promise<FerryProcess> {
  const running = spawnFerry(['load', url, ...args]);
  load = running;
  await running.waitFor(/^\s+1s\s+sent \d+\s+200: \d+/m, 30_000);
  return running;
}

/** Ctrl-C of `ferry load`: it prints its total and exits 0 when every request was answered. */
async function stopLoad(running: FerryProcess): Promise<void> {
  running.child.kill('SIGINT');
  expect(await running.exited, running.output()).toBe(0);
  expect(running.output()).toMatch(/^total\s+sent \d+\s+200: \d+/m);
  expect(running.output()).not.toMatch(/\b5\d\d: |error: /);
}

/** Runs git in `directory` as a user would, with an identity of its own. */
async function gitIn(directory: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', [
    '-C',
    directory,
    '-c',
    'user.name=Walkthrough',
    '-c',
    'user.email=walkthrough@example.com',
    ...args,
  ]);
  return stdout;
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('kubectl', args, {
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  return stdout;
}

/** Sends SIGINT as Ctrl-C does, and checks that `ferry up` and every process it started end. */
async function interrupt(running: FerryProcess): Promise<number | null> {
  const pid = running.child.pid ?? 0;
  const started = descendants(pid);
  running.child.kill('SIGINT');
  const code = await running.exited;
  await eventually(
    () => started.every((child) => !isAlive(child)),
    15_000,
    `every process ferry up started (${started.join(', ')}) to end`,
  );
  return code;
}

/** Starts `ferry up examples/iris` on the state directory and reads how to reach it. */
async function startUp(): Promise<FerryProcess> {
  const running = spawnUp([join('examples', 'iris'), '--state-dir', stateDir]);
  up = running;
  kubeconfig = (await running.waitFor(/export KUBECONFIG=(\S+)/, 60_000))[1] ?? '';
  const answers = await running.waitFor(
    /iris answers at (\S+), [\d.]+ s after ferry up started\n\s+curl -s \S+ -H 'content-type: application\/json' \\\n\s+-d '([^']+)'/,
    READY_MS,
  );
  url = answers[1] ?? '';
  request = answers[2] ?? '';
  return running;
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'ferry-up-'));
});

afterAll(async () => {
  if (load !== undefined && load.child.exitCode === null && load.child.signalCode === null) {
    load.child.kill('SIGKILL');
    await load.exited;
  }
  if (up !== undefined && up.child.exitCode === null && up.child.signalCode === null)
    await interrupt(up);
  await rm(stateDir, { recursive: true, force: true });
});

describe('the README walkthrough', { timeout: READY_MS + 60_000 }, () => {
  it('1. `npx ferry up examples/iris` starts everything and says how to use it', async () => {
    const running = await startUp();
    const output = running.output();
    expect(output).toContain(`repository: ${join(stateDir, 'repo')} (branch main), made from`);
    expect(output).toMatch(/^synced commit [0-9a-f]{12}: 5 applied/m);
    expect(output).toMatch(/^dataset iris profiled: 150 rows, 5 columns/m);
    expect(kubeconfig).toBe(join(stateDir, 'kubeconfig'));
    // The user's folder is only read: Ferry made its own repository.
    expect(existsSync(join(REPO, 'examples', 'iris', '.git'))).toBe(false);
  });

  it('2. the first version becomes Ready and is served', async () => {
    await kubectl('wait', '--for=condition=Ready', 'infsvc/iris', '--timeout=60s');
    serviceUid = await kubectl('get', 'infsvc', 'iris', '-o', 'jsonpath={.metadata.uid}');
    const table = await kubectl('get', 'ferry');
    expect(table).toMatch(/inferenceservice\.ml\.ferry\.dev\/iris\s+iris-v1\s+iris-v1\s+0\s+True/);
    expect(table).toMatch(/dataset\.ml\.ferry\.dev\/iris\s+150\s+9cc1c345c71b\s+True/);
    await eventually(
      async () => /Stage:\s+Production/.test(await kubectl('describe', 'mv', 'iris-v1')),
      30_000,
      'iris-v1 Production in kubectl describe',
    );
  });

  it('3. a prediction is sent with curl', async () => {
    const response = await fetch(`${url}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: request,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      model_name: string;
      outputs: { name: string; data: unknown[] }[];
    };
    expect(answer.model_name).toBe('iris');
    expect(answer.outputs.find((output) => output.name === 'label')?.data).toHaveLength(1);
  });

  it('the training run shows in the progress lines and in kubectl logs', async () => {
    const running = up as FerryProcess;
    await running.waitFor(/^training iris-logreg started/m, 60_000);
    const finished = await running.waitFor(
      /^training iris-logreg finished in \S+: accuracy=([\d.]+)/m,
      READY_MS,
    );
    // The committed hyperparameters train too briefly: below the service's promotion gate,
    // so the version stays a Candidate and nothing is proposed.
    expect(Number(finished[1])).toBeLessThan(0.9);
    expect(running.output()).not.toContain('promotion proposed');
    const pod = await kubectl(
      'get',
      'pods',
      '-l',
      'ferry.dev/training-job=iris-logreg',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    );
    expect(await kubectl('logs', pod)).toContain('training on 123 rows with C=1, max_iter=20');
  });

  it('4. a hyperparameter is changed and committed: a new version is trained and registered', async () => {
    const running = up as FerryProcess;
    const repo = join(stateDir, 'repo');
    const file = join(repo, 'trainingjob.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('max_iter: 20', 'max_iter: 200'));
    await gitIn(repo, 'commit', '-qam', 'iris: train longer');
    const registered = await running.waitFor(
      /^version (iris-v3) registered: model iris version \d+, accuracy=([\d.]+)/m,
      READY_MS,
    );
    // iris-v1 is the hand-registered version 1, iris-v2 the first (short) run.
    expect(registered[1]).toBe('iris-v3');
    expect(Number(registered[2])).toBeGreaterThan(0.9231);
  });

  it('5. a promotion branch appears, and is merged', async () => {
    const running = up as FerryProcess;
    const proposed = await running.waitFor(
      /^promotion proposed: iris-v3 for InferenceService iris on branch (\S+); to accept it: git -C (\S+) merge (\S+)$/m,
      READY_MS,
    );
    expect(proposed[3]).toBe(proposed[1]);
    await gitIn(proposed[2] ?? '', 'merge', '-q', '--no-edit', proposed[3] ?? '');
    expect(await readFile(join(stateDir, 'repo', 'serving.yaml'), 'utf8')).toContain(
      'modelVersion: iris-v3',
    );
  });

  it('6. the canary rolls out under ferry load traffic, and is promoted', async () => {
    const running = up as FerryProcess;
    const traffic = await startLoad('--rate', '20');
    await running.waitFor(/^iris: canary iris-v3 at 10% \(step 1 of 2\)$/m, 60_000);
    await running.waitFor(/^iris: canary iris-v3 at 50% \(step 2 of 2\)$/m, READY_MS);
    await running.waitFor(/^iris: iris-v3 promoted, now serving all traffic$/m, READY_MS);
    await stopLoad(traffic);
    expect(running.output()).not.toContain('canary rolled back');
    expect(await kubectl('get', 'infsvc', 'iris', '-o', 'jsonpath={.status.stableVersion}')).toBe(
      'iris-v3',
    );
    await eventually(
      async () => /Stage:\s+Production/.test(await kubectl('describe', 'mv', 'iris-v3')),
      30_000,
      'iris-v3 Production in kubectl describe',
    );
    expect(await kubectl('get', 'mv', 'iris-v1', '-o', 'jsonpath={.status.stage}')).toBe(
      'Archived',
    );
  });

  it('7. shifted traffic makes the DriftMonitor Drifted, and a retraining job starts', async () => {
    const running = up as FerryProcess;
    const traffic = await startLoad('--rate', '40', '--shift', 'petal_length=2');
    await running.waitFor(
      /^drift check iris-inputs: \d+ samples, drift in petal_length \(psi [\d.]+ > 0\.25\)/m,
      READY_MS,
    );
    const retraining = await running.waitFor(
      /^drift iris-inputs: retraining with TrainingJob (\S+)$/m,
      30_000,
    );
    await stopLoad(traffic);
    await kubectl('wait', '--for=condition=Drifted', 'driftmonitor/iris-inputs', '--timeout=30s');
    const trainingJob = retraining[1] ?? '';
    await running.waitFor(new RegExp(`^training ${trainingJob} started`, 'm'), 60_000);
    const jobs = await kubectl(
      'get',
      'jobs',
      '-l',
      `ferry.dev/training-job=${trainingJob}`,
      '-o',
      'jsonpath={.items[*].metadata.name}',
    );
    expect(jobs).toBe(`${trainingJob}-1`);
  });

  it('a second ferry up on the same state directory says one runs, and exits 2', async () => {
    const second = spawnUp([join('examples', 'iris'), '--state-dir', stateDir]);
    expect(await second.exited).toBe(2);
    expect(second.stderr()).toContain(
      `ferry up: already running on ${stateDir} (pid ${String(up?.child.pid)})`,
    );
  });

  it('8. Ctrl-C stops everything: no process is left', async () => {
    const running = up as FerryProcess;
    expect(await interrupt(running)).toBe(0);
    expect(running.output()).toMatch(/stopped on SIGINT; run the same command again to resume\n$/);
    expect(existsSync(join(stateDir, 'up.pid'))).toBe(false);
    await expect(fetch(`${url}/ready`)).rejects.toThrow();
  });
});

describe('ferry up again on the same state directory', { timeout: READY_MS + 60_000 }, () => {
  it('resumes: the same objects, repository and URL, without training again', async () => {
    const before = url;
    const running = await startUp();
    expect(running.output()).toContain(
      `${join(stateDir, 'repo')} (branch main), made earlier from`,
    );
    expect(url).toBe(before);
    expect(await kubectl('get', 'infsvc', 'iris', '-o', 'jsonpath={.metadata.uid}')).toBe(
      serviceUid,
    );
    const jobs = await kubectl('get', 'jobs', '-o', 'jsonpath={.items[*].metadata.name}');
    // The two runs of iris-logreg, none started again.
    expect(jobs.split(' ').filter((job) => job.startsWith('iris-logreg-'))).toEqual([
      'iris-logreg-1',
      'iris-logreg-2',
    ]);
    expect(await kubectl('get', 'tjob', 'iris-logreg', '-o', 'jsonpath={.status.phase}')).toBe(
      'Succeeded',
    );
    expect(await interrupt(running)).toBe(0);
  });
});
