/** Ferry's kinds as `Resource`s the runtime can list, watch and write. */

import {
  Dataset,
  DriftMonitor,
  GROUP,
  InferenceService,
  ModelVersion,
  TrainingJob,
  VERSION,
  type KindDefinition,
} from '../api/index.js';
import type { Resource } from '../runtime/resource.js';

function resourceOf(definition: KindDefinition): Resource {
  return {
    group: GROUP,
    version: VERSION,
    kind: definition.kind,
    plural: definition.plural,
    namespaced: true,
  };
}

export const FerryResources = {
  dataset: resourceOf(Dataset),
  trainingJob: resourceOf(TrainingJob),
  modelVersion: resourceOf(ModelVersion),
  inferenceService: resourceOf(InferenceService),
  driftMonitor: resourceOf(DriftMonitor),
} as const;
