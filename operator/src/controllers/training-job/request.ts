/**
 * Asking for a run by hand: a new value of the TrainingJob's `ferry.dev/run` annotation
 * starts one (as `kubectl annotate … --overwrite` would), and what `ferry train` sets.
 */

import { Labels } from '../../api/index.js';
import { isNotFound, type KubeClient } from '../../runtime/client.js';
import { FerryResources } from '../resources.js';

/**
 * Sets `ferry.dev/run` on TrainingJob `name` to `value` (a value it has not had, such as
 * the time of the request). Resolves false when the TrainingJob does not exist.
 */
export async function requestRun(
  client: KubeClient,
  target: { namespace: string; name: string },
  value: string,
  fieldManager: string,
): Promise<boolean> {
  try {
    await client.mergePatch(
      FerryResources.trainingJob,
      target.namespace,
      target.name,
      { metadata: { annotations: { [Labels.run]: value } } },
      fieldManager,
    );
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
