/**
 * Plays kubelet for the node `local`: runs the Pods bound to it whose controller is a
 * Deployment (Jobs' pods are not run yet), and writes their status back.
 *
 * Contract, level-triggered on the pod cache and on the processes' own changes:
 * - a pod on this node that is not being deleted has a PodWorker, with an address from
 *   the pool (the one its status shows, when free); a pod that finds the pool empty stays
 *   Pending (ContainerCreating) for good, and its Deployment replaces it once it is deleted;
 * - a pod that is gone or being deleted has its processes stopped (SIGTERM), and its
 *   address goes back to the pool once the processes have exited and the object is gone;
 * - the status of every running pod is merge-patched on `/status` when, and only when, it
 *   differs from what the API server holds.
 */
import { timestamp } from '../core/time.js';
import type { AddressPool } from './addresses.js';
import { ApiError, describeError, podPath, type ApiClient } from './api.js';
import { controllerOf, identityOf, objectAt, stringAt, type JsonObject } from './json.js';
import { mergePatch } from './merge-patch.js';
import { PodWorker, type PodWorkerOptions } from './pod-worker.js';
import type { Reflector } from './reflector.js';
import { SerialTask } from './serial.js';

/** The node name of the runner's pods (`spec.nodeName`). */
export const NODE_NAME = 'local';

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

/** Whether this runner runs `pod`: bound to node `local`, controlled by a Deployment. */
export function runsHere(pod: JsonObject): boolean {
  const controller = controllerOf(pod);
  return (
    stringAt(pod, 'spec', 'nodeName') === NODE_NAME &&
    controller?.apiVersion === 'apps/v1' &&
    controller.kind === 'Deployment'
  );
}

export class Kubelet {
  private readonly workers = new Map<string, PodWorker>();
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

  /** Stops passes, then every process; resolves once all have exited. */
  async stop(): Promise<void> {
    await this.sync.stop();
    for (const [uid, worker] of this.workers) this.stopWorker(uid, worker);
    this.workers.clear();
    await Promise.all(this.stopping.values());
  }

  private async pass(): Promise<void> {
    const present = new Set<string>();
    const wanted = new Map<string, JsonObject>();
    for (const pod of this.pods.items()) {
      const identity = identityOf(pod);
      if (identity === undefined) continue;
      present.add(identity.uid);
      if (!identity.deleting && runsHere(pod)) wanted.set(identity.uid, pod);
    }
    for (const [uid, worker] of this.workers) {
      if (wanted.has(uid)) continue;
      this.workers.delete(uid);
      this.options.log(`pod ${worker.pod.namespace}/${worker.pod.name}: deleted; stopping it`);
      this.stopWorker(uid, worker);
    }
    for (const [uid, pod] of wanted) if (!this.workers.has(uid)) this.startWorker(pod);
    for (const holder of this.pool.holders()) {
      if (!this.workers.has(holder) && !this.stopping.has(holder) && !present.has(holder))
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
    const worker = new PodWorker(
      identity,
      objectAt(pod, 'spec') ?? {},
      ip,
      `no free pod IP in ${this.pool.range}`,
      {
        ...this.options,
        onChange: () => {
          this.sync.trigger();
        },
      },
    );
    this.workers.set(identity.uid, worker);
    worker.start();
  }

  private stopWorker(uid: string, worker: PodWorker): void {
    this.stopping.set(
      uid,
      worker.stop().then(() => {
        this.stopping.delete(uid);
        this.sync.trigger();
      }),
    );
  }

  private async writeStatus(worker: PodWorker): Promise<void> {
    const current = this.pods.get(worker.pod.key);
    if (current === undefined || identityOf(current)?.uid !== worker.pod.uid) return;
    const previous = objectAt(current, 'status');
    const patch = mergePatch(previous ?? {}, worker.status(previous, timestamp(Date.now())));
    if (patch === undefined) return;
    try {
      const updated = await this.api.mergePatch(
        `${podPath(worker.pod.namespace, worker.pod.name)}/status`,
        {
          status: patch,
        },
      );
      this.pods.observe(updated);
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return;
      throw error;
    }
  }
}
