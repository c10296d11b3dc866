/**
 * Checks of field values that a CRD schema cannot express, run on objects whose schema
 * check passed: what the operator would otherwise refuse only once the object is applied.
 * Today, a TrainingJob's `spec.schedule` (a cron expression) and `spec.timeZone`.
 */

import { scheduleProblem, type TrainingJobSpec } from '../api/index.js';
import type { ManifestDocument } from './parse.js';
import type { Problem } from './problem.js';
import { problemAt } from './schema-check.js';

/** Value problems of one schema-valid Ferry object; an empty list when there are none. */
export function checkValues(document: ManifestDocument): Problem[] {
  if (document.identity.kind !== 'TrainingJob') return [];
  const spec = document.value['spec'] as TrainingJobSpec;
  const problem = scheduleProblem(spec);
  if (problem === undefined) return [];
  return [
    problemAt(
      document,
      ['spec', problem.field],
      'value',
      `Invalid value: "${problem.value}": ${problem.reason}`,
    ),
  ];
}
