import { describe, expect, it } from 'vitest';
import type {
  InferenceService,
  ModelVersion,
  ModelVersionSpec,
  ModelVersionStatus,
} from '../../../operator/src/api/index.js';
import { failedGates } from '../../../operator/src/api/gates.js';
import {
  planModelVersion as planOnly,
  signatureDifferences,
  type ArtifactCheck,
  type ModelVersionObserved,
} from '../../../operator/src/controllers/model-version/plan.js';
import { summarized } from '../summarized.js';

/** The status the controller writes after this plan. */
const planModelVersion = (observed: ModelVersionObserved): ModelVersionStatus =>
  summarized(observed.modelVersion, planOnly(observed), observed.nowMs).status;

const NOW = Date.parse('2026-11-22T10:00:00Z');
const SIGNATURE = {
  inputs: [{ name: 'input', datatype: 'FP32' as const, shape: [-1, 4] }],
  outputs: [
    { name: 'probabilities', datatype: 'FP32' as const, shape: [-1, 3] },
    { name: 'label', datatype: 'INT64' as const, shape: [-1] },
  ],
};
const VERIFIED: ArtifactCheck = { ok: true, signature: SIGNATURE };

function modelVersion(
  spec: Partial<ModelVersionSpec> = {},
  status?: ModelVersionStatus,
): ModelVersion {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: { name: 'iris-v2', namespace: 'ml', generation: 1 },
    spec: {
      model: 'iris',
      version: '2',
      artifact: { uri: 'pvc://m/iris/v2/model.onnx', sha256: 'a'.repeat(64) },
      metrics: { accuracy: 0.95 },
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  };
}

function service(name: string, status: NonNullable<InferenceService['status']>): InferenceService {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'InferenceService',
    metadata: { name, namespace: 'ml' },
    spec: { modelVersion: 'iris-v2' },
    status,
  };
}

/** A service that rolled iris-v2 back and serves iris-v1. */
const ROLLED_BACK = service('iris', {
  stableVersion: 'iris-v1',
  lastRollback: {
    version: 'iris-v2',
    reason: 'ErrorRateExceeded',
    message: 'error rate 0.20 > 0.01',
  },
});

/** An InferenceService's Ready condition, serving or not. */
const readyCondition = (status: 'True' | 'False', reason: string) => ({
  type: 'Ready',
  status,
  reason,
  message: '',
  lastTransitionTime: '2026-11-22T09:00:00Z',
});
const SERVING = readyCondition('True', 'Serving');
const DEPLOYING = readyCondition('False', 'Deploying');

const condition = (status: ModelVersionStatus, type: string) =>
  status.conditions?.find((c) => c.type === type);

describe('failedGates', () => {
  it.each([
    [[{ metric: 'accuracy', min: 0.9 }], { accuracy: 0.95 }, []],
    [
      [{ metric: 'accuracy', min: 0.9 }],
      { accuracy: 0.85 },
      ['accuracy 0.85 is below the minimum 0.9'],
    ],
    [
      [{ metric: 'latency_ms', max: 5 }],
      { latency_ms: 7 },
      ['latency_ms 7 is above the maximum 5'],
    ],
    [[{ metric: 'f1', min: 0.5 }], { accuracy: 1 }, ['metric f1 is not reported']],
    [[{ metric: 'accuracy', min: 0.9, max: 1 }], { accuracy: 0.9 }, []],
  ])('%j on %j', (gates, metrics, expected) => {
    expect(failedGates(gates, metrics)).toEqual(expected);
  });
});

describe('signatureDifferences', () => {
  it('agrees with nothing declared, or the same signature', () => {
    expect(signatureDifferences(undefined, SIGNATURE)).toEqual([]);
    expect(signatureDifferences(SIGNATURE, SIGNATURE)).toEqual([]);
  });

  it('names every difference', () => {
    const declared = {
      inputs: [{ name: 'features', datatype: 'FP32' as const, shape: [-1, 4] }],
      outputs: [{ name: 'probabilities', datatype: 'FP64' as const, shape: [-1, 3] }],
    };
    expect(signatureDifferences(declared, SIGNATURE)).toEqual([
      'inputs: features is declared but the model has input',
      'inputs: the model has input, which is not declared',
      'outputs: declared probabilities FP64 [-1, 3], the model has probabilities FP32 [-1, 3]',
      'outputs: the model has label, which is not declared',
    ]);
  });
});

describe('planModelVersion', () => {
  it('validates a good version as a Ready Candidate with its real signature', () => {
    const status = planModelVersion({
      modelVersion: modelVersion({ gates: [{ metric: 'accuracy', min: 0.9 }] }),
      artifact: VERIFIED,
      services: [],
      nowMs: NOW,
    });
    expect(status).toMatchObject({
      stage: 'Candidate',
      signature: SIGNATURE,
      primaryMetric: 'accuracy=0.95',
      stageTime: '2026-11-22T10:00:00Z',
    });
    expect(condition(status, 'Validated')).toMatchObject({
      status: 'True',
      reason: 'ArtifactVerified',
    });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Candidate' });
    expect(condition(status, 'Rejected')).toBeUndefined();
  });

  it.each<{
    name: string;
    artifact: ArtifactCheck;
    spec?: Partial<ModelVersionSpec>;
    reason: string;
    message: string;
  }>([
    {
      name: 'a digest mismatch',
      artifact: {
        ok: false,
        reason: 'DigestMismatch',
        message: 'sha256 of pvc://m/iris/v2/model.onnx is bbb…, expected aaa…',
        retryable: false,
      },
      reason: 'DigestMismatch',
      message: 'sha256 of pvc://m/iris/v2/model.onnx is bbb…, expected aaa…',
    },
    {
      name: 'a file that does not load',
      artifact: {
        ok: false,
        reason: 'NotLoadable',
        message: 'onnxruntime: protobuf parsing failed',
        retryable: false,
      },
      reason: 'NotLoadable',
      message: 'onnxruntime: protobuf parsing failed',
    },
    {
      name: 'a signature that differs from the declared one',
      artifact: VERIFIED,
      spec: { signature: { inputs: [{ name: 'input', datatype: 'FP64', shape: [-1, 4] }] } },
      reason: 'SignatureMismatch',
      message:
        "the model's signature differs from spec.signature: inputs: declared input FP64 [-1, 4], the model has input FP32 [-1, 4]",
    },
    {
      name: 'failed gates',
      artifact: VERIFIED,
      spec: { gates: [{ metric: 'accuracy', min: 0.97 }] },
      reason: 'GatesFailed',
      message: 'gates failed: accuracy 0.95 is below the minimum 0.97',
    },
  ])('rejects $name', ({ artifact, spec, reason, message }) => {
    const status = planModelVersion({
      modelVersion: modelVersion(spec),
      artifact,
      services: [],
      nowMs: NOW,
    });
    expect(status.stage).toBe('Rejected');
    expect(condition(status, 'Rejected')).toMatchObject({ status: 'True', reason, message });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason });
  });

  it('waits, without rejecting, when the artifact cannot be reached yet', () => {
    const status = planModelVersion({
      modelVersion: modelVersion(),
      artifact: { ok: false, reason: 'ArtifactUnreachable', message: 'HTTP 503', retryable: true },
      services: [],
      nowMs: NOW,
    });
    expect(condition(status, 'Validated')).toMatchObject({
      status: 'Unknown',
      reason: 'ArtifactUnreachable',
    });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False' });
    expect(status.stage).toBe('Candidate');
  });

  it('keeps its validation when the artifact is not re-read', () => {
    const first = planModelVersion({
      modelVersion: modelVersion(),
      artifact: VERIFIED,
      services: [],
      nowMs: NOW,
    });
    const again = planModelVersion({
      modelVersion: modelVersion({}, first),
      artifact: undefined,
      services: [],
      nowMs: NOW + 60_000,
    });
    expect(again).toEqual(first);
  });

  it.each<{
    name: string;
    services: InferenceService[];
    previous?: ModelVersionStatus['stage'];
    stage: string;
    servedBy?: string[];
  }>([
    {
      name: 'Production while a service serves it, Ready, as stable',
      services: [service('iris', { stableVersion: 'iris-v2', conditions: [SERVING] })],
      stage: 'Production',
      servedBy: ['iris'],
    },
    {
      name: 'a Candidate while its service does not answer yet',
      services: [service('iris', { stableVersion: 'iris-v2', conditions: [DEPLOYING] })],
      stage: 'Candidate',
      servedBy: ['iris'],
    },
    {
      name: 'a Candidate again, not Archived, once a served version stops answering',
      services: [service('iris', { stableVersion: 'iris-v2', conditions: [DEPLOYING] })],
      previous: 'Production',
      stage: 'Candidate',
      servedBy: ['iris'],
    },
    {
      name: 'Candidate while it is only a canary',
      services: [service('iris', { stableVersion: 'iris-v1', canaryVersion: 'iris-v2' })],
      stage: 'Candidate',
      servedBy: ['iris'],
    },
    {
      name: 'Archived once no service serves it after Production',
      services: [service('iris', { stableVersion: 'iris-v3' })],
      previous: 'Production',
      stage: 'Archived',
    },
    {
      name: 'Rejected once a service rolled it back',
      services: [ROLLED_BACK],
      stage: 'Rejected',
    },
    {
      name: 'Candidate again while a retry serves it as a canary',
      services: [
        service('iris', {
          stableVersion: 'iris-v1',
          canaryVersion: 'iris-v2',
          lastRollback: { version: 'iris-v2', reason: 'ErrorRateExceeded' },
        }),
      ],
      previous: 'Rejected',
      stage: 'Candidate',
      servedBy: ['iris'],
    },
  ])('is $name', ({ services, previous, stage, servedBy }) => {
    const status = planModelVersion({
      modelVersion: modelVersion({}, previous === undefined ? undefined : { stage: previous }),
      artifact: VERIFIED,
      services,
      nowMs: NOW,
    });
    expect(status.stage).toBe(stage);
    expect(status.servedBy).toEqual(servedBy);
  });

  it('says why a rolled back version was rejected', () => {
    const status = planModelVersion({
      modelVersion: modelVersion(),
      artifact: VERIFIED,
      services: [ROLLED_BACK],
      nowMs: NOW,
    });
    expect(condition(status, 'Rejected')).toMatchObject({
      reason: 'ErrorRateExceeded',
      message: 'rolled back by InferenceService iris: error rate 0.20 > 0.01',
    });
  });
});
