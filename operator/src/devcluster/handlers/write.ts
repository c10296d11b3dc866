/** POST (create) and PUT (update, also of the status subresource). Both end in `commit`. */
import { randomBytes } from 'node:crypto';
import { alreadyExists, badRequest, conflict, invalid, type ApiError } from '../core/errors.js';
import {
  clone,
  getPath,
  isObject,
  stringAt,
  type Json,
  type JsonObject,
  removeKey,
} from '../core/json.js';
import { timestamp } from '../core/time.js';
import { apiVersionOf, toStorage, type ResourceType } from '../registry/types.js';
import type { Cluster } from './cluster.js';
import type { WriteOptions } from './options.js';
import { strategyOf } from '../registry/strategies.js';
import { commit, keepImmutableMetadata, metadataOf, type Target } from './commit.js';
import { findOne, getOne } from './read.js';

/** 400 when the body names a kind or apiVersion other than the URL's. */
export function checkKind(type: ResourceType, body: JsonObject): void {
  const apiVersion = body['apiVersion'];
  const kind = body['kind'];
  if (typeof kind === 'string' && kind !== '' && kind !== type.kind) {
    throw badRequest(
      `the kind in the data (${kind}) does not match the expected kind (${type.kind})`,
    );
  }
  if (typeof apiVersion === 'string' && apiVersion !== '' && apiVersion !== apiVersionOf(type)) {
    throw badRequest(
      `the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(type)})`,
    );
  }
}

/** 400 when the name in the body is not the name on the URL. */
export function nameMismatch(target: Target, name: string): ApiError {
  return badRequest(
    `the name of the object (${name}) does not match the name on the URL (${target.name})`,
  );
}

function newName(body: JsonObject): string {
  const metadata = metadataOf(body);
  const name = metadata['name'];
  if (typeof name === 'string' && name !== '') return name;
  const prefix = metadata['generateName'];
  if (typeof prefix === 'string' && prefix !== '') {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    const suffix = [...randomBytes(5)]
      .map((byte) => alphabet[byte % alphabet.length] ?? 'x')
      .join('');
    return `${prefix}${suffix}`;
  }
  return '';
}

/** POST: creates `body` in `namespace` (ignored for cluster-scoped types). 201 on success. */
export function create(
  cluster: Cluster,
  type: ResourceType,
  namespace: string,
  body: Json,
  options: WriteOptions,
  managedFields?: Json,
): { object: JsonObject; created: boolean } {
  if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
  checkKind(type, body);
  const object = toStorage(type, clone(body));
  const metadata = metadataOf(object);
  const name = newName(object);
  if (name === '') {
    throw invalid(type, '', [
      {
        reason: 'FieldValueRequired',
        message: 'Required value: name or generateName is required',
        field: 'metadata.name',
      },
    ]);
  }
  if (type.namespaced) {
    const given = metadata['namespace'];
    if (typeof given === 'string' && given !== '' && given !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    cluster.requireNamespace(namespace, true);
    metadata['namespace'] = namespace;
  } else delete metadata['namespace'];
  metadata['name'] = name;
  if (findOne(cluster, type, namespace, name) !== undefined) {
    throw alreadyExists(type, name);
  }
  for (const field of [
    'resourceVersion',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'managedFields',
    'selfLink',
  ]) {
    removeKey(metadata, field);
  }
  metadata['uid'] = cluster.uid();
  metadata['creationTimestamp'] = timestamp(cluster.now());
  const strategy = strategyOf(type);
  if (strategy.generation) metadata['generation'] = 1;
  else removeKey(metadata, 'generation');
  const status = strategy.statusOnCreate;
  if (status === 'removed') delete object['status'];
  else if (status !== undefined) object['status'] = clone(status);
  if (managedFields !== undefined) metadata['managedFields'] = managedFields;
  return commit(
    cluster,
    { type, namespace, name },
    undefined,
    object,
    options,
    managedFields !== undefined,
  );
}

/** The object that results from writing `incoming` over `current` at a subresource. */
export function overlay(
  type: ResourceType,
  current: JsonObject,
  incoming: JsonObject,
  subresource: string,
): JsonObject {
  if (subresource === 'status') {
    const next = clone(current);
    const status = incoming['status'];
    if (status === undefined) delete next['status'];
    else next['status'] = clone(status);
    return next;
  }
  const next = clone(incoming);
  keepImmutableMetadata(next, current);
  if (type.hasStatus) {
    const status = current['status'];
    if (status === undefined) delete next['status'];
    else next['status'] = clone(status);
  }
  return next;
}

/** 409 Conflict when a resourceVersion is given and is not the current one. */
export function checkVersion(target: Target, current: JsonObject, wanted: Json | undefined): void {
  if (
    typeof wanted === 'string' &&
    wanted !== '' &&
    wanted !== stringAt(current, 'metadata', 'resourceVersion')
  ) {
    throw conflict(target.type, target.name);
  }
}

/** PUT: replaces the object (or its status). Needs a matching resourceVersion when given. */
export function update(
  cluster: Cluster,
  target: Target,
  body: Json,
  options: WriteOptions,
): { object: JsonObject; created: boolean } {
  if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
  checkKind(target.type, body);
  const current = getOne(cluster, target.type, target.namespace, target.name);
  const name = stringAt(body, 'metadata', 'name');
  if (name !== undefined && name !== target.name) throw nameMismatch(target, name);
  const version = getPath(body, ['metadata', 'resourceVersion']);
  if ((version === undefined || version === '') && !target.type.unconditionalUpdate) {
    throw invalid(target.type, target.name, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 0x0: must be specified for an update',
        field: 'metadata.resourceVersion',
      },
    ]);
  }
  checkVersion(target, current, version);
  return commit(
    cluster,
    target,
    current,
    overlay(target.type, current, toStorage(target.type, body), options.subresource),
    options,
  );
}
