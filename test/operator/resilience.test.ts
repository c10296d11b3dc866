import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingJob } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { eventually, startCluster, type TestCluster } from '../support/cluster.js';
import { apiOf, getJob, jobCondition, runPod, setJobStatus } from '../support/kubelet.js';
import {
  FAST_LEASE_FLAGS,
  startOperator,
  writeKubeconfig,
  type OperatorProcess,
} from '../support/operator-process.js';
import { join } from 'node:path';
import { REPO } from '../support/cluster.js';

const NS = 'default';
const SHA = '9d824ae4eb7a6bfd61e8a857f9442f027d13ee9992b58182793b51b30e229f2e';
const RESULT = JSON.stringify({ metrics: { accuracy: 0.9 }, artifact: 'model.onnx', sha256: SHA });

describe('ferry operator under failures', () => {
  let cluster: TestCluster;
  let api: ReturnType<typeof apiOf>;
  let kubeconfig: string;
  const operators: OperatorProcess[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ crds: true });
    api = apiOf(cluster.devcluster.url);
    kubeconfig = await writeKubeconfig(cluster);
    await api.request('POST', `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/datasets`, {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name: 'iris' },
      spec: { source: { uri: 'pvc://ferry-data/iris.csv' } },
    });
  });
  afterAll(async () => {
    await Promise.all(operators.map((operator) => operator.stop('SIGKILL')));
    await cluster.stop();
  });

  async function operator(...args: string[]): Promise<OperatorProcess> {
    const started = await startOperator(kubeconfig, [
      '--claim',
      `ferry-data=${join(REPO, 'examples', 'iris', 'data')}`,
      ...args,
    ]);
    operators.push(started);
    return started;
  }

  async function trainingJob(name: string): Promise<void> {
    await api.request('POST', `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/trainingjobs`, {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'TrainingJob',
      metadata: { name },
      spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1' },
    });
  }

  async function complete(name: string): Promise<void> {
    const job = await eventually(
      async () => getJob(api, NS, name).catch(() => undefined),
      15_000,
      `Job ${name}`,
    );
    await runPod(api, job, `${name}-pod`, { phase: 'Succeeded', message: RESULT });
    await setJobStatus(api, job, { succeeded: 1, conditions: [jobCondition('Complete')] });
  }

  const phaseOf = async (name: string) =>
    (
      await cluster.client.get<TrainingJob & { metadata: object }>(
        FerryResources.trainingJob,
        NS,
        name,
      )
    )?.status?.phase;
  const modelVersions = async () =>
    (
      (await api.request('GET', `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/modelversions`)) as {
        items: { metadata: { name: string } }[];
      }
    ).items
      .map((mv) => mv.metadata.name)
      .sort();

  it('registers exactly one ModelVersion with two operators reconciling at once, and across restarts', async () => {
    // Two replicas without leader election reconcile the same objects concurrently.
    const first = await operator('--leader-elect=false');
    const second = await operator('--leader-elect=false');
    await trainingJob('twice');
    await complete('twice');
    await eventually(async () => (await phaseOf('twice')) === 'Succeeded', 15_000, 'Succeeded');
    await first.stop();
    await second.stop();
    const third = await operator('--leader-elect=false');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await third.stop();
    expect(await modelVersions()).toEqual(['twice']);
  });

  it('hands over to a standby when the leader dies, and the standby finishes the work', async () => {
    const leader = await operator(...FAST_LEASE_FLAGS, '--identity', 'leader');
    await trainingJob('failover');
    await eventually(async () => (await phaseOf('failover')) === 'Admitted', 15_000, 'Admitted');
    const standby = await operator(...FAST_LEASE_FLAGS, '--identity', 'standby');
    await leader.stop('SIGKILL'); // no release: the lease must expire
    await complete('failover');
    await eventually(
      async () => (await phaseOf('failover')) === 'Succeeded',
      20_000,
      'Succeeded under the standby',
    );
    const lease = (await api.request(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/default/leases/ferry-operator`,
    )) as { spec: { holderIdentity: string; leaseTransitions: number } };
    expect(lease.spec.holderIdentity).toBe('standby');
    await standby.stop();
  });

  it('relists after a forced 410 mid-run and loses nothing', async () => {
    const running = await operator(...FAST_LEASE_FLAGS);
    await trainingJob('before-410');
    await eventually(async () => (await phaseOf('before-410')) === 'Admitted', 15_000, 'Admitted');
    cluster.devcluster.compactHistory();
    cluster.devcluster.closeWatches();
    await trainingJob('after-410');
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
    for (const name of names) await trainingJob(name);
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
    for (const name of names) {
      const job = await eventually(
        async () => getJob(retried, NS, name).catch(() => undefined),
        20_000,
        `Job ${name}`,
      );
      await runPod(retried, job, `${name}-pod`, { phase: 'Succeeded', message: RESULT });
      await setJobStatus(retried, job, { succeeded: 1, conditions: [jobCondition('Complete')] });
    }
    await eventually(
      async () => (await Promise.all(names.map(phaseOf))).every((phase) => phase === 'Succeeded'),
      30_000,
      'all Succeeded',
    );
    const jobs = (await api.request('GET', `/apis/batch/v1/namespaces/${NS}/jobs`)) as {
      items: { metadata: { name: string } }[];
    };
    for (const name of names)
      expect(jobs.items.filter((job) => job.metadata.name === name)).toHaveLength(1);
    expect((await modelVersions()).filter((name) => name.startsWith('flaky'))).toEqual(names);
    await running.stop();
  });
});
