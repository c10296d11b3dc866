/**
 * Whether a status write is needed. Controllers compute the desired status and patch only
 * when `statusChanged(current, desired)`, so a resync of a converged object writes nothing.
 */

/**
 * True when `before` and `after` differ as JSON documents:
 * - object key order does not matter;
 * - a property whose value is `undefined` counts as absent (JSON.stringify drops it);
 * - array order matters (Kubernetes lists are ordered; list-map order is the writer's);
 * - numbers compare by value (`0` equals `-0`; NaN equals NaN, as both serialise to null).
 * Values that are not plain JSON (functions, class instances other than arrays and plain
 * objects) are compared by identity.
 */
export function statusChanged(before: unknown, after: unknown): boolean {
  return !jsonEqual(before, after);
}

/** Deep equality as JSON documents; see `statusChanged` for the rules. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item: unknown, i) => jsonEqual(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const aKeys = definedKeys(a);
  const bKeys = definedKeys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/**
 * Whether `actual` holds every field `desired` sets, with the same values (by
 * {@link jsonEqual}'s rules): objects may have more keys, arrays must have the same length
 * and hold their desired elements in order. What an API server adds (defaults, status,
 * metadata it owns) does not count as a difference.
 */
export function jsonContains(actual: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      actual.length === desired.length &&
      desired.every((item: unknown, i) => jsonContains(actual[i], item))
    );
  }
  if (isPlainObject(desired)) {
    return (
      isPlainObject(actual) &&
      definedKeys(desired).every((key) => jsonContains(actual[key], desired[key]))
    );
  }
  return jsonEqual(actual, desired);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function definedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}
