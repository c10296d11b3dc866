/**
 * PATCH: JSON merge, JSON patch, strategic merge (built-ins only; 415 for custom
 * resources) and server-side apply with managedFields, conflicts and create-if-missing.
 */
import { ApiError, badRequest, notFound, unsupportedMediaType } from '../core/errors.js';
import {
  clone,
  getPath,
  isObject,
  stringAt,
  type Json,
  type JsonObject,
  removeKey,
} from '../core/json.js';
import { jsonPatch, JsonPatchError } from '../patch/json-patch.js';
import {
  conflictsFromClientSideApply,
  MIGRATING_MANAGER,
  syncLastApplied,
} from '../patch/last-applied.js';
import { describeConflicts, fieldLabel, serverSideApply } from '../patch/managed.js';
import { mergePatch } from '../patch/merge.js';
import { strategicMergePatch } from '../patch/strategic.js';
import { toStorage, type ResourceType } from '../registry/types.js';
import { findOne, getOne, served } from './read.js';
import type { Cluster } from './cluster.js';
import type { WriteOptions } from './options.js';
import { applyDefaults, prune } from '../schema/object-schema.js';
import {
  commit,
  keepImmutableMetadata,
  listShapeOf,
  metadataOf,
  writerFor,
  type Target,
} from './commit.js';
import { checkKind, checkVersion, create, nameMismatch, overlay } from './write.js';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

const CRD_PATCH_TYPES = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply];

/** 415 listing the patch types `type` accepts. */
function unsupportedPatchType(type: ResourceType): ApiError {
  return unsupportedMediaType(
    type.crdName === undefined ? Object.values(PATCH_TYPES) : CRD_PATCH_TYPES,
  );
}

function applyPatch(kind: string, type: ResourceType, current: JsonObject, patch: Json): Json {
  switch (kind) {
    case PATCH_TYPES.merge:
      return mergePatch(current, patch);
    case PATCH_TYPES.strategic:
      if (type.schema !== undefined || type.crdName !== undefined)
        throw unsupportedMediaType(CRD_PATCH_TYPES);
      return strategicMergePatch(current, patch);
    case PATCH_TYPES.json:
      try {
        return jsonPatch(current, patch);
      } catch (error) {
        if (error instanceof JsonPatchError) {
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: ${error.message}`,
          );
        }
        throw error;
      }
    default:
      throw unsupportedPatchType(type);
  }
}

/** PATCH with a merge, JSON or strategic-merge patch, or server-side apply. */
export function patch(
  cluster: Cluster,
  target: Target,
  contentType: string,
  body: Json,
  options: WriteOptions & { force: boolean },
): { object: JsonObject; created: boolean } {
  if (contentType === PATCH_TYPES.apply) return apply(cluster, target, body, options);
  if (!(Object.values(PATCH_TYPES) as string[]).includes(contentType)) {
    throw unsupportedPatchType(target.type);
  }
  const current = getOne(cluster, target.type, target.namespace, target.name);
  const patchedServed = applyPatch(contentType, target.type, served(target.type, current), body);
  if (!isObject(patchedServed)) throw badRequest('the patch did not produce an object');
  const patched = toStorage(target.type, patchedServed);
  checkVersion(target, current, getPath(patched, ['metadata', 'resourceVersion']));
  const name = stringAt(patched, 'metadata', 'name');
  if (name !== target.name) throw nameMismatch(target, name ?? '');
  return commit(
    cluster,
    target,
    current,
    overlay(target.type, current, patched, options.subresource),
    options,
  );
}

function apply(
  cluster: Cluster,
  target: Target,
  body: Json,
  options: WriteOptions & { force: boolean },
): { object: JsonObject; created: boolean } {
  if (!isObject(body)) throw badRequest('the apply configuration must be an object');
  if (options.fieldManager === '') {
    throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
  }
  checkKind(target.type, body);
  if (typeof body['apiVersion'] !== 'string' || typeof body['kind'] !== 'string') {
    throw badRequest('apiVersion and kind must be set in an apply configuration');
  }
  const name = stringAt(body, 'metadata', 'name');
  if (name !== undefined && name !== target.name) throw nameMismatch(target, name);
  const current = findOne(cluster, target.type, target.namespace, target.name);
  if (current === undefined) {
    if (options.subresource !== '') throw notFound(target.type, target.name);
    const seed: JsonObject = toStorage(target.type, clone(body));
    const metadata = metadataOf(seed);
    metadata['name'] = target.name;
    const created = serverSideApply(
      undefined,
      seed,
      writerFor(cluster, target.type, options),
      options.force,
      undefined,
      listShapeOf(target.type),
    );
    if (!created.ok) throw new Error('applying to nothing cannot conflict');
    const fields = metadataOf(created.object)['managedFields'] ?? [];
    return create(
      cluster,
      target.type,
      target.namespace,
      served(target.type, created.object),
      options,
      fields,
    );
  }
  checkVersion(target, current, getPath(body, ['metadata', 'resourceVersion']));
  const applied: JsonObject = toStorage(target.type, clone(body));
  const appliedMeta = metadataOf(applied);
  delete appliedMeta['resourceVersion'];
  delete appliedMeta['managedFields'];
  if (options.subresource === 'status') {
    for (const key of Object.keys(applied))
      if (key !== 'status' && key !== 'apiVersion' && key !== 'kind') removeKey(applied, key);
  } else if (target.type.hasStatus) delete applied['status'];
  const schema = target.type.schema;
  const normalize = (object: JsonObject): void => {
    if (schema === undefined) return;
    prune(object, schema);
    applyDefaults(object, schema);
  };
  const writer = writerFor(cluster, target.type, options);
  const shape = listShapeOf(target.type);
  const migrating = options.fieldManager === MIGRATING_MANAGER;
  let result = serverSideApply(current, applied, writer, options.force, normalize, shape);
  if (!result.ok && migrating && conflictsFromClientSideApply(current, result.conflicts, shape))
    result = serverSideApply(current, applied, writer, true, normalize, shape);
  if (!result.ok) {
    throw new ApiError(409, 'Conflict', describeConflicts(result.conflicts), {
      causes: result.conflicts.map((found) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${found.manager}" using ${found.apiVersion}`,
        field: fieldLabel(found.field),
      })),
    });
  }
  const next = result.object;
  keepImmutableMetadata(next, current);
  if (migrating) syncLastApplied(next, body);
  return commit(cluster, target, current, next, options, true);
}
