/**
 * `ferry operator` as a child of `ferry up`, as it runs in a cluster: its own process,
 * reaching the API server over HTTP only, its JSON logs appended to a file. It leads its
 * own process group (the ModelVersion inspector's children included), guarded so the
 * group dies with `ferry up` however that ends; `stop` sends SIGTERM (the operator
 * finishes in-flight reconciles) and SIGKILL after a grace period.
 */
import { open } from 'node:fs/promises';
import { signalGroup, spawnGuarded } from '../devcluster/index.js';

export interface OperatorChild {
  pid: number | undefined;
  /** Resolves with the exit code (null when killed by a signal) whenever it ends. */
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

export async function startOperatorChild(options: {
  argv: readonly string[];
  cwd: string;
  logFile: string;
}): Promise<OperatorChild> {
  const log = await open(options.logFile, 'a');
  const child = spawnGuarded(options.argv, {
    env: process.env,
    cwd: options.cwd,
    stdio: ['ignore', log.fd, log.fd],
    name: 'ferry-operator',
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      signalGroup(child, 'SIGKILL');
      resolve(code);
    });
    child.once('error', () => {
      resolve(null);
    });
  });
  void exited.finally(() => log.close());
  return {
    pid: child.pid,
    exited,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => {
        signalGroup(child, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
