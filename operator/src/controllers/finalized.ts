/**
 * The reconcile shape of a kind that holds Ferry's finalizer (`ml.ferry.dev/finalizer`),
 * in the order of docs/architecture.md: finalizer → the kind's steps → the summarize step
 * on every exit.
 *
 * The finalizer follows the runtime's kube-rs-style contract: `apply` only while the object
 * carries the finalizer, `cleanup` once it is being deleted, and the finalizer released
 * only after `cleanup` succeeded. A finished cleanup has nothing to report, so nothing is
 * written; a cleanup that throws (a `WaitingError` such as DeletionBlocked, say) shows in
 * the status like any other failure.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { FINALIZER } from '../api/index.js';
import { withFinalizer } from '../runtime/finalizer.js';
import type { ReconcileResult } from '../runtime/requeue.js';
import type { Resource } from '../runtime/resource.js';
import {
  summarizeAndPatch,
  type StepOutcome,
  type SummarizedStatus,
  type SummarizeOptions,
} from '../runtime/summarize.js';
import type { ControllerContext } from './context.js';

export async function reconcileFinalized<
  S extends SummarizedStatus,
  T extends KubernetesObject & { status?: S },
>(
  context: ControllerContext,
  resource: Resource,
  object: T,
  handlers: {
    apply: (object: T) => Promise<StepOutcome<S>>;
    /** Resolves once nothing of the object's is left; throws to keep the finalizer. */
    cleanup: (object: T) => Promise<void>;
  },
  options: SummarizeOptions<S> = {},
): Promise<ReconcileResult> {
  return summarizeAndPatch(
    context,
    resource,
    object,
    () =>
      withFinalizer<T, StepOutcome<S> | undefined>({
        client: context.client,
        resource,
        object,
        finalizer: FINALIZER,
        fieldManager: context.fieldManager,
        apply: handlers.apply,
        cleanup: async (going) => {
          await handlers.cleanup(going);
          return undefined;
        },
      }),
    options,
  );
}
