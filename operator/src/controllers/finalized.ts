/**
 * Runs a Ferry object's reconcile under Ferry's finalizer (`ml.ferry.dev/finalizer`), with
 * the runtime's kube-rs-style contract: `apply` only while the object carries the
 * finalizer, `cleanup` once it is being deleted, and the finalizer released only after
 * `cleanup` succeeded.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { FINALIZER } from '../api/index.js';
import { withFinalizer } from '../runtime/finalizer.js';
import type { ReconcileResult } from '../runtime/requeue.js';
import type { Resource } from '../runtime/resource.js';
import type { ControllerContext } from './context.js';

export async function reconcileFinalized<T extends KubernetesObject>(
  context: ControllerContext,
  resource: Resource,
  object: T,
  handlers: {
    apply: (object: T) => Promise<ReconcileResult>;
    cleanup: (object: T) => Promise<ReconcileResult>;
  },
): Promise<ReconcileResult> {
  const result = await withFinalizer({
    client: context.client,
    resource,
    object,
    finalizer: FINALIZER,
    fieldManager: context.fieldManager,
    ...handlers,
  });
  return result ?? {};
}
