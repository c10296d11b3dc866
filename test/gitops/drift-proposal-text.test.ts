/** The retraining proposal's branch, file and text, from the objects it is about. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DriftMonitor, TrainingJob } from '../../operator/src/api/index.js';
import {
  driftTable,
  retrainBranch,
  retrainManifestPath,
  retrainText,
  trainingJobManifest,
} from '../../operator/src/gitops/promotion/drift-proposal-text.js';

function monitor(annotations?: Record<string, string>): DriftMonitor {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'DriftMonitor',
    metadata: { name: 'iris-drift', namespace: 'ml', ...(annotations ? { annotations } : {}) },
    spec: { inferenceServiceRef: { name: 'iris' }, baselineRef: { name: 'iris' } },
    status: {
      samples: 800,
      retrainTime: '2026-12-01T12:00:00Z',
      features: [
        {
          name: 'petal_length',
          method: 'ks',
          value: 0.61234,
          pValue: 1.5e-9,
          threshold: 0.0125,
          drifted: true,
        },
        { name: 'sepal_width', method: 'psi', value: 0.02, threshold: 0.1, drifted: false },
        {
          name: 'label',
          method: 'chi2',
          value: 3.2,
          pValue: 0.2,
          threshold: 0.05,
          drifted: false,
          prediction: true,
        },
      ],
    },
  };
}

const JOB: TrainingJob = {
  apiVersion: 'ml.ferry.dev/v1alpha1',
  kind: 'TrainingJob',
  metadata: {
    name: 'iris-drift-retrain-20261201120000',
    namespace: 'ml',
    uid: 'server-set',
    resourceVersion: '42',
    labels: { 'ferry.dev/drift-monitor': 'iris-drift' },
  },
  spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1' },
  status: { phase: 'Running' },
};

describe('retraining proposals', () => {
  it('is one branch per monitor and job', () => {
    expect(retrainBranch('iris-drift', JOB.metadata.name ?? '')).toBe(
      'ferry/retrain/iris-drift/iris-drift-retrain-20261201120000',
    );
  });

  it.each([
    { annotations: { 'ferry.dev/git-path': 'deploy/iris.yaml#3' }, path: 'deploy/job.yaml' },
    { annotations: { 'ferry.dev/git-path': 'iris.yaml' }, path: 'job.yaml' },
    { annotations: undefined, path: 'retraining/job.yaml' },
  ])('puts the manifest at $path', ({ annotations, path }) => {
    expect(retrainManifestPath(monitor(annotations), 'job')).toBe(path);
  });

  it('declares the job without status or server-set metadata', () => {
    expect(parse(trainingJobManifest(JOB))).toEqual({
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'TrainingJob',
      metadata: {
        name: 'iris-drift-retrain-20261201120000',
        namespace: 'ml',
        labels: { 'ferry.dev/drift-monitor': 'iris-drift' },
      },
      spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1' },
    });
  });

  it('tables every feature of the last evaluation', () => {
    expect(driftTable(monitor())).toEqual([
      '| feature | method | statistic | p-value | threshold | drifted |',
      '| --- | --- | ---: | ---: | ---: | --- |',
      '| petal_length | ks | 0.6123 | 1.5e-9 | 0.0125 | yes |',
      '| sepal_width | psi | 0.02 | — | 0.1 | no |',
      '| label (output) | chi2 | 3.2 | 0.2 | 0.05 | no |',
    ]);
    const text = retrainText(monitor(), JOB);
    expect(text.title).toBe(
      'Retrain iris after drift: TrainingJob iris-drift-retrain-20261201120000',
    );
    expect(text.body).toContain('- Evaluation: 2026-12-01T12:00:00Z, over 800 live rows');
  });
});
