/** JSON values as the API server stores them, plus small structural helpers. */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy; stored objects are never mutated, so writers copy first. */
export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of two JSON values; key order does not matter. */
export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/**
 * `value` serialised with every object's keys sorted, so two values are {@link deepEqual}
 * exactly when their canonical texts are equal: a key for sets and hashes.
 */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (!isObject(value)) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`).join(',')}}`;
}

/** The value at `path`, or undefined when any step is missing. */
export function getPath(value: Json | undefined, path: readonly string[]): Json | undefined {
  let current = value;
  for (const step of path) {
    if (!isObject(current)) return undefined;
    current = current[step];
  }
  return current;
}

/** The string at `path`, or undefined. */
export function stringAt(value: Json | undefined, ...path: string[]): string | undefined {
  const found = getPath(value, path);
  return typeof found === 'string' ? found : undefined;
}

/** Removes `key` from `object` in place (a named helper keeps dynamic deletes greppable). */
export function removeKey(object: JsonObject, key: string): void {
  Reflect.deleteProperty(object, key);
}

/**
 * How deep arrays and objects nest in `value` (a scalar is 0), stopping as soon as it passes
 * `limit` (then returns `limit + 1`). Iterative, so any depth is safe to measure.
 */
export function nestingDepth(value: Json, limit: number): number {
  let deepest = 0;
  const pending: [Json, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next;
    if (current === null || typeof current !== 'object') continue;
    const inner = depth + 1;
    if (inner > deepest) {
      deepest = inner;
      if (deepest > limit) return deepest;
    }
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') pending.push([child, inner]);
    }
  }
  return deepest;
}
