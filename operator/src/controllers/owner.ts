import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, type FerryObject } from '../api/index.js';

/**
 * The ownerReference that makes a Ferry object the controller of an object it creates:
 * the garbage collector deletes the owned object with it, and `blockOwnerDeletion` keeps
 * the owner until foreground deletion of its dependents is done.
 */
export function controllerReference(owner: FerryObject<unknown, unknown>): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Metadata of an object `owner` creates and controls: `name` in the owner's namespace,
 * with `labels` and the owner's controller reference.
 */
export function ownedMetadata(
  owner: FerryObject<unknown, unknown>,
  name: string,
  labels: Record<string, string>,
): V1ObjectMeta {
  return {
    name,
    namespace: owner.metadata.namespace ?? 'default',
    labels,
    ownerReferences: [controllerReference(owner)],
  };
}
