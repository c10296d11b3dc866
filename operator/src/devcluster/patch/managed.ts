/**
 * `metadata.managedFields` bookkeeping and server-side apply: who owns which leaf,
 * conflicts between managers, and the merge of an applied configuration.
 */
import { clone, deepEqual, isObject, type Json, type JsonObject, removeKey } from '../core/json.js';
import { ATOMIC_LISTS, elementOf, isElement, type ListKind, type ListShape } from './shape.js';
import {
  findElement,
  fromFieldsV1,
  keyPath,
  leavesOf,
  related,
  toFieldsV1,
  valueAt,
  type FieldPath,
} from './fieldset.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource: string;
  fields: Set<string>;
}

export interface Writer {
  manager: string;
  apiVersion: string;
  subresource: string;
  now: string;
}

/** A field another manager owns with a different value than the applied one. */
export interface FieldConflict {
  manager: string;
  apiVersion: string;
  field: string;
}

export function readManagers(object: JsonObject | undefined): ManagerEntry[] {
  const raw = isObject(object?.['metadata']) ? object['metadata']['managedFields'] : undefined;
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((entry) => ({
    manager: typeof entry['manager'] === 'string' ? entry['manager'] : '',
    operation: entry['operation'] === 'Apply' ? 'Apply' : 'Update',
    apiVersion: typeof entry['apiVersion'] === 'string' ? entry['apiVersion'] : '',
    time: typeof entry['time'] === 'string' ? entry['time'] : '',
    subresource: typeof entry['subresource'] === 'string' ? entry['subresource'] : '',
    fields: fromFieldsV1(entry['fieldsV1']),
  }));
}

/** Writes `entries` into `object.metadata.managedFields` (mutates `object`). */
export function writeManagers(object: JsonObject, entries: readonly ManagerEntry[]): void {
  const metadata = isObject(object['metadata']) ? object['metadata'] : {};
  object['metadata'] = metadata;
  const kept = entries.filter((entry) => entry.fields.size > 0);
  if (kept.length === 0) {
    delete metadata['managedFields'];
    return;
  }
  metadata['managedFields'] = kept.map((entry) => {
    const out: JsonObject = {
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      time: entry.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1([...entry.fields].sort()),
    };
    if (entry.subresource !== '') out['subresource'] = entry.subresource;
    return out;
  });
}

function sameEntry(entry: ManagerEntry, writer: Writer, operation: 'Apply' | 'Update'): boolean {
  return (
    entry.manager === writer.manager &&
    entry.operation === operation &&
    entry.subresource === writer.subresource
  );
}

function changedLeaves(
  before: JsonObject | undefined,
  after: JsonObject,
  shape: ListShape,
): Set<string> {
  const changed = new Set<string>();
  const afterLeaves = leavesOf(after, shape);
  for (const key of afterLeaves) {
    const path = keyPath(key);
    if (before === undefined || !deepEqual(valueAt(before, path), valueAt(after, path))) {
      changed.add(key);
    }
  }
  if (before !== undefined) {
    for (const key of leavesOf(before, shape)) if (!afterLeaves.has(key)) changed.add(key);
  }
  return changed;
}

/**
 * Records a non-apply write (create, update, patch) by `writer`: the leaves it changed
 * move to the writer's `Update` entry; other managers lose them. Mutates `after`.
 */
export function recordUpdate(
  before: JsonObject | undefined,
  after: JsonObject,
  writer: Writer,
  shape: ListShape = ATOMIC_LISTS,
): void {
  const entries = readManagers(before);
  const changed = changedLeaves(before, after, shape);
  if (changed.size === 0 && before !== undefined) {
    writeManagers(after, entries);
    return;
  }
  const present = leavesOf(after, shape);
  let mine = entries.find((entry) => sameEntry(entry, writer, 'Update'));
  if (mine === undefined) {
    mine = { ...writer, operation: 'Update', time: writer.now, fields: new Set() };
    entries.push(mine);
  }
  for (const entry of entries) {
    if (entry === mine) continue;
    for (const owned of [...entry.fields]) {
      const ownedPath = keyPath(owned);
      if ([...changed].some((key) => related(keyPath(key), ownedPath))) entry.fields.delete(owned);
    }
  }
  for (const key of changed) if (present.has(key)) mine.fields.add(key);
  for (const key of [...mine.fields]) if (!present.has(key)) mine.fields.delete(key);
  mine.time = writer.now;
  mine.apiVersion = writer.apiVersion;
  writeManagers(after, entries);
}

function childAt(node: Json, step: string): Json | undefined {
  if (isElement(step)) return Array.isArray(node) ? findElement(node, step)?.item : undefined;
  return isObject(node) ? node[step] : undefined;
}

function removeChild(container: Json | undefined, step: string): void {
  if (Array.isArray(container)) {
    const found = findElement(container, step);
    if (found !== undefined) container.splice(found.index, 1);
  } else if (isObject(container)) removeKey(container, step);
}

/** The key fields of the list item at `path` (which ends in a `k:` element), if any. */
function itemKeys(path: FieldPath, shape: ListShape): readonly string[] {
  const last = path[path.length - 1];
  if (last === undefined || !last.startsWith('k:')) return [];
  const kind = shape(path.slice(0, -1));
  return kind === undefined || kind === 'set' ? [] : kind.keys;
}

/** Whether a value left behind by a removal should go too: empty, or an item of keys only. */
function emptied(value: Json | undefined, path: FieldPath, shape: ListShape): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (!isObject(value)) return false;
  const keys = itemKeys(path, shape);
  return Object.keys(value).every((key) => keys.includes(key));
}

/**
 * Removes the leaf at `path` from `object` (mutating it), then whatever that leaves
 * empty, up to but excluding top-level fields. A list item goes once only its key
 * fields are left; key fields themselves are not removed on their own.
 */
function deletePath(object: JsonObject, path: FieldPath, shape: ListShape): void {
  const containers: Json[] = [];
  let node: Json | undefined = object;
  for (const step of path) {
    if (node === undefined) return;
    containers.push(node);
    node = childAt(node, step);
  }
  if (node === undefined) return;
  let depth = path.length - 1;
  const last = path[depth] ?? '';
  if (!itemKeys(path.slice(0, -1), shape).includes(last)) removeChild(containers[depth], last);
  while (depth >= 2 && emptied(containers[depth], path.slice(0, depth), shape)) {
    depth--;
    removeChild(containers[depth], path[depth] ?? '');
  }
}

function mergeList(
  current: Json[],
  applied: Json[],
  kind: ListKind,
  shape: ListShape,
  path: string[],
): Json[] {
  const result = [...current];
  for (const item of applied) {
    const element = elementOf(kind, item);
    const found = element === undefined ? undefined : findElement(result, element);
    if (found === undefined || element === undefined) result.push(clone(item));
    else if (kind !== 'set' && isObject(found.item) && isObject(item)) {
      const copy = { ...found.item };
      mergeInto(copy, item, shape, [...path, element]);
      result[found.index] = copy;
    }
  }
  return result;
}

function mergeInto(
  target: JsonObject,
  applied: JsonObject,
  shape: ListShape,
  path: string[],
): void {
  for (const [key, value] of Object.entries(applied)) {
    const current = target[key];
    const here = [...path, key];
    if (isObject(value) && isObject(current)) {
      const copy = { ...current };
      mergeInto(copy, value, shape, here);
      target[key] = copy;
      continue;
    }
    const kind = Array.isArray(value) && Array.isArray(current) ? shape(here) : undefined;
    if (kind !== undefined && Array.isArray(value) && Array.isArray(current)) {
      target[key] = mergeList(current, value, kind, shape, here);
    } else target[key] = clone(value);
  }
}

export type ApplyResult =
  { ok: true; object: JsonObject } | { ok: false; conflicts: FieldConflict[] };

/**
 * Server-side apply of `applied` by `writer` onto `current` (undefined: create). Leaves
 * the writer set before and no longer sets are removed unless someone else owns them;
 * leaves another manager owns with a different value conflict unless `force`, which
 * takes them over. The result carries updated managedFields.
 */
export function serverSideApply(
  current: JsonObject | undefined,
  applied: JsonObject,
  writer: Writer,
  force: boolean,
  normalize: (object: JsonObject) => void = () => undefined,
  shape: ListShape = ATOMIC_LISTS,
): ApplyResult {
  const before: JsonObject = current ?? {};
  const base: JsonObject = current === undefined ? {} : clone(current);
  const entries = readManagers(current);
  const wanted = leavesOf(applied, shape);
  const mine = entries.find((entry) => sameEntry(entry, writer, 'Apply'));
  for (const key of mine?.fields ?? []) {
    if (wanted.has(key)) continue;
    const path = keyPath(key);
    const ownedElsewhere = entries.some(
      (entry) => entry !== mine && [...entry.fields].some((other) => related(keyPath(other), path)),
    );
    if (!ownedElsewhere) deletePath(base, path, shape);
  }
  mergeInto(base, applied, shape, []);
  normalize(base);
  const conflicts: FieldConflict[] = [];
  const taken = new Map<ManagerEntry, string[]>();
  for (const entry of entries) {
    if (entry.manager === writer.manager) continue;
    for (const owned of entry.fields) {
      const ownedPath = keyPath(owned);
      for (const key of wanted) {
        const path = keyPath(key);
        if (!related(path, ownedPath)) continue;
        const longer = path.length >= ownedPath.length ? path : ownedPath;
        if (deepEqual(valueAt(before, longer), valueAt(base, longer))) continue;
        conflicts.push({ manager: entry.manager, apiVersion: entry.apiVersion, field: owned });
        taken.set(entry, [...(taken.get(entry) ?? []), owned]);
        break;
      }
    }
  }
  if (conflicts.length > 0 && !force) return { ok: false, conflicts };
  for (const [entry, fields] of taken) for (const field of fields) entry.fields.delete(field);
  const own = mine ?? {
    ...writer,
    operation: 'Apply' as const,
    time: writer.now,
    fields: new Set<string>(),
  };
  if (mine === undefined) entries.push(own);
  own.fields = wanted;
  own.time = writer.now;
  own.apiVersion = writer.apiVersion;
  writeManagers(base, entries);
  return { ok: true, object: base };
}

/** `.spec.x` as the apiserver prints a conflicting field. */
export function fieldLabel(key: string): string {
  return keyPath(key)
    .map((step) => `.${step}`)
    .join('');
}

export function describeConflicts(conflicts: readonly FieldConflict[]): string {
  const lines = conflicts.map(
    (conflict) =>
      `conflict with "${conflict.manager}" using ${conflict.apiVersion}: ${fieldLabel(conflict.field)}`,
  );
  if (lines.length === 1) return `Apply failed with 1 conflict: ${lines[0] ?? ''}`;
  return `Apply failed with ${lines.length} conflicts: ${lines.join('\n')}`;
}
