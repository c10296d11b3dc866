import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset, DatasetSpec } from '../../../operator/src/api/index.js';
import {
  decideCheck,
  planDataset as planOnly,
  profileConfigMap,
  PROFILE_CONFIGMAP_BUDGET,
  type CheckOutcome,
} from '../../../operator/src/controllers/dataset/plan.js';
import { analyseDataset, type DatasetAnalysis } from '../../../operator/src/data/analyse.js';
import { summarized } from '../summarized.js';

const planDataset = (
  subject: Dataset,
  outcome: CheckOutcome,
  nowMs: number,
  profileMissing?: boolean,
) => summarized(subject, planOnly(subject, outcome, nowMs, profileMissing), nowMs);

const IRIS = join(import.meta.dirname, '..', '..', '..', 'examples', 'iris', 'data', 'iris.csv');
const IRIS_SHA = '9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355';
const NOW = Date.parse('2026-11-22T10:00:00Z');

function dataset(
  spec: Partial<DatasetSpec> = {},
  status?: Dataset['status'],
  generation = 1,
): Dataset {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'iris', namespace: 'ml', uid: 'uid-ds', generation },
    spec: { source: { uri: 'pvc://ferry-data/iris.csv' }, interval: '10m', ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

async function irisAnalysis(): Promise<DatasetAnalysis> {
  return analyseDataset(createReadStream(IRIS), {
    format: 'csv',
    columns: [
      { name: 'sepal_length', type: 'numeric' },
      { name: 'species', type: 'categorical' },
    ],
  });
}

const ready = (plan: ReturnType<typeof planDataset>) =>
  plan.status.conditions?.find((c) => c.type === 'Ready');

describe('decideCheck', () => {
  it.each<{
    name: string;
    status?: Dataset['status'];
    generation?: number;
    expected: ReturnType<typeof decideCheck>;
  }>([
    { name: 'reads a Dataset never read', expected: { check: true } },
    {
      name: 'waits out the interval',
      status: { observedGeneration: 1, lastCheckTime: '2026-11-22T09:55:00Z' },
      expected: { check: false, requeueAfterMs: 300_000 },
    },
    {
      name: 'reads again once the interval has passed',
      status: { observedGeneration: 1, lastCheckTime: '2026-11-22T09:50:00Z' },
      expected: { check: true },
    },
    {
      name: 'reads again at once when the spec changed',
      status: { observedGeneration: 1, lastCheckTime: '2026-11-22T09:59:59Z' },
      generation: 2,
      expected: { check: true },
    },
  ])('$name', ({ status, generation, expected }) => {
    expect(decideCheck(dataset({}, status, generation), NOW)).toEqual(expected);
  });
});

describe('planDataset', () => {
  it('is Ready with the digest, shape and profile of good data', async () => {
    const plan = planDataset(
      dataset({ source: { uri: 'x://', sha256: IRIS_SHA } }),
      { ok: true, analysis: await irisAnalysis() },
      NOW,
    );
    expect(plan.status).toMatchObject({
      digest: `sha256:${IRIS_SHA}`,
      shortDigest: '9cc1c345c71b',
      rows: 150,
      columns: 5,
      lastCheckTime: '2026-11-22T10:00:00Z',
      profileConfigMap: 'iris-profile',
      observedGeneration: 1,
    });
    expect(plan.status.features?.map((f) => f.name)).toEqual(['sepal_length', 'species']);
    expect(plan.status.features?.[0]).not.toHaveProperty('histogram');
    expect(plan.status.violations).toBeUndefined();
    expect(ready(plan)).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      message: '150 rows, 5 columns, digest 9cc1c345c71b',
    });
    expect(plan.requeueAfterMs).toBe(600_000);
    expect(plan.status.conditions?.some((c) => c.type === 'Stalled')).toBe(false);
    expect(plan.configMap?.metadata?.name).toBe('iris-profile');
  });

  it('is not Ready, and stalled, when the pinned digest differs', async () => {
    const pinned = '0'.repeat(64);
    const plan = planDataset(
      dataset({ source: { uri: 'x://', sha256: pinned } }),
      { ok: true, analysis: await irisAnalysis() },
      NOW,
    );
    expect(ready(plan)).toMatchObject({
      status: 'False',
      reason: 'DigestMismatch',
      message: `the data's digest sha256:${IRIS_SHA} differs from spec.source.sha256 ${pinned}`,
    });
    expect(plan.status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'DigestMismatch',
    });
  });

  it('names the first bad row and column when rows break the schema', async () => {
    const analysis: DatasetAnalysis = {
      ...(await irisAnalysis()),
      violations: [
        { rule: 'Type', column: 'sepal_length', row: 42, message: '"n/a" is not a number' },
      ],
      violationCount: 3,
    };
    const plan = planDataset(dataset(), { ok: true, analysis }, NOW);
    expect(ready(plan)).toMatchObject({
      status: 'False',
      reason: 'ValidationFailed',
      message: '3 violations, first: row 42, column "sepal_length": "n/a" is not a number',
    });
    expect(plan.status.violations).toEqual([
      { rule: 'Type', column: 'sepal_length', row: 42, message: '"n/a" is not a number' },
    ]);
  });

  it('changes nothing but lastCheckTime when the digest is unchanged', async () => {
    const analysis = await irisAnalysis();
    const first = planDataset(dataset(), { ok: true, analysis }, NOW);
    const later = planDataset(dataset({}, first.status), { ok: true, analysis }, NOW + 600_000);
    expect(later.event).toBeUndefined();
    expect(later.configMap).toBeUndefined();
    expect({ ...later.status, lastCheckTime: undefined }).toEqual({
      ...first.status,
      lastCheckTime: undefined,
    });
    expect(later.status.lastCheckTime).toBe('2026-11-22T10:10:00Z');
  });

  it('writes the profile again when its ConfigMap is missing, though the data is unchanged', async () => {
    const analysis = await irisAnalysis();
    const first = planDataset(dataset(), { ok: true, analysis }, NOW);
    const later = planDataset(
      dataset({}, first.status),
      { ok: true, analysis },
      NOW + 600_000,
      true,
    );
    expect(later.configMap?.metadata?.name).toBe('iris-profile');
    expect(later.event).toBeUndefined();
  });

  it.each([
    [
      {
        reason: 'SourceNotFound',
        message: 'cannot read pvc://ferry-data/iris.csv',
        retryable: false,
      },
      true,
    ],
    [{ reason: 'SourceUnreachable', message: 'HTTP 503', retryable: true }, false],
  ])(
    'keeps the last good data but is not Ready when the source fails (%j)',
    async (failure, stalled) => {
      const good = planDataset(dataset(), { ok: true, analysis: await irisAnalysis() }, NOW);
      const plan = planDataset(dataset({}, good.status), { ok: false, ...failure }, NOW + 600_000);
      expect(plan.status).toMatchObject({ digest: `sha256:${IRIS_SHA}`, rows: 150 });
      expect(ready(plan)).toMatchObject({
        status: 'False',
        reason: failure.reason,
        message: failure.message,
      });
      expect(plan.status.conditions?.some((c) => c.type === 'Stalled')).toBe(stalled);
      expect(plan.configMap).toBeUndefined();
    },
  );
});

describe('profileConfigMap', () => {
  it('holds the profile with histograms and the reference sample, owned by the Dataset', async () => {
    const configMap = profileConfigMap(dataset(), await irisAnalysis());
    const profile = JSON.parse(configMap.data?.['profile.json'] ?? '{}') as {
      rows: number;
      features: { histogram?: unknown }[];
    };
    const sample = JSON.parse(configMap.data?.['sample.json'] ?? '{}') as Record<string, unknown[]>;
    expect(profile.rows).toBe(150);
    expect(profile.features[0]?.histogram).toBeDefined();
    expect(sample.sepal_length).toHaveLength(150);
    expect(configMap.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Dataset',
      name: 'iris',
      uid: 'uid-ds',
    });
  });

  it('thins the sample to fit a ConfigMap', async () => {
    const analysis = await irisAnalysis();
    const big: DatasetAnalysis = {
      ...analysis,
      sample: { wide: Array.from({ length: 100_000 }, (_, i) => `category-${i}`) },
    };
    const configMap = profileConfigMap(dataset(), big);
    const size =
      (configMap.data?.['profile.json'] ?? '').length +
      (configMap.data?.['sample.json'] ?? '').length;
    expect(size).toBeLessThanOrEqual(PROFILE_CONFIGMAP_BUDGET);
    const sample = JSON.parse(configMap.data?.['sample.json'] ?? '{}') as Record<string, unknown[]>;
    expect(sample.wide?.length).toBeGreaterThan(10_000);
  });
});
