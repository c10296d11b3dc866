import type { V1Deployment } from '@kubernetes/client-node';
import { summarized } from '../summarized.js';
import { describe, expect, it } from 'vitest';
import type {
  Condition,
  InferenceService,
  InferenceServiceStatus,
  ModelVersion,
} from '../../../operator/src/api/index.js';
import type { Verdict } from '../../../operator/src/controllers/inference-service/analysis.js';
import {
  planInferenceService,
  type InferenceServicePlan,
} from '../../../operator/src/controllers/inference-service/plan.js';
import type { Track } from '../../../operator/src/controllers/inference-service/workloads.js';
import {
  condition,
  FAIL,
  GENERATION,
  inferenceService,
  INVALID,
  modelVersion,
  PASS,
  T0,
  VALIDATED,
  VALIDATING,
  WAIT,
} from './fixtures.js';

const SECOND = 1000;
const URL = 'http://iris.ml.svc/v2/models/iris';

// ---- fixtures -------------------------------------------------------------------------

/** The shared InferenceService, with its first canary step at 25% (4 replicas: 3 stable, 1 canary). */
function service(
  version: string,
  status: InferenceServiceStatus = {},
  spec: Partial<InferenceService['spec']> = {},
): InferenceService {
  const steps = [
    { weight: 25, duration: '1m' },
    { weight: 50, duration: '2m' },
  ];
  return inferenceService(version, status, { rollout: { steps }, ...spec });
}

const READY_VERSIONS = ['iris-v1', 'iris-v2'].map((name) => modelVersion(name, VALIDATED));

/** A Deployment as the cluster reports it: by default rolled out, every replica available. */
function deployment(
  track: Track,
  version: string,
  state: {
    replicas?: number;
    updated?: number;
    available?: number;
    observedGeneration?: number;
  } = {},
): V1Deployment {
  const replicas = state.replicas ?? 4;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `iris-${track}`,
      namespace: 'ml',
      generation: 2,
      labels: { 'ferry.dev/model-version': version },
    },
    spec: { replicas, selector: {}, template: {} },
    status: {
      observedGeneration: state.observedGeneration ?? 2,
      updatedReplicas: state.updated ?? replicas,
      availableReplicas: state.available ?? replicas,
    },
  };
}

interface Scene {
  versions?: ModelVersion[];
  stable?: V1Deployment | undefined;
  canary?: V1Deployment | undefined;
  verdict?: Verdict | undefined;
  now?: number;
}

function plan(svc: InferenceService, scene: Scene = {}): InferenceServicePlan {
  const planned = planInferenceService({
    service: svc,
    modelVersions: new Map(
      (scene.versions ?? READY_VERSIONS).map((mv): [string, ModelVersion] => [
        mv.metadata.name ?? '',
        mv,
      ]),
    ),
    deployments: { stable: scene.stable, canary: scene.canary },
    verdict: scene.verdict,
    image: 'ghcr.io/ferry-ml/ferry:0.1.0',
    nowMs: scene.now ?? T0,
  });
  return summarized(svc, planned, scene.now ?? T0);
}

/** iris-v1 serves, converged. */
const SERVING_V1: InferenceServiceStatus = {
  stableVersion: 'iris-v1',
  canaryWeight: 0,
  url: URL,
  conditions: [condition('Ready', 'True', 'Serving', GENERATION)],
};

/** iris-v2 is the canary of iris-v1 at `step`, which started at T0. */
function canaryAt(step: number, weight: number): InferenceServiceStatus {
  return {
    ...SERVING_V1,
    canaryVersion: 'iris-v2',
    step,
    canaryWeight: weight,
    stepStartTime: '2026-11-22T10:00:00Z',
    conditions: [
      condition('Ready', 'True', 'Serving', GENERATION),
      condition('Progressing', 'True', 'CanaryAnalysis', GENERATION),
    ],
  };
}

/** The Deployments of a canary at 25%: 3 stable replicas of iris-v1 and 1 of iris-v2. */
const CANARY_DEPLOYMENTS = {
  stable: deployment('stable', 'iris-v1', { replicas: 3 }),
  canary: deployment('canary', 'iris-v2', { replicas: 1 }),
};

// ---- what a user observes -------------------------------------------------------------

/**
 * The InferenceService's own conditions (Ready, Progressing, Degraded) as `status reason` by
 * type; an absent condition is not a key. `kstatusOf` reads Reconciling and Stalled.
 */
function conditionsOf(result: InferenceServicePlan): Record<string, string> {
  return pick(result, ['Ready', 'Progressing', 'Degraded']);
}

function kstatusOf(result: InferenceServicePlan): Record<string, string> {
  return pick(result, ['Reconciling', 'Stalled']);
}

function pick(result: InferenceServicePlan, types: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    (result.status.conditions ?? [])
      .filter((c) => types.includes(c.type))
      .map((c) => [c.type, `${c.status} ${c.reason}`]),
  );
}

/** The rollout transition the plan records as an event. */
function transitionOf(result: InferenceServicePlan) {
  const event = result.event;
  return event === undefined
    ? undefined
    : { type: event.type, reason: event.reason, message: event.note };
}

function messageOf(result: InferenceServicePlan, type: string): string | undefined {
  return result.status.conditions?.find((c) => c.type === type)?.message;
}

/** One line an applied object; a Deployment also says its replicas, version label and --model. */
function appliedOf(result: InferenceServicePlan): string[] {
  return result.apply.map((object) => {
    const name = `${object.kind ?? ''} ${object.metadata?.name ?? ''}`;
    if (object.kind !== 'Deployment') return name;
    const { metadata, spec } = object as V1Deployment;
    const args = spec?.template.spec?.containers[0]?.args ?? [];
    const label = metadata?.labels?.['ferry.dev/model-version'] ?? '';
    return `${name}: ${String(spec?.replicas)} × ${label} from ${args[args.indexOf('--model') + 1] ?? ''}`;
  });
}

const SERVICE = 'Service iris';
/** The line `appliedOf` gives for a Deployment of this track, replicas and version. */
const deploys = (track: Track, replicas: number, version: string) =>
  `Deployment iris-${track}: ${String(replicas)} × ${version} from s3://models/${version}.onnx`;

// ---- cases ----------------------------------------------------------------------------

describe('planInferenceService: the first deploy', () => {
  it.each<[string, Condition[] | undefined, string, string]>([
    ['does not exist', undefined, 'ModelVersionNotFound', 'for ModelVersion iris-v1 to exist'],
    ['has no Validated condition', [], 'ModelVersionNotReady', 'iris-v1 to be validated'],
    ['is being validated', [VALIDATING], 'ModelVersionNotReady', 'iris-v1 to be validated'],
    ['failed validation', [INVALID], 'ModelVersionRejected', 'ModelVersion iris-v1 is Rejected'],
  ])('serves nothing while the ModelVersion %s', (_, conditions, reason, message) => {
    const versions = conditions === undefined ? [] : [modelVersion('iris-v1', ...conditions)];
    const result = plan(service('iris-v1'), { versions });
    expect(conditionsOf(result)).toEqual({ Ready: `False ${reason}`, Degraded: `True ${reason}` });
    expect(messageOf(result, 'Ready')).toContain(message);
    expect(messageOf(result, 'Degraded')).toContain(message);
    expect(result.status.stableVersion).toBeUndefined();
    expect(result.status.url).toBeUndefined();
    expect(result.apply).toEqual([]);
    expect(result.remove).toEqual([]);
  });

  it.each<[string, V1Deployment | undefined, string, string]>([
    ['no Deployment yet', undefined, 'False Deploying', 'iris-v1: waiting for its Deployment'],
    [
      'a Deployment of another version',
      deployment('stable', 'iris-v0'),
      'False Deploying',
      'iris-v1: its Deployment still runs iris-v0',
    ],
    [
      'a Deployment whose new generation is not observed yet',
      deployment('stable', 'iris-v1', { observedGeneration: 1 }),
      'False Deploying',
      'iris-v1:',
    ],
    [
      'no replica updated',
      deployment('stable', 'iris-v1', { updated: 0 }),
      'False Deploying',
      'iris-v1: 4 of 4 replicas available',
    ],
    [
      'no replica available',
      deployment('stable', 'iris-v1', { available: 0 }),
      'False Deploying',
      'iris-v1: 0 of 4 replicas available',
    ],
    [
      '3 of 4 replicas available (it answers, short of capacity)',
      deployment('stable', 'iris-v1', { available: 3 }),
      'True Serving',
      'iris-v1 serves, 3 of 4 replicas available',
    ],
    [
      'every replica available',
      deployment('stable', 'iris-v1'),
      'True Serving',
      'iris-v1 serves, 4 of 4 replicas available',
    ],
  ])('deploys a validated version; with %s Ready is %s', (_, stable, ready, message) => {
    const result = plan(service('iris-v1'), { stable });
    expect(result.status).toMatchObject({ stableVersion: 'iris-v1', canaryWeight: 0, url: URL });
    expect(result.status.canaryVersion).toBeUndefined();
    expect(conditionsOf(result)).toEqual({ Ready: ready });
    expect(messageOf(result, 'Ready')).toContain(message);
    expect(appliedOf(result)).toEqual([SERVICE, deploys('stable', 4, 'iris-v1')]);
    expect(result.remove).toEqual([]);
    expect(transitionOf(result)).toEqual({
      type: 'Normal',
      reason: 'Deployed',
      message: 'iris-v1 is the stable version',
    });
  });
});

describe('planInferenceService: a rejected new version', () => {
  it.each<[string, Condition[]]>([
    ['failed validation', [INVALID]],
    ['failed its gates', [VALIDATED, condition('Rejected', 'True', 'GatesFailed')]],
  ])('is not rolled out when it %s, and the stable version keeps serving', (_, conditions) => {
    const result = plan(service('iris-v2', SERVING_V1), {
      versions: [modelVersion('iris-v1', VALIDATED), modelVersion('iris-v2', ...conditions)],
      stable: deployment('stable', 'iris-v1'),
    });
    expect(conditionsOf(result)).toEqual({
      Ready: 'True Serving',
      Degraded: 'True ModelVersionRejected',
    });
    expect(messageOf(result, 'Degraded')).toBe(
      'ModelVersion iris-v2 is Rejected; it will not be rolled out',
    );
    expect(result.status).toMatchObject({ stableVersion: 'iris-v1', canaryWeight: 0, url: URL });
    expect(result.status.canaryVersion).toBeUndefined();
    expect(appliedOf(result)).toEqual([SERVICE, deploys('stable', 4, 'iris-v1')]);
    expect(result.remove).toEqual([]);
    expect(transitionOf(result)).toBeUndefined();
  });
});

describe('planInferenceService: a canary', () => {
  /** What a user sees of a canary at a step: its status, the replica split and Progressing. */
  const AT_STEP_1 = {
    status: { step: 0, canaryWeight: 25, stepStartTime: '2026-11-22T10:00:00Z' },
    replicas: [3, 1],
    progressing: 'canary iris-v2 at step 1 of 2, 25% of traffic',
  };
  const AT_STEP_2 = {
    status: { step: 1, canaryWeight: 50, stepStartTime: '2026-11-22T10:01:00Z' },
    replicas: [2, 2],
    progressing: 'canary iris-v2 at step 2 of 2, 50% of traffic',
  };

  it.each([
    [
      'starts at the first step with the replica split',
      SERVING_V1,
      undefined,
      0,
      AT_STEP_1,
      'CanaryStarted',
    ],
    [
      'holds a step whose time is not up, though the analysis passes',
      canaryAt(0, 25),
      PASS,
      30,
      AT_STEP_1,
      undefined,
    ],
    ['holds a step while too few requests came', canaryAt(0, 25), WAIT, 90, AT_STEP_1, undefined],
    [
      'moves on once the step is up and the analysis passes',
      canaryAt(0, 25),
      PASS,
      60,
      AT_STEP_2,
      'StepPassed',
    ],
  ])('%s', (_, status, verdict, seconds, expected, transition) => {
    const result = plan(service('iris-v2', status), {
      ...(status.canaryVersion === undefined
        ? { stable: deployment('stable', 'iris-v1') }
        : CANARY_DEPLOYMENTS),
      verdict,
      now: T0 + seconds * SECOND,
    });
    expect(result.status).toMatchObject({
      stableVersion: 'iris-v1',
      canaryVersion: 'iris-v2',
      url: URL,
      ...expected.status,
    });
    expect(appliedOf(result)).toEqual([
      SERVICE,
      deploys('stable', expected.replicas[0] ?? 0, 'iris-v1'),
      deploys('canary', expected.replicas[1] ?? 0, 'iris-v2'),
    ]);
    expect(result.remove).toEqual([]);
    expect(conditionsOf(result)).toEqual({
      Ready: 'True Serving',
      Progressing: 'True CanaryAnalysis',
    });
    expect(messageOf(result, 'Progressing')).toBe(expected.progressing);
    expect(transitionOf(result)?.reason).toBe(transition);
  });

  it('is promoted after the last step; its Deployment stays while stable still runs the old version', () => {
    const result = plan(service('iris-v2', canaryAt(1, 50)), {
      stable: deployment('stable', 'iris-v1', { replicas: 2 }),
      canary: deployment('canary', 'iris-v2', { replicas: 2 }),
      verdict: PASS,
      now: T0 + 120 * SECOND,
    });
    expect(result.status).toMatchObject({ stableVersion: 'iris-v2', canaryWeight: 0, url: URL });
    expect(result.status.canaryVersion).toBeUndefined();
    expect(result.status.step).toBeUndefined();
    expect(result.status.history).toEqual([
      {
        version: 'iris-v2',
        result: 'Promoted',
        startTime: '2026-11-22T10:00:00Z',
        finishTime: '2026-11-22T10:02:00Z',
        message: 'canary iris-v2 promoted after 2 steps: error rate 0.000 (max 0.01)',
      },
    ]);
    expect(appliedOf(result)).toEqual([SERVICE, deploys('stable', 4, 'iris-v2')]);
    expect(result.remove).toEqual([]);
    expect(conditionsOf(result)).toEqual({ Ready: 'False Deploying' });
    expect(transitionOf(result)).toMatchObject({ type: 'Normal', reason: 'Promoted' });
  });

  it.each<[string, V1Deployment, Track[], string]>([
    [
      'still runs the old version',
      deployment('stable', 'iris-v1', { replicas: 2 }),
      [],
      'False Deploying',
    ],
    [
      'runs the promoted version on 2 of 4 replicas',
      deployment('stable', 'iris-v2', { available: 2 }),
      [],
      'True Serving',
    ],
    ['serves the promoted version', deployment('stable', 'iris-v2'), ['canary'], 'True Serving'],
  ])(
    'after a promotion, while the stable Deployment %s, removes %j',
    (_, stable, remove, ready) => {
      const result = plan(service('iris-v2', { stableVersion: 'iris-v2', canaryWeight: 0 }), {
        stable,
        canary: deployment('canary', 'iris-v2', { replicas: 2 }),
      });
      expect(appliedOf(result)).toEqual([SERVICE, deploys('stable', 4, 'iris-v2')]);
      expect(result.remove).toEqual(remove);
      expect(conditionsOf(result)).toEqual({ Ready: ready });
    },
  );
});

describe('planInferenceService: a canary that ends badly', () => {
  const ROLLED_BACK: InferenceServiceStatus = {
    ...SERVING_V1,
    lastRollback: {
      version: 'iris-v2',
      reason: 'ErrorRateExceeded',
      message: 'error rate 0.200 (max 0.01)',
      time: '2026-11-22T10:00:20Z',
      retry: '',
    },
  };

  it.each([
    {
      name: 'is rolled back at once when its analysis fails',
      svc: service('iris-v2', canaryAt(0, 25)),
      verdict: FAIL,
      degraded: 'True ErrorRateExceeded',
      message: 'canary iris-v2 failed at step 0: error rate 0.200 (max 0.01)',
      history: 'RolledBack',
    },
    {
      name: 'is not tried again, and its Deployment still goes, after a rollback',
      svc: service('iris-v2', ROLLED_BACK),
      verdict: undefined,
      degraded: 'True ErrorRateExceeded',
      message: 'iris-v2 was rolled back (ErrorRateExceeded: error rate 0.200 (max 0.01))',
      history: undefined,
    },
    {
      name: 'is superseded by a version still being validated',
      svc: service('iris-v3', canaryAt(0, 25)),
      verdict: undefined,
      degraded: 'True ModelVersionNotReady',
      message: 'waiting for ModelVersion iris-v3 to be validated',
      history: 'Superseded',
    },
  ])('$name', ({ svc, verdict, degraded, message, history }) => {
    const result = plan(svc, {
      versions: [...READY_VERSIONS, modelVersion('iris-v3')],
      ...CANARY_DEPLOYMENTS,
      verdict,
      now: T0 + 20 * SECOND,
    });
    expect(result.remove).toEqual(['canary']);
    expect(appliedOf(result)).toEqual([SERVICE, deploys('stable', 4, 'iris-v1')]);
    expect(result.status).toMatchObject({ stableVersion: 'iris-v1', canaryWeight: 0, url: URL });
    expect(result.status.canaryVersion).toBeUndefined();
    expect(conditionsOf(result)).toEqual({ Ready: 'True Serving', Degraded: degraded });
    expect(messageOf(result, 'Degraded')).toContain(message);
    expect(result.status.history?.[0]?.result).toBe(history);
  });

  it('records the rollback and why it happened', () => {
    const result = plan(service('iris-v2', canaryAt(0, 25)), {
      ...CANARY_DEPLOYMENTS,
      verdict: FAIL,
      now: T0 + 20 * SECOND,
    });
    expect(result.status.lastRollback).toEqual(ROLLED_BACK.lastRollback);
    expect(transitionOf(result)).toEqual({
      type: 'Warning',
      reason: 'RolledBack',
      message: 'canary iris-v2 failed at step 0: error rate 0.200 (max 0.01)',
    });
  });

  it.each([
    { name: 'no canary Deployment', canary: undefined },
    { name: 'no canary pod available', canary: deployment('canary', 'iris-v2', { available: 0 }) },
  ])('rolls back a canary with $name for the progress deadline, and not before', ({ canary }) => {
    const svc = service('iris-v2', canaryAt(0, 25));
    const scene = { stable: deployment('stable', 'iris-v1', { replicas: 3 }), canary };
    const early = plan(svc, { ...scene, now: T0 + 9 * 60 * SECOND });
    expect(early.status.canaryVersion).toBe('iris-v2');
    expect(early.remove).toEqual([]);
    const late = plan(svc, { ...scene, now: T0 + 10 * 60 * SECOND });
    expect(late.status.canaryVersion).toBeUndefined();
    expect(late.status.lastRollback).toMatchObject({
      version: 'iris-v2',
      reason: 'CanaryUnavailable',
      message: "no pod of iris-v2 became available within 10m0s of the step's start",
    });
    expect(conditionsOf(late)).toEqual({
      Ready: 'True Serving',
      Degraded: 'True CanaryUnavailable',
    });
  });

  it('holds a failing canary with autoRollback off, and stamps every condition with the generation', () => {
    const svc = service('iris-v2', canaryAt(0, 25), {
      rollout: { steps: [{ weight: 25, duration: '1m' }], autoRollback: false },
    });
    const result = plan(svc, { ...CANARY_DEPLOYMENTS, verdict: FAIL });
    expect(result.remove).toEqual([]);
    expect(appliedOf(result)).toEqual([
      SERVICE,
      deploys('stable', 3, 'iris-v1'),
      deploys('canary', 1, 'iris-v2'),
    ]);
    expect(conditionsOf(result)).toEqual({
      Ready: 'True Serving',
      Progressing: 'True CanaryAnalysis',
      Degraded: 'True ErrorRateExceeded',
    });
    expect(messageOf(result, 'Degraded')).toContain('autoRollback is off');
    expect(result.status.observedGeneration).toBe(3);
    expect(result.status.conditions?.map((c) => c.observedGeneration)).toEqual([3, 3, 3, 3]);
    expect(kstatusOf(result)).toEqual({ Reconciling: 'True CanaryAnalysis' });
  });
});

describe('planInferenceService: an HTTPRoute split', () => {
  /** The backends of the applied HTTPRoute as `name weight`. */
  function backendsOf(result: InferenceServicePlan): string[] {
    const route = result.apply.find((object) => object.kind === 'HTTPRoute');
    const spec = route?.spec as { rules: { backendRefs: { name: string; weight: number }[] }[] };
    return spec.rules.flatMap((rule) =>
      rule.backendRefs.map((b) => `${b.name} ${String(b.weight)}`),
    );
  }

  it.each<[string, string, string[], string[]]>([
    [
      'a canary at 25%',
      'iris-v2',
      [deploys('stable', 4, 'iris-v1'), deploys('canary', 1, 'iris-v2')],
      ['iris-stable 75', 'iris-canary 25'],
    ],
    [
      'no canary',
      'iris-v1',
      [deploys('stable', 4, 'iris-v1')],
      ['iris-stable 100', 'iris-canary 0'],
    ],
  ])(
    'weights the route for %s; stable keeps every replica',
    (_, version, deployments, backends) => {
      const result = plan(
        service(version, SERVING_V1, { traffic: { httpRouteRef: { name: 'iris-route' } } }),
        { stable: deployment('stable', 'iris-v1') },
      );
      expect(appliedOf(result)).toEqual([
        SERVICE,
        ...deployments,
        'Service iris-stable',
        'Service iris-canary',
        'HTTPRoute iris-route',
      ]);
      expect(backendsOf(result)).toEqual(backends);
    },
  );
});
