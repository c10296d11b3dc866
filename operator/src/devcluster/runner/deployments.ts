/**
 * Plays the Deployment (and ReplicaSet) controller: keeps each Deployment's Pods and status.
 *
 * Contract, level-triggered on the Deployment and Pod caches: for every Deployment not
 * being deleted, the pods it controls are created and deleted as `planPods` says, then its
 * status is merge-patched on `/status` when it differs from what the API server holds.
 * A Deployment's pods are those whose controller ownerReference names it (`spec.selector`
 * is not consulted, and pods are neither adopted nor orphaned); they go with their
 * Deployment through devcluster's garbage collector, not through this controller. A pod the API server refuses
 * to create is reported as the `ReplicaFailure` condition (reason FailedCreate) and tried
 * again with a back-off; one Deployment's failure never holds up the others.
 */
import {
  ApiError,
  deploymentPath,
  describeError,
  podPath,
  podsPath,
  type ApiClient,
} from './api.js';
import {
  desiredReplicas,
  deploymentStatus,
  ownedPod,
  planPods,
  type OwnedPod,
} from './deployment-plan.js';
import {
  controllerOf,
  identityOf,
  objectAt,
  type JsonObject,
  type ObjectIdentity,
} from './json.js';
import { timestamp } from '../core/time.js';
import { newPod, templateHash } from './pod-template.js';
import type { Reflector } from './reflector.js';
import { reconcileEach } from './reconcile-each.js';
import { SerialTask } from './serial.js';
import { writeStatus } from './status-writer.js';

export class DeploymentController {
  /** The last pod creation error per Deployment uid, until a creation succeeds. */
  private readonly failures = new Map<string, string>();
  readonly sync: SerialTask;

  constructor(
    private readonly api: ApiClient,
    private readonly deployments: Reflector,
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

  private owned(uid: string): OwnedPod[] {
    const result: OwnedPod[] = [];
    for (const pod of this.pods.items()) {
      if (controllerOf(pod)?.uid !== uid || identityOf(pod)?.deleting !== false) continue;
      const owned = ownedPod(pod);
      if (owned !== undefined) result.push(owned);
    }
    return result;
  }

  private async reconcile(deployment: ObjectIdentity, object: JsonObject): Promise<void> {
    const where = `deployment ${deployment.key}`;
    const template = objectAt(object, 'spec', 'template') ?? {};
    const hash = templateHash(template);
    const plan = planPods(this.owned(deployment.uid), hash, desiredReplicas(object));
    if (plan.create === 0) this.failures.delete(deployment.uid);
    for (const { pod, why } of plan.remove) {
      try {
        this.pods.forget(await this.api.delete(podPath(deployment.namespace, pod.name), pod.uid));
        this.log(`${where}: deleted pod ${pod.name} (${why})`);
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
    let createFailure: ApiError | undefined;
    for (let i = 0; i < plan.create; i++) {
      try {
        const created = await this.api.create(
          podsPath(deployment.namespace),
          newPod(deployment, template, hash),
        );
        this.pods.observe(created);
        this.failures.delete(deployment.uid);
        this.log(`${where}: created pod ${identityOf(created)?.name ?? '?'}`);
      } catch (error) {
        // A taken name (409) is retried with a fresh suffix on the next pass.
        if (!(error instanceof ApiError) || error.code === 409) throw error;
        this.failures.set(deployment.uid, error.message);
        createFailure = error;
        break;
      }
    }
    // Status describes the spec this pass planned for, against the status held now.
    const current = this.deployments.get(deployment.key);
    if (current === undefined || identityOf(current)?.uid !== deployment.uid) return;
    const status = deploymentStatus({
      deployment: { ...object, status: objectAt(current, 'status') ?? {} },
      pods: this.owned(deployment.uid),
      hash,
      failure: this.failures.get(deployment.uid),
      now: timestamp(Date.now()),
    });
    await writeStatus(
      this.api,
      this.deployments,
      deploymentPath(deployment.namespace, deployment.name),
      objectAt(current, 'status') ?? {},
      status,
    );
    // Reported in status; thrown so that the pass is retried.
    if (createFailure !== undefined) throw createFailure;
  }
}
