import { classifyError, StalledError, WaitingError } from './errors.js';

/** What a reconcile returns when it does not throw. */
export interface ReconcileResult {
  /**
   * Reconcile this key again after this many ms even if nothing changes (periodic
   * re-checks). Absent, zero, negative or not finite: only a change brings it back.
   */
  requeueAfterMs?: number;
}

/** How a reconcile ended. */
export type ReconcileOutcome =
  | { readonly ok: true; readonly result: ReconcileResult }
  | { readonly ok: false; readonly error: unknown };

/** The kinds of `QueueAction`, as reported to metrics and logs. */
export const QueueActionKind = {
  /** Done: reset the key's backoff, wait for the next change. */
  Forget: 'Forget',
  /** Reset the key's backoff and reconcile again after `delayMs`. */
  RequeueAfter: 'RequeueAfter',
  /** Transient failure: retry with the rate limiter's backoff, backoff not reset. */
  RateLimited: 'RateLimited',
  /** The user must act: reset the backoff and do not retry. */
  Stall: 'Stall',
} as const;
export type QueueActionKind = (typeof QueueActionKind)[keyof typeof QueueActionKind];

export type QueueAction =
  | { readonly kind: typeof QueueActionKind.Forget }
  | { readonly kind: typeof QueueActionKind.RequeueAfter; readonly delayMs: number }
  | { readonly kind: typeof QueueActionKind.RateLimited; readonly error: unknown }
  | { readonly kind: typeof QueueActionKind.Stall; readonly error: StalledError };

/**
 * The one place that maps a reconcile's outcome to what the queue does with its key,
 * as controller-runtime's reconcile handler does:
 *
 * - success without `requeueAfterMs` (or with one that is not a positive finite number) → Forget;
 * - success with `requeueAfterMs > 0` → RequeueAfter that delay;
 * - thrown `StalledError` (also as a `cause`) → Stall;
 * - thrown `WaitingError` → RequeueAfter its `requeueAfterMs` (the wait is expected, so it
 *   resets the backoff); one without a positive finite delay → RateLimited, so a wrong
 *   delay cannot spin the key in a hot loop;
 * - anything else thrown → RateLimited.
 */
export function queueActionFor(outcome: ReconcileOutcome): QueueAction {
  if (outcome.ok) {
    const delayMs = outcome.result.requeueAfterMs;
    return delayMs !== undefined && isPositiveFinite(delayMs)
      ? { kind: QueueActionKind.RequeueAfter, delayMs }
      : { kind: QueueActionKind.Forget };
  }
  const classified = classifyError(outcome.error);
  if (classified instanceof StalledError) return { kind: QueueActionKind.Stall, error: classified };
  if (classified instanceof WaitingError) {
    const delayMs = classified.requeueAfterMs;
    return isPositiveFinite(delayMs)
      ? { kind: QueueActionKind.RequeueAfter, delayMs }
      : { kind: QueueActionKind.RateLimited, error: outcome.error };
  }
  return { kind: QueueActionKind.RateLimited, error: outcome.error };
}

/** The queue operations `applyQueueAction` needs. */
export interface RequeueTarget {
  forget(key: string): void;
  addAfter(key: string, delayMs: number): void;
  addRateLimited(key: string): void;
}

/** Carries out `action` for `key` on `queue`. Call it before `queue.done(key)`. */
export function applyQueueAction(queue: RequeueTarget, key: string, action: QueueAction): void {
  switch (action.kind) {
    case QueueActionKind.Forget:
    case QueueActionKind.Stall:
      queue.forget(key);
      return;
    case QueueActionKind.RequeueAfter:
      queue.forget(key);
      queue.addAfter(key, action.delayMs);
      return;
    case QueueActionKind.RateLimited:
      queue.addRateLimited(key);
      return;
  }
}

function isPositiveFinite(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}
