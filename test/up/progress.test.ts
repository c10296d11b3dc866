/** The progress lines of `ferry up`, as a table: one object change in, the lines a person reads out. */
import { describe, expect, it } from 'vitest';
import type {
  Condition,
  Dataset,
  DriftMonitor,
  InferenceService,
  ModelVersion,
  TrainingJob,
} from '../../operator/src/api/index.js';
import { progressLines, type ObservedChange } from '../../operator/src/up/progress.js';

const CONTEXT = { repository: '/state/repo' };
const meta = (name: string) => ({ name, namespace: 'default' });
const ready = (status: 'True' | 'False', reason: string, message = ''): Condition => ({
  type: 'Ready',
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const stalledCondition: Condition = {
  type: 'Stalled',
  status: 'True',
  reason: 'DigestMismatch',
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
};

const dataset = (status?: Dataset['status']): Dataset => ({
  apiVersion: 'ml.ferry.dev/v1alpha1',
  kind: 'Dataset',
  metadata: meta('iris'),
  spec: { source: { uri: 'pvc://ferry-data/iris.csv' } },
  ...(status === undefined ? {} : { status }),
});
const job = (status?: TrainingJob['status']): TrainingJob => ({
  apiVersion: 'ml.ferry.dev/v1alpha1',
  kind: 'TrainingJob',
  metadata: meta('iris-logreg'),
  spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'ferry' },
  ...(status === undefined ? {} : { status }),
});
const version = (status?: ModelVersion['status']): ModelVersion => ({
  apiVersion: 'ml.ferry.dev/v1alpha1',
  kind: 'ModelVersion',
  metadata: meta('iris-v2'),
  spec: {
    model: 'iris',
    version: '2',
    artifact: { uri: 'pvc://ferry-models/v2/model.onnx', sha256: 'a'.repeat(64) },
    metrics: { accuracy: 0.96 },
  },
  ...(status === undefined ? {} : { status }),
});
const service = (status?: InferenceService['status']): InferenceService => ({
  apiVersion: 'ml.ferry.dev/v1alpha1',
  kind: 'InferenceService',
  metadata: meta('iris'),
  spec: {
    modelVersion: 'iris-v2',
    rollout: {
      steps: [
        { weight: 10, duration: '1m' },
        { weight: 50, duration: '2m' },
      ],
    },
  },
  ...(status === undefined ? {} : { status }),
});
const monitor = (status?: DriftMonitor['status']): DriftMonitor => ({
  apiVersion: 'ml.ferry.dev/v1alpha1',
  kind: 'DriftMonitor',
  metadata: meta('iris-inputs'),
  spec: { inferenceServiceRef: { name: 'iris' }, baselineRef: { name: 'iris' } },
  ...(status === undefined ? {} : { status }),
});

const URL = 'http://127.2.9.2:80/v2/models/iris';

const CASES: [string, ObservedChange, string[]][] = [
  [
    'a synced commit',
    {
      kind: 'SyncReport',
      old: { data: { revision: 'a'.repeat(40), result: 'Synced' } },
      current: {
        data: {
          revision: '0123456789abcdef0123',
          result: 'Synced',
          applied: '5',
          unchanged: '0',
          pruned: '1',
        },
      },
    },
    ['synced commit 0123456789ab: 5 applied, 0 unchanged, 1 pruned'],
  ],
  [
    'a sync report rewritten for the same commit',
    {
      kind: 'SyncReport',
      old: { data: { revision: 'abc', result: 'Synced', syncedAt: '1' } },
      current: { data: { revision: 'abc', result: 'Synced', syncedAt: '2' } },
    },
    [],
  ],
  [
    'an invalid commit, with its problems',
    {
      kind: 'SyncReport',
      current: {
        data: {
          revision: 'fedcba9876543210',
          result: 'Invalid',
          message: '1 error',
          problems: 'serving.yaml:3: bad\n',
        },
      },
    },
    ['sync of commit fedcba987654 Invalid: 1 error', '  serving.yaml:3: bad'],
  ],
  [
    'a dataset profiled',
    {
      kind: 'Dataset',
      old: dataset(),
      current: dataset({
        conditions: [ready('True', 'Succeeded')],
        rows: 150,
        columns: 5,
        shortDigest: '9cc1c345c71b',
      }),
    },
    ['dataset iris profiled: 150 rows, 5 columns, sha256 9cc1c345c71b'],
  ],
  [
    'a dataset resynced without change',
    {
      kind: 'Dataset',
      old: dataset({ conditions: [ready('True', 'Succeeded')], rows: 150 }),
      current: dataset({ conditions: [ready('True', 'Succeeded')], rows: 150 }),
    },
    [],
  ],
  [
    'a dataset stalled',
    {
      kind: 'Dataset',
      old: dataset(),
      current: dataset({
        conditions: [ready('False', 'DigestMismatch', 'sha256 differs'), stalledCondition],
      }),
    },
    ['dataset iris: DigestMismatch — sha256 differs'],
  ],
  [
    'training started',
    {
      kind: 'TrainingJob',
      old: job({ phase: 'Admitted' }),
      current: job({ phase: 'Running', jobName: 'iris-logreg' }),
    },
    ['training iris-logreg started (kubectl logs job/iris-logreg)'],
  ],
  [
    'training finished with its metrics',
    {
      kind: 'TrainingJob',
      old: job({ phase: 'Running' }),
      current: job({ phase: 'Succeeded', duration: '3s', metrics: { accuracy: 0.96 } }),
    },
    ['training iris-logreg finished in 3s: accuracy=0.96'],
  ],
  [
    'training failed',
    {
      kind: 'TrainingJob',
      old: job({ phase: 'Running' }),
      current: job({
        phase: 'Failed',
        conditions: [ready('False', 'BackoffLimitExceeded', 'exit code 2')],
      }),
    },
    ['training iris-logreg failed: BackoffLimitExceeded — exit code 2'],
  ],
  [
    'a version registered',
    { kind: 'ModelVersion', current: version() },
    ['version iris-v2 registered: model iris version 2, accuracy=0.96'],
  ],
  [
    'a version seen again on a restart (it has a status)',
    { kind: 'ModelVersion', current: version({ stage: 'Candidate' }) },
    [],
  ],
  [
    'a promotion proposed, with the command that merges it',
    {
      kind: 'ModelVersion',
      old: version({ stage: 'Candidate' }),
      current: version({
        stage: 'Candidate',
        promotion: { branch: 'ferry/promote/iris/iris-v2', service: 'iris', state: 'Open' },
      }),
    },
    [
      'promotion proposed: iris-v2 for InferenceService iris on branch ferry/promote/iris/iris-v2; to accept it: git -C /state/repo merge ferry/promote/iris/iris-v2',
    ],
  ],
  [
    'a stage change',
    {
      kind: 'ModelVersion',
      old: version({ stage: 'Candidate' }),
      current: version({ stage: 'Production' }),
    },
    ['version iris-v2 is now Production'],
  ],
  [
    'a service Ready',
    {
      kind: 'InferenceService',
      old: service(),
      current: service({
        conditions: [ready('True', 'Serving')],
        stableVersion: 'iris-v1',
        url: URL,
      }),
    },
    [`iris is Ready: iris-v1 answers at ${URL}`],
  ],
  [
    'a canary step',
    {
      kind: 'InferenceService',
      old: service({ stableVersion: 'iris-v1', canaryVersion: 'iris-v2', step: 0 }),
      current: service({
        stableVersion: 'iris-v1',
        canaryVersion: 'iris-v2',
        canaryWeight: 50,
        step: 1,
      }),
    },
    ['iris: canary iris-v2 at 50% (step 2 of 2)'],
  ],
  [
    'a canary promoted',
    {
      kind: 'InferenceService',
      old: service({ stableVersion: 'iris-v1', canaryVersion: 'iris-v2', step: 1 }),
      current: service({ stableVersion: 'iris-v2' }),
    },
    ['iris: iris-v2 promoted, now serving all traffic'],
  ],
  [
    'a drift check with too little traffic to judge',
    {
      kind: 'DriftMonitor',
      old: monitor(),
      current: monitor({
        lastCheckTime: '2026-01-01T00:05:00Z',
        samples: 0,
        conditions: [
          {
            type: 'Drifted',
            status: 'Unknown',
            reason: 'InsufficientData',
            message: '0 live rows, fewer than the 100 an evaluation needs (spec.window.minSamples)',
            lastTransitionTime: '2026-01-01T00:05:00Z',
          },
        ],
      }),
    },
    [
      'drift check iris-inputs: not judged yet, 0 live rows, fewer than the 100 an evaluation needs (spec.window.minSamples)',
    ],
  ],
  [
    'a drift check that found drift and retrains',
    {
      kind: 'DriftMonitor',
      old: monitor({ lastCheckTime: '2026-01-01T00:00:00Z' }),
      current: monitor({
        lastCheckTime: '2026-01-01T00:05:00Z',
        samples: 500,
        features: [
          { name: 'petal_length', method: 'psi', value: 0.4123, threshold: 0.25, drifted: true },
          { name: 'sepal_width', method: 'ks', value: 0.01, threshold: 0.1, drifted: false },
        ],
        retrainingJob: 'iris-inputs-retrain-1',
      }),
    },
    [
      'drift check iris-inputs: 500 samples, drift in petal_length (psi 0.412 > 0.25)',
      'drift iris-inputs: retraining with TrainingJob iris-inputs-retrain-1',
    ],
  ],
];

describe('progressLines', () => {
  it.each(CASES)('%s', (_, change, lines) => {
    expect(progressLines(change, CONTEXT)).toEqual(lines);
  });
});
