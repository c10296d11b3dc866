import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Condition,
  Dataset,
  ModelVersion,
  TrainingJob,
} from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import type { Resource } from '../../operator/src/runtime/resource.js';
import { eventually, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  ferryWhen,
  findCondition,
  getFerry,
  IRIS_DATA,
  IRIS_V1_SHA,
  NS,
  operatorLease,
  startFerryCluster,
  submitTrainingJob,
  trainingJobIn,
} from '../support/ferry.js';
import {
  addNode,
  getJob,
  jobCondition,
  jobOf,
  runPod,
  setJobStatus,
  type Api,
} from '../support/kubelet.js';
import {
  FAST_LEASE_FLAGS,
  startOperator,
  type OperatorProcess,
} from '../support/operator-process.js';

const IRIS_SHA = '9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355';

describe('ferry operator: Dataset and TrainingJob against a devcluster', () => {
  let cluster: TestCluster;
  let operator: OperatorProcess;
  let api: Api;

  beforeAll(async () => {
    let kubeconfig: string;
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    operator = await startOperator(kubeconfig, [
      '--claim',
      `ferry-data=${IRIS_DATA}`,
      // Debug logs carry one line per reconcile, which the logging test reads.
      '--log-level',
      'debug',
      ...FAST_LEASE_FLAGS,
    ]);
  });
  afterAll(async () => {
    await operator.stop();
    await cluster.stop();
  });

  /** Waits until the object has condition `type`, and returns it. */
  const conditionOf = (resource: Resource, name: string, type: string) =>
    eventually(
      async () =>
        findCondition(
          await getFerry<{ status?: { conditions?: Condition[] } }>(cluster, resource, name),
          type,
        ),
      15_000,
      `condition ${type} of ${name}`,
    );
  const get = <T>(resource: Resource, name: string) => getFerry<T>(cluster, resource, name);
  const phaseOf = async (name: string) =>
    (await get<TrainingJob>(FerryResources.trainingJob, name))?.status?.phase;

  it('reads a Dataset, pins its digest, and reports its shape', async () => {
    await createFerry(
      api,
      FerryResources.dataset,
      { name: 'iris' },
      {
        source: { uri: 'pvc://ferry-data/iris.csv', sha256: IRIS_SHA },
        schema: {
          features: [
            { name: 'sepal_length', type: 'numeric' },
            { name: 'petal_length', type: 'numeric' },
          ],
          target: {
            name: 'species',
            type: 'categorical',
            values: ['setosa', 'versicolor', 'virginica'],
          },
        },
      },
    );
    const dataset = await ferryWhen<Dataset>(
      cluster,
      FerryResources.dataset,
      'iris',
      (current) => findCondition(current, 'Ready')?.status === 'True',
      15_000,
      'the Dataset to be Ready',
    );
    expect(dataset.status).toMatchObject({
      rows: 150,
      columns: 5,
      digest: `sha256:${IRIS_SHA}`,
      shortDigest: '9cc1c345c71b',
      profileConfigMap: 'iris-profile',
    });
  });

  it('restores the profile ConfigMap when someone deletes it', async () => {
    const path = `/api/v1/namespaces/${NS}/configmaps/iris-profile`;
    const before = (await api.request('GET', path)) as { metadata: { uid: string } };
    await api.request('DELETE', path);
    const restored = await eventually(
      async () => {
        const current = (await api.request('GET', path).catch(() => undefined)) as
          { metadata: { uid: string }; data?: Record<string, string> } | undefined;
        return current !== undefined && current.metadata.uid !== before.metadata.uid
          ? current
          : undefined;
      },
      15_000,
      'iris-profile restored',
    );
    expect(Object.keys(restored.data ?? {}).sort()).toEqual(['profile.json', 'sample.json']);
  });

  it('is not Ready with DigestMismatch when the pinned digest differs', async () => {
    await createFerry(
      api,
      FerryResources.dataset,
      { name: 'iris-pinned-wrong' },
      { source: { uri: 'pvc://ferry-data/iris.csv', sha256: '0'.repeat(64) } },
    );
    const ready = await conditionOf(FerryResources.dataset, 'iris-pinned-wrong', 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'DigestMismatch' });
  });

  it('reports bad rows with their column and row', async () => {
    await createFerry(
      api,
      FerryResources.dataset,
      { name: 'iris-bad-rows' },
      {
        source: { uri: 'pvc://ferry-data/iris.csv' },
        schema: {
          features: [{ name: 'sepal_length', type: 'numeric' }],
          target: { name: 'species', type: 'categorical', values: ['setosa', 'versicolor'] },
        },
      },
    );
    const dataset = await ferryWhen<Dataset>(
      cluster,
      FerryResources.dataset,
      'iris-bad-rows',
      (current) => findCondition(current, 'Ready') !== undefined,
      15_000,
      'a Ready condition',
    );
    // Rows 101-150 of iris.csv are virginica.
    expect(dataset.status?.violations).toHaveLength(50);
    expect(dataset.status?.violations?.[0]).toEqual({
      rule: 'Category',
      column: 'species',
      row: 101,
      message: '"virginica" is not one of setosa, versicolor',
    });
    expect(findCondition(dataset, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ValidationFailed',
      message:
        '50 violations, first: row 101, column "species": "virginica" is not one of setosa, versicolor',
    });
  });

  it('runs a TrainingJob as a Job and registers exactly one ModelVersion', async () => {
    await submitTrainingJob(
      api,
      'iris-logreg',
      { hyperparameters: { C: 1 } },
      { 'ferry.dev/git-commit': 'c0ffee' },
    );
    const job = await jobOf(api, NS, 'iris-logreg-1');
    const trainingJob = await get<TrainingJob>(FerryResources.trainingJob, 'iris-logreg');
    expect(trainingJob?.metadata).toMatchObject({ finalizers: ['ml.ferry.dev/finalizer'] });

    // Play kubelet: the pod runs, then succeeds with the result in its termination message.
    await runPod(api, job, 'iris-logreg-1-abcde', { phase: 'Running' });
    await setJobStatus(api, job, { active: 1, startTime: new Date().toISOString() });
    await trainingJobIn(cluster, 'iris-logreg', 'Running');

    const result = JSON.stringify({
      metrics: { accuracy: 0.9231 },
      artifact: 'model.onnx',
      sha256: IRIS_V1_SHA,
    });
    await api.request('DELETE', `/api/v1/namespaces/${NS}/pods/iris-logreg-1-abcde`);
    await runPod(api, job, 'iris-logreg-1-fghij', { phase: 'Succeeded', message: result });
    await setJobStatus(api, job, {
      active: 0,
      succeeded: 1,
      completionTime: new Date().toISOString(),
      conditions: [jobCondition('Complete')],
    });

    const done = await trainingJobIn(cluster, 'iris-logreg', 'Succeeded');
    // The model's first version: nothing was registered for iris in this cluster before.
    expect(done.status).toMatchObject({
      modelVersion: 'iris-v1',
      metrics: { accuracy: 0.9231 },
      lastRun: 1,
    });
    const modelVersion = await get<ModelVersion>(FerryResources.modelVersion, 'iris-v1');
    expect(modelVersion?.spec).toMatchObject({
      model: 'iris',
      version: '1',
      artifact: { uri: 'pvc://ferry-models/iris-logreg-1/model.onnx', sha256: IRIS_V1_SHA },
      lineage: {
        dataset: { name: 'iris', digest: `sha256:${IRIS_SHA}` },
        trainingJob: 'iris-logreg',
        gitCommit: 'c0ffee',
        hyperparameters: { C: 1 },
      },
    });
    expect(modelVersion?.metadata).not.toHaveProperty('ownerReferences');
  });

  it('deletes the Job and its Pods with the TrainingJob, and keeps the ModelVersion', async () => {
    await api.request(
      'DELETE',
      `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/trainingjobs/iris-logreg`,
    );
    await eventually(
      async () => (await get<TrainingJob>(FerryResources.trainingJob, 'iris-logreg')) === undefined,
      10_000,
      'the TrainingJob to go',
    );
    await expect(getJob(api, NS, 'iris-logreg-1')).rejects.toThrow(/404/);
    await eventually(
      async () => {
        const pods = (await api.request(
          'GET',
          `/api/v1/namespaces/${NS}/pods?labelSelector=ferry.dev%2Ftraining-job%3Diris-logreg`,
        )) as { items: unknown[] };
        return pods.items.length === 0;
      },
      10_000,
      'the Pods to go',
    );
    expect(await get<ModelVersion>(FerryResources.modelVersion, 'iris-v1')).toBeDefined();
  });

  it('queues GPU jobs by priority and admits a gang whole', async () => {
    await addNode(api, 'a100-1', { gpus: 4, product: 'A100' });
    await addNode(api, 't4-1', { gpus: 2, product: 'T4' });
    const tj = (name: string, gpus: number, priority: number, workers?: number, product = 'A100') =>
      submitTrainingJob(api, name, {
        priority,
        resources: { gpus, gpuProduct: product },
        ...(workers === undefined ? {} : { distributed: { workers } }),
      });
    await tj('small-low', 2, 0);
    await trainingJobIn(cluster, 'small-low', 'Admitted');
    await tj('gang', 2, 5, 2); // 4 GPUs in all: must wait for small-low
    await tj('later-low', 2, 0);
    const gang = await trainingJobIn(cluster, 'gang', 'Queued');
    expect(gang.status?.message).toBe('waiting for 4 nvidia.com/gpu (A100): 2 of 4 free');
    // Another product's line is not blocked by the A100 queue.
    await tj('t4-job', 2, 0, undefined, 'T4');
    await trainingJobIn(cluster, 't4-job', 'Admitted');
    const later = await eventually(
      async () => (await get<TrainingJob>(FerryResources.trainingJob, 'later-low'))?.status,
      10_000,
      'later-low status',
    );
    expect(later.phase).toBe('Queued');

    // small-low finishes: the gang (higher priority) goes before later-low.
    const job = await getJob(api, NS, 'small-low-1');
    await runPod(api, job, 'small-low-x', { phase: 'Failed', exitCode: 1, message: 'boom' });
    await setJobStatus(api, job, {
      failed: 1,
      conditions: [
        jobCondition(
          'Failed',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
        ),
      ],
    });
    await trainingJobIn(cluster, 'gang', 'Admitted');
    const gangJob = await getJob(api, NS, 'gang-1');
    expect(gangJob.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
    });
    expect(await phaseOf('later-low')).toBe('Queued');
    expect((await get<TrainingJob>(FerryResources.trainingJob, 'small-low'))?.status).toMatchObject(
      { phase: 'Failed' },
    );
  });

  it.each([
    {
      name: 'oom',
      pod: { phase: 'Failed' as const, exitCode: 137, reason: 'OOMKilled' },
      job: {
        failed: 1,
        conditions: [
          jobCondition(
            'Failed',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit',
          ),
        ],
      },
      reason: 'OOMKilled',
    },
    {
      name: 'deadline',
      pod: { phase: 'Running' as const },
      job: {
        failed: 1,
        conditions: [
          jobCondition(
            'Failed',
            'DeadlineExceeded',
            'Job was active longer than specified deadline',
          ),
        ],
      },
      reason: 'DeadlineExceeded',
    },
    {
      name: 'bad-result',
      pod: { phase: 'Succeeded' as const, message: '{"metrics": {"accuracy": 0.9}}' },
      job: { succeeded: 1, conditions: [jobCondition('Complete')] },
      reason: 'InvalidResult',
    },
  ])(
    'fails $name jobs with reason $reason and registers nothing',
    async ({ name, pod, job: status, reason }) => {
      await submitTrainingJob(api, name);
      const job = await jobOf(api, NS, `${name}-1`);
      await runPod(api, job, `${name}-pod`, pod);
      await setJobStatus(api, job, status);
      const failed = await trainingJobIn(cluster, name, 'Failed');
      expect(findCondition(failed, 'Ready')).toMatchObject({
        status: 'False',
        reason,
      });
      const registered = (await api.request(
        'GET',
        `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/modelversions?labelSelector=ferry.dev%2Ftraining-job%3D${name}`,
      )) as { items: unknown[] };
      expect(registered.items).toEqual([]);
    },
  );

  it('reports an image that cannot be pulled while the Job goes on', async () => {
    await submitTrainingJob(api, 'bad-image', { image: 'no-such-image:1' });
    const job = await jobOf(api, NS, 'bad-image-1');
    await runPod(api, job, 'bad-image-pod', {
      phase: 'Pending',
      waitingReason: 'ImagePullBackOff',
      waitingMessage: 'Back-off pulling image "no-such-image:1"',
    });
    const stalled = await conditionOf(FerryResources.trainingJob, 'bad-image', 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'ImagePullBackOff' });
    expect(stalled.message).toContain('Back-off pulling image "no-such-image:1"');
  });

  it('hands a job with spec.queue to Kueue: labelled and suspended, Queued until unsuspended', async () => {
    await submitTrainingJob(api, 'kueued', { queue: 'team-a', resources: { gpus: 64 } });
    const job = await jobOf(api, NS, 'kueued-1');
    expect(job.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'team-a' });
    expect((job.spec as { suspend?: boolean }).suspend).toBe(true);
    await trainingJobIn(cluster, 'kueued', 'Queued');
    // Kueue admits the workload by unsuspending the Job.
    await api.request(
      'PATCH',
      `/apis/batch/v1/namespaces/${NS}/jobs/kueued-1`,
      { spec: { suspend: false } },
      'application/merge-patch+json',
    );
    await trainingJobIn(cluster, 'kueued', 'Admitted');
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    const base = `http://${operator.address}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /controller_runtime_reconcile_total\{controller="trainingjob",result="success"\} [1-9]/,
    );
    expect(metrics).toMatch(/workqueue_depth\{name="dataset"\} \d/);
    expect(metrics).toMatch(/leader_election_master_status\{name="ferry-operator"\} 1/);
    expect(metrics).toMatch(/process_resident_memory_bytes \d/);
  });

  it('logs JSON lines with controller, object and reconcile ID', () => {
    const lines = operator
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const reconcile = lines.find(
      (line) => line.controller === 'trainingjob' && line.reconcileID !== undefined,
    );
    expect(reconcile).toMatchObject({ namespace: NS });
    expect(typeof reconcile?.name).toBe('string');
    expect(operator.logs()).not.toContain('devcluster-token');
    // API errors are logged with the server's words, never client-node's header dump.
    expect(operator.logs()).not.toContain('Headers:');
  });

  it('stops cleanly on SIGTERM and releases its lease', async () => {
    expect(await operator.stop('SIGTERM')).toBe(0);
    const lease = await operatorLease(api);
    expect(lease.spec.holderIdentity ?? '').toBe('');
  });
});
