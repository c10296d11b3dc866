/**
 * The one summarize step every reconcile ends in, in the spirit of Flux's
 * `SummarizeAndPatch` (docs/architecture.md, "The reconcile shape").
 *
 * A controller's steps return a `StepOutcome` (the status body and a `Summary`) or throw.
 * On every exit, success or error, `summarizeAndPatch`:
 * - derives the standard conditions, kstatus's vocabulary, the same for every kind:
 *   `Ready` always; `Reconciling` while work is in progress; `Stalled` while only the user
 *   can fix it; beside them the kind's own conditions, as the summary names them;
 * - writes the status once, and only when it changed;
 * - records one event for the transition, when the write happened;
 * - returns the result, or rethrows the error so that `queueActionFor` decides its retry.
 *
 * A failed step leaves the status body as it was and reports the error in `Ready` with the
 * error's reason: `Stalled` as well when only the user can fix it (see `classifyError`),
 * `Reconciling` with `ProgressingWithRetry` when it is retried.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from '../api/common.js';
import type { Clock } from './clock.js';
import { ApiError, isNotFound, type KubeClient } from './client.js';
import { getCondition, setCondition, type ConditionStatus } from './conditions.js';
import { summarizeError } from './errors.js';
import type { EventInput, EventRecorder } from './events.js';
import type { ReconcileResult } from './requeue.js';
import type { Resource } from './resource.js';
import { applyStatusIfChanged } from './status.js';

/** The condition types every kind carries, with kstatus's meaning. */
export const StandardCondition = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

/** `Reconciling`'s reason while a failed reconcile is retried with backoff (Flux's word). */
export const PROGRESSING_WITH_RETRY = 'ProgressingWithRetry';

/** A condition's state as a plan states it; timestamps and generations are this step's. */
export interface ConditionState {
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** A condition that is present only while true: its reason and message. */
export interface Cause {
  reason: string;
  message: string;
}

/** What a reconcile concluded, in the standard vocabulary plus the kind's own conditions. */
export interface Summary {
  ready: ConditionState;
  /** Work is in progress; absent: `Reconciling` is removed. */
  reconciling?: Cause;
  /** Only the user can fix what stops progress; absent: `Stalled` is removed. */
  stalled?: Cause;
  /**
   * The kind's own conditions by type: a state sets it, `undefined` removes it. Types not
   * named keep what they said.
   */
  conditions?: Readonly<Record<string, ConditionState | undefined>>;
}

/** What a controller's steps return when they do not throw. */
export interface StepOutcome<S> {
  /** The new status body. Its `conditions` are ignored: the summary decides them. */
  status: S;
  summary: Summary;
  requeueAfterMs?: number;
  /**
   * The event for this transition, recorded when the status write happens. Absent: an
   * event is recorded when `Ready` changes its status or reason.
   */
  event?: EventInput;
}

/** The status fields the summarize step owns. */
export interface SummarizedStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

export type StepResult<S> =
  | { readonly ok: true; readonly outcome: StepOutcome<S> }
  | { readonly ok: false; readonly error: unknown };

/**
 * The status to write after a reconcile of an object at `generation` whose status was
 * `previous`. Pure. Every condition it sets carries `observedGeneration`, and so does the
 * status: the conditions describe this generation, failures included.
 */
export function summarizeStatus<S extends SummarizedStatus>(
  previous: S | undefined,
  generation: number,
  result: StepResult<S>,
  nowMs: number,
): S {
  const body: S = result.ok ? result.outcome.status : (previous ?? ({} as S));
  const summary = result.ok ? result.outcome.summary : summaryOfError(result.error);
  let conditions: Condition[] = previous?.conditions ?? [];
  const set = (type: string, state: ConditionState | undefined): void => {
    conditions =
      state === undefined
        ? conditions.filter((condition) => condition.type !== type)
        : setCondition(conditions, { type, ...state, observedGeneration: generation }, nowMs);
  };
  const whileTrue = (cause: Cause | undefined): ConditionState | undefined =>
    cause === undefined ? undefined : { status: 'True', ...cause };

  set(StandardCondition.Ready, summary.ready);
  set(StandardCondition.Reconciling, whileTrue(summary.reconciling));
  set(StandardCondition.Stalled, whileTrue(summary.stalled));
  for (const [type, state] of Object.entries(summary.conditions ?? {})) set(type, state);
  return { ...body, observedGeneration: generation, conditions };
}

/**
 * The summary `conditions` already state, for a reconcile that concludes nothing new (a
 * terminal object, say): the standard and the kind's conditions restated as they are.
 */
export function restatedSummary(conditions: readonly Condition[] | undefined): Summary {
  const find = (type: string) => getCondition(conditions, type);
  const cause = (type: string): Cause | undefined => {
    const condition = find(type);
    return condition?.status === 'True'
      ? { reason: condition.reason, message: condition.message }
      : undefined;
  };
  const ready = find(StandardCondition.Ready);
  const reconciling = cause(StandardCondition.Reconciling);
  const stalled = cause(StandardCondition.Stalled);
  return {
    ready:
      ready === undefined
        ? { status: 'Unknown', reason: 'Unknown', message: '' }
        : { status: ready.status, reason: ready.reason, message: ready.message },
    ...(reconciling === undefined ? {} : { reconciling }),
    ...(stalled === undefined ? {} : { stalled }),
  };
}

/** How a thrown error reads in the standard conditions. */
export function summaryOfError(error: unknown): Summary {
  const { kind, reason, message } = summarizeError(error);
  const ready: ConditionState = { status: 'False', reason, message };
  switch (kind) {
    case 'stalled':
      return { ready, stalled: { reason, message } };
    case 'waiting':
      return { ready, reconciling: { reason, message } };
    case 'transient':
      return { ready, reconciling: { reason: PROGRESSING_WITH_RETRY, message } };
  }
}

/** What the summarize step writes and records with. */
export interface SummarizeDeps {
  client: KubeClient;
  recorder: EventRecorder;
  clock: Clock;
  fieldManager: string;
}

type StatusObject<S> = KubernetesObject & { status?: S };

export interface SummarizeOptions<S> {
  /**
   * The status without the fields another field manager owns (such as a ModelVersion's
   * `promotion`, which the promotion controller writes): server-side apply then never
   * writes back a stale copy of them.
   */
  ownFields?: (status: S) => S;
}

/**
 * Runs `steps` for `object` and summarizes on every exit (see the file's doc comment).
 * `steps` returning `undefined` means there is nothing to report (the object is going and
 * its finalizer was released). A 404 for `object` itself ends the work quietly: it is gone.
 */
export async function summarizeAndPatch<S extends SummarizedStatus>(
  deps: SummarizeDeps,
  resource: Resource,
  object: StatusObject<S>,
  steps: () => Promise<StepOutcome<S> | undefined>,
  options: SummarizeOptions<S> = {},
): Promise<ReconcileResult> {
  let result: StepResult<S>;
  try {
    const outcome = await steps();
    if (outcome === undefined) return {};
    result = { ok: true, outcome };
  } catch (error) {
    if (isAbout(error, resource, object)) return {};
    result = { ok: false, error };
  }

  const own = options.ownFields ?? ((status: S) => status);
  const previous = object.status === undefined ? undefined : own(object.status);
  const status = summarizeStatus(
    previous,
    object.metadata?.generation ?? 0,
    result.ok
      ? { ok: true, outcome: { ...result.outcome, status: own(result.outcome.status) } }
      : result,
    deps.clock.now(),
  );
  let written: boolean;
  try {
    // Compared with what this writer owns, so others' fields never count as a change.
    const current = { ...object, status: previous };
    written = await applyStatusIfChanged(deps.client, resource, current, status, deps.fieldManager);
  } catch (error) {
    if (isAbout(error, resource, object)) return {};
    throw error;
  }
  if (written) {
    const event = result.ok ? result.outcome.event : undefined;
    const transition = event ?? readyTransition(previous?.conditions, status.conditions);
    if (transition !== undefined) await deps.recorder.record(object, transition);
  }
  if (!result.ok) throw result.error;
  const requeueAfterMs = result.outcome.requeueAfterMs;
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
}

/** An event when `Ready` changed its status or reason; Warning unless it became True. */
function readyTransition(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): EventInput | undefined {
  const was = getCondition(before, StandardCondition.Ready);
  const now = getCondition(after, StandardCondition.Ready);
  if (now === undefined || (was?.status === now.status && was.reason === now.reason))
    return undefined;
  return {
    type: now.status === 'True' ? 'Normal' : 'Warning',
    reason: now.reason,
    action: 'Reconcile',
    note: now.message,
  };
}

/** A 404 whose call addressed `object` itself: the object was deleted under the reconcile. */
function isAbout(error: unknown, resource: Resource, object: KubernetesObject): boolean {
  if (!(error instanceof ApiError) || !isNotFound(error) || error.target === undefined)
    return false;
  const { name, namespace } = object.metadata ?? {};
  return (
    error.target.kind === resource.kind &&
    error.target.name === name &&
    (error.target.namespace ?? '') === (namespace ?? '')
  );
}
