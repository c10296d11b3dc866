/**
 * Pure helpers on `status.conditions` in the Kubernetes shape (metav1.Condition). Every
 * function takes the current list (or `undefined` for none) and returns a new array; the
 * input is never modified.
 */
import type { Condition } from '../api/common.js';
import { formatTimestamp } from './clock.js';

export type ConditionStatus = Condition['status'];

/** A condition as a controller states it; `lastTransitionTime` is the helpers' business. */
export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

type Conditions = readonly Condition[] | undefined;

export function getCondition(conditions: Conditions, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/**
 * Sets condition `input.type` (as apimachinery's `meta.SetStatusCondition`):
 * - absent: appended, with `lastTransitionTime` = `nowMs`;
 * - present with a different status: replaced in place, `lastTransitionTime` = `nowMs`;
 * - present with the same status: reason, message and observedGeneration are replaced and
 *   `lastTransitionTime` is kept, so re-stating a condition never looks like a transition.
 * `observedGeneration` is taken from `input` only: leaving it out removes it.
 * Timestamps have whole-second precision, as the API server stores them.
 */
export function setCondition(
  conditions: Conditions,
  input: ConditionInput,
  nowMs: number,
): Condition[] {
  const list = conditions ?? [];
  const index = list.findIndex((condition) => condition.type === input.type);
  const existing = list[index];
  const lastTransitionTime =
    existing !== undefined && existing.status === input.status
      ? existing.lastTransitionTime
      : formatTimestamp(nowMs);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(input.observedGeneration === undefined
      ? {}
      : { observedGeneration: input.observedGeneration }),
    lastTransitionTime,
    reason: input.reason,
    message: input.message,
  };
  if (index < 0) return [...list, next];
  return list.map((condition, i) => (i === index ? next : condition));
}
