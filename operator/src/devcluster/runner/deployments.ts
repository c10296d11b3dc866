/**
 * Plays the Deployment controller: keeps each Deployment's ReplicaSets, its revision
 * annotation and its status; the ReplicaSet controller makes the pods.
 *
 * Contract, level-triggered on the Deployment, ReplicaSet and Pod caches: for every Deployment
 * not being deleted, the ReplicaSets it controls (by controller ownerReference; none are
 * adopted or orphaned) are created, scaled, annotated and deleted as `planRollout` says,
 * each write of an existing ReplicaSet guarded by its resourceVersion; then the
 * Deployment's `deployment.kubernetes.io/revision` is set to the new ReplicaSet's and its
 * status is merge-patched on `/status` when it differs. A new ReplicaSet's name taken by
 * one with another template is a hash collision: `status.collisionCount` goes up and the
 * next pass hashes again. A creation the API server refuses shows as Progressing=False
 * (ReplicaSetCreateError) and is tried again with a back-off. ReplicaSets go with their
 * Deployment through devcluster's garbage collector; one Deployment's failure never holds
 * up the others.
 */
import {
  ApiError,
  deploymentPath,
  describeError,
  replicaSetPath,
  replicaSetsPath,
  type ApiClient,
} from './api.js';
import {
  controlledBy,
  ownedReplicaSet,
  planRollout,
  REVISION,
  type OwnedReplicaSet,
  type ReplicaSetUpdate,
} from './deployment-plan.js';
import { deepEqual } from '../core/json.js';
import {
  controllerOf,
  identityOf,
  objectAt,
  stringAt,
  type JsonObject,
  type ObjectIdentity,
} from './json.js';
import { countAt } from './replicaset-plan.js';
import { timestamp } from '../core/time.js';
import type { Reflector } from './reflector.js';
import { reconcileEach } from './reconcile-each.js';
import { SerialTask } from './serial.js';
import { writeStatus } from './status-writer.js';

export class DeploymentController {
  /** The last ReplicaSet creation error per Deployment uid, until a creation succeeds. */
  private readonly failures = new Map<string, string>();
  readonly sync: SerialTask;

  constructor(
    private readonly api: ApiClient,
    private readonly deployments: Reflector,
    private readonly replicaSets: Reflector,
    private readonly pods: Reflector,
    private readonly log: (line: string) => void,
  ) {
    this.sync = new SerialTask(
      () => this.pass(),
      (error) => {
        log(`deployments: ${describeError(error)}`);
      },
    );
  }

  private async pass(): Promise<void> {
    // Failures of Deployments that are gone are forgotten even when this pass fails.
    const present = new Set(this.deployments.items().map((object) => identityOf(object)?.uid));
    for (const uid of this.failures.keys()) if (!present.has(uid)) this.failures.delete(uid);
    await reconcileEach(this.deployments.items(), 'Deployment', this.log, (identity, object) =>
      this.reconcile(identity, object),
    );
  }

  private owned(uid: string): OwnedReplicaSet[] {
    const result: OwnedReplicaSet[] = [];
    for (const object of this.replicaSets.items()) {
      if (!controlledBy(object, uid) || identityOf(object)?.deleting !== false) continue;
      const owned = ownedReplicaSet(object);
      if (owned !== undefined) result.push(owned);
    }
    return result;
  }

  /** Pods that may still run, per controlling ReplicaSet uid. */
  private runningPods(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const pod of this.pods.items()) {
      const phase = stringAt(pod, 'status', 'phase');
      const owner = controllerOf(pod)?.uid;
      if (owner === undefined || phase === 'Succeeded' || phase === 'Failed') continue;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    return counts;
  }

  private async reconcile(deployment: ObjectIdentity, object: JsonObject): Promise<void> {
    const where = `deployment ${deployment.key}`;
    const plan = planRollout({
      deployment: object,
      replicaSets: this.owned(deployment.uid),
      runningPods: this.runningPods(),
      failure: this.failures.get(deployment.uid),
      now: timestamp(Date.now()),
    });
    let createFailure: ApiError | undefined;
    if (plan.create !== undefined) {
      const outcome = await this.create(deployment, object, plan.create);
      if (outcome instanceof ApiError) createFailure = outcome;
      else if (outcome === 'collision') return;
    } else this.failures.delete(deployment.uid);
    for (const update of plan.updates) await this.update(deployment, update);
    for (const old of plan.remove) {
      try {
        this.replicaSets.forget(
          await this.api.delete(replicaSetPath(deployment.namespace, old.name), old.uid),
        );
        this.log(`${where}: deleted replicaset ${old.name} (past the revision history limit)`);
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
    if (plan.revision !== undefined) {
      const patched = await this.api.mergePatchBetween(
        deploymentPath(deployment.namespace, deployment.name),
        {
          metadata: {
            resourceVersion: stringAt(object, 'metadata', 'resourceVersion') ?? null,
            annotations: { [REVISION]: plan.revision },
          },
        },
      );
      this.deployments.observe(patched);
    }
    // The status planned for the state this pass started from; only this pass writes it.
    const current = this.deployments.get(deployment.key);
    if (current === undefined || identityOf(current)?.uid !== deployment.uid) return;
    await writeStatus(
      this.api,
      this.deployments,
      deploymentPath(deployment.namespace, deployment.name),
      objectAt(current, 'status') ?? {},
      plan.status,
    );
    // Reported in status; thrown so that the pass is retried.
    if (createFailure !== undefined) throw createFailure;
  }

  /** Creates the new ReplicaSet; an ApiError the server answered, or 'collision'. */
  private async create(
    deployment: ObjectIdentity,
    object: JsonObject,
    replicaSet: JsonObject,
  ): Promise<ApiError | 'created' | 'collision'> {
    const name = stringAt(replicaSet, 'metadata', 'name') ?? '';
    try {
      this.replicaSets.observe(
        await this.api.create(replicaSetsPath(deployment.namespace), replicaSet),
      );
      this.failures.delete(deployment.uid);
      this.log(`deployment ${deployment.key}: created replicaset ${name}`);
      return 'created';
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code !== 409) {
        this.failures.set(deployment.uid, error.message);
        return error;
      }
    }
    const existing = await this.api.get(replicaSetPath(deployment.namespace, name));
    const mine =
      controlledBy(existing, deployment.uid) &&
      deepEqual(ownedReplicaSet(existing)?.template, ownedReplicaSet(replicaSet)?.template);
    if (mine) {
      this.replicaSets.observe(existing);
      return 'created';
    }
    const collisions = countAt(object, 0, 'status', 'collisionCount') + 1;
    this.deployments.observe(
      await this.api.mergePatchBetween(
        `${deploymentPath(deployment.namespace, deployment.name)}/status`,
        { status: { collisionCount: collisions } },
      ),
    );
    this.log(`deployment ${deployment.key}: replicaset name ${name} is taken; hashing again`);
    return 'collision';
  }

  private async update(deployment: ObjectIdentity, update: ReplicaSetUpdate): Promise<void> {
    const { replicaSet } = update;
    const patch: JsonObject = {
      metadata: {
        resourceVersion: replicaSet.resourceVersion,
        ...(Object.keys(update.annotations).length === 0
          ? {}
          : { annotations: update.annotations }),
      },
    };
    const spec: JsonObject = {};
    if (update.replicas !== undefined) spec['replicas'] = update.replicas;
    if (update.minReadySeconds !== undefined) spec['minReadySeconds'] = update.minReadySeconds;
    if (Object.keys(spec).length > 0) patch['spec'] = spec;
    try {
      this.replicaSets.observe(
        await this.api.mergePatchBetween(
          replicaSetPath(deployment.namespace, replicaSet.name),
          patch,
        ),
      );
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return;
      throw error;
    }
    if (update.replicas !== undefined) {
      this.log(
        `deployment ${deployment.key}: scaled replicaset ${replicaSet.name} from ${String(replicaSet.replicas)} to ${String(update.replicas)}`,
      );
    }
  }
}
