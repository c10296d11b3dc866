/**
 * The end of every write path. `commit` owns the rules shared by all writes: generation,
 * finalizers while deleting, no-op detection (no new resourceVersion, no event), dry
 * runs, managedFields for non-apply writes, and completing a deletion whose finalizers
 * are gone.
 */
import { invalid } from '../core/errors.js';
import { deepEqual, getPath, isObject, removeKey, type JsonObject } from '../core/json.js';
import { timestamp } from '../core/time.js';
import { recordUpdate, type Writer } from '../patch/managed.js';
import { ATOMIC_LISTS, builtinListShape, schemaListShape, type ListShape } from '../patch/shape.js';
import { strategyOf } from '../registry/strategies.js';
import { apiVersionOf, storageKey, type ResourceType } from '../registry/types.js';
import type { Cluster } from './cluster.js';
import type { WriteOptions } from './options.js';
import { isTerminatingPod } from './pod-rules.js';
import { decorate, prepare } from './prepare.js';

const IMMUTABLE_METADATA = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'name',
  'namespace',
];

export interface Target {
  type: ResourceType;
  namespace: string;
  name: string;
}

export function metadataOf(object: JsonObject): JsonObject {
  const metadata = object['metadata'];
  if (isObject(metadata)) return metadata;
  const created: JsonObject = {};
  object['metadata'] = created;
  return created;
}

/** Puts `current`'s immutable metadata (uid, name, generation, ...) back into `next`. */
export function keepImmutableMetadata(next: JsonObject, current: JsonObject): void {
  const metadata = metadataOf(next);
  const old = metadataOf(current);
  for (const field of IMMUTABLE_METADATA) {
    const value = old[field];
    if (value === undefined) removeKey(metadata, field);
    else metadata[field] = value;
  }
}

export function writerFor(cluster: Cluster, type: ResourceType, options: WriteOptions): Writer {
  return {
    manager: options.fieldManager,
    apiVersion: apiVersionOf(type),
    subresource: options.subresource,
    now: timestamp(cluster.now()),
  };
}

/** How server-side apply treats the lists of `type` (schema list types, or built-in keys). */
export function listShapeOf(type: ResourceType): ListShape {
  if (type.schema !== undefined) return schemaListShape(type.schema);
  return type.crdName === undefined ? builtinListShape : ATOMIC_LISTS;
}

/** The parts of an object whose change bumps metadata.generation. */
function specOf(object: JsonObject): JsonObject {
  const rest: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (key !== 'metadata' && key !== 'status' && key !== 'apiVersion' && key !== 'kind')
      rest[key] = value;
  }
  return rest;
}

function sameIgnoringVersion(a: JsonObject, b: JsonObject): boolean {
  const strip = (object: JsonObject): JsonObject => {
    const metadata = { ...metadataOf(object) };
    delete metadata['resourceVersion'];
    const managed = metadata['managedFields'];
    if (Array.isArray(managed)) {
      metadata['managedFields'] = managed.map((entry) =>
        isObject(entry) ? { ...entry, time: '' } : entry,
      );
    }
    return { ...object, metadata };
  };
  return deepEqual(strip(a), strip(b));
}

function finalizersOf(object: JsonObject): string[] {
  const list = getPath(object, ['metadata', 'finalizers']);
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Stores `next` as the new state of the object `before` (undefined: a create).
 * Returns what the client sees. `managed` says the caller already set managedFields.
 */
export function commit(
  cluster: Cluster,
  target: Target,
  before: JsonObject | undefined,
  next: JsonObject,
  options: WriteOptions,
  managed = false,
): { object: JsonObject; created: boolean } {
  const { type } = target;
  next['apiVersion'] = type.conversion?.storageApiVersion ?? apiVersionOf(type);
  next['kind'] = type.kind;
  prepare(cluster, type, next, before, options);
  const metadata = metadataOf(next);
  if (before !== undefined) {
    if (getPath(before, ['metadata', 'deletionTimestamp']) !== undefined) {
      const previous = new Set(finalizersOf(before));
      const added = finalizersOf(next).filter((finalizer) => !previous.has(finalizer));
      if (added.length > 0) {
        throw invalid(type, target.name, [
          {
            reason: 'FieldValueForbidden',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
            field: 'metadata.finalizers',
          },
        ]);
      }
    }
    const generation = getPath(before, ['metadata', 'generation']);
    if (strategyOf(type).generation && typeof generation === 'number') {
      const deletionStarts =
        getPath(before, ['metadata', 'deletionTimestamp']) === undefined &&
        metadata['deletionTimestamp'] !== undefined;
      const specChanged = !deepEqual(specOf(before), specOf(next));
      metadata['generation'] = specChanged || deletionStarts ? generation + 1 : generation;
    }
  }
  decorate(type, next, timestamp(cluster.now()));
  if (!managed) recordUpdate(before, next, writerFor(cluster, type, options), listShapeOf(type));
  if (before !== undefined && sameIgnoringVersion(before, next))
    return { object: before, created: false };
  if (options.dryRun) {
    if (before === undefined) delete metadata['resourceVersion'];
    return { object: next, created: before === undefined };
  }
  const storage = storageKey(type);
  const isCrd =
    type.group === 'apiextensions.k8s.io' && type.resource === 'customresourcedefinitions';
  const isNamespace = type.group === '' && type.resource === 'namespaces';
  if (
    before !== undefined &&
    !isNamespace &&
    metadata['deletionTimestamp'] !== undefined &&
    finalizersOf(next).length === 0 &&
    !isTerminatingPod(type, next)
  ) {
    const gone = cluster.store.remove(storage, next);
    if (isCrd) cluster.syncCrd(next, true);
    cluster.onDeleted();
    return { object: gone, created: false };
  }
  const stored = cluster.store.put(storage, next);
  if (isCrd) cluster.syncCrd(stored, false);
  return { object: stored, created: before === undefined };
}
