/**
 * A finalizer helper in the shape of kube-rs's `finalizer`: every reconcile goes through
 * it, and it decides whether this is an apply or a cleanup.
 *
 * Guarantees:
 * - `apply` only ever runs on an object that carries the finalizer in the API server, so
 *   nothing it creates can outlive the object without `cleanup` running;
 * - `cleanup` runs only once the object is being deleted, and the finalizer is removed
 *   only after `cleanup` succeeded; if it throws, the finalizer stays and the error
 *   propagates, so the reconcile is retried;
 * - both must be idempotent: either may run again for the same state after a crash;
 * - finalizer edits carry the resourceVersion they were computed from, so they never
 *   undo another writer's change (a conflict is retried by the caller).
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import type { Resource } from './resource.js';

export interface FinalizerOptions<T extends KubernetesObject, R> {
  client: KubeClient;
  resource: Resource;
  object: T;
  finalizer: string;
  fieldManager: string;
  apply: (object: T) => Promise<R>;
  cleanup: (object: T) => Promise<R>;
}

export async function withFinalizer<T extends KubernetesObject, R>(
  options: FinalizerOptions<T, R>,
): Promise<R | undefined> {
  const { client, resource, object, finalizer, fieldManager } = options;
  const metadata = object.metadata ?? {};
  const finalizers = metadata.finalizers ?? [];
  const has = finalizers.includes(finalizer);
  const patchFinalizers = async (next: string[]): Promise<KubernetesObject> =>
    client.mergePatch(
      resource,
      metadata.namespace,
      metadata.name ?? '',
      { metadata: { resourceVersion: metadata.resourceVersion, finalizers: next } },
      fieldManager,
    );

  if (metadata.deletionTimestamp !== undefined) {
    if (!has) return undefined; // not ours to hold; the object is about to go
    const result = await options.cleanup(object);
    await patchFinalizers(finalizers.filter((name) => name !== finalizer));
    return result;
  }
  if (!has) {
    const updated = (await patchFinalizers([...finalizers, finalizer])) as T;
    return options.apply(updated);
  }
  return options.apply(object);
}
