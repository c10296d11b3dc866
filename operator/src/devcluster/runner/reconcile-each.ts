/** One controller pass over every object of a cache, so one object's failure never holds up the others. */
import { describeError } from './api.js';
import { identityOf, type JsonObject, type ObjectIdentity } from './json.js';

/**
 * Runs `reconcile` for every object in `objects` that is not being deleted, logging each
 * failure as `<kind> <namespace>/<name>: …`; rejects after the pass when any reconcile
 * failed, so the pass is retried.
 */
export async function reconcileEach(
  objects: readonly JsonObject[],
  kind: string,
  log: (line: string) => void,
  reconcile: (identity: ObjectIdentity, object: JsonObject) => Promise<void>,
): Promise<void> {
  let failed = 0;
  for (const object of objects) {
    const identity = identityOf(object);
    if (identity === undefined || identity.deleting) continue;
    try {
      await reconcile(identity, object);
    } catch (error) {
      log(`${kind} ${identity.key}: ${describeError(error)}`);
      failed++;
    }
  }
  if (failed > 0) throw new Error(`${failed} ${kind}(s) failed this pass; retrying`);
}
