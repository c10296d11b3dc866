/**
 * One container of a pod as a local process, with kubelet's restart policies.
 *
 * Contract:
 * - `start` spawns the command; `status()` is the container's `containerStatuses` entry
 *   as kubelet writes it (name, image, imageID '', ready, started, restartCount, state,
 *   lastState), and `onChange` is called whenever it changes.
 * - A run that ends is `terminated` with its exit code (128 + signal when killed), reason
 *   Completed, Error or StartError (the command does not exist), and its termination
 *   message: the last 4096 bytes of the file that plays `terminationMessagePath`, emptied
 *   before every run; with `FallbackToLogsOnError`, a failed run that wrote none gets the
 *   last 80 lines (at most 2048 bytes) of its output instead, as kubelet does.
 * - `restartPolicy` decides what follows: `Always` runs it again, `OnFailure` only after a
 *   non-zero exit, `Never` never; a run that is not followed stays as `state.terminated`.
 *   Before a restart `lastState` holds the run, `state` is `waiting: CrashLoopBackOff`, and
 *   `restartCount` goes up when the process starts again. Local-runner choice: the
 *   back-off starts at 1 s and doubles up to 20 s (kubelet: 10 s up to 5 min), so mistakes
 *   show quickly; it starts over once a run lasts 40 s.
 * - The process sees a few variables of the host (PATH, HOME, TMPDIR, LANG), `HOSTNAME`
 *   set to the pod name, and the container's own env, and runs in `workingDir` (created
 *   when missing). Its stdout and stderr go to the run's log file (see container-logs).
 * - Each run is its own process group, led by a `/bin/sh` that holds one end of a socket
 *   whose other end only the runner holds, then `exec`s the command: when the runner's
 *   process ends in any way, even SIGKILL, the socket closes and the shell's watchdog
 *   kills the whole group. When the command exits, what is left of its group is killed,
 *   as a container's processes end with its main process.
 * - `stop(grace)` cancels any pending restart, sends SIGTERM to the group, SIGKILL after
 *   `grace` seconds, and resolves once the run has ended and its status is recorded (at
 *   once when none runs). No restart follows.
 */
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { timestamp } from '../core/time.js';
import { spawnGuarded, signalGroup } from './guarded-spawn.js';
import { lastLines, runLogFile, RunLogWriter } from './container-logs.js';
import type { JsonObject } from './json.js';
import { ReadinessProber, type ReadinessCheck } from './probe.js';

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 20_000;
const BACKOFF_RESET_AFTER_MS = 2 * MAX_BACKOFF_MS;
const MESSAGE_BYTES = 4_096;
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2_048;
const HOST_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG'];

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export interface ContainerProcessOptions {
  pod: { namespace: string; name: string; uid: string };
  name: string;
  image: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  workingDir: string;
  /** Directories to create before the first run (its volumes). */
  directories: readonly string[];
  /** The restartCount to start from: a container that ran before the runner restarted goes on counting. */
  restartCount: number;
  restartPolicy: RestartPolicy;
  readiness: ReadinessCheck;
  /** This container's directory under the state dir: its run logs go here. */
  directory: string;
  /** The file that plays terminationMessagePath. */
  terminationLog: string;
  fallbackToLogsOnError: boolean;
  log: (line: string) => void;
  onChange: () => void;
}

interface Run {
  child: ChildProcess;
  /** Resolves once the run has ended and its status is recorded. */
  ended: Promise<void>;
}

export class ContainerProcess {
  private run: Run | undefined;
  private starting: Promise<void> | undefined;
  private state: JsonObject = { waiting: { reason: 'ContainerCreating' } };
  private lastState: JsonObject = {};
  private restartCount: number;
  private crashes = 0;
  private prober: ReadinessProber | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private finalExitCode: number | undefined;

  constructor(private readonly options: ContainerProcessOptions) {
    this.restartCount = options.restartCount;
  }

  start(): void {
    this.starting = this.spawn().catch((error: unknown) => {
      this.onExit(Date.now(), {
        exitCode: 128,
        reason: 'StartError',
        message: error instanceof Error ? error.message : String(error),
      });
    });
  }

  get ready(): boolean {
    if (this.run === undefined) return false;
    if (this.options.readiness.kind === 'invalid') return false;
    return this.prober?.ready ?? true;
  }

  get restarts(): number {
    return this.restartCount;
  }

  /** Whether a process of this container runs now. */
  get running(): boolean {
    return this.run !== undefined;
  }

  /** The exit code once it has ended for good (`state.terminated`), else undefined. */
  get exitCode(): number | undefined {
    return this.finalExitCode;
  }

  status(): JsonObject {
    return {
      name: this.options.name,
      image: this.options.image,
      imageID: '',
      ready: this.ready,
      started: this.run !== undefined,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }

  async stop(graceSeconds: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    // Readiness is still probed while the process shuts down, as kubelet does.
    await this.starting;
    const run = this.run;
    if (run === undefined) return;
    signalGroup(run.child, 'SIGTERM');
    const killer = setTimeout(() => {
      signalGroup(run.child, 'SIGKILL');
    }, graceSeconds * 1000);
    await run.ended;
    clearTimeout(killer);
  }

  private get where(): string {
    const { pod, name } = this.options;
    return `pod ${pod.namespace}/${pod.name} container ${name}`;
  }

  private async spawn(): Promise<void> {
    const options = this.options;
    const startedAt = Date.now();
    const env: Record<string, string> = {};
    for (const name of HOST_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, { HOSTNAME: options.pod.name }, options.env);
    await mkdir(options.directory, { recursive: true });
    for (const directory of [options.workingDir, ...options.directories])
      await mkdir(directory, { recursive: true });
    await writeFile(options.terminationLog, '');
    const logFile = runLogFile(options.directory, this.restartCount);
    const [file = ''] = options.argv;
    const missing = await missingExecutable(file, env['PATH'] ?? '', options.workingDir);
    if (this.stopping) return;
    if (missing !== undefined) {
      this.onExit(startedAt, { exitCode: 128, reason: 'StartError', message: missing });
      return;
    }
    const output = new RunLogWriter(logFile, (error) => {
      options.log(`${this.where}: log file: ${error.message}`);
    });
    const child = spawnGuarded(options.argv, {
      env,
      cwd: options.workingDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      name: options.name,
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output.write('stdout', chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output.write('stderr', chunk);
    });
    let startError: Error | undefined;
    child.on('error', (error) => {
      startError = error;
    });
    // The end of the run: the command has exited (the rest of its group is killed then) and
    // its output is drained.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolveExit) => {
        child.on('exit', (code, signal) => {
          signalGroup(child, 'SIGKILL');
          resolveExit({ code, signal });
        });
        child.on('error', () => {
          resolveExit({ code: null, signal: null });
        });
      },
    );
    const closed = new Promise<void>((resolveClose) =>
      child.on('close', () => {
        resolveClose();
      }),
    );
    const ended = exited.then(async ({ code, signal }) => {
      await closed;
      await output.end();
      if (startError !== undefined) {
        this.onExit(startedAt, {
          exitCode: 128,
          reason: 'StartError',
          message: startError.message,
        });
        return;
      }
      const exitCode =
        code === null || code < 0 ? 128 + (signal === null ? 0 : constants.signals[signal]) : code;
      this.onExit(startedAt, {
        exitCode,
        ...(signal === null ? {} : { signal: constants.signals[signal] }),
        reason: exitCode === 0 ? 'Completed' : 'Error',
        message: await this.message(exitCode, logFile),
      });
    });
    this.run = { child, ended };
    this.state = { running: { startedAt: timestamp(startedAt) } };
    if (child.pid !== undefined) options.log(`${this.where}: started (pid ${child.pid})`);
    const readiness = options.readiness;
    if (readiness.kind === 'http') {
      const prober = new ReadinessProber(readiness, () => {
        options.log(`${this.where}: ${prober.ready ? 'ready' : 'not ready'}`);
        options.onChange();
      });
      this.prober = prober;
      prober.start();
    }
    options.onChange();
  }

  /** The run's termination message, as kubelet reads it. */
  private async message(exitCode: number, logFile: string): Promise<string> {
    const written = await readTail(this.options.terminationLog, MESSAGE_BYTES);
    if (written !== '' || exitCode === 0 || !this.options.fallbackToLogsOnError) return written;
    return lastLines(logFile, FALLBACK_LINES, FALLBACK_BYTES);
  }

  private onExit(
    startedAt: number,
    ending: { exitCode: number; signal?: number; reason: string; message: string },
  ): void {
    this.run = undefined;
    this.prober?.stop();
    this.prober = undefined;
    const finishedAt = Date.now();
    const { message, ...rest } = ending;
    const terminated: JsonObject = {
      terminated: {
        ...rest,
        ...(message === '' ? {} : { message }),
        startedAt: timestamp(startedAt),
        finishedAt: timestamp(finishedAt),
      },
    };
    const policy = this.options.restartPolicy;
    const restart =
      !this.stopping && (policy === 'Always' || (policy === 'OnFailure' && ending.exitCode !== 0));
    const lastLine = message.split('\n').at(-1)?.slice(0, 300) ?? '';
    const summary = `${this.where}: exited with code ${ending.exitCode}${lastLine === '' ? '' : ` (${lastLine})`}`;
    if (!restart) {
      this.state = terminated;
      this.finalExitCode = ending.exitCode;
      this.options.log(summary);
      this.options.onChange();
      return;
    }
    this.lastState = terminated;
    if (finishedAt - startedAt >= BACKOFF_RESET_AFTER_MS) this.crashes = 0;
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** this.crashes, MAX_BACKOFF_MS);
    this.crashes++;
    const { pod, name } = this.options;
    this.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${delay / 1000}s restarting failed container=${name} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      },
    };
    this.options.log(`${summary}; restarting in ${delay / 1000} s`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restartCount++;
      this.options.log(`${this.where}: restarting (restart ${this.restartCount})`);
      this.start();
    }, delay);
    this.options.onChange();
  }
}

/** Signals the child's whole process group; a group that is gone is fine. */
/** Why `file` cannot be executed, in runc's words, or undefined when it can. */
async function missingExecutable(
  file: string,
  path: string,
  cwd: string,
): Promise<string | undefined> {
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : resolve(cwd, file)]
    : path
        .split(delimiter)
        .filter((directory) => directory !== '')
        .map((directory) => join(directory, file));
  for (const candidate of candidates) {
    try {
      await access(candidate, fsConstants.X_OK);
      return undefined;
    } catch {
      // Try the next one.
    }
  }
  return file.includes('/')
    ? `exec: "${file}": stat ${file}: no such file or directory`
    : `exec: "${file}": executable file not found in $PATH`;
}

/** The last `max` bytes of a file, '' when it is missing or empty. */
async function readTail(path: string, max: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
