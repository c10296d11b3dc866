/**
 * `ferry up` (or any long-running ferry command, such as `ferry load`) as a user runs it:
 * the built CLI spawned in a terminal-like way, its output read as it comes, and the
 * processes it started found through /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cluster.js';

export interface FerryProcess {
  child: ChildProcess;
  /** Everything it printed on stdout so far. */
  output: () => string;
  stderr: () => string;
  /** Waits until stdout matches `pattern`, and returns the match. */
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<RegExpMatchArray>;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

export const FERRY_CLI = join(REPO, 'dist', 'cli', 'main.js');

export function spawnUp(args: readonly string[], cwd = REPO): FerryProcess {
  return spawnFerry(['up', ...args], cwd);
}

/** Spawns `ferry ARGS…` from the built CLI; `args[0]` is the command. */
export function spawnFerry(args: readonly string[], cwd = REPO): FerryProcess {
  const command = `ferry ${args[0] ?? ''}`;
  const child = spawn(process.execPath, [FERRY_CLI, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    output: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = stdout.match(pattern);
          if (match === null) return;
          finish();
          resolve(match);
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(`${command} printed no ${String(pattern)}:\n${stdout}\nstderr:\n${stderr}`),
          );
        }, timeoutMs);
        const gone = (code: number | null): void => {
          finish();
          reject(
            new Error(
              `${command} exited (${String(code)}) before ${String(pattern)}:\n${stdout}\n${stderr}`,
            ),
          );
        };
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', gone);
        };
        listeners.add(check);
        child.once('exit', gone);
        check();
      }),
  };
}

/** Every live descendant of `pid` (children, their children, …), read from /proc. */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const children = (parent: number): number[] => {
    try {
      return readdirSync(`/proc/${String(parent)}/task`).flatMap((task) =>
        readFileSync(`/proc/${String(parent)}/task/${task}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter((entry) => entry !== '')
          .map(Number),
      );
    } catch {
      return [];
    }
  };
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children(queue.shift() ?? 0)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Whether a process `pid` exists now (a zombie awaiting its parent counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
