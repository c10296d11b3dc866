/** Builders shared by the InferenceService controller's unit tests. */
import type {
  Condition,
  InferenceService,
  InferenceServiceStatus,
  ModelVersion,
  ObjectMeta,
} from '../../../operator/src/api/index.js';
import type { Verdict } from '../../../operator/src/controllers/inference-service/analysis.js';

export const T0 = Date.parse('2026-11-22T10:00:00Z');
export const GENERATION = 3;

export const PASS: Verdict = { verdict: 'pass', message: 'error rate 0.000 (max 0.01)' };
export const WAIT: Verdict = { verdict: 'wait', message: '40 of the 100 canary requests needed' };
export const FAIL: Verdict = {
  verdict: 'fail',
  reason: 'ErrorRateExceeded',
  message: 'error rate 0.200 (max 0.01)',
};

/**
 * InferenceService `iris` in `ml` at generation 3, with 4 replicas and two canary steps:
 * 10% for 1m, then 50% for 2m.
 */
export function inferenceService(
  modelVersion: string,
  status: InferenceServiceStatus = {},
  spec: Partial<InferenceService['spec']> = {},
  metadata: ObjectMeta = {},
): InferenceService {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'InferenceService',
    metadata: {
      name: 'iris',
      namespace: 'ml',
      uid: 'uid-iris',
      generation: GENERATION,
      ...metadata,
    },
    spec: {
      modelVersion,
      replicas: 4,
      rollout: {
        steps: [
          { weight: 10, duration: '1m' },
          { weight: 50, duration: '2m' },
        ],
      },
      ...spec,
    },
    status,
  };
}

/** A condition computed from generation 1 unless said otherwise. */
export function condition(
  type: string,
  status: Condition['status'],
  reason: string,
  observedGeneration = 1,
): Condition {
  return {
    type,
    status,
    reason,
    message: `${type} is ${status}`,
    lastTransitionTime: '2026-11-22T09:00:00Z',
    observedGeneration,
  };
}

export const VALIDATED = condition('Validated', 'True', 'ArtifactVerified');
export const VALIDATING = condition('Validated', 'Unknown', 'Validating');
export const INVALID = condition('Validated', 'False', 'DigestMismatch');

/** ModelVersion `name` of model `iris` at generation 1; its artifact is s3://models/<name>.onnx. */
export function modelVersion(name: string, ...conditions: Condition[]): ModelVersion {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: { name, namespace: 'ml', generation: 1 },
    spec: {
      model: 'iris',
      version: name,
      artifact: { uri: `s3://models/${name}.onnx`, sha256: 'a'.repeat(64) },
    },
    status: { conditions },
  };
}
