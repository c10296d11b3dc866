/**
 * Field sets as server-side apply tracks them: the set of leaf paths an object (or an
 * applied configuration) sets, and their `fieldsV1` encoding (`{"f:spec":{"f:x":{}}}`).
 * Associative lists contribute one path per item (`k:{"name":"a"}` / `v:"x"` steps, as
 * in fieldsV1); other lists are atomic leaves that apply replaces as a whole.
 */
import { deepEqual, isObject, type Json, type JsonObject } from '../core/json.js';
import { ATOMIC_LISTS, elementOf, isElement, type ListShape } from './shape.js';

/** A leaf path, encoded with `pathKey` so it can live in a Set. */
export type FieldPath = readonly string[];

const SERVER_OWNED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}

export function keyPath(key: string): FieldPath {
  return JSON.parse(key) as string[];
}

/** The leaf paths an object sets, skipping apiVersion, kind and server-owned metadata. */
export function leavesOf(object: JsonObject, shape: ListShape = ATOMIC_LISTS): Set<string> {
  const leaves = new Set<string>();
  const visit = (value: Json, path: string[]): void => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
      return;
    }
    const kind = Array.isArray(value) && value.length > 0 ? shape(path) : undefined;
    const elements =
      kind === undefined || !Array.isArray(value) ? [] : value.map((item) => elementOf(kind, item));
    if (
      kind === undefined ||
      !Array.isArray(value) ||
      elements.some((element) => element === undefined)
    ) {
      leaves.add(pathKey(path));
      return;
    }
    value.forEach((item, index) => {
      const itemPath = [...path, elements[index] ?? ''];
      if (kind === 'set' || !isObject(item)) leaves.add(pathKey(itemPath));
      else for (const [key, child] of Object.entries(item)) visit(child, [...itemPath, key]);
    });
  };
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata' && isObject(value)) {
      for (const [field, child] of Object.entries(value)) {
        if (!SERVER_OWNED_METADATA.has(field)) visit(child, ['metadata', field]);
      }
      continue;
    }
    visit(value, [key]);
  }
  return leaves;
}

/** Whether one path equals or contains the other. */
export function related(a: FieldPath, b: FieldPath): boolean {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** The item of `list` a `k:`/`v:` step names, and its index. */
export function findElement(
  list: readonly Json[],
  step: string,
): { item: Json; index: number } | undefined {
  const wanted = JSON.parse(step.slice(2)) as Json;
  const index = list.findIndex((item) => {
    if (step.startsWith('v:')) return deepEqual(item, wanted);
    return (
      isObject(item) &&
      isObject(wanted) &&
      Object.entries(wanted).every(([key, value]) => deepEqual(item[key], value))
    );
  });
  const item = list[index];
  return item === undefined ? undefined : { item, index };
}

/** The value at a path of field names and list-item elements. */
export function valueAt(object: JsonObject, path: FieldPath): Json | undefined {
  let current: Json | undefined = object;
  for (const step of path) {
    if (isElement(step))
      current = Array.isArray(current) ? findElement(current, step)?.item : undefined;
    else current = isObject(current) ? current[step] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

export function toFieldsV1(leaves: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const key of leaves) {
    let node = root;
    for (const step of keyPath(key)) {
      const name = isElement(step) ? step : `f:${step}`;
      const next = node[name];
      if (isObject(next)) node = next;
      else {
        const created: JsonObject = {};
        node[name] = created;
        node = created;
      }
    }
  }
  return root;
}

export function fromFieldsV1(fields: Json | undefined): Set<string> {
  const leaves = new Set<string>();
  const visit = (node: Json, path: string[]): void => {
    const children = isObject(node)
      ? Object.entries(node).filter(([name]) => name.startsWith('f:') || isElement(name))
      : [];
    if (children.length === 0) {
      if (path.length > 0) leaves.add(pathKey(path));
      return;
    }
    for (const [name, child] of children)
      visit(child, [...path, isElement(name) ? name : name.slice(2)]);
  };
  if (fields !== undefined) visit(fields, []);
  return leaves;
}
