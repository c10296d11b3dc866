/**
 * DELETE: objects with finalizers get `deletionTimestamp` (and a generation bump) and
 * stay until their finalizer list empties; others go at once. Dependents are handled by
 * the garbage collector (background) or released (`propagationPolicy: Orphan`).
 */
import { badRequest, conflict } from '../core/errors.js';
import { clone, getPath, isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import { timestamp } from '../core/time.js';
import { strategyOf } from '../registry/strategies.js';
import { storageKey, type ResourceType } from '../registry/types.js';
import type { Cluster } from './cluster.js';
import { commit, type Target } from './commit.js';
import type { WriteOptions } from './options.js';
import { isPods, podGracePeriod } from './pod-rules.js';
import { deletePodGracefully } from './pods.js';
import { getOne } from './read.js';

export interface DeleteOptions {
  dryRun: boolean;
  propagationPolicy: 'Background' | 'Foreground' | 'Orphan';
  preconditions: { uid?: string; resourceVersion?: string };
  /** Pods only: how long their processes get to stop (see pods.ts). */
  gracePeriodSeconds?: number;
}

/** Reads DeleteOptions from a request body (may be empty) and query parameters. */
export function deleteOptions(body: Json | undefined, query: URLSearchParams): DeleteOptions {
  const source: JsonObject = isObject(body) ? body : {};
  const policy =
    stringAt(source, 'propagationPolicy') ?? query.get('propagationPolicy') ?? 'Background';
  if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw badRequest(`propagationPolicy: Unsupported value: "${policy}"`);
  }
  const dryRun = source['dryRun'];
  const preconditions: DeleteOptions['preconditions'] = {};
  const uid = stringAt(source, 'preconditions', 'uid');
  const resourceVersion = stringAt(source, 'preconditions', 'resourceVersion');
  if (uid !== undefined) preconditions.uid = uid;
  if (resourceVersion !== undefined) preconditions.resourceVersion = resourceVersion;
  const grace = source['gracePeriodSeconds'] ?? query.get('gracePeriodSeconds');
  const gracePeriodSeconds = grace === null ? undefined : Number(grace);
  return {
    dryRun:
      (Array.isArray(dryRun) && dryRun.includes('All')) || query.getAll('dryRun').includes('All'),
    propagationPolicy: policy,
    preconditions,
    ...(gracePeriodSeconds === undefined || !Number.isSafeInteger(gracePeriodSeconds)
      ? {}
      : { gracePeriodSeconds }),
  };
}

function finalizersOf(object: JsonObject): Json[] {
  const list = getPath(object, ['metadata', 'finalizers']);
  return Array.isArray(list) ? list : [];
}

/** Deletes one object; returns the object as the response body. */
export function remove(cluster: Cluster, target: Target, options: DeleteOptions): JsonObject {
  const current = getOne(cluster, target.type, target.namespace, target.name);
  const { uid, resourceVersion } = options.preconditions;
  if (uid !== undefined && uid !== stringAt(current, 'metadata', 'uid')) {
    throw conflict(
      target.type,
      target.name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stringAt(current, 'metadata', 'uid') ?? ''}`,
    );
  }
  if (
    resourceVersion !== undefined &&
    resourceVersion !== stringAt(current, 'metadata', 'resourceVersion')
  ) {
    throw conflict(
      target.type,
      target.name,
      `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${stringAt(current, 'metadata', 'resourceVersion') ?? ''}`,
    );
  }
  if (isPods(target.type)) {
    const grace = podGracePeriod(current, options.gracePeriodSeconds);
    if (grace > 0) return deletePodGracefully(cluster, target, current, grace, options.dryRun);
  }
  const isNamespace = target.type.group === '' && target.type.resource === 'namespaces';
  const ownUid = stringAt(current, 'metadata', 'uid') ?? '';
  const foreground =
    options.propagationPolicy === 'Foreground' && dependentsOf(cluster, ownUid).length > 0;
  if (finalizersOf(current).length > 0 || isNamespace || foreground) {
    if (getPath(current, ['metadata', 'deletionTimestamp']) !== undefined) return current;
    const next = clone(current);
    const metadata = next['metadata'] as JsonObject;
    if (foreground) {
      metadata['finalizers'] = [...finalizersOf(current), FOREGROUND];
      cluster.foreground.add(ownUid);
    }
    metadata['deletionTimestamp'] = timestamp(cluster.now());
    metadata['deletionGracePeriodSeconds'] = 0;
    const writeOptions: WriteOptions = {
      dryRun: options.dryRun,
      fieldManager: '',
      fieldValidation: 'Ignore',
      subresource: '',
      warnings: [],
      duplicates: [],
    };
    const result = commit(cluster, target, current, next, writeOptions, true);
    if (isNamespace || foreground) cluster.onDeleted();
    return result.object;
  }
  if (options.dryRun) return current;
  if (options.propagationPolicy === 'Orphan')
    orphanDependents(cluster, stringAt(current, 'metadata', 'uid') ?? '');
  const gone = cluster.store.remove(storageKey(target.type), current);
  if (
    target.type.group === 'apiextensions.k8s.io' &&
    target.type.resource === 'customresourcedefinitions'
  ) {
    removeCustomResources(cluster, current);
    cluster.syncCrd(current, true);
  }
  cluster.onDeleted();
  return gone;
}

/**
 * What a DELETE answers: the object while its deletion is pending (finalizers, namespace
 * termination) or when the kind's store returns deleted objects; otherwise a Success
 * `Status` naming what went (apiserver's generic registry store, Delete).
 */
export function deleteReply(type: ResourceType, object: JsonObject): JsonObject {
  const pending = getPath(object, ['metadata', 'deletionTimestamp']) !== undefined;
  if (pending || strategyOf(type).returnsDeletedObject) return object;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: stringAt(object, 'metadata', 'name') ?? '',
      ...(type.group === '' ? {} : { group: type.group }),
      kind: type.resource,
      uid: stringAt(object, 'metadata', 'uid') ?? '',
    },
  };
}

/** The finalizer that holds an owner until its dependents are gone (Foreground). */
export const FOREGROUND = 'foregroundDeletion';

/** Stored objects with an ownerReference to `uid`. */
export function dependentsOf(
  cluster: Cluster,
  uid: string,
): { storage: string; object: JsonObject }[] {
  return cluster.dependents().filter(({ object }) => {
    const refs = getPath(object, ['metadata', 'ownerReferences']);
    return Array.isArray(refs) && refs.some((ref) => isObject(ref) && ref['uid'] === uid);
  });
}

function orphanDependents(cluster: Cluster, uid: string): void {
  for (const { storage, object } of cluster.dependents()) {
    const refs = getPath(object, ['metadata', 'ownerReferences']);
    if (!Array.isArray(refs)) continue;
    const kept = refs.filter((ref) => !(isObject(ref) && ref['uid'] === uid));
    if (kept.length === refs.length) continue;
    const next = clone(object);
    const metadata = next['metadata'] as JsonObject;
    if (kept.length === 0) delete metadata['ownerReferences'];
    else metadata['ownerReferences'] = kept;
    cluster.store.put(storage, next);
  }
}

function removeCustomResources(cluster: Cluster, crd: JsonObject): void {
  const group = stringAt(crd, 'spec', 'group') ?? '';
  const plural = stringAt(crd, 'spec', 'names', 'plural') ?? '';
  const storage = `${group}/${plural}`;
  for (const object of [...cluster.store.list(storage)]) cluster.store.remove(storage, object);
}
