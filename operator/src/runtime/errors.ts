/**
 * Error kinds that decide retry, in the spirit of Flux's `internal/error` and
 * controller-runtime's `TerminalError`. A reconcile throws one of these (or wraps one as
 * an `Error.cause`); `queueActionFor` turns it into what the work queue does next:
 *
 * | thrown          | meaning                                      | queue                     |
 * |-----------------|----------------------------------------------|---------------------------|
 * | `StalledError`  | only a change by the user can fix it         | forget, no retry          |
 * | `WaitingError`  | an expected wait for something outside Ferry | forget, requeue after     |
 * | `ApiError` 400, 403 or 422 | the API server refused the write as asked: a stalled error | forget, no retry |
 * | anything else   | transient failure                            | rate-limited backoff      |
 */

import { ApiError } from './client.js';

/** Options shared by the error kinds: a CamelCase `reason` for conditions, and a cause. */
export interface ReconcileErrorOptions {
  /** CamelCase reason for the condition this error ends up in, e.g. `DigestMismatch`. */
  reason: string;
  cause?: unknown;
}

/**
 * The object cannot make progress until someone changes it (invalid spec, pinned digest
 * that does not match, missing reference that will not appear by itself). Retrying would
 * only repeat the failure, so the key is forgotten; the next change to the object (a
 * watch event, a resync) brings it back.
 */
export class StalledError extends Error {
  override readonly name = 'StalledError';
  readonly reason: string;

  constructor(message: string, options: ReconcileErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
  }
}

/**
 * The object is fine but waits for something outside the controller's hands (a Job to
 * finish, capacity to free up). The key is requeued after `requeueAfterMs` without
 * counting as a failure.
 */
export class WaitingError extends Error {
  override readonly name = 'WaitingError';
  readonly reason: string;
  readonly requeueAfterMs: number;

  constructor(message: string, options: ReconcileErrorOptions & { requeueAfterMs: number }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
    this.requeueAfterMs = options.requeueAfterMs;
  }
}

/**
 * HTTP statuses that only a change by the user can fix: a malformed or invalid object
 * (400, 422) or a write the caller may not make (403, which is also how quotas answer).
 * Conflicts, missing kinds, throttling and server errors pass by themselves.
 */
const STALLING_CODES: ReadonlySet<number> = new Set([400, 403, 422]);

/**
 * The first `StalledError` or `WaitingError` found walking `error` and its `cause` chain
 * (outermost first), like Go's `errors.As`; an `ApiError` with a stalling status counts as
 * a `StalledError` with the API's reason. `undefined` means the error is transient.
 * Cycles in the chain are tolerated.
 */
export function classifyError(error: unknown): StalledError | WaitingError | undefined {
  for (const current of causeChain(error)) {
    if (current instanceof StalledError || current instanceof WaitingError) return current;
    if (
      current instanceof ApiError &&
      current.code !== undefined &&
      STALLING_CODES.has(current.code)
    )
      return new StalledError(current.message, { reason: current.reason, cause: current });
  }
  return undefined;
}

/** `error` and its `cause`s, outermost first; a cycle ends the walk. */
function* causeChain(error: unknown): Generator<Error> {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current);) {
    seen.add(current);
    yield current;
    current = current.cause;
  }
}

/** How a failed reconcile shows in conditions: the error's kind, reason and message. */
export interface ErrorSummary {
  kind: 'stalled' | 'waiting' | 'transient';
  /** CamelCase condition reason. */
  reason: string;
  message: string;
}

/**
 * The one reading of an error for conditions, agreeing with `classifyError` on its kind.
 * A transient `ApiError` keeps the API's reason (`Conflict`, `NotFound`, …); any other
 * transient error reads `ReconcileError`.
 */
export function summarizeError(error: unknown): ErrorSummary {
  const classified = classifyError(error);
  if (classified instanceof StalledError)
    return { kind: 'stalled', reason: classified.reason, message: classified.message };
  if (classified instanceof WaitingError)
    return { kind: 'waiting', reason: classified.reason, message: classified.message };
  const api = findApiError(error);
  return {
    kind: 'transient',
    reason: api?.reason ?? 'ReconcileError',
    message: errorMessage(api ?? error),
  };
}

function findApiError(error: unknown): ApiError | undefined {
  for (const current of causeChain(error)) if (current instanceof ApiError) return current;
  return undefined;
}

/** A readable one-line message for anything thrown, including non-Error values. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols.
    const text = JSON.stringify(error) as string | undefined;
    return text ?? String(error);
  } catch {
    return String(error);
  }
}
