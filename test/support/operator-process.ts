/**
 * Runs the real `ferry operator` as a child process against a devcluster, as it would run
 * in a pod: its own process, talking to the API server only over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, type TestCluster } from './cluster.js';

/** Leader election 7.5× faster than client-go's 15 s / 10 s / 2 s, so failover tests take seconds. */
export const FAST_LEASE_FLAGS = [
  '--lease-duration',
  '2s',
  '--renew-deadline',
  '1500ms',
  '--retry-period',
  '200ms',
];

export interface OperatorProcess {
  child: ChildProcess;
  /** Probe and metrics address, `host:port`. */
  address: string;
  /** Everything it logged so far (JSON lines). */
  logs: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export async function writeKubeconfig(cluster: TestCluster): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-test-'));
  const path = join(directory, 'kubeconfig');
  await writeFile(path, cluster.devcluster.kubeconfigYaml());
  return path;
}

export async function startOperator(
  kubeconfig: string,
  args: string[] = [],
  options: { nodeFlags?: readonly string[] } = {},
): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      join(REPO, 'dist', 'cli', 'main.js'),
      'operator',
      '--kubeconfig',
      kubeconfig,
      '--bind-address',
      '127.0.0.1:0',
      ...(process.env.FERRY_TEST_LOG_LEVEL === undefined
        ? []
        : ['--log-level', process.env.FERRY_TEST_LOG_LEVEL]),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`operator did not start:\n${stdout}\n${stderr}`));
    }, 15_000);
    const check = (): void => {
      const match = /on http:\/\/(\S+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`operator exited with ${String(code)}:\n${stdout}\n${stderr}`));
    });
  });
  return {
    child,
    address,
    logs: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      // Keep the operator's logs for a post-mortem when asked to.
      const keep = process.env.FERRY_TEST_LOG_DIR;
      if (keep !== undefined)
        await writeFile(join(keep, `operator-${String(child.pid)}.log`), stderr);
      return code;
    },
  };
}
