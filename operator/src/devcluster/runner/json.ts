/**
 * JSON as it comes off the wire, and readers that never throw: the runner reads objects
 * anyone may have written, so every field is checked for its type where it is used.
 */
import { isObject, type Json, type JsonObject } from '../core/json.js';

export { isObject, type Json, type JsonObject };

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
