/**
 * What the ReplicaSet controller does with one ReplicaSet, given the Pods it owns. Pure.
 *
 * Pods are created up to `spec.replicas` at once and the surplus is deleted, unready pods
 * first, then the newest (the order of pkg/controller/replicaset's `getPodsToDelete`). A
 * pod is available once it has been Ready for the ReplicaSet's `minReadySeconds`.
 */
import { conditionsOf, trueCondition, withOwned, type Condition } from './conditions.js';
import {
  identityOf,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  stringsAt,
  type JsonObject,
} from './json.js';

const OWNED_KEYS = [
  'observedGeneration',
  'replicas',
  'fullyLabeledReplicas',
  'readyReplicas',
  'availableReplicas',
  'conditions',
];
const OWNED_CONDITIONS = ['ReplicaFailure'];

export interface OwnedPod {
  name: string;
  uid: string;
  /** When its Ready condition last turned True (ms since the epoch), or undefined while unready. */
  readySince: number | undefined;
  created: string;
  labels: Record<string, string>;
}

export function ownedPod(pod: JsonObject): OwnedPod | undefined {
  const identity = identityOf(pod);
  if (identity === undefined) return undefined;
  const ready = trueCondition(pod, 'Ready');
  return {
    name: identity.name,
    uid: identity.uid,
    readySince:
      ready === undefined
        ? undefined
        : Date.parse(stringAt(ready, 'lastTransitionTime') ?? '') || 0,
    created: stringAt(pod, 'metadata', 'creationTimestamp') ?? '',
    labels: stringsAt(pod, 'metadata', 'labels'),
  };
}

/** The non-negative whole number at `path`, else `fallback`. */
export function countAt(object: JsonObject, fallback: number, ...path: string[]): number {
  const value = numberAt(object, ...path);
  return value !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** `spec.replicas`, 1 when unset or not a non-negative integer (the API default). */
export function desiredReplicas(object: JsonObject): number {
  return countAt(object, 1, 'spec', 'replicas');
}

export interface PodPlan {
  /** How many pods to create. */
  create: number;
  /** Pods to delete. */
  remove: OwnedPod[];
}

export function planPods(pods: readonly OwnedPod[], replicas: number): PodPlan {
  const ranked = [...pods].sort(deleteFirst);
  const surplus = Math.max(0, pods.length - replicas);
  return { create: Math.max(0, replicas - pods.length), remove: ranked.slice(0, surplus) };
}

function deleteFirst(a: OwnedPod, b: OwnedPod): number {
  const aReady = a.readySince !== undefined;
  const bReady = b.readySince !== undefined;
  if (aReady !== bReady) return aReady ? 1 : -1;
  return b.created.localeCompare(a.created);
}

/** Whether `pod` counts as available at `now`: Ready for at least `minReadySeconds`. */
export function available(pod: OwnedPod, minReadySeconds: number, now: number): boolean {
  return pod.readySince !== undefined && pod.readySince + minReadySeconds * 1000 <= now;
}

/**
 * When the next pod becomes available (ms since the epoch), for a ReplicaSet whose ready
 * pods are still within `minReadySeconds`; undefined when none is waiting.
 */
export function nextAvailableAt(
  pods: readonly OwnedPod[],
  minReadySeconds: number,
  now: number,
): number | undefined {
  let next: number | undefined;
  for (const pod of pods) {
    if (pod.readySince === undefined || available(pod, minReadySeconds, now)) continue;
    const at = pod.readySince + minReadySeconds * 1000;
    if (next === undefined || at < next) next = at;
  }
  return next;
}

export interface ReplicaSetStatusInput {
  replicaSet: JsonObject;
  /** The pods it owns now (not being deleted). */
  pods: readonly OwnedPod[];
  /** The message of the last failed pod creation, while creations fail. */
  failure: string | undefined;
  now: number;
  timestamp: string;
}

/**
 * The ReplicaSet's status as pkg/controller/replicaset's `calculateStatus` writes it:
 * `replicas` always (it has no omitempty), the other counts only when not zero, and the
 * ReplicaFailure condition (reason FailedCreate) while pods cannot be created.
 */
export function replicaSetStatus(input: ReplicaSetStatusInput): JsonObject {
  const { replicaSet, pods, now } = input;
  const minReadySeconds = countAt(replicaSet, 0, 'spec', 'minReadySeconds');
  const selector = stringsAt(replicaSet, 'spec', 'selector', 'matchLabels');
  const fullyLabeled = pods.filter((pod) =>
    Object.entries(selector).every(([key, value]) => pod.labels[key] === value),
  ).length;
  const ready = pods.filter((pod) => pod.readySince !== undefined).length;
  const availableCount = pods.filter((pod) => available(pod, minReadySeconds, now)).length;
  const wanted: Condition[] =
    input.failure === undefined
      ? []
      : [
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message: input.failure,
          },
        ];
  const owned: JsonObject = {
    replicas: pods.length,
    observedGeneration: numberAt(replicaSet, 'metadata', 'generation') ?? 1,
    conditions: conditionsOf(
      wanted,
      objectsAt(replicaSet, 'status', 'conditions'),
      input.timestamp,
    ),
  };
  const counts: [string, number][] = [
    ['fullyLabeledReplicas', fullyLabeled],
    ['readyReplicas', ready],
    ['availableReplicas', availableCount],
  ];
  for (const [key, value] of counts) if (value > 0) owned[key] = value;
  return withOwned(objectAt(replicaSet, 'status'), owned, OWNED_KEYS, OWNED_CONDITIONS);
}
