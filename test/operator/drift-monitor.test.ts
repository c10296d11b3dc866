/**
 * DriftMonitors end to end: the real `ferry operator` against a devcluster, the iris
 * Dataset profiled from examples/iris/data, the committed iris model served by two real
 * `ferry serve` processes that the local runner runs as pods, and iris rows sent to them,
 * as they are and then with every measurement grown.
 */
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftMonitor, InferenceService, TrainingJob } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import type { LocalRunner } from '../../operator/src/devcluster/index.js';
import { collectionPath } from '../../operator/src/runtime/resource.js';
import { eventually, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  ferryWhen,
  findCondition,
  listEvents,
  NS,
  registerIrisV1,
  startFerryCluster,
  type Stored,
} from '../support/ferry.js';
import type { Api } from '../support/kubelet.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { IRIS_CLAIM_FLAGS, startIrisRunner } from '../support/iris-serving.js';
import { IRIS_ROWS, sendRows } from '../support/traffic.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

describe('ferry operator: DriftMonitor', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let api: Api;
  let kubeconfig: string;
  let runner: LocalRunner;
  let operator: OperatorProcess;
  let state: string;

  const monitorWhen = (
    name: string,
    accept: (monitor: Stored<DriftMonitor>) => boolean,
    what: string,
  ) => ferryWhen<DriftMonitor>(cluster, FerryResources.driftMonitor, name, accept, 60_000, what);
  const retrainingJobs = async (monitor: string): Promise<TrainingJob[]> => {
    const list = (await api.request(
      'GET',
      `${collectionPath(FerryResources.trainingJob, NS)}?labelSelector=${encodeURIComponent(`ferry.dev/drift-monitor=${monitor}`)}`,
    )) as { items: TrainingJob[] };
    return list.items;
  };
  const monitorEvents = async (name: string, reason: string) =>
    (await listEvents(api)).filter(
      (event) =>
        event.regarding?.kind === 'DriftMonitor' &&
        event.regarding.name === name &&
        event.reason === reason,
    );
  const send = (rows: readonly (readonly number[])[]) =>
    sendRows(cluster.devcluster.url, NS, 'iris', { model: 'iris', rows });
  const metrics = async () => (await fetch(`http://${operator.address}/metrics`)).text();

  beforeAll(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    state = await mkdtemp(join(tmpdir(), 'ferry-drift-'));
    runner = await startIrisRunner(cluster, state, 203);
    operator = await startOperator(kubeconfig, IRIS_CLAIM_FLAGS);
    await createFerry(
      api,
      FerryResources.dataset,
      { name: 'iris' },
      {
        source: { uri: 'pvc://ferry-data/iris.csv', format: 'csv' },
        schema: {
          features: FEATURES.map((name) => ({ name, type: 'numeric' })),
          target: { name: 'species', type: 'categorical' },
        },
      },
    );
    await registerIrisV1(api);
    await createFerry(
      api,
      FerryResources.inferenceService,
      { name: 'iris' },
      { modelVersion: 'iris-v1', replicas: 2 },
    );
    await ferryWhen<InferenceService>(
      cluster,
      FerryResources.inferenceService,
      'iris',
      (service) => findCondition(service, 'Ready')?.status === 'True',
      60_000,
      'iris serving',
    );
    // Both model servers answer before any monitor looks.
    await eventually(
      async () =>
        runner.pods().filter((pod) => pod.name.startsWith('iris-stable-')).length === 2 &&
        (await send([IRIS_ROWS[0] ?? []])) === 1,
      30_000,
      'two Ready model servers',
    );
    await createFerry(
      api,
      FerryResources.driftMonitor,
      { name: 'iris-drift' },
      {
        inferenceServiceRef: { name: 'iris' },
        baselineRef: { name: 'iris' },
        interval: '1s',
        window: { minSamples: 200 },
        actions: {
          retrain: {
            template: {
              metadata: { labels: { 'ferry.dev/trigger': 'drift' } },
              spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1' },
            },
          },
          pullRequest: true,
        },
      },
    );
  }, 180_000);

  afterAll(async () => {
    await operator.stop();
    await runner.stop();
    await cluster.stop();
    await rm(state, { recursive: true, force: true });
  });

  it('is Unknown with InsufficientData while the servers hold too few rows', async () => {
    const monitor = await monitorWhen(
      'iris-drift',
      (m) => findCondition(m, 'Drifted') !== undefined,
      'a first evaluation',
    );
    expect(findCondition(monitor, 'Drifted')).toMatchObject({
      status: 'Unknown',
      reason: 'InsufficientData',
    });
    expect(findCondition(monitor, 'Drifted')?.message).toMatch(
      /^\d live rows, fewer than the 200 an evaluation needs/,
    );
    expect(findCondition(monitor, 'Ready')).toMatchObject({ status: 'True', reason: 'Evaluated' });
    expect(findCondition(monitor, 'Ready')?.message).toMatch(/from 2 pods$/);
    expect(monitor.status?.samples).toBeLessThan(10);
    expect(monitor.status?.features).toBeUndefined();
    // No git repository is configured: the pullRequest action says so.
    expect(monitor.status?.pullRequest).toMatchObject({ state: 'NotConfigured' });
    expect(await retrainingJobs('iris-drift')).toEqual([]);
  });

  it('is not drifted when the traffic looks like the baseline', async () => {
    expect(await send([...IRIS_ROWS, ...IRIS_ROWS])).toBe(300);
    const monitor = await monitorWhen(
      'iris-drift',
      (m) => findCondition(m, 'Drifted')?.reason === 'NoDrift' && (m.status?.samples ?? 0) >= 300,
      'NoDrift over all the rows sent',
    );
    expect(findCondition(monitor, 'Drifted')?.status).toBe('False');
    expect(monitor.status?.samples).toBeGreaterThanOrEqual(300);
    expect(monitor.status?.features?.map((f) => [f.name, f.method, f.drifted])).toEqual(
      FEATURES.map((name) => [name, 'ks', false]),
    );
    expect(await retrainingJobs('iris-drift')).toEqual([]);
    expect(await metrics()).toMatch(
      /ferry_drift_detected\{namespace="default",monitor="iris-drift",feature="petal_length"\} 0/,
    );
  });

  it('drifts when every measurement grows, and starts exactly one retraining job', async () => {
    const grown = IRIS_ROWS.map((row) => row.map((value) => value + 1.5));
    expect(await send([...grown, ...grown, ...grown, ...grown, ...grown])).toBe(750);
    const monitor = await monitorWhen(
      'iris-drift',
      (m) => findCondition(m, 'Drifted')?.status === 'True' && m.status?.samples === 1000,
      'Drifted over all the rows sent',
    );
    const drifted = findCondition(monitor, 'Drifted');
    expect(drifted?.reason).toBe('DriftDetected');
    for (const feature of FEATURES) expect(drifted?.message).toContain(`${feature} (ks p=`);
    expect(monitor.status?.samples).toBe(1000);
    const jobs = await eventually(
      async () => {
        const found = await retrainingJobs('iris-drift');
        return found.length > 0 ? found : undefined;
      },
      20_000,
      'a retraining job',
    );
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    const current = await monitorWhen(
      'iris-drift',
      (m) => m.status?.retrainingJob !== undefined,
      'status.retrainingJob',
    );
    expect(current.status?.retrainingJob).toBe(job?.metadata.name);
    expect(job?.metadata.name).toMatch(/^iris-drift-retrain-\d{14}$/);
    expect(job?.metadata.labels).toMatchObject({
      'ferry.dev/drift-monitor': 'iris-drift',
      'ferry.dev/trigger': 'drift',
    });
    expect(job?.metadata.annotations?.['ferry.dev/drift-evaluation']).toBe(
      current.status?.retrainTime,
    );
    // The features that had drifted at the evaluation that created it (rows were still arriving).
    const named = job?.metadata.annotations?.['ferry.dev/drifted-features']?.split(',') ?? [];
    expect(named.length).toBeGreaterThan(0);
    expect(FEATURES).toEqual(expect.arrayContaining(named));
    expect(job?.spec).toMatchObject({ datasetRef: { name: 'iris' }, model: 'iris' });
    expect(await metrics()).toMatch(
      /ferry_drift_detected\{namespace="default",monitor="iris-drift",feature="petal_length"\} 1/,
    );
    expect(await metrics()).toMatch(
      /ferry_drift_score\{namespace="default",monitor="iris-drift",feature="petal_length",method="ks"\} \d/,
    );
  });

  it('keeps to that one job across an operator restart, and records one event per transition', async () => {
    const before = await monitorWhen('iris-drift', () => true, 'the monitor');
    expect(await operator.stop()).toBe(0);
    operator = await startOperator(kubeconfig, IRIS_CLAIM_FLAGS);
    // Two evaluations by the new operator, each still drifted.
    const first = before.status?.lastCheckTime ?? '';
    const once = await monitorWhen(
      'iris-drift',
      (m) => (m.status?.lastCheckTime ?? '') > first,
      'an evaluation after the restart',
    );
    await monitorWhen(
      'iris-drift',
      (m) => (m.status?.lastCheckTime ?? '') > (once.status?.lastCheckTime ?? ''),
      'a second evaluation after the restart',
    );
    expect(await retrainingJobs('iris-drift')).toHaveLength(1);
    const after = await monitorWhen('iris-drift', () => true, 'the monitor');
    expect(after.status?.retrainingJob).toBe(before.status?.retrainingJob);
    expect(findCondition(after, 'Drifted')?.message).toMatch(
      /; retraining: (TrainingJob \S+ is still \w+|cooling down: no retraining before \S+)$/,
    );
    expect(await monitorEvents('iris-drift', 'InsufficientData')).toHaveLength(1);
    expect(await monitorEvents('iris-drift', 'NoDrift')).toHaveLength(1);
    expect(await monitorEvents('iris-drift', 'DriftDetected')).toHaveLength(1);
  });

  it('with a window duration, judges only the rows served within it', async () => {
    await createFerry(
      api,
      FerryResources.driftMonitor,
      { name: 'iris-recent' },
      {
        inferenceServiceRef: { name: 'iris' },
        baselineRef: { name: 'iris' },
        interval: '1s',
        window: { duration: '8s', minSamples: 100 },
      },
    );
    // The servers hold 1,000 rows, most of them grown, but none from the last 8 seconds.
    const quiet = await monitorWhen(
      'iris-recent',
      (m) => findCondition(m, 'Drifted')?.reason === 'InsufficientData' && m.status?.samples === 0,
      'nothing recent',
    );
    expect(findCondition(quiet, 'Drifted')?.status).toBe('Unknown');
    expect(await send(IRIS_ROWS)).toBe(150);
    const recent = await monitorWhen(
      'iris-recent',
      (m) => findCondition(m, 'Drifted')?.reason === 'NoDrift',
      'NoDrift over the recent rows',
    );
    expect(recent.status?.samples).toBeGreaterThanOrEqual(100);
    expect(recent.status?.samples).toBeLessThanOrEqual(150);
    // The monitor without a duration still judges everything the servers hold: drifted.
    const all = await monitorWhen('iris-drift', () => true, 'iris-drift');
    expect(findCondition(all, 'Drifted')?.status).toBe('True');
  });
});
