/** Shared test helpers: a devcluster per suite, real kubectl runs, CRDs a real apiserver accepts. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevCluster, type DevClusterOptions } from '../../operator/src/devcluster/index.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const CRDS = join(REPO, 'crds');
export const EXAMPLES = join(REPO, 'examples', 'iris');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Harness {
  cluster: DevCluster;
  dir: string;
  kubeconfig: string;
  /** Runs the real kubectl with a fresh HOME and discovery cache. */
  kubectl: (args: string[], input?: string) => Promise<Result>;
  /** Starts kubectl and returns the process and its collected output, for -w and wait. */
  spawnKubectl: (args: string[]) => Running;
  stop: () => Promise<void>;
}

export interface Running {
  child: ChildProcess;
  output: () => string;
  done: Promise<Result>;
}

export async function startHarness(options: DevClusterOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'devcluster-test-'));
  const cluster = await DevCluster.start(options);
  const kubeconfig = join(dir, 'kubeconfig');
  await cluster.writeKubeconfig(kubeconfig);
  let runs = 0;
  const spawnKubectl = (args: string[], input?: string): Running => {
    const home = join(dir, `home-${++runs}`);
    const child = spawn(
      '/usr/bin/kubectl',
      [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(home, 'cache')],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input ?? '');
    const done = new Promise<Result>((resolve) => {
      child.on('close', (code) => {
        resolve({ code, stdout, stderr });
      });
    });
    return { child, output: () => stdout, done };
  };
  return {
    cluster,
    dir,
    kubeconfig,
    kubectl: async (args, input) => {
      await mkdir(dir, { recursive: true });
      return spawnKubectl(args, input).done;
    },
    spawnKubectl: (args) => spawnKubectl(args),
    stop: async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true or `ms` pass. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
