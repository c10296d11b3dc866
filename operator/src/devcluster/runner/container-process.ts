/**
 * One container of a pod as a local process, with kubelet's `restartPolicy: Always`.
 *
 * Contract:
 * - `start` spawns the command; `status()` is the container's `containerStatuses` entry
 *   as kubelet writes it (name, image, imageID '', ready, started, restartCount, state,
 *   lastState), and `onChange` is called whenever it changes.
 * - A process that exits, with any code, is run again after a back-off: `lastState`
 *   holds `terminated` with the exit code and, as `message`, the last 2 KiB of that run's
 *   stderr (kubelet's `FallbackToLogsOnError`); meanwhile `state` is
 *   `waiting: CrashLoopBackOff`, and `restartCount` goes up when the process is started
 *   again. Local-runner choice: the back-off starts at 1 s and doubles up to 20 s (kubelet:
 *   10 s up to 5 min), so mistakes show quickly; it starts over once a run lasts 40 s.
 * - The process sees a few variables of the host (PATH, HOME, TMPDIR, LANG), `HOSTNAME`
 *   set to the pod name, and the container's own env. Its stdout and stderr go to `output`.
 * - `stop` cancels any pending restart, sends SIGTERM, SIGKILL after 5 s, and resolves once
 *   the process has exited (at once when none runs). No restart follows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import { timestamp } from '../core/time.js';
import type { JsonObject } from './json.js';
import { ReadinessProber, type ReadinessCheck } from './probe.js';

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 20_000;
const BACKOFF_RESET_AFTER_MS = 2 * MAX_BACKOFF_MS;
const KILL_AFTER_MS = 5_000;
const MESSAGE_BYTES = 2_048;
const HOST_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG'];

export interface ContainerProcessOptions {
  pod: { namespace: string; name: string; uid: string };
  name: string;
  image: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  readiness: ReadinessCheck;
  output: Writable | undefined;
  log: (line: string) => void;
  onChange: () => void;
}

export class ContainerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private state: JsonObject = { waiting: { reason: 'ContainerCreating' } };
  private lastState: JsonObject = {};
  private restartCount = 0;
  private crashes = 0;
  private prober: ReadinessProber | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly options: ContainerProcessOptions) {}

  start(): void {
    this.spawn();
  }

  get ready(): boolean {
    if (this.child === undefined) return false;
    if (this.options.readiness.kind === 'invalid') return false;
    return this.prober?.ready ?? true;
  }

  get restarts(): number {
    return this.restartCount;
  }

  status(): JsonObject {
    const running = this.child !== undefined;
    return {
      name: this.options.name,
      image: this.options.image,
      imageID: '',
      ready: this.ready,
      started: running,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.prober?.stop();
    const child = this.child;
    if (child !== undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await this.exited;
      clearTimeout(killer);
    }
  }

  private get where(): string {
    const { pod, name } = this.options;
    return `pod ${pod.namespace}/${pod.name} container ${name}`;
  }

  private spawn(): void {
    const [file = '', ...args] = this.options.argv;
    const env: Record<string, string> = {};
    for (const name of HOST_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, { HOSTNAME: this.options.pod.name }, this.options.env);
    const startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      // Arguments spawn refuses (a NUL byte, say) fail like a binary that cannot start.
      this.onExit(
        startedAt,
        null,
        null,
        error instanceof Error ? error.message : String(error),
        true,
      );
      return;
    }
    this.child = child;
    this.state = { running: { startedAt: timestamp(startedAt) } };
    const output = this.options.output;
    let stderr = Buffer.alloc(0);
    child.stdout?.on('data', (chunk: Buffer) => output?.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      output?.write(chunk);
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > MESSAGE_BYTES) stderr = stderr.subarray(stderr.length - MESSAGE_BYTES);
    });
    let startError: Error | undefined;
    child.on('error', (error) => {
      startError = error;
    });
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.onExit(
          startedAt,
          code,
          signal,
          startError?.message ?? stderr.toString('utf8').trim(),
          startError !== undefined,
        );
        resolve();
      });
    });
    if (child.pid !== undefined) this.options.log(`${this.where}: started (pid ${child.pid})`);
    const readiness = this.options.readiness;
    if (readiness.kind === 'http') {
      const prober = new ReadinessProber(readiness, () => {
        this.options.log(`${this.where}: ${prober.ready ? 'ready' : 'not ready'}`);
        this.options.onChange();
      });
      this.prober = prober;
      prober.start();
    }
    this.options.onChange();
  }

  private onExit(
    startedAt: number,
    code: number | null,
    signal: NodeJS.Signals | null,
    message: string,
    failedToStart: boolean,
  ): void {
    this.child = undefined;
    this.prober?.stop();
    this.prober = undefined;
    if (this.stopping) return;
    const finishedAt = Date.now();
    const exitCode =
      failedToStart || code === null || code < 0
        ? 128 + (signal === null ? 0 : constants.signals[signal])
        : code;
    this.lastState = {
      terminated: {
        exitCode,
        ...(signal === null ? {} : { signal: constants.signals[signal] }),
        reason: failedToStart ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
        ...(message === '' ? {} : { message }),
        startedAt: timestamp(startedAt),
        finishedAt: timestamp(finishedAt),
      },
    };
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
    const lastLine = message.split('\n').at(-1)?.slice(0, 300) ?? '';
    this.options.log(
      `${this.where}: exited with code ${exitCode}${signal === null ? '' : ` (${signal})`}${lastLine === '' ? '' : ` (${lastLine})`}; restarting in ${delay / 1000} s`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restartCount++;
      this.options.log(`${this.where}: restarting (restart ${this.restartCount})`);
      this.spawn();
    }, delay);
    this.options.onChange();
  }
}
