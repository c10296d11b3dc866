/**
 * Time as the runtime sees it. Every time-dependent piece of the runtime (rate limiters,
 * delayed requeues, resync, metrics of running work) takes a `Clock`, so tests drive time
 * with `ManualClock` and never sleep for real.
 */

/** A scheduled callback that can be cancelled. */
export interface Timer {
  /** Stops the callback from running; a no-op once it has run or been cancelled. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. Never decreases. */
  now(): number;
  /**
   * Runs `callback` once, no earlier than `delayMs` from now (a negative or zero delay
   * means "as soon as possible", never synchronously inside this call).
   */
  setTimer(delayMs: number, callback: () => void): Timer;
  /**
   * Resolves after `delayMs`. If `signal` aborts first, rejects with the signal's reason
   * and cancels the underlying timer.
   */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** Node's setTimeout only takes 32-bit delays; longer ones silently become 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The wall clock. Delays longer than setTimeout's 24.8-day limit are chained, not truncated. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const due = Date.now() + Math.max(0, delayMs);
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const remaining = due - Date.now();
      if (remaining > MAX_TIMEOUT_MS) {
        handle = setTimeout(arm, MAX_TIMEOUT_MS);
      } else {
        handle = setTimeout(callback, Math.max(0, remaining));
      }
    };
    arm();
    return {
      cancel: () => {
        clearTimeout(handle);
      },
    };
  },
  sleep(delayMs, signal) {
    return sleepOn(realClock, delayMs, signal);
  },
};

/** `Clock.sleep` in terms of `Clock.setTimer`, shared by every implementation. */
export function sleepOn(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal));
    };
    const timer = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

/**
 * A timestamp as metav1.Time serialises it: RFC 3339, UTC, whole seconds
 * (`2024-05-01T12:00:00Z`). Sub-second precision is dropped, as the API server drops it,
 * so a value written and read back compares equal.
 */
export function formatTimestamp(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Kubernetes MicroTime (Lease renewTime, Event eventTime): RFC 3339 with microseconds. */
export function formatMicroTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
