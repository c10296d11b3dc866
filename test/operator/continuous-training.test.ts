/**
 * Continuous training against a devcluster with the real `ferry operator`, this test
 * playing kubelet: what starts a run, how runs share their slot, how versions are
 * numbered, and that restarts duplicate nothing.
 */
import { execFile } from 'node:child_process';
import { appendFile, copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion, TrainingJob } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { eventually, REPO, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  ferryWhen,
  IRIS_DATA,
  IRIS_V1_SHA,
  NS,
  registerIrisV1,
  startFerryCluster,
  submitTrainingJob,
} from '../support/ferry.js';
import { addNode, jobOf, runPod, succeedJob, type Api } from '../support/kubelet.js';
import {
  FAST_LEASE_FLAGS,
  startOperator,
  type OperatorProcess,
} from '../support/operator-process.js';

const run = promisify(execFile);
const RESULT = JSON.stringify({
  metrics: { accuracy: 0.95 },
  artifact: 'model.onnx',
  sha256: IRIS_V1_SHA,
});
const TJOBS = `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/trainingjobs`;

describe('continuous training: runs and numbered versions', () => {
  let cluster: TestCluster;
  let api: Api;
  let kubeconfig: string;
  let data: string;
  let operator: OperatorProcess;
  const start = () =>
    startOperator(kubeconfig, ['--claim', `ferry-data=${data}`, ...FAST_LEASE_FLAGS]);

  beforeAll(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    // A copy of the iris data, so a test can change it.
    data = await mkdtemp(join(tmpdir(), 'ferry-data-'));
    await copyFile(join(IRIS_DATA, 'iris.csv'), join(data, 'iris.csv'));
    await createFerry(
      api,
      FerryResources.dataset,
      { name: 'iris' },
      { source: { uri: 'pvc://ferry-data/iris.csv' }, interval: '1s' },
    );
    operator = await start();
  });
  afterAll(async () => {
    await operator.stop();
    await cluster.stop();
  });

  const tjob = (name: string) =>
    cluster.client.get<TrainingJob>(FerryResources.trainingJob, NS, name);
  /** Names of the Jobs of TrainingJob `name`, sorted. */
  const jobsOf = async (name: string) =>
    (
      (await api.request(
        'GET',
        `/apis/batch/v1/namespaces/${NS}/jobs?labelSelector=ferry.dev%2Ftraining-job%3D${name}`,
      )) as { items: { metadata: { name: string } }[] }
    ).items
      .map((job) => job.metadata.name)
      .sort();
  /** `name=version` of every ModelVersion of `model`, sorted. */
  const versionsOf = async (model: string) =>
    (
      (await api.request('GET', `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/modelversions`)) as {
        items: ModelVersion[];
      }
    ).items
      .filter((mv) => mv.spec.model === model)
      .map((mv) => `${mv.metadata.name ?? ''}=${mv.spec.version}`)
      .sort();
  const modelVersion = (name: string) =>
    cluster.client.get<ModelVersion>(FerryResources.modelVersion, NS, name);
  /** Waits until run `id` of `name` is in `phase`, and returns the TrainingJob. */
  const runIn = (name: string, id: number, phase: string, timeoutMs = 15_000) =>
    ferryWhen<TrainingJob>(
      cluster,
      FerryResources.trainingJob,
      name,
      (current) => current.status?.runs?.find((r) => r.id === id)?.phase === phase,
      timeoutMs,
      `run ${id} of ${name} ${phase}`,
    );
  /** Plays the Job controller: run `id` of `name` succeeds. */
  const succeed = async (name: string, id: number) => {
    const job = await jobOf(api, NS, `${name}-${id}`);
    await succeedJob(api, job, `${name}-${id}-pod`, RESULT);
    return runIn(name, id, 'Succeeded');
  };
  const patchSpec = (name: string, spec: object) =>
    api.request('PATCH', `${TJOBS}/${name}`, { spec }, 'application/merge-patch+json');
  const annotate = (name: string, value: string) =>
    api.request(
      'PATCH',
      `${TJOBS}/${name}`,
      { metadata: { annotations: { 'ferry.dev/run': value } } },
      'application/merge-patch+json',
    );
  /** Gives the operator time to do what it should not, then checks it did not. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

  it('counts the hand-registered version: the first run is version 2, a spec change makes exactly one more run', async () => {
    await registerIrisV1(api);
    await submitTrainingJob(api, 'retrain', { hyperparameters: { C: 1 } });
    const first = await succeed('retrain', 1);
    expect(first.status).toMatchObject({ phase: 'Succeeded', modelVersion: 'iris-v2' });
    expect(first.status?.runs?.[0]).toMatchObject({ trigger: 'Created', modelVersion: 'iris-v2' });
    expect((await modelVersion('iris-v2'))?.spec).toMatchObject({
      version: '2',
      artifact: { uri: 'pvc://ferry-models/retrain-1/model.onnx' },
    });

    await patchSpec('retrain', { hyperparameters: { C: 0.5 } });
    await jobOf(api, NS, 'retrain-2');
    const second = await succeed('retrain', 2);
    expect(second.status?.runs?.map((r) => [r.id, r.trigger, r.modelVersion])).toEqual([
      [1, 'Created', 'iris-v2'],
      [2, 'SpecChange', 'iris-v3'],
    ]);
    expect((await modelVersion('iris-v3'))?.spec).toMatchObject({
      version: '3',
      artifact: { uri: 'pvc://ferry-models/retrain-2/model.onnx' },
      lineage: { trainingJob: 'retrain', hyperparameters: { C: 0.5 } },
    });
    const { stdout: table } = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      'tjob',
      'retrain',
      '-n',
      NS,
    ]);
    expect(table).toMatch(
      /^NAME\s+MODEL\s+RUN\s+PHASE\s+GPUS\s+DURATION\s+VERSION\s+AGE\nretrain\s+iris\s+2\s+Succeeded\s+0\s+\S+\s+iris-v3\s+\S+\n$/,
    );
    await settle();
    expect(await jobsOf('retrain')).toEqual(['retrain-1', 'retrain-2']);
    expect(await versionsOf('iris')).toEqual(['iris-v1=1', 'iris-v2=2', 'iris-v3=3']);
  });

  it('`ferry train` starts a run; the number of a deleted ModelVersion is never issued again', async () => {
    await api.request(
      'DELETE',
      `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/modelversions/iris-v3`,
    );
    await eventually(
      async () => (await modelVersion('iris-v3')) === undefined,
      10_000,
      'iris-v3 gone',
    );
    const { stdout } = await run(process.execPath, [
      join(REPO, 'dist', 'cli', 'main.js'),
      'train',
      'retrain',
      '-n',
      NS,
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(stdout).toMatch(
      /^trainingjob\.ml\.ferry\.dev\/retrain run requested \(ferry\.dev\/run=\d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/,
    );
    const missing = await run(process.execPath, [
      join(REPO, 'dist', 'cli', 'main.js'),
      'train',
      'no-such-job',
      '--kubeconfig',
      kubeconfig,
    ]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'ferry train: trainingjob.ml.ferry.dev/no-such-job not found in namespace default\n',
    });
    const third = await succeed('retrain', 3);
    expect(third.status?.runs?.at(-1)).toMatchObject({ id: 3, trigger: 'Manual' });
    expect(third.status?.modelVersion).toBe('iris-v4');
    expect(await versionsOf('iris')).toEqual(['iris-v1=1', 'iris-v2=2', 'iris-v4=4']);
  });

  it('a Dataset digest change starts one run with retrainOn, and none without', async () => {
    await submitTrainingJob(api, 'fresh', { model: 'fresh', retrainOn: ['DatasetChange'] });
    const first = await succeed('fresh', 1);
    const before = first.status?.runs?.[0]?.datasetDigest;
    expect(first.status?.modelVersion).toBe('fresh-v1');

    await appendFile(join(data, 'iris.csv'), '5.0,3.3,1.4,0.2,setosa\n');
    const job = await jobOf(api, NS, 'fresh-2', 20_000);
    const second = await succeed('fresh', 2);
    const run2 = second.status?.runs?.at(-1);
    expect(run2).toMatchObject({ trigger: 'DatasetChange', modelVersion: 'fresh-v2' });
    expect(run2?.datasetDigest).not.toBe(before);
    expect(job.metadata.name).toBe('fresh-2');
    expect((await modelVersion('fresh-v2'))?.spec.lineage?.dataset?.digest).toBe(
      run2?.datasetDigest,
    );
    await settle();
    expect(await jobsOf('fresh')).toEqual(['fresh-1', 'fresh-2']);
    // The TrainingJob without retrainOn did not retrain on the new data.
    expect(await jobsOf('retrain')).toEqual(['retrain-1', 'retrain-2', 'retrain-3']);
  });

  it('Forbid: two triggers at once make one run, which waits for the running one', async () => {
    await submitTrainingJob(api, 'forbid', { model: 'forbid' });
    const job = await jobOf(api, NS, 'forbid-1');
    await runPod(api, job, 'forbid-1-pod', { phase: 'Running' });
    await runIn('forbid', 1, 'Running');

    // A spec change and a run request in one write: one run covers both, and waits.
    await api.request(
      'PATCH',
      `${TJOBS}/forbid`,
      { metadata: { annotations: { 'ferry.dev/run': 'a' } }, spec: { hyperparameters: { C: 2 } } },
      'application/merge-patch+json',
    );
    const queued = await runIn('forbid', 2, 'Queued');
    expect(queued.status?.runs?.[1]).toMatchObject({
      trigger: 'SpecChange',
      generation: 2,
      request: 'a',
      reason: 'WaitingForRun',
    });
    await settle();
    expect((await tjob('forbid'))?.status?.runs?.map((r) => r.id)).toEqual([1, 2]);
    expect(await jobsOf('forbid')).toEqual(['forbid-1']);

    // A newer request supersedes the queued run before it started.
    await annotate('forbid', 'b');
    await runIn('forbid', 2, 'Superseded');
    await runIn('forbid', 3, 'Queued');

    await succeedJob(api, job, 'forbid-1-done', RESULT);
    await succeed('forbid', 3);
    expect(await jobsOf('forbid')).toEqual(['forbid-1', 'forbid-3']);
    expect(await versionsOf('forbid')).toEqual(['forbid-v1=1', 'forbid-v2=2']);
  });

  it('Replace: a new run stops the running one and deletes its Job', async () => {
    await submitTrainingJob(api, 'replace', { model: 'replace', concurrencyPolicy: 'Replace' });
    const job = await jobOf(api, NS, 'replace-1');
    await runPod(api, job, 'replace-1-pod', { phase: 'Running' });
    await runIn('replace', 1, 'Running');

    await patchSpec('replace', { hyperparameters: { C: 3 } });
    const stopped = await runIn('replace', 1, 'Stopped');
    expect(stopped.status?.runs?.[0]?.message).toBe('stopped for run 2');
    await eventually(
      async () => (await jobsOf('replace')).join() === 'replace-2',
      15_000,
      'only replace-2',
    );
    await succeed('replace', 2);
    expect(await versionsOf('replace')).toEqual(['replace-v1=1']);
  });

  it('concurrent runs each hold their GPUs: a third run of 2 waits while two hold 4 of 5', async () => {
    await addNode(api, 'h100-1', { gpus: 5, product: 'H100' });
    await submitTrainingJob(api, 'parallel', {
      model: 'parallel',
      concurrency: 3,
      resources: { gpus: 2, gpuProduct: 'H100' },
    });
    const first = await jobOf(api, NS, 'parallel-1');
    await runPod(api, first, 'parallel-1-pod', { phase: 'Running' });
    await runIn('parallel', 1, 'Running');
    await annotate('parallel', 'second');
    const second = await jobOf(api, NS, 'parallel-2');
    await runPod(api, second, 'parallel-2-pod', { phase: 'Running' });
    await runIn('parallel', 2, 'Running');

    // Two runs hold 4 of the node's 5 GPUs: the third must wait, and says why.
    await annotate('parallel', 'third');
    const waiting = await runIn('parallel', 3, 'Queued');
    expect(waiting.status?.runs?.[2]).toMatchObject({
      reason: 'WaitingForCapacity',
      message: 'waiting for 2 nvidia.com/gpu (H100): 1 of 5 free',
    });
    await settle();
    expect(await jobsOf('parallel')).toEqual(['parallel-1', 'parallel-2']);

    // When one finishes, its GPUs go to the waiting run.
    await succeedJob(api, first, 'parallel-1-done', RESULT);
    await jobOf(api, NS, 'parallel-3');
    expect(await jobsOf('parallel')).toEqual(['parallel-1', 'parallel-2', 'parallel-3']);
  });

  it('an operator restart mid-run duplicates nothing', async () => {
    await submitTrainingJob(api, 'restart', { model: 'restart' });
    const job = await jobOf(api, NS, 'restart-1');
    await runPod(api, job, 'restart-1-pod', { phase: 'Running' });
    await runIn('restart', 1, 'Running');
    await operator.stop('SIGKILL');
    await succeedJob(api, job, 'restart-1-done', RESULT);
    operator = await start();
    await runIn('restart', 1, 'Succeeded', 20_000);
    await operator.stop();
    operator = await start();
    await settle();
    expect(await jobsOf('restart')).toEqual(['restart-1']);
    expect(await versionsOf('restart')).toEqual(['restart-v1=1']);
    expect((await tjob('restart'))?.status).toMatchObject({
      lastRun: 1,
      modelVersion: 'restart-v1',
    });
  });
});
