/**
 * Where Pods differ from other kinds in the API: which subresources they serve, and which
 * DELETEs stop them gracefully and for how long, as the pod strategy decides. Pure.
 */
import { getPath, stringAt, type JsonObject } from '../core/json.js';
import type { ResourceType } from '../registry/types.js';

/** The pod subresources served besides status, for discovery: `[name, kind, verbs]`. */
export const POD_SUBRESOURCES: readonly (readonly [string, string, readonly string[]])[] = [
  ['binding', 'Binding', ['create']],
  ['log', 'Pod', ['get']],
];

export function isPods(type: Pick<ResourceType, 'group' | 'resource'>): boolean {
  return type.group === '' && type.resource === 'pods';
}

/**
 * The grace period a DELETE of `pod` gets, as the pod strategy decides it: the request's
 * `gracePeriodSeconds`, else `spec.terminationGracePeriodSeconds` (30 when unset); 0 for a
 * pod bound to no node or already Succeeded or Failed (nothing runs to be stopped); a
 * negative value counts as 1. From CheckGracefulDelete in kubernetes'
 * pkg/registry/core/pod/strategy.go.
 */
export function podGracePeriod(pod: JsonObject, requested: number | undefined): number {
  const phase = stringAt(pod, 'status', 'phase');
  if (stringAt(pod, 'spec', 'nodeName') === undefined) return 0;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const fromSpec = getPath(pod, ['spec', 'terminationGracePeriodSeconds']);
  const grace = requested ?? (typeof fromSpec === 'number' ? fromSpec : 30);
  return grace < 0 ? 1 : grace;
}

/** Whether `object` is a pod in graceful deletion, which stays until a DELETE with grace 0. */
export function isTerminatingPod(type: ResourceType, object: JsonObject): boolean {
  const grace = getPath(object, ['metadata', 'deletionGracePeriodSeconds']);
  return isPods(type) && typeof grace === 'number' && grace > 0;
}
