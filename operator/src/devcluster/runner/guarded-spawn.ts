/**
 * Spawns a command as the leader of its own process group, guarded so that the group dies
 * with the process that spawned it, however that process ends (even SIGKILL).
 *
 * The command runs under a `/bin/sh` that holds one end of a pipe (fd 3) whose other end
 * only the spawning process holds; a background watchdog reads it and, at end of file (the
 * spawner is gone), kills the whole group. The foreground shell closes fd 3 and `exec`s
 * the command, so the child's PID is the command's and the group's.
 */
import { spawn, type ChildProcess, type StdioNull, type StdioPipe } from 'node:child_process';

const WATCHDOG =
  '(read -r _ <&3; kill -s KILL 0) </dev/null >/dev/null 2>&1 & exec 3<&-; exec "$@"';

export interface GuardedSpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** What fds 0 to 2 are; fd 3 is always the watchdog's pipe. */
  stdio: readonly [StdioNull | StdioPipe | number, StdioPipe | number, StdioPipe | number];
  /** `$0` of the shell, shown by `ps` until it `exec`s. */
  name: string;
}

export function spawnGuarded(argv: readonly string[], options: GuardedSpawnOptions): ChildProcess {
  return spawn('/bin/sh', ['-c', WATCHDOG, options.name, ...argv], {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    stdio: [...options.stdio, 'pipe'],
  });
}

/** Sends `signal` to the child's whole process group; a group already gone is not an error. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group has ended.
  }
}
