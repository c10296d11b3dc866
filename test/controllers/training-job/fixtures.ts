import type { TrainingJob, TrainingJobSpec } from '../../../operator/src/api/index.js';

/** A TrainingJob as the API server would hold it, with `spec` overrides. */
export function trainingJob(
  spec: Partial<TrainingJobSpec> = {},
  name = 'iris-logreg',
): TrainingJob {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'TrainingJob',
    metadata: { name, namespace: 'ml', uid: 'uid-1234', generation: 1 },
    spec: {
      datasetRef: { name: 'iris' },
      model: 'iris',
      image: 'ghcr.io/ferry-ml/examples-iris:0.1.0',
      ...spec,
    },
  };
}
