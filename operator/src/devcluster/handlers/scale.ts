/**
 * The `scale` subresource (autoscaling/v1 Scale) for Deployments and for custom
 * resources whose CRD declares `subresources.scale`: reads project `spec.replicas`,
 * `status.replicas` and the label selector; writes change only the replicas path.
 */
import { badRequest } from '../core/errors.js';
import { clone, getPath, isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import { jsonPatch } from '../patch/json-patch.js';
import { mergePatch } from '../patch/merge.js';
import type { ResourceType, ScalePaths } from '../registry/types.js';
import type { Cluster } from './cluster.js';
import type { WriteOptions } from './options.js';
import { getOne } from './read.js';
import { commit, type Target } from './commit.js';
import { PATCH_TYPES } from './patch.js';
import { checkVersion } from './write.js';

function steps(path: string): string[] {
  return path.replace(/^\./, '').split('.');
}

function selectorText(value: Json | undefined): string {
  if (typeof value === 'string') return value;
  const labels = isObject(value) ? value['matchLabels'] : undefined;
  if (!isObject(labels)) return '';
  return Object.entries(labels)
    .map(([key, label]) => `${key}=${typeof label === 'string' ? label : ''}`)
    .join(',');
}

export function toScale(paths: ScalePaths, object: JsonObject): JsonObject {
  const metadata = isObject(object['metadata']) ? object['metadata'] : {};
  const replicas = getPath(object, steps(paths.specReplicasPath));
  const current = getPath(object, steps(paths.statusReplicasPath));
  const status: JsonObject = { replicas: typeof current === 'number' ? current : 0 };
  if (paths.labelSelectorPath !== undefined) {
    const selector = selectorText(getPath(object, steps(paths.labelSelectorPath)));
    if (selector !== '') status['selector'] = selector;
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: metadata['name'] ?? '',
      namespace: metadata['namespace'] ?? '',
      uid: metadata['uid'] ?? '',
      resourceVersion: metadata['resourceVersion'] ?? '',
      creationTimestamp: metadata['creationTimestamp'] ?? null,
    },
    spec: { replicas: typeof replicas === 'number' ? replicas : 0 },
    status,
  };
}

function setPath(object: JsonObject, path: string[], value: Json): void {
  let node = object;
  for (const step of path.slice(0, -1)) {
    const next = node[step];
    if (isObject(next)) node = next;
    else {
      const created: JsonObject = {};
      node[step] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** Writes a new Scale (from PUT, or PATCH of the current Scale) back to the object. */
export function writeScale(
  cluster: Cluster,
  target: Target & { type: ResourceType & { scale: ScalePaths } },
  method: 'PUT' | 'PATCH',
  contentType: string,
  body: Json,
  options: WriteOptions,
): JsonObject {
  const current = getOne(cluster, target.type, target.namespace, target.name);
  const scale = toScale(target.type.scale, current);
  let next: Json;
  if (method === 'PUT') next = body;
  else if (contentType === PATCH_TYPES.json) next = jsonPatch(scale, body);
  else next = mergePatch(scale, body);
  const replicas = getPath(next, ['spec', 'replicas']);
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest('spec.replicas must be a non-negative integer');
  }
  if (method === 'PUT') {
    checkVersion(target, current, stringAt(next, 'metadata', 'resourceVersion'));
  }
  const updated = clone(current);
  setPath(updated, steps(target.type.scale.specReplicasPath), replicas);
  const result = commit(cluster, target, current, updated, { ...options, subresource: 'scale' });
  return toScale(target.type.scale, result.object);
}
