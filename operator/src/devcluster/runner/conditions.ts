/** Conditions in Kubernetes' shape, with transition times that move only on transitions. Pure. */
import { objectsAt, stringAt, type Json, type JsonObject } from './json.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** The condition of `type` in `object`'s status when its status is True. */
export function trueCondition(object: JsonObject, type: string): JsonObject | undefined {
  return objectsAt(object, 'status', 'conditions').find(
    (condition) => stringAt(condition, 'type') === type && stringAt(condition, 'status') === 'True',
  );
}

/**
 * `wanted` as condition objects: `lastTransitionTime` is carried over from the condition of
 * the same type in `previous` while its status stays, else `now`; with `lastUpdateTime`
 * (Deployments have it), that one moves whenever status, reason or message change.
 */
export function conditionsOf(
  wanted: readonly Condition[],
  previous: readonly JsonObject[],
  now: string,
  lastUpdateTime = false,
): JsonObject[] {
  return wanted.map((condition) => {
    const before = previous.find((candidate) => stringAt(candidate, 'type') === condition.type);
    const same = stringAt(before, 'status') === condition.status;
    const unchanged =
      same &&
      stringAt(before, 'reason') === condition.reason &&
      stringAt(before, 'message') === condition.message;
    const object: JsonObject = { type: condition.type, status: condition.status };
    if (lastUpdateTime)
      object['lastUpdateTime'] =
        (unchanged ? stringAt(before, 'lastUpdateTime') : undefined) ?? now;
    object['lastTransitionTime'] =
      (same ? stringAt(before, 'lastTransitionTime') : undefined) ?? now;
    if (condition.reason !== undefined) object['reason'] = condition.reason;
    if (condition.message !== undefined) object['message'] = condition.message;
    return object;
  });
}

/**
 * `previous` status with the fields one writer owns replaced by `owned`: owned keys that
 * `owned` lacks are dropped, and of the conditions only those of `ownedTypes` are replaced,
 * so what other writers put in the status stays.
 */
export function withOwned(
  previous: JsonObject | undefined,
  owned: JsonObject,
  ownedKeys: readonly string[],
  ownedTypes: readonly string[],
): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(previous ?? {}))
    if (!ownedKeys.includes(key)) result[key] = value;
  const others = objectsAt(previous, 'conditions').filter(
    (condition) => !ownedTypes.includes(stringAt(condition, 'type') ?? ''),
  );
  const mine: Json[] = Array.isArray(owned['conditions']) ? owned['conditions'] : [];
  Object.assign(result, owned);
  const conditions = [...mine, ...others];
  if (conditions.length > 0) result['conditions'] = conditions;
  else delete result['conditions'];
  return result;
}
