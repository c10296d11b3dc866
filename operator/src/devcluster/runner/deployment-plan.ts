/**
 * What the Deployment controller does with one Deployment, given the Pods it owns. Pure.
 *
 * Every Deployment rolls the RollingUpdate way, whatever `spec.strategy` says (`paused`,
 * `minReadySeconds` and `progressDeadlineSeconds` are not read either): pods of the current
 * template are created up to `spec.replicas` at once; pods of older templates are deleted
 * as new ones turn Ready, all at once when `spec.replicas` is 0. Readiness is the Pod's
 * `Ready` condition, so a pod counts as available as soon as it is ready.
 */
import { conditionsOf, withOwned, type Condition } from './conditions.js';
import { identityOf, numberAt, objectAt, objectsAt, stringAt, type JsonObject } from './json.js';
import { POD_TEMPLATE_HASH } from './pod-template.js';

const OWNED_KEYS = [
  'observedGeneration',
  'replicas',
  'updatedReplicas',
  'readyReplicas',
  'availableReplicas',
  'unavailableReplicas',
  'conditions',
];
const OWNED_CONDITIONS = ['Available', 'Progressing', 'ReplicaFailure'];

export interface OwnedPod {
  name: string;
  uid: string;
  hash: string | undefined;
  ready: boolean;
  created: string;
}

export function ownedPod(pod: JsonObject): OwnedPod | undefined {
  const identity = identityOf(pod);
  if (identity === undefined) return undefined;
  return {
    name: identity.name,
    uid: identity.uid,
    hash: stringAt(pod, 'metadata', 'labels', POD_TEMPLATE_HASH),
    ready: objectsAt(pod, 'status', 'conditions').some(
      (condition) =>
        stringAt(condition, 'type') === 'Ready' && stringAt(condition, 'status') === 'True',
    ),
    created: stringAt(pod, 'metadata', 'creationTimestamp') ?? '',
  };
}

/** `spec.replicas`, 1 when unset or not a non-negative integer. */
export function desiredReplicas(deployment: JsonObject): number {
  const replicas = numberAt(deployment, 'spec', 'replicas');
  return replicas !== undefined && Number.isSafeInteger(replicas) && replicas >= 0 ? replicas : 1;
}

export interface PodPlan {
  /** How many pods of the current template to create. */
  create: number;
  /** Pods to delete, and why. */
  remove: { pod: OwnedPod; why: 'scaled down' | 'outdated' }[];
}

export function planPods(pods: readonly OwnedPod[], hash: string, replicas: number): PodPlan {
  const current = pods.filter((pod) => pod.hash === hash).sort(deleteFirst);
  const old = pods.filter((pod) => pod.hash !== hash).sort(deleteFirst);
  const surplus = Math.max(0, current.length - replicas);
  const kept = current.slice(surplus);
  const readyNew = kept.filter((pod) => pod.ready).length;
  const oldToKeep = replicas === 0 ? 0 : Math.max(0, replicas - readyNew);
  return {
    create: Math.max(0, replicas - current.length),
    remove: [
      ...current.slice(0, surplus).map((pod) => ({ pod, why: 'scaled down' as const })),
      ...old
        .slice(0, Math.max(0, old.length - oldToKeep))
        .map((pod) => ({ pod, why: 'outdated' as const })),
    ],
  };
}

/** The order pods go in, as the ReplicaSet controller ranks them: unready first, then newest. */
function deleteFirst(a: OwnedPod, b: OwnedPod): number {
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  return b.created.localeCompare(a.created);
}

export interface StatusInput {
  deployment: JsonObject;
  /** The pods it owns now (not being deleted). */
  pods: readonly OwnedPod[];
  hash: string;
  /** The message of the last failed pod creation, while creations fail. */
  failure: string | undefined;
  now: string;
}

/**
 * The Deployment's whole status: counts (zeros left out, as the API server serialises
 * them) and the Available, Progressing and ReplicaFailure conditions in the real
 * controller's shapes. The ReplicaSet named in messages is `<deployment>-<hash>`, the
 * prefix of its pods' names.
 */
export function deploymentStatus(input: StatusInput): JsonObject {
  const { deployment, pods, hash } = input;
  const replicas = desiredReplicas(deployment);
  const updated = pods.filter((pod) => pod.hash === hash);
  const ready = pods.filter((pod) => pod.ready).length;
  const old = pods.length - updated.length;
  const complete = old === 0 && updated.length === replicas && updated.every((pod) => pod.ready);
  const replicaSet = `${stringAt(deployment, 'metadata', 'name') ?? ''}-${hash}`;
  const wanted: Condition[] = [
    ready >= replicas
      ? {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        }
      : {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        },
    complete
      ? {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
        }
      : {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          message: `ReplicaSet "${replicaSet}" is progressing.`,
        },
  ];
  if (input.failure !== undefined) {
    wanted.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason: 'FailedCreate',
      message: input.failure,
    });
  }
  const previous = objectsAt(deployment, 'status', 'conditions');
  const owned: JsonObject = {
    observedGeneration: numberAt(deployment, 'metadata', 'generation') ?? 1,
    conditions: conditionsOf(wanted, previous, input.now, true),
  };
  const counts: [string, number][] = [
    ['replicas', pods.length],
    ['updatedReplicas', updated.length],
    ['readyReplicas', ready],
    ['availableReplicas', ready],
    ['unavailableReplicas', Math.max(0, replicas + old - ready)],
  ];
  for (const [key, value] of counts) if (value > 0) owned[key] = value;
  return withOwned(objectAt(deployment, 'status'), owned, OWNED_KEYS, OWNED_CONDITIONS);
}
