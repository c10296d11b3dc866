/**
 * The DriftMonitor's pure decisions as tables: live samples against the iris baseline
 * (the real profile and reference sample of examples/iris/data/iris.csv), the Drifted
 * verdict and its events, and the retrain action's in-flight and cooldown rules.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  DriftMonitor,
  DriftMonitorSpec,
  DriftMonitorStatus,
  TrainingJob,
} from '../../../operator/src/api/index.js';
import {
  compareWithBaseline,
  evaluationWindow,
  liveColumns,
  type Baseline,
} from '../../../operator/src/controllers/drift-monitor/compare.js';
import { planDriftMonitor } from '../../../operator/src/controllers/drift-monitor/plan.js';
import { decideRetrain } from '../../../operator/src/controllers/drift-monitor/retrain.js';
import { analyseDataset } from '../../../operator/src/data/analyse.js';
import type { SamplesSnapshot } from '../../../operator/src/serving/samples.js';
import { summarized } from '../summarized.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const IRIS = join(REPO, 'examples', 'iris', 'data', 'iris.csv');
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;

let baseline: Baseline;
let irisRows: number[][];

beforeAll(async () => {
  const analysis = await analyseDataset(createReadStream(IRIS), {
    format: 'csv',
    columns: [
      ...FEATURES.map((name) => ({ name, type: 'numeric' as const })),
      { name: 'species', type: 'categorical' },
    ],
  });
  baseline = {
    dataset: 'iris',
    features: analysis.features,
    sample: analysis.sample,
    inputOrder: FEATURES,
  };
  const columns = FEATURES.map((name) => analysis.sample[name] as number[]);
  irisRows = (columns[0] ?? []).map((_, row) => columns.map((column) => column[row] ?? 0));
});

/** A `/samples` answer holding `rows` of the model's one input tensor `input`. */
function snapshot(
  rows: readonly number[][],
  seen = rows.length,
  datatype = 'FP32',
): SamplesSnapshot {
  return {
    model_name: 'iris',
    model_version: '1',
    instance: 'pod-a',
    started: '2026-12-01T11:00:00.000Z',
    capacity: 1000,
    seen,
    size: rows.length,
    inputs: FEATURES.map((_, index) => ({
      name: `input[${index}]`,
      tensor: 'input',
      index,
      datatype,
      values: rows.map((row) => row[index] ?? null),
    })),
    outputs: [
      { name: 'label', tensor: 'label', index: null, datatype: 'INT64', values: rows.map(() => 0) },
    ],
  };
}

/**
 * Every iris row `times` over, with `shift` added to the petal measurements, as a server
 * holds FP32 inputs: rounded to float32.
 */
function traffic(times: number, shift = 0): number[][] {
  return Array.from({ length: times }, () =>
    irisRows.map(([a = 0, b = 0, c = 0, d = 0]) =>
      [a, b, c + shift, d + shift / 2].map(Math.fround),
    ),
  ).flat();
}

function monitor(
  spec: Partial<DriftMonitorSpec> = {},
  status?: DriftMonitorStatus,
  name = 'iris-inputs',
): DriftMonitor {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'DriftMonitor',
    metadata: { name, namespace: 'ml', uid: 'uid-dm', generation: 1 },
    spec: {
      inferenceServiceRef: { name: 'iris' },
      baselineRef: { name: 'iris' },
      interval: '5m',
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  };
}

const TEMPLATE = {
  metadata: { labels: { team: 'ml' } },
  spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1' },
};
const RETRAIN = { retrain: { template: TEMPLATE } };

function plan(
  subject: DriftMonitor,
  live: SamplesSnapshot,
  options: { jobs?: TrainingJob[]; proposals?: boolean; nowMs?: number } = {},
) {
  const nowMs = options.nowMs ?? NOW;
  return summarized(
    subject,
    planDriftMonitor({
      monitor: subject,
      outcome: {
        ok: true,
        comparison: compareWithBaseline(subject, baseline, live),
        live: { pods: 2, unreachable: [] },
      },
      retrain: (drifted) => decideRetrain(subject, options.jobs ?? [], nowMs, drifted),
      proposals: options.proposals ?? false,
      nowMs,
    }),
    nowMs,
  );
}

const drifted = (result: ReturnType<typeof plan>) =>
  result.status.conditions?.find((c) => c.type === 'Drifted');

describe('liveColumns', () => {
  it('matches the elements of a single input tensor to the declared features by position', () => {
    const columns = liveColumns(snapshot([[1, 2, 3, 4]]).inputs, FEATURES);
    expect(Object.fromEntries([...columns].map(([name, f]) => [name, f.values]))).toEqual({
      sepal_length: [1],
      sepal_width: [2],
      petal_length: [3],
      petal_width: [4],
    });
  });

  it('matches inputs named as columns by name, whatever their order', () => {
    const inputs = ['petal_width', 'sepal_length'].map((name, k) => ({
      name,
      tensor: name,
      index: null,
      datatype: 'FP32',
      values: [k],
    }));
    const columns = liveColumns(inputs, FEATURES);
    expect(Object.fromEntries([...columns].map(([name, f]) => [name, f.values]))).toEqual({
      petal_width: [0],
      sepal_length: [1],
    });
  });
});

describe('evaluationWindow', () => {
  it.each([
    { window: undefined, expected: { rows: 1000, minSamples: 50 } },
    {
      window: { requests: 500, minSamples: 20 },
      expected: { rows: 500, minSamples: 20 },
    },
    {
      window: { duration: '15m' },
      expected: { rows: 1000, minSamples: 50, sinceMs: NOW - 15 * 60_000 },
    },
  ])('$window', ({ window, expected }) => {
    expect(evaluationWindow(monitor(window === undefined ? {} : { window }), NOW)).toEqual(
      expected,
    );
  });
});

describe('planDriftMonitor: the verdict', () => {
  it.each([
    {
      name: 'traffic like the baseline is not drifted',
      live: () => snapshot(traffic(2)),
      status: 'False',
      reason: 'NoDrift',
      samples: 300,
    },
    {
      name: 'petals grown by 2 cm is drifted, naming the petal features only',
      live: () => snapshot(traffic(2, 2)),
      status: 'True',
      reason: 'DriftDetected',
      samples: 300,
      message: /^drifted: petal_length \(ks p=[\d.e-]+ < 0\.0125\), petal_width \(ks p=/,
    },
    {
      name: 'too few rows is Unknown, never an alarm, even when they are shifted',
      live: () => snapshot(traffic(1, 2).slice(0, 49)),
      status: 'Unknown',
      reason: 'InsufficientData',
      samples: 49,
      message: /^49 live rows, fewer than the 50 an evaluation needs/,
    },
  ])('$name', ({ live, status, reason, samples, message }) => {
    const result = plan(monitor(), live());
    expect(drifted(result)).toMatchObject({ status, reason });
    if (message !== undefined) expect(drifted(result)?.message).toMatch(message);
    expect(result.status.samples).toBe(samples);
    expect(result.status.lastCheckTime).toBe('2026-12-01T12:00:00Z');
    expect(result.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Evaluated',
    });
  });

  it('compares FP32 inputs at float32 precision, so the ties of the data stay ties', () => {
    // What a server holds of iris sent as FP32: 0.2 becomes 0.20000000298…
    const served = traffic(2);
    expect(drifted(plan(monitor(), snapshot(served)))?.reason).toBe('NoDrift');
    // The same values said to be FP64 are compared as they are, and the broken ties show.
    expect(drifted(plan(monitor(), snapshot(served, served.length, 'FP64')))?.message).toMatch(
      /^no drift: 1 of 4 features .*; below the drift share: petal_width \(ks p=/,
    );
  });

  it('reports every watched feature with its method, figure and corrected threshold', () => {
    const result = plan(monitor(), snapshot(traffic(2, 2)));
    const features = result.status.features ?? [];
    expect(features.map((f) => [f.name, f.method, f.drifted])).toEqual([
      ['sepal_length', 'ks', false],
      ['sepal_width', 'ks', false],
      ['petal_length', 'ks', true],
      ['petal_width', 'ks', true],
    ]);
    for (const feature of features) expect(feature.threshold).toBeCloseTo(0.05 / 4, 12);
    // Shifted petals against the same rows unshifted: the KS distance is large.
    expect(features[2]?.value).toBeGreaterThan(0.3);
    expect(features[0]?.value).toBe(0);
  });

  it('honours per-feature methods and thresholds, and the window minimum', () => {
    const subject = monitor({
      features: [{ name: 'petal_length', method: 'psi', threshold: 100 }, { name: 'sepal_width' }],
      window: { minSamples: 400 },
    });
    expect(drifted(plan(subject, snapshot(traffic(2, 2))))?.reason).toBe('InsufficientData');
    const judged = plan(subject, snapshot(traffic(3, 2)));
    expect(judged.status.features?.map((f) => [f.name, f.method, f.threshold])).toEqual([
      ['petal_length', 'psi', 100],
      ['sepal_width', 'ks', 0.025],
    ]);
    expect(drifted(judged)?.reason).toBe('NoDrift');
  });

  it('judges the data drifted at spec.driftShare, so one shifted feature of four can be enough', () => {
    // Only petal_length grows, as `ferry load --shift petal_length=2` sends it.
    const onePetal = traffic(2).map(([a = 0, b = 0, c = 0, d = 0]) => [
      a,
      b,
      Math.fround(c + 2),
      d,
    ]);
    expect(drifted(plan(monitor(), snapshot(onePetal)))?.message).toMatch(
      /^no drift: 1 of 4 features .*; below the drift share: petal_length/,
    );
    const judged = drifted(plan(monitor({ driftShare: 0.25 }), snapshot(onePetal)));
    expect(judged).toMatchObject({ status: 'True', reason: 'DriftDetected' });
    expect(judged?.message).toMatch(/^drifted: petal_length \(ks p=.*\(1 of 4 features/);
  });

  it('refuses a watched feature the baseline does not have, naming it', () => {
    expect(() => plan(monitor({ features: [{ name: 'colour' }] }), snapshot(traffic(2)))).toThrow(
      /feature "colour": Dataset iris has no such column/,
    );
  });

  it('says the pullRequest action is not configured when there is no repository', () => {
    const subject = monitor({ actions: { pullRequest: true } });
    expect(plan(subject, snapshot(traffic(2))).status.pullRequest).toMatchObject({
      state: 'NotConfigured',
    });
    expect(plan(subject, snapshot(traffic(2)), { proposals: true }).status.pullRequest).toBe(
      undefined,
    );
  });
});

describe('planDriftMonitor: events on transitions only', () => {
  const was = (status: 'True' | 'False' | 'Unknown'): DriftMonitorStatus => ({
    lastCheckTime: '2026-12-01T11:55:00Z',
    conditions: [
      {
        type: 'Drifted',
        status,
        reason: status === 'True' ? 'DriftDetected' : 'NoDrift',
        message: '',
        lastTransitionTime: '2026-12-01T11:00:00Z',
      },
    ],
  });
  it.each([
    { name: 'first evaluation', before: undefined, shift: 0, event: 'NoDrift' },
    { name: 'no drift, again', before: was('False'), shift: 0, event: undefined },
    { name: 'drift begins', before: was('False'), shift: 2, event: 'DriftDetected' },
    { name: 'drift goes on', before: was('True'), shift: 2, event: undefined },
    { name: 'drift ends', before: was('True'), shift: 0, event: 'NoDrift' },
    { name: 'data runs short', before: was('True'), shift: -1, event: 'InsufficientData' },
  ])('$name: $event', ({ before, shift, event }) => {
    const live = shift < 0 ? snapshot(traffic(1).slice(0, 10)) : snapshot(traffic(2, shift));
    expect(plan(monitor({}, before), live).event?.reason).toBe(event);
  });

  it('records RetrainingStarted when drift goes on and the cooldown has passed', () => {
    const result = plan(monitor({ actions: RETRAIN }, was('True')), snapshot(traffic(2, 2)));
    expect(result.event).toMatchObject({ reason: 'RetrainingStarted', type: 'Normal' });
    expect(result.event?.note).toMatch(/^created TrainingJob iris-inputs-retrain-20261201120000/);
  });
});

type Phase = NonNullable<TrainingJob['status']>['phase'];

function job(name: string, phase: Phase | undefined, evaluatedAt: number): TrainingJob {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'TrainingJob',
    metadata: {
      name,
      namespace: 'ml',
      labels: { ['ferry.dev/drift-monitor']: 'iris-inputs' },
      annotations: { ['ferry.dev/drift-evaluation']: new Date(evaluatedAt).toISOString() },
    },
    spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1' },
    ...(phase === undefined ? {} : { status: { phase } }),
  };
}

describe('decideRetrain', () => {
  it.each<{
    name: string;
    jobs?: TrainingJob[];
    status?: DriftMonitorStatus;
    cooldown?: string;
    expected: string | undefined;
  }>([
    { name: 'the first drift creates a job', expected: 'create' },
    {
      name: 'a job still running holds the next one back',
      jobs: [job('a', 'Running', NOW - 2 * HOUR)],
      expected: 'wait InFlight',
    },
    {
      name: 'a job just created, with no status yet, is in flight',
      jobs: [job('a', undefined, NOW - 2 * HOUR)],
      expected: 'wait InFlight',
    },
    {
      name: 'a finished job within the default 1h cooldown holds the next one back',
      jobs: [job('a', 'Succeeded', NOW - 30 * 60_000)],
      expected: 'wait Cooldown',
    },
    {
      name: 'a failed job past the cooldown lets the next one start',
      jobs: [job('a', 'Failed', NOW - HOUR)],
      expected: 'create',
    },
    {
      name: 'a shorter cooldown is honoured',
      jobs: [job('a', 'Succeeded', NOW - 10 * 60_000)],
      cooldown: '5m',
      expected: 'create',
    },
    {
      name: 'the status counts for the cooldown even when the job was deleted',
      status: { retrainingJob: 'gone', retrainTime: '2026-12-01T11:30:00Z' },
      expected: 'wait Cooldown',
    },
    {
      name: 'a job the status names but the cache has not seen yet is in flight',
      status: { retrainingJob: 'new', retrainTime: '2026-12-01T11:59:30Z' },
      cooldown: '0s',
      expected: 'wait InFlight',
    },
    {
      name: 'a job the status names that is long gone does not block',
      status: { retrainingJob: 'gone', retrainTime: '2026-12-01T11:50:00Z' },
      cooldown: '0s',
      expected: 'create',
    },
  ])('$name', ({ jobs = [], status, cooldown, expected }) => {
    const retrain = { template: TEMPLATE, ...(cooldown === undefined ? {} : { cooldown }) };
    const subject = monitor({ actions: { retrain } }, status);
    const decision = decideRetrain(subject, jobs, NOW, ['petal_length']);
    expect(
      decision === undefined
        ? undefined
        : decision.action === 'create'
          ? 'create'
          : `wait ${decision.reason}`,
    ).toBe(expected);
  });

  it('makes nothing without a retrain action', () => {
    expect(decideRetrain(monitor(), [], NOW, ['petal_length'])).toBeUndefined();
  });

  it('names the job after the monitor and the evaluation, with its lineage on it', () => {
    const decision = decideRetrain(monitor({ actions: RETRAIN }), [], NOW, [
      'petal_length',
      'petal_width',
    ]);
    expect(decision?.action).toBe('create');
    if (decision?.action !== 'create') return;
    expect(decision.job.metadata).toEqual({
      name: 'iris-inputs-retrain-20261201120000',
      namespace: 'ml',
      labels: {
        team: 'ml',
        'app.kubernetes.io/managed-by': 'ferry',
        'ferry.dev/drift-monitor': 'iris-inputs',
      },
      annotations: {
        'ferry.dev/drift-evaluation': '2026-12-01T12:00:00Z',
        'ferry.dev/drifted-features': 'petal_length,petal_width',
      },
    });
    expect(decision.job.spec).toEqual(TEMPLATE.spec);
    // The same evaluation gives the same name; a long monitor name is cut to fit.
    const again = decideRetrain(monitor({ actions: RETRAIN }), [], NOW, ['x']);
    expect(again?.action === 'create' && again.job.metadata.name).toBe(decision.job.metadata.name);
    const long = decideRetrain(monitor({ actions: RETRAIN }, undefined, 'a'.repeat(60)), [], NOW, [
      'x',
    ]);
    expect(long?.action === 'create' && long.job.metadata.name).toBe(
      `${'a'.repeat(24)}-retrain-20261201120000`,
    );
  });

  it('a drifted evaluation records the job and its time in status', () => {
    const result = plan(monitor({ actions: RETRAIN }), snapshot(traffic(2, 2)));
    expect(result.create?.job.metadata.name).toBe('iris-inputs-retrain-20261201120000');
    expect(result.status).toMatchObject({
      retrainingJob: 'iris-inputs-retrain-20261201120000',
      retrainTime: '2026-12-01T12:00:00Z',
    });
    expect(drifted(result)?.message).toMatch(
      /; retraining: created TrainingJob iris-inputs-retrain-20261201120000$/,
    );
    const held = plan(monitor({ actions: RETRAIN }), snapshot(traffic(2, 2)), {
      jobs: [job('iris-inputs-retrain-1', 'Running', NOW - 60_000)],
    });
    expect(held.create).toBeUndefined();
    expect(drifted(held)?.message).toMatch(
      /; retraining: TrainingJob iris-inputs-retrain-1 is still Running$/,
    );
  });
});
