/**
 * When an object that is checked on an interval (a Dataset's source, a DriftMonitor's
 * traffic) is due again: never checked, its spec changed since, or `interval` has passed
 * since `status.lastCheckTime`. Pure.
 */

export type CheckDecision = { check: true } | { check: false; requeueAfterMs: number };

export interface CheckedStatus {
  lastCheckTime?: string;
  observedGeneration?: number;
}

export function decidePeriodicCheck(
  status: CheckedStatus | undefined,
  generation: number | undefined,
  intervalMs: number,
  nowMs: number,
): CheckDecision {
  const last = status?.lastCheckTime === undefined ? NaN : Date.parse(status.lastCheckTime);
  if (Number.isNaN(last) || status?.observedGeneration !== generation) return { check: true };
  const due = last + intervalMs;
  return due <= nowMs ? { check: true } : { check: false, requeueAfterMs: due - nowMs };
}
