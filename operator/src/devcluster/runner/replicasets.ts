/**
 * Plays the ReplicaSet controller: keeps each ReplicaSet's Pods and status.
 *
 * Contract, level-triggered on the ReplicaSet and Pod caches: for every ReplicaSet not
 * being deleted, the pods it controls are created and deleted as `planPods` says, then its
 * status is merge-patched on `/status` when it differs from what the API server holds.
 * A ReplicaSet's pods are those whose controller ownerReference names it (`spec.selector`
 * is not consulted, and pods are neither adopted nor orphaned); they go with their
 * ReplicaSet through devcluster's garbage collector. A pod the API server refuses to
 * create is reported as the `ReplicaFailure` condition (reason FailedCreate) and tried
 * again with a back-off; one ReplicaSet's failure never holds up the others. While a
 * ready pod waits out `minReadySeconds`, a timer looks again when it becomes available.
 */
import {
  ApiError,
  describeError,
  podPath,
  podsPath,
  replicaSetPath,
  type ApiClient,
} from './api.js';
import {
  controllerOf,
  identityOf,
  objectAt,
  type JsonObject,
  type ObjectIdentity,
} from './json.js';
import { timestamp } from '../core/time.js';
import { newPod } from './pod-template.js';
import type { Reflector } from './reflector.js';
import { reconcileEach } from './reconcile-each.js';
import {
  countAt,
  desiredReplicas,
  nextAvailableAt,
  ownedPod,
  planPods,
  replicaSetStatus,
  type OwnedPod,
} from './replicaset-plan.js';
import { SerialTask } from './serial.js';
import { writeStatus } from './status-writer.js';

export class ReplicaSetController {
  /** The last pod creation error per ReplicaSet uid, until a creation succeeds. */
  private readonly failures = new Map<string, string>();
  private wake: NodeJS.Timeout | undefined;
  readonly sync: SerialTask;

  constructor(
    private readonly api: ApiClient,
    private readonly replicaSets: Reflector,
    private readonly pods: Reflector,
    private readonly log: (line: string) => void,
  ) {
    this.sync = new SerialTask(
      () => this.pass(),
      (error) => {
        log(`replicasets: ${describeError(error)}`);
      },
    );
  }

  async stop(): Promise<void> {
    await this.sync.stop();
    if (this.wake !== undefined) clearTimeout(this.wake);
  }

  private async pass(): Promise<void> {
    // Failures of ReplicaSets that are gone are forgotten even when this pass fails.
    const present = new Set(this.replicaSets.items().map((object) => identityOf(object)?.uid));
    for (const uid of this.failures.keys()) if (!present.has(uid)) this.failures.delete(uid);
    let next: number | undefined;
    await reconcileEach(
      this.replicaSets.items(),
      'ReplicaSet',
      this.log,
      async (identity, object) => {
        const at = await this.reconcile(identity, object);
        if (at !== undefined && (next === undefined || at < next)) next = at;
      },
    ).finally(() => {
      this.wakeAt(next);
    });
  }

  private wakeAt(at: number | undefined): void {
    if (this.wake !== undefined) clearTimeout(this.wake);
    this.wake = undefined;
    if (at === undefined) return;
    this.wake = setTimeout(
      () => {
        this.wake = undefined;
        this.sync.trigger();
      },
      Math.max(0, at - Date.now()) + 50,
    );
  }

  private owned(uid: string): OwnedPod[] {
    const result: OwnedPod[] = [];
    for (const pod of this.pods.items()) {
      if (controllerOf(pod)?.uid !== uid || identityOf(pod)?.deleting !== false) continue;
      const owned = ownedPod(pod);
      if (owned !== undefined) result.push(owned);
    }
    return result;
  }

  /** Resolves to when a waiting pod becomes available, if one waits. */
  private async reconcile(
    replicaSet: ObjectIdentity,
    object: JsonObject,
  ): Promise<number | undefined> {
    const where = `replicaset ${replicaSet.key}`;
    const template = objectAt(object, 'spec', 'template') ?? {};
    const plan = planPods(this.owned(replicaSet.uid), desiredReplicas(object));
    if (plan.create === 0) this.failures.delete(replicaSet.uid);
    for (const pod of plan.remove) {
      try {
        this.pods.forget(await this.api.delete(podPath(replicaSet.namespace, pod.name), pod.uid));
        this.log(`${where}: deleted pod ${pod.name} (scaled down)`);
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
    let createFailure: ApiError | undefined;
    for (let i = 0; i < plan.create; i++) {
      try {
        const created = await this.api.create(
          podsPath(replicaSet.namespace),
          newPod(replicaSet, template),
        );
        this.pods.observe(created);
        this.failures.delete(replicaSet.uid);
        this.log(`${where}: created pod ${identityOf(created)?.name ?? '?'}`);
      } catch (error) {
        // A taken name (409) is retried with a fresh suffix on the next pass.
        if (!(error instanceof ApiError) || error.code === 409) throw error;
        this.failures.set(replicaSet.uid, error.message);
        createFailure = error;
        break;
      }
    }
    // Status describes the spec this pass planned for, against the status held now.
    const current = this.replicaSets.get(replicaSet.key);
    if (current === undefined || identityOf(current)?.uid !== replicaSet.uid) return undefined;
    const pods = this.owned(replicaSet.uid);
    const now = Date.now();
    const status = replicaSetStatus({
      replicaSet: { ...object, status: objectAt(current, 'status') ?? {} },
      pods,
      failure: this.failures.get(replicaSet.uid),
      now,
      timestamp: timestamp(now),
    });
    await writeStatus(
      this.api,
      this.replicaSets,
      replicaSetPath(replicaSet.namespace, replicaSet.name),
      objectAt(current, 'status') ?? {},
      status,
    );
    // Reported in status; thrown so that the pass is retried.
    if (createFailure !== undefined) throw createFailure;
    return nextAvailableAt(pods, countAt(object, 0, 'spec', 'minReadySeconds'), now);
  }
}
