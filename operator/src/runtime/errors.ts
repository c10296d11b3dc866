/**
 * Error kinds that decide retry, in the spirit of Flux's `internal/error` and
 * controller-runtime's `TerminalError`. A reconcile throws one of these (or wraps one as
 * an `Error.cause`); `queueActionFor` turns it into what the work queue does next:
 *
 * | thrown          | meaning                                      | queue                     |
 * |-----------------|----------------------------------------------|---------------------------|
 * | `StalledError`  | only a change by the user can fix it         | forget, no retry          |
 * | `WaitingError`  | an expected wait for something outside Ferry | forget, requeue after     |
 * | anything else   | transient failure                            | rate-limited backoff      |
 */

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
 * The first `StalledError` or `WaitingError` found walking `error` and its `cause` chain
 * (outermost first), like Go's `errors.As`; `undefined` means the error is transient.
 * Cycles in the chain are tolerated.
 */
export function classifyError(error: unknown): StalledError | WaitingError | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current);) {
    if (current instanceof StalledError || current instanceof WaitingError) return current;
    seen.add(current);
    current = current.cause;
  }
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
