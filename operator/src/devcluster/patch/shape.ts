/**
 * Which lists server-side apply merges item by item: `x-kubernetes-list-type: map`
 * (items keyed by `x-kubernetes-list-map-keys`) and `set` in a CRD schema, and for
 * built-ins the well-known associative lists (containers and env by name, conditions
 * by type, ...) and the `finalizers` set. Other lists are atomic.
 */
import { isObject, type Json, type JsonObject } from '../core/json.js';

export type ListKind = { keys: readonly string[] } | 'set';

/** The kind of list at a path (of field names and item elements); undefined = atomic. */
export type ListShape = (path: readonly string[]) => ListKind | undefined;

export const ATOMIC_LISTS: ListShape = () => undefined;

/** Whether a path step names a list item (`k:{...}` or `v:...`) rather than a field. */
export function isElement(step: string): boolean {
  return step.startsWith('k:') || step.startsWith('v:');
}

/** The path step for `item` in a list of `kind`, or undefined when it has no key. */
export function elementOf(kind: ListKind, item: Json): string | undefined {
  if (kind === 'set') return `v:${JSON.stringify(item)}`;
  if (!isObject(item)) return undefined;
  const key: JsonObject = {};
  for (const name of [...kind.keys].sort()) {
    const value = item[name];
    if (value === undefined) return undefined;
    key[name] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/** List shapes from a structural schema. */
export function schemaListShape(schema: JsonObject): ListShape {
  return (path) => {
    let node: Json | undefined = schema;
    for (const step of path) {
      if (!isObject(node)) return undefined;
      if (isElement(step)) {
        node = node['items'];
        continue;
      }
      const properties = node['properties'];
      const known = isObject(properties) ? properties[step] : undefined;
      node =
        known ??
        (isObject(node['additionalProperties']) ? node['additionalProperties'] : undefined);
    }
    if (!isObject(node)) return undefined;
    const type = node['x-kubernetes-list-type'];
    if (type === 'set') return 'set';
    const keys = node['x-kubernetes-list-map-keys'];
    if (type === 'map' && Array.isArray(keys)) {
      return { keys: keys.filter((key): key is string => typeof key === 'string') };
    }
    return undefined;
  };
}

/** Merge keys of the well-known associative lists of built-in kinds, by field name. */
export const BUILTIN_MERGE_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  ownerReferences: ['uid'],
};

/** List shapes for built-in kinds, by field name. */
export const builtinListShape: ListShape = (path) => {
  const last = path[path.length - 1];
  if (last === undefined) return undefined;
  if (last === 'finalizers' && path.length === 2 && path[0] === 'metadata') return 'set';
  const keys = BUILTIN_MERGE_KEYS[last];
  return keys === undefined ? undefined : { keys };
};
