/**
 * Plays kubelet for the node `local`: runs every Pod bound to it, and writes their status
 * back.
 *
 * Contract, level-triggered on the pod cache and on the processes' own changes:
 * - a pod on this node that is not being deleted and has not ended (phase Succeeded or
 *   Failed) has a PodWorker, with an address from the pool (the one its status shows,
 *   when free); a pod that finds the pool empty stays Pending (ContainerCreating) for good;
 * - a pod being deleted is terminated gracefully: each container's `preStop` sleep hook
 *   runs, then its processes get SIGTERM, then SIGKILL once
 *   `metadata.deletionGracePeriodSeconds` (else `spec.terminationGracePeriodSeconds`, 30 by
 *   default) has passed since the deletion, the hook's time included; meanwhile it shows
 *   as Terminating, and once they have exited its final status is written and the object
 *   is deleted with grace period 0, as kubelet does;
 * - a pod that is gone at once (deleted with grace period 0) has its processes stopped the
 *   same way; addresses go back to the pool once a pod's processes have all ended;
 * - the status of every pod with a worker is merge-patched on `/status` when, and only
 *   when, it differs from what the API server holds.
 */
import { timestamp } from '../core/time.js';
import type { AddressPool } from './addresses.js';
import { ApiError, describeError, podPath, type ApiClient } from './api.js';
import { identityOf, numberAt, objectAt, stringAt, type JsonObject } from './json.js';
import { PodWorker, type PodWorkerOptions } from './pod-worker.js';
import type { Reflector } from './reflector.js';
import { SerialTask } from './serial.js';
import { writeStatus } from './status-writer.js';

/** The node name of the runner's pods (`spec.nodeName`). */
export const NODE_NAME = 'local';

const DEFAULT_GRACE_SECONDS = 30;

/** What `LocalRunner.pods()` reports of one pod. */
export interface LocalPod {
  namespace: string;
  name: string;
  /** undefined while no address is free. */
  ip: string | undefined;
  ready: boolean;
  /** Restarts of all its containers. */
  restarts: number;
}

/** Whether this runner runs `pod`: it is bound to node `local`. */
export function runsHere(pod: JsonObject): boolean {
  return stringAt(pod, 'spec', 'nodeName') === NODE_NAME;
}

/** Whether the pod has ended: phase Succeeded or Failed. */
export function hasEnded(pod: JsonObject): boolean {
  const phase = stringAt(pod, 'status', 'phase');
  return phase === 'Succeeded' || phase === 'Failed';
}

export class Kubelet {
  private readonly workers = new Map<string, PodWorker>();
  /** Workers whose processes are being stopped, by pod uid. */
  private readonly stopping = new Map<string, Promise<void>>();
  readonly sync: SerialTask;

  constructor(
    private readonly api: ApiClient,
    private readonly pods: Reflector,
    private readonly pool: AddressPool,
    private readonly options: Omit<PodWorkerOptions, 'onChange'>,
  ) {
    this.sync = new SerialTask(
      () => this.pass(),
      (error) => {
        options.log(`kubelet: ${describeError(error)}`);
      },
    );
  }

  list(): LocalPod[] {
    return [...this.workers.values()].map((worker) => ({
      namespace: worker.pod.namespace,
      name: worker.pod.name,
      ip: worker.ip,
      ready: worker.ready,
      restarts: worker.restarts,
    }));
  }

  /** The worker of the pod with `uid`, while it has one. */
  worker(uid: string): PodWorker | undefined {
    return this.workers.get(uid);
  }

  /**
   * Stops passes, then every process (SIGTERM, SIGKILL after 5 s), cutting short the
   * preStop hooks of pods being deleted; resolves once all have exited.
   */
  async stop(): Promise<void> {
    await this.sync.stop();
    for (const worker of this.workers.values()) worker.cancelHooks();
    for (const [uid, worker] of this.workers)
      if (!this.stopping.has(uid)) this.stopWorker(uid, worker, 5);
    await Promise.all(this.stopping.values());
    this.workers.clear();
  }

  private async pass(): Promise<void> {
    const present = new Set<string>();
    for (const pod of this.pods.items()) {
      const identity = identityOf(pod);
      if (identity === undefined || !runsHere(pod)) continue;
      present.add(identity.uid);
      const worker = this.workers.get(identity.uid);
      if (identity.deleting) {
        if (!this.stopping.has(identity.uid)) this.terminate(identity.uid, pod, worker);
      } else if (worker === undefined && !hasEnded(pod)) this.startWorker(pod);
    }
    for (const [uid, worker] of this.workers) {
      if (present.has(uid) || this.stopping.has(uid)) continue;
      this.options.log(`pod ${worker.pod.namespace}/${worker.pod.name}: deleted; stopping it`);
      this.stopWorker(uid, worker, DEFAULT_GRACE_SECONDS);
    }
    for (const holder of this.pool.holders()) {
      const worker = this.workers.get(holder);
      if (worker === undefined || (!this.stopping.has(holder) && worker.ended))
        this.pool.release(holder);
    }
    for (const worker of this.workers.values()) await this.writeStatus(worker);
  }

  private startWorker(pod: JsonObject): void {
    const identity = identityOf(pod);
    if (identity === undefined) return;
    const ip = this.pool.acquire(identity.uid, stringAt(pod, 'status', 'podIP'));
    this.options.log(
      `pod ${identity.key}: scheduled${ip === undefined ? ', no free address' : ` at ${ip}`}`,
    );
    const worker = new PodWorker(identity, pod, ip, `no free pod IP in ${this.pool.range}`, {
      ...this.options,
      onChange: () => {
        this.sync.trigger();
      },
    });
    this.workers.set(identity.uid, worker);
    worker.start();
  }

  /** Stops a deleted pod's processes within its grace period, then removes the object. */
  private terminate(uid: string, pod: JsonObject, worker: PodWorker | undefined): void {
    const identity = identityOf(pod);
    if (identity === undefined) return;
    const grace =
      numberAt(pod, 'metadata', 'deletionGracePeriodSeconds') ??
      numberAt(pod, 'spec', 'terminationGracePeriodSeconds') ??
      DEFAULT_GRACE_SECONDS;
    if (worker !== undefined)
      this.options.log(`pod ${identity.key}: terminating (grace period ${grace} s)`);
    const stopped =
      worker === undefined ? Promise.resolve() : worker.stop(grace, { runHooks: true });
    this.stopping.set(
      uid,
      stopped
        .then(async () => {
          if (worker !== undefined) await this.writeStatus(worker);
          this.pods.forget(
            await this.api.delete(podPath(identity.namespace, identity.name), uid, 0),
          );
        })
        .catch((error: unknown) => {
          if (!(error instanceof ApiError && (error.code === 404 || error.code === 409)))
            this.options.log(`pod ${identity.key}: ${describeError(error)}`);
        })
        .finally(() => {
          this.workers.delete(uid);
          this.stopping.delete(uid);
          this.sync.trigger();
        }),
    );
  }

  private stopWorker(uid: string, worker: PodWorker, grace: number): void {
    this.stopping.set(
      uid,
      worker.stop(grace).then(() => {
        this.workers.delete(uid);
        this.stopping.delete(uid);
        this.sync.trigger();
      }),
    );
  }

  private async writeStatus(worker: PodWorker): Promise<void> {
    const current = this.pods.get(worker.pod.key);
    if (current === undefined || identityOf(current)?.uid !== worker.pod.uid) return;
    const previous = objectAt(current, 'status');
    await writeStatus(
      this.api,
      this.pods,
      podPath(worker.pod.namespace, worker.pod.name),
      previous ?? {},
      worker.status(previous, timestamp(Date.now())),
    );
  }
}
