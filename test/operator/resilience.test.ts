import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingJob } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { eventually, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  getFerry,
  IRIS_DATA,
  IRIS_V1_SHA,
  NS,
  operatorLease,
  startFerryCluster,
  submitTrainingJob,
  trainingJobIn,
} from '../support/ferry.js';
import { apiOf, jobOf, succeedJob, type Api } from '../support/kubelet.js';
import {
  FAST_LEASE_FLAGS,
  startOperator,
  type OperatorProcess,
} from '../support/operator-process.js';

const RESULT = JSON.stringify({
  metrics: { accuracy: 0.9 },
  artifact: 'model.onnx',
  sha256: IRIS_V1_SHA,
});

describe('ferry operator under failures', () => {
  let cluster: TestCluster;
  let api: Api;
  let kubeconfig: string;
  const operators: OperatorProcess[] = [];

  beforeAll(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    await createFerry(
      api,
      FerryResources.dataset,
      { name: 'iris' },
      { source: { uri: 'pvc://ferry-data/iris.csv' } },
    );
  });
  afterAll(async () => {
    await Promise.all(operators.map((operator) => operator.stop('SIGKILL')));
    await cluster.stop();
  });

  async function operator(...args: string[]): Promise<OperatorProcess> {
    const started = await startOperator(kubeconfig, [
      '--claim',
      `ferry-data=${IRIS_DATA}`,
      ...args,
    ]);
    operators.push(started);
    return started;
  }

  /** Plays the Job controller: the Job of TrainingJob `name`'s first run succeeds with RESULT. */
  async function complete(name: string, via: Api = api): Promise<void> {
    const job = await jobOf(via, NS, `${name}-1`, 20_000);
    await succeedJob(via, job, `${name}-pod`, RESULT);
  }

  const phaseOf = async (name: string) =>
    (await getFerry<TrainingJob>(cluster, FerryResources.trainingJob, name))?.status?.phase;
  /** The TrainingJob that registered each ModelVersion, one entry per ModelVersion. */
  const modelVersions = async () =>
    (
      (await api.request('GET', `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/modelversions`)) as {
        items: { spec: { lineage?: { trainingJob?: string } } }[];
      }
    ).items
      .map((mv) => mv.spec.lineage?.trainingJob ?? '')
      .sort();

  it('registers exactly one ModelVersion with two operators reconciling at once, and across restarts', async () => {
    // Two replicas without leader election reconcile the same objects concurrently.
    const first = await operator('--leader-elect=false');
    const second = await operator('--leader-elect=false');
    await submitTrainingJob(api, 'twice');
    await complete('twice');
    await trainingJobIn(cluster, 'twice', 'Succeeded', 15_000);
    await first.stop();
    await second.stop();
    const third = await operator('--leader-elect=false');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await third.stop();
    expect(await modelVersions()).toEqual(['twice']);
  });

  it('hands over to a standby when the leader dies, and the standby finishes the work', async () => {
    const leader = await operator(...FAST_LEASE_FLAGS, '--identity', 'leader');
    await submitTrainingJob(api, 'failover');
    await trainingJobIn(cluster, 'failover', 'Admitted', 15_000);
    const standby = await operator(...FAST_LEASE_FLAGS, '--identity', 'standby');
    await leader.stop('SIGKILL'); // no release: the lease must expire
    await complete('failover');
    await trainingJobIn(cluster, 'failover', 'Succeeded', 20_000);
    const lease = await operatorLease(api);
    expect(lease.spec.holderIdentity).toBe('standby');
    await standby.stop();
  });

  it('relists after a forced 410 mid-run and loses nothing', async () => {
    const running = await operator(...FAST_LEASE_FLAGS);
    await submitTrainingJob(api, 'before-410');
    await trainingJobIn(cluster, 'before-410', 'Admitted', 15_000);
    cluster.devcluster.compactHistory();
    cluster.devcluster.closeWatches();
    await submitTrainingJob(api, 'after-410');
    await complete('before-410');
    await complete('after-410');
    await eventually(
      async () =>
        (await phaseOf('before-410')) === 'Succeeded' &&
        (await phaseOf('after-410')) === 'Succeeded',
      20_000,
      'both Succeeded',
    );
    await running.stop();
  });

  it('rides out injected API errors without losing or duplicating anything', async () => {
    const running = await operator(...FAST_LEASE_FLAGS);
    const names = ['flaky-a', 'flaky-b', 'flaky-c'];
    for (const name of names) await submitTrainingJob(api, name);
    // The next 15 requests fail with 500, whoever sends them: the operator's, and this
    // test's own kubelet writes, which retry as a kubelet would.
    cluster.devcluster.failNextRequests(15);
    const retried = apiOf(cluster.devcluster.url);
    const request = retried.request;
    retried.request = async (...args) => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await request(...args);
        } catch (error) {
          if (attempt > 30 || !String(error).includes(': 500 ')) throw error;
        }
      }
    };
    for (const name of names) await complete(name, retried);
    await eventually(
      async () => (await Promise.all(names.map(phaseOf))).every((phase) => phase === 'Succeeded'),
      30_000,
      'all Succeeded',
    );
    const jobs = (await api.request('GET', `/apis/batch/v1/namespaces/${NS}/jobs`)) as {
      items: { metadata: { name: string } }[];
    };
    for (const name of names)
      expect(jobs.items.filter((job) => job.metadata.name.startsWith(name))).toHaveLength(1);
    expect((await modelVersions()).filter((name) => name.startsWith('flaky'))).toEqual(names);
    await running.stop();
  });
});
