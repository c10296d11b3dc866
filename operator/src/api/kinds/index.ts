import { Dataset } from './dataset.js';
import { DriftMonitor } from './drift-monitor.js';
import { InferenceService } from './inference-service.js';
import { ModelVersion } from './model-version.js';
import { TrainingJob } from './training-job.js';
import type { KindDefinition } from '../kind.js';

export * from './dataset.js';
export * from './drift-monitor.js';
export * from './inference-service.js';
export * from './model-version.js';
export * from './training-job.js';

/** Ferry's five kinds, in the order a pipeline uses them. */
export const KINDS: readonly KindDefinition[] = [
  Dataset,
  TrainingJob,
  ModelVersion,
  InferenceService,
  DriftMonitor,
] as readonly KindDefinition[];

export function kindByName(kind: string): KindDefinition | undefined {
  return KINDS.find((definition) => definition.kind === kind);
}
