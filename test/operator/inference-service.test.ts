/**
 * Canary rollouts end to end: the real `ferry operator` against a devcluster, the local
 * runner running every model server pod as a real `ferry serve` process on its own
 * loopback address, and live iris traffic routed over the Service's Ready pods. Models are
 * real: the committed iris v1, a v2 trained by the example's own train.py, and two built
 * to misbehave (one predicts a constant class, one fails every run).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceService, ModelVersion } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { startLocalRunner, type LocalRunner } from '../../operator/src/devcluster/index.js';
import { eventually, REPO, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  FERRY_IMAGE,
  ferryWhen,
  findCondition as condition,
  getFerry,
  installHttpRouteKind,
  listEvents,
  NS,
  startFerryCluster,
  type Stored,
} from '../support/ferry.js';
import type { Api } from '../support/kubelet.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { startTraffic, type Traffic } from '../support/traffic.js';

const BASE = `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}`;
const PYTHON = '/usr/bin/python3';
const MERGE = 'application/merge-patch+json';

describe('ferry operator: InferenceService canary rollouts', { timeout: 90_000 }, () => {
  let cluster: TestCluster;
  let api: Api;
  let operator: OperatorProcess;
  let runner: LocalRunner;
  let traffic: Traffic;
  let models: string;
  let kubeconfig: string;

  /** Places `bytes` in the models claim as `<name>/model.onnx` and registers a ModelVersion. */
  async function register(name: string, bytes: Buffer): Promise<void> {
    await mkdir(join(models, name), { recursive: true });
    await writeFile(join(models, name, 'model.onnx'), bytes);
    await createFerry(
      api,
      FerryResources.modelVersion,
      { name },
      {
        model: 'iris',
        version: name,
        artifact: {
          uri: `pvc://ferry-models/${name}/model.onnx`,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
      },
    );
  }

  const createService = (name: string, spec: InferenceService['spec']) =>
    createFerry(api, FerryResources.inferenceService, { name }, spec);
  const service = async () =>
    (await getFerry<InferenceService>(
      cluster,
      FerryResources.inferenceService,
      'iris',
    )) as Stored<InferenceService>;
  /** Polls the InferenceService until `accept` holds, and returns it; a timeout shows its status. */
  const serviceWhen = (
    accept: (current: InferenceService) => boolean,
    timeoutMs: number,
    what: string,
  ) =>
    ferryWhen<InferenceService>(
      cluster,
      FerryResources.inferenceService,
      'iris',
      accept,
      timeoutMs,
      what,
    );
  const modelVersion = async (name: string) =>
    (await getFerry<ModelVersion>(
      cluster,
      FerryResources.modelVersion,
      name,
    )) as Stored<ModelVersion>;
  const deploymentExists = async (name: string) =>
    api.request('GET', `/apis/apps/v1/namespaces/${NS}/deployments/${name}`).then(
      () => true,
      () => false,
    );
  const declare = (version: string, annotations: Record<string, string> = {}) =>
    api.request(
      'PATCH',
      `${BASE}/inferenceservices/iris`,
      { metadata: { annotations }, spec: { modelVersion: version } },
      MERGE,
    );
  const events = async (reason: string) =>
    (await listEvents(api)).filter(
      (event) => event.reason === reason && event.regarding?.kind === 'InferenceService',
    );

  beforeAll(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    models = await mkdtemp(join(tmpdir(), 'ferry-models-'));

    // v1 as committed; v2 trained by the example's trainer with other hyperparameters.
    await register('iris-v1', await readFile(join(REPO, 'examples/iris/models/v1/model.onnx')));
    const trained = join(models, 'trained');
    await promisify(execFile)(PYTHON, [join(REPO, 'examples/iris/train.py')], {
      env: {
        ...process.env,
        FERRY_DATASET_URI: `file://${join(REPO, 'examples/iris/data/iris.csv')}`,
        FERRY_HYPERPARAMETERS: JSON.stringify({ C: 0.5, max_iter: 300 }),
        FERRY_OUTPUT_DIR: trained,
        FERRY_RESULT_PATH: join(trained, 'result.json'),
      },
    });
    await register('iris-v2', await readFile(join(trained, 'model.onnx')));
    const built = join(models, 'built');
    await promisify(execFile)(PYTHON, [
      join(REPO, 'test/fixtures/models/build.py'),
      built,
      'iris-constant',
      'iris-broken',
    ]);
    await register('iris-constant', await readFile(join(built, 'iris-constant.onnx')));
    await register('iris-broken', await readFile(join(built, 'iris-broken.onnx')));
    await register('iris-corrupt', Buffer.from('not an onnx model, just bytes'));

    runner = await startLocalRunner({
      server: cluster.devcluster.url,
      ferry: FERRY_IMAGE,
      stateDir: join(models, 'runner'),
      claims: { 'ferry-models': models },
      addressPrefix: '127.0.202.',
      serviceAddressPrefix: '127.0.207.',
    });
    operator = await startOperator(kubeconfig, ['--claim', `ferry-models=${models}`]);

    await createService('iris', {
      modelVersion: 'iris-v1',
      replicas: 2,
      rollout: {
        steps: [{ weight: 50, duration: '2s' }],
        analysis: {
          maxErrorRate: 0.05,
          // Loose: on a loaded CI machine latency is not what these tests are about.
          maxP99LatencyMs: 10_000,
          maxPredictionDrift: 0.2,
          minRequests: 30,
        },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await traffic.stop();
    await operator.stop();
    await runner.stop();
    await cluster.stop();
    await rm(models, { recursive: true, force: true });
  });

  it('serves the first version at once, Ready with its URL, and makes it Production', async () => {
    // The URL is the Service's loopback address, once the local runner proxies it.
    const ready = await serviceWhen(
      (s) =>
        condition(s, 'Ready')?.status === 'True' &&
        s.status?.url?.startsWith('http://127.') === true,
      30_000,
      'iris Ready at a loopback URL',
    );
    expect(ready.status).toMatchObject({ stableVersion: 'iris-v1', canaryWeight: 0 });
    expect(ready.status?.url).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+:\d+\/v2\/models\/iris$/);
    const answer = await fetch(`${ready.status?.url ?? ''}/ready`);
    expect(answer.status).toBe(200);
    expect(condition(ready, 'Progressing')).toBeUndefined();
    expect(condition(ready, 'Degraded')).toBeUndefined();
    expect(runner.pods().filter((pod) => pod.name.startsWith('iris-stable-'))).toHaveLength(2);
    await eventually(
      async () => (await modelVersion('iris-v1')).status?.stage === 'Production',
      10_000,
      'iris-v1 Production',
    );
    traffic = startTraffic(cluster.devcluster.url, NS, 'iris', { model: 'iris' });
  });

  it("answers predictions from the host at its Service's loopback address", async () => {
    // The local runner proxies the Service and writes where in its status.
    const ingress = await eventually(
      async () => {
        const service = (await api.request('GET', `/api/v1/namespaces/${NS}/services/iris`)) as {
          status?: { loadBalancer?: { ingress?: { ip: string; ports?: { port: number }[] }[] } };
        };
        return service.status?.loadBalancer?.ingress?.[0];
      },
      10_000,
      'the Service address',
    );
    const response = await fetch(
      `http://${ingress.ip}:${ingress.ports?.[0]?.port ?? 0}/v2/models/iris/infer`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [
            { name: 'input', datatype: 'FP32', shape: [1, 4], data: [[5.1, 3.5, 1.4, 0.2]] },
          ],
        }),
      },
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model_name: string }).model_name).toBe('iris');
  });

  it('promotes a good canary after its analysis passes', async () => {
    await declare('iris-v2');
    const during = await serviceWhen(
      (s) => s.status?.canaryVersion === 'iris-v2',
      20_000,
      'the iris-v2 canary',
    );
    expect(during.status?.canaryWeight).toBe(50);
    expect(condition(during, 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'CanaryAnalysis',
    });
    const promoted = await serviceWhen(
      (s) => s.status?.stableVersion === 'iris-v2',
      60_000,
      'iris-v2 promoted',
    );
    expect(promoted.status?.canaryVersion).toBeUndefined();
    expect(promoted.status?.history?.[0]).toMatchObject({ version: 'iris-v2', result: 'Promoted' });
    expect(promoted.status?.history?.[0]?.message).toMatch(
      /error rate 0\.000 .* over \d+ requests/,
    );
    expect(condition(promoted, 'Progressing')).toBeUndefined();
    await eventually(async () => !(await deploymentExists('iris-canary')), 30_000, 'canary gone');
    await eventually(
      async () =>
        (await modelVersion('iris-v2')).status?.stage === 'Production' &&
        (await modelVersion('iris-v1')).status?.stage === 'Archived',
      20_000,
      'iris-v2 Production, iris-v1 Archived',
    );
    expect(await events('Promoted')).toHaveLength(1);
    const v2 = traffic.tally.byVersion.get('iris-v2');
    expect(v2?.get(200)).toBeGreaterThan(0);
  });

  it.each([
    {
      version: 'iris-constant',
      reason: 'PredictionDrift',
      figure: /prediction drift 0\.\d+ \(max 0\.2\)/,
    },
    {
      version: 'iris-broken',
      reason: 'ErrorRateExceeded',
      figure: /error rate 1\.000 \(max 0\.05\)/,
    },
  ])('rolls back a canary that fails with $reason', async ({ version, reason, figure }) => {
    await declare(version);
    const rolledBack = await serviceWhen(
      (s) => s.status?.lastRollback?.version === version,
      60_000,
      `${version} rolled back`,
    );
    expect(rolledBack.status).toMatchObject({
      stableVersion: 'iris-v2',
      canaryWeight: 0,
      lastRollback: { version, reason },
    });
    expect(rolledBack.status?.canaryVersion).toBeUndefined();
    expect(rolledBack.status?.lastRollback?.message).toMatch(figure);
    expect(condition(rolledBack, 'Degraded')).toMatchObject({ status: 'True', reason });
    expect(condition(rolledBack, 'Ready')?.status).toBe('True');
    await eventually(async () => !(await deploymentExists('iris-canary')), 30_000, 'canary gone');
    const rejected = await ferryWhen<ModelVersion>(
      cluster,
      FerryResources.modelVersion,
      version,
      (s) => s.status?.stage === 'Rejected',
      20_000,
      `${version} Rejected`,
    );
    expect(condition(rejected, 'Ready')?.message).toMatch(figure);
    expect((await events('RolledBack')).some((event) => event.note?.includes(version))).toBe(true);
    // Not retried while the spec still names it and the retry annotation is unchanged.
    expect((await service()).status?.canaryVersion).toBeUndefined();
  });

  it('tries a rolled-back version again once the ferry.dev/retry annotation changes', async () => {
    // The spec still names iris-broken, rolled back above: nothing happens until the retry.
    expect((await service()).status?.canaryVersion).toBeUndefined();
    await declare('iris-broken', { 'ferry.dev/retry': '1' });
    await serviceWhen(
      (s) => s.status?.canaryVersion === 'iris-broken',
      20_000,
      'iris-broken tried again',
    );
    const again = await serviceWhen(
      (s) => s.status?.lastRollback?.retry === '1',
      60_000,
      'iris-broken rolled back again',
    );
    expect(again.status?.lastRollback).toMatchObject({
      version: 'iris-broken',
      reason: 'ErrorRateExceeded',
    });
    expect(again.status?.stableVersion).toBe('iris-v2');
  });

  it('keeps serving the stable version when the declared artifact is corrupt', async () => {
    await eventually(
      async () => (await modelVersion('iris-corrupt')).status?.stage === 'Rejected',
      20_000,
      'iris-corrupt Rejected',
    );
    await declare('iris-corrupt');
    const degraded = await serviceWhen(
      (s) => condition(s, 'Degraded')?.reason === 'ModelVersionRejected',
      20_000,
      'Degraded ModelVersionRejected',
    );
    expect(degraded.status?.stableVersion).toBe('iris-v2');
    expect(degraded.status?.canaryVersion).toBeUndefined();
    expect(condition(degraded, 'Ready')?.status).toBe('True');
    expect(await deploymentExists('iris-canary')).toBe(false);
    const before = traffic.tally.byVersion.get('iris-v2')?.get(200) ?? 0;
    await eventually(
      () => (traffic.tally.byVersion.get('iris-v2')?.get(200) ?? 0) > before + 10,
      10_000,
      'iris-v2 still answering',
    );
  });

  it('resumes a rollout where it was after the operator restarts', async () => {
    await api.request(
      'PATCH',
      `${BASE}/inferenceservices/iris`,
      {
        spec: { modelVersion: 'iris-v1', rollout: { steps: [{ weight: 50, duration: '8s' }] } },
      },
      MERGE,
    );
    const started = await serviceWhen(
      (s) => s.status?.canaryVersion === 'iris-v1',
      20_000,
      'the iris-v1 canary',
    );
    const startTime = started.status?.stepStartTime;
    expect(await operator.stop()).toBe(0);
    operator = await startOperator(kubeconfig, ['--claim', `ferry-models=${models}`]);
    const promoted = await serviceWhen(
      (s) => s.status?.stableVersion === 'iris-v1',
      60_000,
      'iris-v1 promoted by the second operator',
    );
    expect(promoted.status?.history?.[0]).toMatchObject({
      version: 'iris-v1',
      result: 'Promoted',
      startTime,
    });
    expect(
      promoted.status?.history?.filter(
        (entry) => entry.version === 'iris-v1' && entry.result === 'Promoted',
      ),
    ).toHaveLength(1);
  });
  it('carries the split in a named HTTPRoute, keeping the fields its owner set', async () => {
    await installHttpRouteKind(api);
    const ROUTE = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/routed`;
    await eventually(
      () =>
        api
          .request('POST', `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`, {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'HTTPRoute',
            metadata: { name: 'routed' },
            spec: { parentRefs: [{ name: 'public' }], hostnames: ['iris.example.com'] },
          })
          .then(() => true),
      10_000,
      'the HTTPRoute kind to be served',
    );
    await createService('routed', {
      modelVersion: 'iris-v1',
      replicas: 2,
      rollout: { steps: [{ weight: 30, duration: '10m' }] },
      traffic: { httpRouteRef: { name: 'routed' } },
    });
    interface Route {
      spec: {
        parentRefs?: unknown;
        hostnames?: unknown;
        rules?: { backendRefs: { name: string; weight: number }[] }[];
      };
    }
    const weights = async () =>
      ((await api.request('GET', ROUTE)) as Route).spec.rules?.[0]?.backendRefs
        .map((backend) => `${backend.name} ${String(backend.weight)}`)
        .join(', ');
    await eventually(
      async () => (await weights()) === 'routed-stable 100, routed-canary 0',
      20_000,
      'all traffic to stable',
    );
    await api.request(
      'PATCH',
      `${BASE}/inferenceservices/routed`,
      { spec: { modelVersion: 'iris-v2' } },
      MERGE,
    );
    await eventually(
      async () => (await weights()) === 'routed-stable 70, routed-canary 30',
      20_000,
      '30% to the canary',
    );
    const route = (await api.request('GET', ROUTE)) as Route;
    expect(route.spec).toMatchObject({
      parentRefs: [{ name: 'public' }],
      hostnames: ['iris.example.com'],
    });
    const replicas = async (name: string) =>
      (
        (await api.request('GET', `/apis/apps/v1/namespaces/${NS}/deployments/${name}`)) as {
          spec: { replicas: number };
        }
      ).spec.replicas;
    expect(await replicas('routed-stable')).toBe(2);
    expect(await replicas('routed-canary')).toBe(1);
    for (const track of ['stable', 'canary']) {
      const selected = (await api.request(
        'GET',
        `/api/v1/namespaces/${NS}/services/routed-${track}`,
      )) as { spec: { selector: Record<string, string> } };
      expect(selected.spec.selector['ferry.dev/track']).toBe(track);
    }

    // Deleting the service gives the route back as its owner wrote it.
    await api.request('DELETE', `${BASE}/inferenceservices/routed`);
    await eventually(
      async () => ((await api.request('GET', ROUTE)) as Route).spec.rules === undefined,
      20_000,
      "the route without Ferry's rules",
    );
    expect(((await api.request('GET', ROUTE)) as Route).spec).toEqual({
      parentRefs: [{ name: 'public' }],
      hostnames: ['iris.example.com'],
    });
    await eventually(
      async () => !(await deploymentExists('routed-stable')),
      20_000,
      'routed-stable gone',
    );
  });
});
