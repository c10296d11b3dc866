/**
 * How far a ModelVersion's validation has come, read from its conditions. The ModelVersion
 * controller writes the verdict; the InferenceService controller reads it to decide whether
 * a version may be rolled out, so the one reading lives here.
 */

import type { Condition, ModelVersion } from '../api/index.js';
import { getCondition } from '../runtime/conditions.js';

/** The reason of a rejection by `spec.gates`: the artifact is sound, its metrics are not. */
export const GATES_FAILED = 'GatesFailed';

/**
 * The `Validated` condition when it concludes (True or False) for the current generation;
 * undefined while this generation's artifact has not been read to a conclusion.
 */
export function validationOfThisGeneration(modelVersion: ModelVersion): Condition | undefined {
  const validated = getCondition(modelVersion.status?.conditions, 'Validated');
  return validated !== undefined &&
    validated.status !== 'Unknown' &&
    validated.observedGeneration === (modelVersion.metadata.generation ?? 0)
    ? validated
    : undefined;
}
