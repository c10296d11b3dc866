/**
 * What the Job controller does with one Job, given the Pods it owns, by the rules of
 * Kubernetes 1.32's controller. Pure.
 *
 * - Pods: NonIndexed Jobs keep `min(parallelism, completions - succeeded)` pods active
 *   (with `completions` unset, `parallelism` until one succeeds); Indexed Jobs keep one
 *   active pod per index in `0..completions-1` that has not succeeded, lowest first, at
 *   most `parallelism` at once. A failed pod is replaced at once (the real controller
 *   waits 10 s doubling; the local runner does not).
 * - Failures: the Job fails once its failed pods (plus, for `restartPolicy: OnFailure`,
 *   its active pods' container restarts) exceed `backoffLimit` (BackoffLimitExceeded), or
 *   once it has been active `activeDeadlineSeconds` since `status.startTime`
 *   (DeadlineExceeded). It first gets `FailureTarget` and its active pods are deleted;
 *   `Failed` follows once none is left running or terminating.
 * - Success: `SuccessCriteriaMet` once enough pods (or every index) succeeded, any other
 *   active pod is deleted, and `Complete` with `completionTime` once none is left.
 * - `spec.suspend`: a suspended Job has no active pods (they are deleted, and not counted as
 *   failures) and the condition Suspended=True (JobSuspended); resuming turns it False
 *   (JobResumed) and resets `startTime` to now, so the deadline counts from then.
 *   `startTime` is first set when the Job first runs unsuspended.
 * - Status: `active`, `succeeded`, `failed` (left out at 0), `ready` and `terminating`
 *   (pods being deleted that have not ended), `completedIndexes` ("0-2,4") for Indexed
 *   Jobs, `uncountedTerminatedPods: {}`. Counts never go down: pods deleted after they
 *   ended stay counted.
 */
import { timestamp } from '../core/time.js';
import { conditionsOf, trueCondition, withOwned, type Condition } from './conditions.js';
import { identityOf, numberAt, objectAt, objectsAt, stringAt, type JsonObject } from './json.js';

export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

const OWNED_KEYS = [
  'startTime',
  'completionTime',
  'active',
  'succeeded',
  'failed',
  'ready',
  'terminating',
  'completedIndexes',
  'uncountedTerminatedPods',
  'conditions',
];
const OWNED_CONDITIONS = ['Suspended', 'FailureTarget', 'Failed', 'SuccessCriteriaMet', 'Complete'];

export interface JobPod {
  name: string;
  uid: string;
  /** Succeeded or Failed, else undefined. */
  ended: 'Succeeded' | 'Failed' | undefined;
  deleting: boolean;
  ready: boolean;
  restarts: number;
  index: number | undefined;
  created: string;
}

export function jobPod(pod: JsonObject): JobPod | undefined {
  const identity = identityOf(pod);
  if (identity === undefined) return undefined;
  const phase = stringAt(pod, 'status', 'phase');
  const index = Number(stringAt(pod, 'metadata', 'annotations', COMPLETION_INDEX) ?? 'NaN');
  return {
    name: identity.name,
    uid: identity.uid,
    ended: phase === 'Succeeded' || phase === 'Failed' ? phase : undefined,
    deleting: identity.deleting,
    ready: trueCondition(pod, 'Ready') !== undefined,
    restarts: objectsAt(pod, 'status', 'containerStatuses').reduce(
      (sum, status) => sum + (numberAt(status, 'restartCount') ?? 0),
      0,
    ),
    index: Number.isSafeInteger(index) && index >= 0 ? index : undefined,
    created: stringAt(pod, 'metadata', 'creationTimestamp') ?? '',
  };
}

export interface JobPlanInput {
  job: JsonObject;
  pods: readonly JobPod[];
  /** uids of pods this controller deleted (suspension, deadline, success), never failures. */
  removedByController: ReadonlySet<string>;
  now: number;
}

export interface JobPlan {
  /** Pods to create: an index for Indexed Jobs, else undefined. */
  create: (number | undefined)[];
  remove: { pod: JobPod; why: string }[];
  status: JsonObject;
  /** When to look again without any change (the deadline), ms since the epoch. */
  wakeAt: number | undefined;
}

const DEADLINE = {
  reason: 'DeadlineExceeded',
  message: 'Job was active longer than specified deadline',
};
const BACKOFF = {
  reason: 'BackoffLimitExceeded',
  message: 'Job has reached the specified backoff limit',
};
const COMPLETED = {
  reason: 'CompletionsReached',
  message: 'Reached expected number of succeeded pods',
};

function condition(job: JsonObject, type: string): JsonObject | undefined {
  return objectsAt(job, 'status', 'conditions').find(
    (candidate) => stringAt(candidate, 'type') === type,
  );
}

function asCondition(object: JsonObject): Condition {
  const reason = stringAt(object, 'reason');
  const message = stringAt(object, 'message');
  return {
    type: stringAt(object, 'type') ?? '',
    status: stringAt(object, 'status') === 'True' ? 'True' : 'False',
    ...(reason === undefined ? {} : { reason }),
    ...(message === undefined ? {} : { message }),
  };
}

function isTrue(job: JsonObject, type: string): boolean {
  return stringAt(condition(job, type), 'status') === 'True';
}

/** `[0, 1, 2, 4]` as "0-2,4", the form of `status.completedIndexes`. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

/** "0-2,4" as `[0, 1, 2, 4]`; malformed parts are skipped. */
export function parseIndexes(text: string | undefined): number[] {
  const indexes: number[] = [];
  for (const part of (text ?? '').split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (match === null) continue;
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    for (let index = from; index <= to; index++) indexes.push(index);
  }
  return indexes;
}

export function planJob(input: JobPlanInput): JobPlan {
  const { job, pods, now } = input;
  const spec = objectAt(job, 'spec') ?? {};
  const previous = objectAt(job, 'status') ?? {};
  const indexed = stringAt(spec, 'completionMode') === 'Indexed';
  const parallelism = Math.max(0, numberAt(spec, 'parallelism') ?? 1);
  const completions = numberAt(spec, 'completions');
  const backoffLimit = numberAt(spec, 'backoffLimit') ?? 6;
  const deadlineSeconds = numberAt(spec, 'activeDeadlineSeconds');
  const suspended = spec['suspend'] === true;
  const onFailure = stringAt(spec, 'template', 'spec', 'restartPolicy') === 'OnFailure';

  const active = pods.filter((pod) => pod.ended === undefined && !pod.deleting);
  const terminating = pods.filter((pod) => pod.ended === undefined && pod.deleting);
  const completedIndexes = new Set(parseIndexes(stringAt(previous, 'completedIndexes')));
  for (const pod of pods)
    if (pod.ended === 'Succeeded' && pod.index !== undefined) completedIndexes.add(pod.index);
  const succeededPods = pods.filter((pod) => pod.ended === 'Succeeded').length;
  const succeeded = Math.max(
    numberAt(previous, 'succeeded') ?? 0,
    indexed ? completedIndexes.size : succeededPods,
  );
  const failed = Math.max(
    numberAt(previous, 'failed') ?? 0,
    pods.filter((pod) => pod.ended === 'Failed' && !input.removedByController.has(pod.uid)).length,
  );

  const wanted: Condition[] = [];
  const suspendedBefore = condition(job, 'Suspended');
  let startTime = stringAt(previous, 'startTime');
  const finished = isTrue(job, 'Complete') || isTrue(job, 'Failed');
  if (!finished) {
    if (suspended) {
      wanted.push({
        type: 'Suspended',
        status: 'True',
        reason: 'JobSuspended',
        message: 'Job suspended',
      });
    } else {
      if (stringAt(suspendedBefore, 'status') === 'True' || startTime === undefined)
        startTime = timestamp(now);
      if (suspendedBefore !== undefined)
        wanted.push({
          type: 'Suspended',
          status: 'False',
          reason: 'JobResumed',
          message: 'Job resumed',
        });
    }
  } else {
    // A finished Job keeps its Suspended condition as it was.
    for (const kept of objectsAt(previous, 'conditions')) {
      const type = stringAt(kept, 'type') ?? '';
      if (type === 'Suspended') wanted.push(asCondition(kept));
    }
  }

  const deadlineAt =
    deadlineSeconds === undefined || startTime === undefined || suspended
      ? undefined
      : Date.parse(startTime) + deadlineSeconds * 1000;
  const restarts = onFailure ? active.reduce((sum, pod) => sum + pod.restarts, 0) : 0;
  const target = (type: string): { reason: string; message: string } | undefined => {
    const found = condition(job, type);
    if (stringAt(found, 'status') !== 'True') return undefined;
    return { reason: stringAt(found, 'reason') ?? '', message: stringAt(found, 'message') ?? '' };
  };
  let failure = target('FailureTarget') ?? target('Failed');
  let success = target('SuccessCriteriaMet') ?? target('Complete');
  if (!finished && !suspended && failure === undefined && success === undefined) {
    const allDone = indexed
      ? completions !== undefined &&
        Array.from({ length: completions }, (_, index) => index).every((index) =>
          completedIndexes.has(index),
        )
      : completions === undefined
        ? succeeded > 0 && active.length === 0
        : succeeded >= completions;
    if (allDone) success = COMPLETED;
    else if (failed + restarts > backoffLimit) failure = BACKOFF;
    else if (deadlineAt !== undefined && now >= deadlineAt) failure = DEADLINE;
  }

  const create: (number | undefined)[] = [];
  const remove: { pod: JobPod; why: string }[] = [];
  if (failure !== undefined || success !== undefined || suspended || finished) {
    const why =
      failure !== undefined
        ? failure.reason
        : success !== undefined
          ? 'the Job succeeded'
          : suspended
            ? 'the Job is suspended'
            : 'the Job has finished';
    for (const pod of active) remove.push({ pod, why });
  } else if (indexed) {
    const running = new Set(active.map((pod) => pod.index));
    const pending = Array.from({ length: completions ?? 0 }, (_, index) => index).filter(
      (index) => !completedIndexes.has(index) && !running.has(index),
    );
    create.push(...pending.slice(0, Math.max(0, parallelism - active.length)));
  } else if (completions !== undefined || succeeded === 0) {
    // A work queue (no completions) starts no pod once one has succeeded, and lets the
    // others finish.
    const wantActive =
      completions === undefined
        ? parallelism
        : Math.max(0, Math.min(parallelism, completions - succeeded));
    for (let i = active.length; i < wantActive; i++) create.push(undefined);
    const surplus = [...active]
      .sort((a, b) => b.created.localeCompare(a.created))
      .slice(0, Math.max(0, active.length - wantActive));
    for (const pod of surplus) remove.push({ pod, why: 'parallelism lowered' });
  }

  // Pods deleted in this pass are still running: the final condition waits for them.
  const stillRunning = active.length + terminating.length > 0;
  if (failure !== undefined) {
    wanted.push({ type: 'FailureTarget', status: 'True', ...failure });
    if (!stillRunning) wanted.push({ type: 'Failed', status: 'True', ...failure });
  }
  if (success !== undefined) {
    wanted.push({ type: 'SuccessCriteriaMet', status: 'True', ...success });
    if (!stillRunning) wanted.push({ type: 'Complete', status: 'True', ...success });
  }
  const nowText = timestamp(now);
  const conditions = conditionsOf(wanted, objectsAt(previous, 'conditions'), nowText);
  const completed = wanted.some((entry) => entry.type === 'Complete');
  const owned: JsonObject = {
    ...(startTime === undefined ? {} : { startTime }),
    ...(completed ? { completionTime: stringAt(previous, 'completionTime') ?? nowText } : {}),
    ready: active.filter((pod) => pod.ready).length,
    terminating: terminating.length + remove.length,
    uncountedTerminatedPods: {},
    ...(conditions.length === 0 ? {} : { conditions }),
  };
  const activeAfter = active.length - remove.length + create.length;
  if (activeAfter > 0) owned['active'] = activeAfter;
  if (succeeded > 0) owned['succeeded'] = succeeded;
  if (failed > 0) owned['failed'] = failed;
  if (indexed && completedIndexes.size > 0)
    owned['completedIndexes'] = formatIndexes(completedIndexes);
  return {
    create,
    remove,
    status: withOwned(previous, owned, OWNED_KEYS, OWNED_CONDITIONS),
    wakeAt:
      deadlineAt !== undefined && failure === undefined && success === undefined
        ? deadlineAt
        : undefined,
  };
}
