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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function definedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}
