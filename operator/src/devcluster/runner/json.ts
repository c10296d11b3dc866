/**
 * JSON as it comes off the wire, and readers that never throw: the runner reads objects
 * anyone may have written, so every field is checked for its type where it is used.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` below `value`, or undefined when any step is missing or not an object. */
export function at(value: Json | undefined, ...path: string[]): Json | undefined {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function objectAt(value: Json | undefined, ...path: string[]): JsonObject | undefined {
  const found = at(value, ...path);
  return isObject(found) ? found : undefined;
}

export function stringAt(value: Json | undefined, ...path: string[]): string | undefined {
  const found = at(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

export function numberAt(value: Json | undefined, ...path: string[]): number | undefined {
  const found = at(value, ...path);
  return typeof found === 'number' ? found : undefined;
}

/** The objects of the array at `path`; non-objects are skipped, a non-array reads as empty. */
export function objectsAt(value: Json | undefined, ...path: string[]): JsonObject[] {
  const found = at(value, ...path);
  return Array.isArray(found) ? found.filter(isObject) : [];
}

/** The string-valued entries of the object at `path` (labels, annotations). */
export function stringsAt(value: Json | undefined, ...path: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(objectAt(value, ...path) ?? {}))
    if (typeof entry === 'string') result[key] = entry;
  return result;
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, index) => jsonEqual(item, b[index]))
    );
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => key in b && jsonEqual(a[key], b[key]))
  );
}

/** What the runner needs to know about any object it reads: undefined without name or uid. */
export interface ObjectIdentity {
  namespace: string;
  name: string;
  uid: string;
  /** `namespace/name`, the cache key. */
  key: string;
  deleting: boolean;
}

export function identityOf(object: JsonObject): ObjectIdentity | undefined {
  const name = stringAt(object, 'metadata', 'name');
  const uid = stringAt(object, 'metadata', 'uid');
  if (name === undefined || uid === undefined) return undefined;
  const namespace = stringAt(object, 'metadata', 'namespace') ?? '';
  return {
    namespace,
    name,
    uid,
    key: `${namespace}/${name}`,
    deleting: stringAt(object, 'metadata', 'deletionTimestamp') !== undefined,
  };
}

/** The ownerReference marked `controller: true`, if any. */
export function controllerOf(
  object: JsonObject,
): { apiVersion: string; kind: string; uid: string } | undefined {
  const owner = objectsAt(object, 'metadata', 'ownerReferences').find(
    (reference) => reference['controller'] === true,
  );
  if (owner === undefined) return undefined;
  const apiVersion = stringAt(owner, 'apiVersion');
  const kind = stringAt(owner, 'kind');
  const uid = stringAt(owner, 'uid');
  return apiVersion === undefined || kind === undefined || uid === undefined
    ? undefined
    : { apiVersion, kind, uid };
}

/** A Kubernetes timestamp (RFC 3339, whole seconds) for `ms` since the epoch. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
