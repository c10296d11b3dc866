import { describe, expect, it } from 'vitest';
import type {
  Condition,
  InferenceService,
  InferenceServiceStatus,
  ModelVersion,
} from '../../../operator/src/api/index.js';
import type { Verdict } from '../../../operator/src/controllers/inference-service/analysis.js';
import {
  planRollout,
  targetState,
  type TargetState,
} from '../../../operator/src/controllers/inference-service/rollout.js';
import {
  condition,
  FAIL,
  inferenceService,
  INVALID,
  modelVersion,
  PASS,
  T0,
  VALIDATED,
  VALIDATING,
  WAIT,
} from './fixtures.js';

function service(
  version: string,
  status: InferenceServiceStatus = {},
  extra: Partial<InferenceService['spec']> = {},
  retry?: string,
): InferenceService {
  return inferenceService(
    version,
    status,
    extra,
    retry === undefined ? {} : { annotations: { 'ferry.dev/retry': retry } },
  );
}

function plan(
  svc: InferenceService,
  options: { target?: TargetState; verdict?: Verdict; now?: number; stableAnswers?: boolean } = {},
) {
  return planRollout({
    service: svc,
    target: options.target ?? 'Ready',
    verdict: options.verdict,
    stableAnswers: options.stableAnswers ?? true,
    nowMs: options.now ?? T0,
  });
}

const CANARY_AT_0 = {
  stableVersion: 'v1',
  canaryVersion: 'v2',
  step: 0,
  canaryWeight: 10,
  stepStartTime: '2026-11-22T10:00:00Z',
};

describe('planRollout', () => {
  it('makes the first version stable at once', () => {
    expect(plan(service('v1'))).toMatchObject({
      status: { stableVersion: 'v1', canaryWeight: 0 },
      transition: { reason: 'Deployed' },
    });
  });

  it('starts a canary at the first step for a new version', () => {
    const result = plan(service('v2', { stableVersion: 'v1' }));
    expect(result.status).toMatchObject(CANARY_AT_0);
    expect(result.transition).toEqual({
      type: 'Normal',
      reason: 'CanaryStarted',
      message: 'canary v2 started at 10% of traffic',
    });
  });

  it('starts no canary while the stable version does not answer, and looks again', () => {
    const svc = service('v2', { stableVersion: 'v1' });
    const result = plan(svc, { stableAnswers: false });
    expect(result.status).toEqual(svc.status);
    expect(result.transition).toBeUndefined();
    expect(result.requeueAfterMs).toBeGreaterThan(0);
  });

  it('makes the first version stable though nothing answers yet', () => {
    expect(plan(service('v1'), { stableAnswers: false }).status.stableVersion).toBe('v1');
  });

  it('replaces at once with the Recreate strategy', () => {
    const result = plan(
      service('v2', { stableVersion: 'v1' }, { rollout: { strategy: 'Recreate' } }),
    );
    expect(result.status).toMatchObject({ stableVersion: 'v2', canaryWeight: 0 });
    expect(result.status.canaryVersion).toBeUndefined();
  });

  it.each<[TargetState, string]>([
    ['Validating', 'ModelVersionNotReady'],
    ['Missing', 'ModelVersionNotFound'],
    ['Rejected', 'ModelVersionRejected'],
  ])('does not start while the ModelVersion is %s', (target, reason) => {
    const result = plan(service('v2', { stableVersion: 'v1' }), { target });
    expect(result.status).toEqual({ stableVersion: 'v1' });
    expect(result.degraded?.reason).toBe(reason);
  });

  it('holds a step until its duration is up, even when the analysis passes', () => {
    const result = plan(service('v2', CANARY_AT_0), { verdict: PASS, now: T0 + 30_000 });
    expect(result.status).toEqual(CANARY_AT_0);
    expect(result.requeueAfterMs).toBe(5_000);
  });

  it('moves to the next step when the step is up and the analysis passes', () => {
    const result = plan(service('v2', CANARY_AT_0), { verdict: PASS, now: T0 + 60_000 });
    expect(result.status).toMatchObject({
      canaryVersion: 'v2',
      step: 1,
      canaryWeight: 50,
      stepStartTime: '2026-11-22T10:01:00Z',
    });
    expect(result.transition?.reason).toBe('StepPassed');
  });

  it('keeps the step while too few requests came, looking again every analysis interval', () => {
    const result = plan(service('v2', CANARY_AT_0), { verdict: WAIT, now: T0 + 90_000 });
    expect(result.status).toEqual(CANARY_AT_0);
    expect(result.requeueAfterMs).toBe(5_000);
  });

  it('promotes after the last step', () => {
    const lastStep = { ...CANARY_AT_0, step: 1, canaryWeight: 50 };
    const result = plan(service('v2', lastStep), { verdict: PASS, now: T0 + 120_000 });
    expect(result.status).toMatchObject({ stableVersion: 'v2', canaryWeight: 0 });
    expect(result.status.canaryVersion).toBeUndefined();
    expect(result.status.history?.[0]).toMatchObject({
      version: 'v2',
      result: 'Promoted',
      finishTime: '2026-11-22T10:02:00Z',
    });
  });

  it('rolls back at once when the analysis fails, recording why', () => {
    const result = plan(service('v2', CANARY_AT_0, {}, 'a'), { verdict: FAIL, now: T0 + 20_000 });
    expect(result.status).toMatchObject({ stableVersion: 'v1', canaryWeight: 0 });
    expect(result.status.canaryVersion).toBeUndefined();
    expect(result.status.lastRollback).toEqual({
      version: 'v2',
      reason: 'ErrorRateExceeded',
      message: 'error rate 0.200 (max 0.01)',
      time: '2026-11-22T10:00:20Z',
      retry: 'a',
    });
    expect(result.status.history?.[0]).toMatchObject({ version: 'v2', result: 'RolledBack' });
    expect(result.transition).toMatchObject({ type: 'Warning', reason: 'RolledBack' });
  });

  it('holds a failing canary when autoRollback is off', () => {
    const svc = service('v2', CANARY_AT_0, {
      rollout: { steps: [{ weight: 10, duration: '1m' }], autoRollback: false },
    });
    const result = plan(svc, { verdict: FAIL });
    expect(result.status).toEqual(CANARY_AT_0);
    expect(result.degraded?.reason).toBe('ErrorRateExceeded');
  });

  it('does not retry a rolled back version until the retry annotation changes', () => {
    const rolledBack = {
      stableVersion: 'v1',
      canaryWeight: 0,
      lastRollback: {
        version: 'v2',
        reason: 'ErrorRateExceeded',
        message: 'error rate 0.200',
        retry: 'a',
      },
    };
    const same = plan(service('v2', rolledBack, {}, 'a'));
    expect(same.status.canaryVersion).toBeUndefined();
    expect(same.degraded?.reason).toBe('ErrorRateExceeded');
    expect(same.degraded?.message).toBe(
      'v2 was rolled back (ErrorRateExceeded: error rate 0.200); change the ferry.dev/retry annotation to try it again',
    );
    expect(plan(service('v2', rolledBack, {}, 'b')).status).toMatchObject({
      canaryVersion: 'v2',
      step: 0,
    });
  });

  it('supersedes a canary when the spec names another version', () => {
    const result = plan(service('v3', CANARY_AT_0), { now: T0 + 10_000 });
    expect(result.status).toMatchObject({ stableVersion: 'v1', canaryVersion: 'v3', step: 0 });
    expect(result.status.history?.[0]).toMatchObject({
      version: 'v2',
      result: 'Superseded',
      message: 'spec.modelVersion changed to v3',
    });
    expect(result.transition?.reason).toBe('CanaryStarted');
  });

  it('records the supersession itself when the new version cannot start yet', () => {
    const result = plan(service('v3', CANARY_AT_0), { target: 'Validating', now: T0 + 10_000 });
    expect(result.status.canaryVersion).toBeUndefined();
    expect(result.transition).toEqual({
      type: 'Normal',
      reason: 'Superseded',
      message: 'canary v2 superseded: spec.modelVersion changed to v3',
    });
  });

  it('changes nothing once converged', () => {
    expect(plan(service('v1', { stableVersion: 'v1', canaryWeight: 0 }))).toEqual({
      status: { stableVersion: 'v1', canaryWeight: 0 },
    });
  });
});

describe('targetState', () => {
  const iris = (...conditions: Condition[]) => modelVersion('iris-v2', ...conditions);

  it.each<[string, ModelVersion | undefined, TargetState]>([
    ['no ModelVersion', undefined, 'Missing'],
    ['no Validated condition', iris(), 'Validating'],
    ['Validated Unknown', iris(VALIDATING), 'Validating'],
    [
      'Validated True for an older generation',
      iris(condition('Validated', 'True', 'ArtifactVerified', 0)),
      'Validating',
    ],
    [
      'Validated False for an older generation',
      iris(condition('Validated', 'False', 'DigestMismatch', 0)),
      'Validating',
    ],
    ['Validated False', iris(INVALID), 'Rejected'],
    [
      'Rejected True by its gates',
      iris(VALIDATED, condition('Rejected', 'True', 'GatesFailed')),
      'Rejected',
    ],
    [
      'Validated True, Rejected True by a rollback',
      iris(VALIDATED, condition('Rejected', 'True', 'ErrorRateExceeded')),
      'Ready',
    ],
    ['Validated True', iris(VALIDATED), 'Ready'],
  ])('%s → %s', (_, mv, expected) => {
    expect(targetState(mv)).toBe(expected);
  });
});
