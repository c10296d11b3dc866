/**
 * One Pod on this machine: its containers as local processes at the pod's IP.
 *
 * Contract: the pod's spec is read once, when the worker is made (a real pod's containers
 * cannot change either). Each container either runs (see ContainerProcess) or waits with
 * the reason it cannot (see `launchOf`); without an IP nothing runs. A container's files
 * live in `<pod directory>/<container>/` under the state dir (run logs, the file that plays
 * its terminationMessagePath, and its working directory `work/` when it sets none);
 * emptyDir volumes are `<pod directory>/volumes/<name>/`.
 * `status` gives the pod status kubelet would write; `stop` ends every process, giving
 * each the grace period, after its `preStop` sleep when asked to run hooks.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { podDirectory } from './container-logs.js';
import { ContainerProcess, RESTART_POLICIES, type RestartPolicy } from './container-process.js';
import {
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  type JsonObject,
  type ObjectIdentity,
} from './json.js';
import { launchOf, type FerryImage } from './launch.js';
import { HOST_IP, podStatus, type PodPhase } from './pod-status.js';
import { readinessCheck } from './probe.js';

export interface PodWorkerOptions {
  ferry: FerryImage;
  /** The local directory of a PersistentVolumeClaim. */
  claimDirectory: (claim: string) => string;
  stateDir: string;
  log: (line: string) => void;
  /** Called whenever `status` may have changed. */
  onChange: () => void;
}

type Container =
  | {
      kind: 'process';
      name: string;
      process: ContainerProcess;
      /** Seconds of the container's `lifecycle.preStop.sleep` hook, when it has one. */
      preStopSleep: number | undefined;
    }
  | { kind: 'waiting'; name: string; status: JsonObject };

/** What kubelet grants a container whose preStop hook used up the grace period. */
const HOOK_OVERRUN_GRACE_SECONDS = 2;

export class PodWorker {
  private readonly containers: Container[];
  private readonly hooks = new AbortController();
  /** The pod's directory under the state dir. */
  readonly directory: string;

  constructor(
    readonly pod: ObjectIdentity,
    object: JsonObject,
    /** undefined when no address was free: `noAddress` says why. */
    readonly ip: string | undefined,
    noAddress: string,
    options: PodWorkerOptions,
  ) {
    const where = `pod ${pod.namespace}/${pod.name}`;
    this.directory = podDirectory(options.stateDir, pod);
    const volumes = objectsAt(object, 'spec', 'volumes');
    const policy = stringAt(object, 'spec', 'restartPolicy');
    const restartPolicy: RestartPolicy =
      RESTART_POLICIES.find((known) => known === policy) ?? 'Always';
    this.containers = objectsAt(object, 'spec', 'containers').map((container): Container => {
      const name = stringAt(container, 'name') ?? '';
      const image = stringAt(container, 'image') ?? '';
      const directory = join(this.directory, name);
      const terminationLog = join(directory, 'termination-log');
      const launch =
        ip === undefined
          ? { kind: 'waiting' as const, reason: 'ContainerCreating', message: noAddress }
          : launchOf(container, volumes, {
              ferry: options.ferry,
              claimDirectory: options.claimDirectory,
              emptyDirs: join(this.directory, 'volumes'),
              pod: object,
              podIP: ip,
              hostIP: HOST_IP,
              terminationLog,
            });
      if (launch.kind === 'waiting') {
        options.log(`${where} container ${name}: ${launch.reason}: ${launch.message}`);
        return {
          kind: 'waiting',
          name,
          status: waitingStatus(name, image, launch.reason, launch.message),
        };
      }
      const preStop = objectAt(container, 'lifecycle', 'preStop');
      const otherHook = Object.keys(preStop ?? {}).find((action) => action !== 'sleep');
      if (otherHook !== undefined)
        options.log(`${where} container ${name}: preStop ${otherHook} hooks are not run here`);
      return {
        kind: 'process',
        name,
        preStopSleep: numberAt(preStop, 'sleep', 'seconds'),
        process: new ContainerProcess({
          pod,
          name,
          image,
          argv: launch.argv,
          env: launch.env,
          workingDir: launch.workingDir ?? join(directory, 'work'),
          directories: launch.directories,
          restartCount: nextRestartCount(object, name),
          restartPolicy,
          readiness: readinessCheck(container, ip ?? ''),
          directory,
          terminationLog,
          fallbackToLogsOnError:
            stringAt(container, 'terminationMessagePolicy') === 'FallbackToLogsOnError',
          log: options.log,
          onChange: options.onChange,
        }),
      };
    });
  }

  start(): void {
    for (const container of this.containers)
      if (container.kind === 'process') container.process.start();
  }

  get ready(): boolean {
    return this.containers.every(
      (container) => container.kind === 'process' && container.process.ready,
    );
  }

  get restarts(): number {
    let restarts = 0;
    for (const container of this.containers)
      if (container.kind === 'process') restarts += container.process.restarts;
    return restarts;
  }

  /** Whether a process of the named container runs now (its current log may still grow). */
  running(container: string): boolean {
    const found = this.containers.find((candidate) => candidate.name === container);
    return found?.kind === 'process' && found.process.running;
  }

  /**
   * Pending while a container cannot run or has not started; Succeeded or Failed once
   * every container has ended for good (Failed when any exited non-zero); else Running.
   */
  get phase(): PodPhase {
    const exits: number[] = [];
    for (const container of this.containers) {
      if (container.kind === 'waiting') return 'Pending';
      const exitCode = container.process.exitCode;
      if (exitCode !== undefined) exits.push(exitCode);
      else if (!container.process.running && container.process.restarts === 0) return 'Pending';
    }
    if (exits.length < this.containers.length) return 'Running';
    return exits.every((code) => code === 0) ? 'Succeeded' : 'Failed';
  }

  /** Whether every container has ended for good. */
  get ended(): boolean {
    const phase = this.phase;
    return phase === 'Succeeded' || phase === 'Failed';
  }

  /** The pod status to hold, given the one the API server has now. */
  status(previous: JsonObject | undefined, now: string): JsonObject {
    return podStatus({
      previous,
      containerStatuses: this.containers.map((container) =>
        container.kind === 'process' ? container.process.status() : container.status,
      ),
      phase: this.phase,
      podIP: this.ip,
      now,
    });
  }

  /**
   * Ends every container as kubelet ends a deleted pod's: with `runHooks`, a running
   * container's `lifecycle.preStop.sleep` first (the only hook action run here), then
   * SIGTERM, then SIGKILL once the grace period is over. The hook's time counts against the
   * grace period; a hook that uses it all leaves 2 s, as kubelet grants. Resolves once every
   * process has exited.
   */
  async stop(graceSeconds: number, { runHooks = false } = {}): Promise<void> {
    await Promise.all(
      this.containers.map(async (container) => {
        if (container.kind !== 'process') return;
        let grace = graceSeconds;
        const hook = Math.min(container.preStopSleep ?? 0, graceSeconds);
        if (runHooks && hook > 0 && container.process.running) {
          await sleep(hook * 1000, undefined, { signal: this.hooks.signal }).catch(() => undefined);
          grace = graceSeconds > hook ? graceSeconds - hook : HOOK_OVERRUN_GRACE_SECONDS;
        }
        await container.process.stop(grace);
      }),
    );
  }

  /** Cuts short every preStop hook, running or to come: for the runner's own teardown. */
  cancelHooks(): void {
    this.hooks.abort();
  }
}

/**
 * The restartCount a container's next run has: one more than its status shows when it
 * has run before (the runner was restarted while the pod ran), else what it shows.
 */
function nextRestartCount(pod: JsonObject, container: string): number {
  const status = objectsAt(pod, 'status', 'containerStatuses').find(
    (candidate) => stringAt(candidate, 'name') === container,
  );
  const count = numberAt(status, 'restartCount') ?? 0;
  const ran =
    objectAt(status, 'state', 'running') !== undefined ||
    objectAt(status, 'state', 'terminated') !== undefined ||
    objectAt(status, 'lastState', 'terminated') !== undefined;
  return ran ? count + 1 : count;
}

function waitingStatus(name: string, image: string, reason: string, message: string): JsonObject {
  return {
    name,
    image,
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason, message } },
    lastState: {},
  };
}
