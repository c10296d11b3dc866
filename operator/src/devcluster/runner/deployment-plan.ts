/**
 * What the Deployment controller does with one Deployment, given the ReplicaSets it
 * controls. Pure. The rules are pkg/controller/deployment's (sync.go, rolling.go,
 * recreate.go and util/deployment_util.go, Kubernetes 1.32):
 *
 * - The new ReplicaSet is the one whose pod template equals the Deployment's, ignoring the
 *   `pod-template-hash` label; it is created as `<deployment>-<hash>` when there is none.
 *   It carries revision max(old revisions)+1 in `deployment.kubernetes.io/revision`, and
 *   an old ReplicaSet that becomes new again (a rollback) moves to that revision, its
 *   former one appended to `deployment.kubernetes.io/revision-history`. The Deployment's
 *   annotations are copied to it (but for the controller's own and kubectl's
 *   last-applied), so `kubernetes.io/change-cause` shows in `kubectl rollout history`.
 * - RollingUpdate scales the new ReplicaSet up within `replicas + maxSurge` pods in all,
 *   and old ones down while at least `replicas - maxUnavailable` stay available (unhealthy
 *   old pods go first). Recreate scales every old ReplicaSet to 0, waits for their pods to
 *   go (terminating ones too), then creates or scales the new one.
 * - A paused Deployment gets no new ReplicaSet; its one active ReplicaSet follows
 *   `spec.replicas` (proportional scaling of several is not done).
 * - Once a rollout is complete, old ReplicaSets without replicas beyond
 *   `revisionHistoryLimit` are deleted, lowest revision first.
 * - `progressDeadlineSeconds` is not read: no rollout is ever reported as timed out.
 */
import { deepEqual } from '../core/json.js';
import { conditionsOf, trueCondition, withOwned, type Condition } from './conditions.js';
import {
  controllerOf,
  identityOf,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  stringsAt,
  type Json,
  type JsonObject,
} from './json.js';
import { POD_TEMPLATE_HASH, templateHash } from './pod-template.js';
import { countAt, desiredReplicas } from './replicaset-plan.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
/** Annotations never copied from a Deployment to its ReplicaSets (`skipCopyAnnotation`). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

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

/** A ReplicaSet the Deployment controls, as the plan reads it. */
export interface OwnedReplicaSet {
  name: string;
  uid: string;
  resourceVersion: string;
  revision: number;
  /** `spec.replicas`. */
  replicas: number;
  minReadySeconds: number;
  /** `status.replicas`, `readyReplicas` and `availableReplicas`. */
  current: number;
  ready: number;
  available: number;
  created: string;
  annotations: Record<string, string>;
  /** Its pod template as {@link comparable} compares it. */
  template: Json;
  failure: { reason: string; message: string } | undefined;
}

/** `value` without null-valued keys: Go decodes a null as the zero value it omits. */
function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const result: JsonObject = {};
  for (const [key, entry] of Object.entries(value))
    if (entry !== null) result[key] = withoutNulls(entry);
  return result;
}

/**
 * A pod template as EqualIgnoreHash compares it: without the `pod-template-hash` label
 * and without nulls (`creationTimestamp: null` is how Go writes a template's empty time).
 */
function comparable(template: JsonObject | undefined): Json {
  const copy = withoutNulls(template ?? {});
  const labels = objectAt(copy, 'metadata', 'labels');
  if (labels !== undefined) Reflect.deleteProperty(labels, POD_TEMPLATE_HASH);
  return copy;
}

/** The ReplicaSet `object` as a plan reads it; undefined without name and uid. */
export function ownedReplicaSet(object: JsonObject): OwnedReplicaSet | undefined {
  const identity = identityOf(object);
  if (identity === undefined) return undefined;
  const annotations = stringsAt(object, 'metadata', 'annotations');
  const revision = Number(annotations[REVISION] ?? '0');
  const failure = trueCondition(object, 'ReplicaFailure');
  return {
    name: identity.name,
    uid: identity.uid,
    resourceVersion: stringAt(object, 'metadata', 'resourceVersion') ?? '',
    revision: Number.isSafeInteger(revision) ? revision : 0,
    replicas: desiredReplicas(object),
    minReadySeconds: countAt(object, 0, 'spec', 'minReadySeconds'),
    current: countAt(object, 0, 'status', 'replicas'),
    ready: countAt(object, 0, 'status', 'readyReplicas'),
    available: countAt(object, 0, 'status', 'availableReplicas'),
    created: stringAt(object, 'metadata', 'creationTimestamp') ?? '',
    annotations,
    template: comparable(objectAt(object, 'spec', 'template')),
    failure:
      failure === undefined
        ? undefined
        : {
            reason: stringAt(failure, 'reason') ?? '',
            message: stringAt(failure, 'message') ?? '',
          },
  };
}

/** Whether `replicaSet` is controlled by the Deployment with `uid`. */
export function controlledBy(replicaSet: JsonObject, uid: string): boolean {
  return controllerOf(replicaSet)?.uid === uid;
}

/** A change to one existing ReplicaSet. */
export interface ReplicaSetUpdate {
  replicaSet: OwnedReplicaSet;
  /** Its new `spec.replicas`, when it changes. */
  replicas: number | undefined;
  /** The Deployment's `minReadySeconds`, when the new ReplicaSet's differs. */
  minReadySeconds: number | undefined;
  /** Annotations to set (merged over the ones it has). */
  annotations: Record<string, string>;
}

export interface RolloutPlan {
  /** The name of the new ReplicaSet, created or found. */
  newName: string;
  /** The new ReplicaSet to create, when none matches the template. */
  create: JsonObject | undefined;
  updates: ReplicaSetUpdate[];
  /** Old ReplicaSets past the revision history limit. */
  remove: OwnedReplicaSet[];
  /** The Deployment's `deployment.kubernetes.io/revision`, when it must change. */
  revision: string | undefined;
  status: JsonObject;
}

export interface RolloutInput {
  deployment: JsonObject;
  /** The ReplicaSets it controls that are not being deleted. */
  replicaSets: readonly OwnedReplicaSet[];
  /**
   * Pods per ReplicaSet uid that may still run: not Succeeded or Failed, terminating ones
   * included (Recreate waits for them).
   */
  runningPods: ReadonlyMap<string, number>;
  /** Why creating the new ReplicaSet failed last time, while it fails. */
  failure: string | undefined;
  now: string;
}

/** `value` of an IntOrString against `total`: a percentage rounds up or down. */
export function scaledValue(value: Json | undefined, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return Math.max(0, Math.trunc(value));
  if (typeof value !== 'string') return 0;
  const percent = /^(\d+)%$/.exec(value);
  if (percent === null) return Number.isSafeInteger(Number(value)) ? Number(value) : 0;
  const scaled = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

interface Strategy {
  recreate: boolean;
  maxSurge: number;
  maxUnavailable: number;
}

/** `ResolveFenceposts`, `MaxSurge` and `MaxUnavailable` of deployment_util.go. */
export function strategyOf(deployment: JsonObject, replicas: number): Strategy {
  if (stringAt(deployment, 'spec', 'strategy', 'type') === 'Recreate') {
    return { recreate: true, maxSurge: 0, maxUnavailable: 0 };
  }
  const rolling = objectAt(deployment, 'spec', 'strategy', 'rollingUpdate');
  const surge = scaledValue(rolling?.['maxSurge'] ?? '25%', replicas, true);
  let unavailable = scaledValue(rolling?.['maxUnavailable'] ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return {
    recreate: false,
    maxSurge: surge,
    maxUnavailable: replicas === 0 ? 0 : Math.min(unavailable, replicas),
  };
}

function byCreation(a: OwnedReplicaSet, b: OwnedReplicaSet): number {
  return a.created === b.created
    ? a.name.localeCompare(b.name)
    : a.created.localeCompare(b.created);
}

/** The labels of `template`, plus the hash. */
function hashedLabels(template: JsonObject, hash: string): Record<string, string> {
  return { ...stringsAt(template, 'metadata', 'labels'), [POD_TEMPLATE_HASH]: hash };
}

/** The new ReplicaSet for `deployment`'s template (getNewReplicaSet in sync.go). */
function newReplicaSet(
  deployment: JsonObject,
  name: string,
  hash: string,
  replicas: number,
  annotations: Record<string, string>,
): JsonObject {
  const template = objectAt(deployment, 'spec', 'template') ?? {};
  const selector = objectAt(deployment, 'spec', 'selector') ?? {};
  const labels = hashedLabels(template, hash);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: stringAt(deployment, 'metadata', 'namespace') ?? '',
      labels,
      annotations,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: stringAt(deployment, 'metadata', 'name') ?? '',
          uid: stringAt(deployment, 'metadata', 'uid') ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      minReadySeconds: countAt(deployment, 0, 'spec', 'minReadySeconds'),
      selector: {
        ...selector,
        matchLabels: { ...stringsAt(selector, 'matchLabels'), [POD_TEMPLATE_HASH]: hash },
      },
      template: {
        ...template,
        metadata: { ...(objectAt(template, 'metadata') ?? {}), labels },
      },
    },
  };
}

/** The Deployment's annotations a ReplicaSet of it should carry. */
function copiedAnnotations(deployment: JsonObject): Record<string, string> {
  const copied: Record<string, string> = {};
  for (const [key, value] of Object.entries(stringsAt(deployment, 'metadata', 'annotations')))
    if (!NOT_COPIED.has(key)) copied[key] = value;
  return copied;
}

/** What is set on the new ReplicaSet's annotations (SetNewReplicaSetAnnotations). */
function newAnnotations(
  deployment: JsonObject,
  existing: OwnedReplicaSet | undefined,
  revision: number,
  replicas: number,
  maxSurge: number,
): Record<string, string> {
  const wanted: Record<string, string> = {
    ...copiedAnnotations(deployment),
    [DESIRED_REPLICAS]: String(replicas),
    [MAX_REPLICAS]: String(replicas + maxSurge),
  };
  if (existing === undefined || existing.revision < revision) {
    wanted[REVISION] = String(revision);
    if (existing !== undefined && existing.revision > 0) {
      const history = existing.annotations[REVISION_HISTORY];
      wanted[REVISION_HISTORY] =
        history === undefined || history === ''
          ? String(existing.revision)
          : `${history},${String(existing.revision)}`;
    }
  }
  const changes: Record<string, string> = {};
  for (const [key, value] of Object.entries(wanted))
    if (existing?.annotations[key] !== value) changes[key] = value;
  return changes;
}

/** How many replicas the new ReplicaSet should have now (NewRSNewReplicas). */
function newReplicas(
  all: readonly { replicas: number }[],
  current: number,
  replicas: number,
  strategy: Strategy,
): number {
  if (strategy.recreate) return replicas;
  if (current > replicas) return replicas;
  const total = all.reduce((sum, rs) => sum + rs.replicas, 0);
  const room = replicas + strategy.maxSurge - total;
  if (room <= 0) return current;
  return current + Math.min(room, replicas - current);
}

/** New `spec.replicas` of old ReplicaSets in a rolling update (reconcileOldReplicaSets). */
function scaleDownOld(
  old: readonly OwnedReplicaSet[],
  next: { replicas: number; available: number },
  replicas: number,
  strategy: Strategy,
): Map<OwnedReplicaSet, number> {
  const counts = new Map<OwnedReplicaSet, number>(old.map((rs) => [rs, rs.replicas]));
  const oldTotal = old.reduce((sum, rs) => sum + rs.replicas, 0);
  if (oldTotal === 0) return counts;
  const minAvailable = replicas - strategy.maxUnavailable;
  const allPods = oldTotal + next.replicas;
  const newUnavailable = next.replicas - next.available;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return counts;
  const ordered = [...old].sort(byCreation);
  // Unhealthy replicas first: they count for nothing towards availability.
  let cleaned = 0;
  for (const rs of ordered) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = rs.replicas - rs.available;
    if (rs.replicas === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    counts.set(rs, rs.replicas - down);
    cleaned += down;
  }
  const availableNow = old.reduce((sum, rs) => sum + rs.available, 0) + next.available;
  if (availableNow <= minAvailable) return counts;
  const toScaleDown = availableNow - minAvailable;
  let scaled = 0;
  for (const rs of ordered) {
    if (scaled >= toScaleDown) break;
    const count = counts.get(rs) ?? 0;
    if (count === 0) continue;
    const down = Math.min(count, toScaleDown - scaled);
    counts.set(rs, count - down);
    scaled += down;
  }
  return counts;
}

export function planRollout(input: RolloutInput): RolloutPlan {
  const { deployment } = input;
  const name = stringAt(deployment, 'metadata', 'name') ?? '';
  const replicas = desiredReplicas(deployment);
  const strategy = strategyOf(deployment, replicas);
  const paused = objectAt(deployment, 'spec')?.['paused'] === true;
  const template = objectAt(deployment, 'spec', 'template') ?? {};
  const collisions = countAt(deployment, 0, 'status', 'collisionCount');
  const wantedTemplate = comparable(template);
  const hash = templateHash(wantedTemplate, collisions);
  const found = [...input.replicaSets]
    .sort(byCreation)
    .find((rs) => deepEqual(rs.template, wantedTemplate));
  const old = input.replicaSets.filter((rs) => rs !== found);
  const revision = old.reduce((max, rs) => Math.max(max, rs.revision), 0) + 1;
  const counts = new Map<OwnedReplicaSet, number>(input.replicaSets.map((rs) => [rs, rs.replicas]));
  let create: JsonObject | undefined;
  let newName = found?.name ?? `${name}-${hash}`;

  if (paused) {
    const active = input.replicaSets.filter((rs) => rs.replicas > 0);
    const latest = found ?? [...old].sort((a, b) => b.revision - a.revision)[0];
    const target = active.length === 1 ? active[0] : active.length === 0 ? latest : undefined;
    if (target !== undefined) counts.set(target, replicas);
  } else if (strategy.recreate) {
    for (const rs of old) counts.set(rs, 0);
    const scaledDown = old.some((rs) => rs.replicas > 0);
    const oldPodsRunning = old.some(
      (rs) => rs.current > 0 || (input.runningPods.get(rs.uid) ?? 0) > 0,
    );
    if (!scaledDown && !oldPodsRunning) {
      if (found === undefined) {
        const annotations = newAnnotations(deployment, undefined, revision, replicas, 0);
        create = newReplicaSet(deployment, newName, hash, replicas, annotations);
      } else counts.set(found, replicas);
    }
  } else if (found === undefined) {
    const start = newReplicas(input.replicaSets, 0, replicas, strategy);
    const annotations = newAnnotations(
      deployment,
      undefined,
      revision,
      replicas,
      strategy.maxSurge,
    );
    create = newReplicaSet(deployment, newName, hash, start, annotations);
  } else {
    const target = newReplicas(input.replicaSets, found.replicas, replicas, strategy);
    counts.set(found, target);
    if (target <= found.replicas) {
      const next = { replicas: target, available: found.available };
      for (const [rs, count] of scaleDownOld(old, next, replicas, strategy)) counts.set(rs, count);
    }
  }
  if (create !== undefined) newName = stringAt(create, 'metadata', 'name') ?? newName;

  const minReadySeconds = countAt(deployment, 0, 'spec', 'minReadySeconds');
  const updates: ReplicaSetUpdate[] = [];
  for (const rs of input.replicaSets) {
    const count = counts.get(rs) ?? rs.replicas;
    const annotations =
      rs === found
        ? newAnnotations(deployment, rs, revision, replicas, strategy.maxSurge)
        : count !== rs.replicas
          ? replicaAnnotations(rs, replicas, strategy.maxSurge)
          : {};
    const update: ReplicaSetUpdate = {
      replicaSet: rs,
      replicas: count === rs.replicas ? undefined : count,
      minReadySeconds:
        rs === found && rs.minReadySeconds !== minReadySeconds ? minReadySeconds : undefined,
      annotations,
    };
    if (
      update.replicas !== undefined ||
      update.minReadySeconds !== undefined ||
      Object.keys(annotations).length > 0
    )
      updates.push(update);
  }

  const newRevision =
    create !== undefined
      ? String(revision)
      : found === undefined
        ? undefined
        : String(Math.max(found.revision, revision));
  const status = rolloutStatus(input, {
    newName,
    found,
    created: create === undefined ? undefined : desiredReplicas(create),
    paused,
    replicas,
    strategy,
  });
  const complete = isComplete(deployment, status, replicas);
  return {
    newName,
    create,
    updates,
    remove: complete && !paused ? pastHistory(deployment, old, counts) : [],
    revision:
      newRevision !== undefined &&
      stringAt(deployment, 'metadata', 'annotations', REVISION) !== newRevision
        ? newRevision
        : undefined,
    status,
  };
}

function replicaAnnotations(
  rs: OwnedReplicaSet,
  replicas: number,
  maxSurge: number,
): Record<string, string> {
  const wanted = {
    [DESIRED_REPLICAS]: String(replicas),
    [MAX_REPLICAS]: String(replicas + maxSurge),
  };
  const changes: Record<string, string> = {};
  for (const [key, value] of Object.entries(wanted))
    if (rs.annotations[key] !== value) changes[key] = value;
  return changes;
}

/** Old ReplicaSets with no replicas beyond `revisionHistoryLimit`, lowest revision first. */
function pastHistory(
  deployment: JsonObject,
  old: readonly OwnedReplicaSet[],
  counts: ReadonlyMap<OwnedReplicaSet, number>,
): OwnedReplicaSet[] {
  const limit = countAt(deployment, 10, 'spec', 'revisionHistoryLimit');
  const idle = old
    .filter((rs) => (counts.get(rs) ?? rs.replicas) === 0 && rs.current === 0)
    .sort((a, b) => a.revision - b.revision);
  return idle.slice(0, Math.max(0, idle.length - limit));
}

/** DeploymentComplete of deployment_util.go, on the status about to be written. */
function isComplete(deployment: JsonObject, status: JsonObject, replicas: number): boolean {
  return (
    countAt(status, 0, 'updatedReplicas') === replicas &&
    countAt(status, 0, 'replicas') === replicas &&
    countAt(status, 0, 'availableReplicas') === replicas &&
    countAt(status, 0, 'observedGeneration') >=
      (numberAt(deployment, 'metadata', 'generation') ?? 1)
  );
}

interface StatusContext {
  newName: string;
  found: OwnedReplicaSet | undefined;
  /** The replicas of the ReplicaSet created this pass, if one is. */
  created: number | undefined;
  paused: boolean;
  replicas: number;
  strategy: Strategy;
}

/**
 * The Deployment's status (calculateStatus in sync.go): counts summed over its
 * ReplicaSets' status (zeros left out, as the API server serialises them), and the
 * Available, Progressing and ReplicaFailure conditions in the real controller's shapes.
 */
function rolloutStatus(input: RolloutInput, context: StatusContext): JsonObject {
  const { deployment, replicaSets } = input;
  const { replicas, found } = context;
  const sum = (pick: (rs: OwnedReplicaSet) => number): number =>
    replicaSets.reduce((total, rs) => total + pick(rs), 0);
  // As syncRolloutStatus sees them: the ReplicaSets' specs before this pass scaled them.
  const specTotal = sum((rs) => rs.replicas) + (context.created ?? 0);
  const availableCount = sum((rs) => rs.available);
  const owned: JsonObject = {
    observedGeneration: numberAt(deployment, 'metadata', 'generation') ?? 1,
  };
  const counts: [string, number][] = [
    ['replicas', sum((rs) => rs.current)],
    ['updatedReplicas', found?.current ?? 0],
    ['readyReplicas', sum((rs) => rs.ready)],
    ['availableReplicas', availableCount],
    ['unavailableReplicas', Math.max(0, specTotal - availableCount)],
  ];
  for (const [key, value] of counts) if (value > 0) owned[key] = value;
  const complete = isComplete(deployment, owned, replicas);
  const replicaSet = context.newName;
  const wanted: Condition[] = [
    availableCount >= replicas - context.strategy.maxUnavailable
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
    progressing(input.failure, context, complete, replicaSet),
  ];
  const failure = [found, ...replicaSets].find((rs) => rs?.failure !== undefined)?.failure;
  if (failure !== undefined) {
    wanted.push({ type: 'ReplicaFailure', status: 'True', ...failure });
  }
  const previous = objectsAt(deployment, 'status', 'conditions');
  owned['conditions'] = conditionsOf(wanted, previous, input.now, true);
  return withOwned(objectAt(deployment, 'status'), owned, OWNED_KEYS, OWNED_CONDITIONS);
}

function progressing(
  failure: string | undefined,
  context: StatusContext,
  complete: boolean,
  replicaSet: string,
): Condition {
  if (context.paused) {
    return {
      type: 'Progressing',
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused',
    };
  }
  if (failure !== undefined) {
    return {
      type: 'Progressing',
      status: 'False',
      reason: 'ReplicaSetCreateError',
      message: `Failed to create new replica set "${replicaSet}": ${failure}`,
    };
  }
  if (complete) {
    return {
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
    };
  }
  if (context.created !== undefined) {
    return {
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetCreated',
      message: `Created new replica set "${replicaSet}"`,
    };
  }
  return {
    type: 'Progressing',
    status: 'True',
    reason: 'ReplicaSetUpdated',
    message: `ReplicaSet "${replicaSet}" is progressing.`,
  };
}
