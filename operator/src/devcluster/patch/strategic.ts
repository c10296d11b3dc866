/**
 * An approximation of strategic merge patch for built-in kinds, enough for what kubectl
 * sends (`kubectl apply` re-applies, `kubectl edit`, `kubectl patch`): merge-patch
 * semantics plus lists merged by their well-known merge key (`containers` by name,
 * `conditions` by type, ...), primitive `finalizers` merged as a set, and the directives
 * `$patch` (replace/delete/merge), `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
 * `$setElementOrder/<field>` (order is accepted and ignored). Lists without a known merge
 * key are replaced, as for atomic lists.
 */
import { isObject, type Json, type JsonObject, removeKey } from '../core/json.js';
import { BUILTIN_MERGE_KEYS } from './shape.js';

/**
 * Every list server-side apply merges by key, plus some it leaves atomic. A list is
 * merged by the first of its keys that the patch's items carry (`ports` by containerPort,
 * or by port for a Service).
 */
const MERGE_KEYS: Readonly<Record<string, readonly string[]>> = {
  ...BUILTIN_MERGE_KEYS,
  volumeDevices: ['devicePath'],
  ports: ['containerPort', 'port'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey'],
};

const SET_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const directive = patch['$patch'];
  if (directive === 'replace') return withoutDirectives(patch);
  if (directive === 'delete') return {};
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter((item) => !value.includes(item));
      }
      continue;
    }
    if (key.startsWith('$')) continue;
    if (value === null) {
      removeKey(result, key);
      continue;
    }
    if (isObject(value) && value['$patch'] === 'delete') {
      removeKey(result, key);
      continue;
    }
    const current = result[key];
    if (Array.isArray(value)) result[key] = mergeList(key, current, value);
    else result[key] = strategicMergePatch(current, value);
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) removeKey(result, key);
  }
  return result;
}

function withoutDirectives(value: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('$')));
}

function mergeList(field: string, current: Json | undefined, patch: Json[]): Json[] {
  const existing = Array.isArray(current) ? current : [];
  if (SET_LISTS.has(field)) {
    return [...existing, ...patch.filter((item) => !existing.includes(item))];
  }
  const key = (MERGE_KEYS[field] ?? []).find((candidate) =>
    patch.some((item) => isObject(item) && item[candidate] !== undefined),
  );
  if (key === undefined) return patch.filter((item) => !(isObject(item) && '$patch' in item));
  if (patch.some((item) => isObject(item) && item['$patch'] === 'replace')) {
    return patch.filter((item) => !(isObject(item) && '$patch' in item));
  }
  const result = [...existing];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = result.findIndex(
      (candidate) => isObject(candidate) && candidate[key] === item[key],
    );
    if (item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) result[index] = strategicMergePatch(result[index], item);
    else result.push(strategicMergePatch({}, item));
  }
  return result;
}
