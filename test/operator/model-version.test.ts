import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { eventually, REPO, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  ferryWhen,
  findCondition as condition,
  getFerry,
  IRIS_V1_SHA,
  listEvents,
  NS,
  startFerryCluster,
} from '../support/ferry.js';
import type { Api } from '../support/kubelet.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';

const MODELS = join(REPO, 'examples', 'iris', 'models');
const BASE = `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}`;

describe('ferry operator: ModelVersions against a devcluster', () => {
  let cluster: TestCluster;
  let operator: OperatorProcess;
  let api: Api;

  beforeAll(async () => {
    let kubeconfig: string;
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    operator = await startOperator(kubeconfig, [
      '--claim',
      `ferry-models=${MODELS}`,
      '--claim',
      `repo=${REPO}`,
    ]);
  });
  afterAll(async () => {
    await operator.stop();
    await cluster.stop();
  });

  async function register(
    name: string,
    artifact: { uri: string; sha256: string },
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await createFerry(
      api,
      FerryResources.modelVersion,
      { name },
      { model: 'iris', version: name, artifact, metrics: { accuracy: 0.9231 }, ...extra },
    );
  }
  const read = (name: string) => getFerry<ModelVersion>(cluster, FerryResources.modelVersion, name);
  /** Waits for `accept` to hold of ModelVersion `name`, and returns it. */
  const modelVersionWhen = (
    name: string,
    accept: (current: ModelVersion) => boolean,
    timeoutMs: number,
    what: string,
  ) => ferryWhen<ModelVersion>(cluster, FerryResources.modelVersion, name, accept, timeoutMs, what);
  const settled = (name: string) =>
    modelVersionWhen(
      name,
      (current) => {
        const validated = condition(current, 'Validated');
        return validated !== undefined && validated.status !== 'Unknown';
      },
      20_000,
      `${name} validated`,
    );

  it('validates a good artifact and records the signature read from the file', async () => {
    await register('iris-v1', { uri: 'pvc://ferry-models/v1/model.onnx', sha256: IRIS_V1_SHA });
    const mv = await settled('iris-v1');
    expect(mv.status).toMatchObject({
      stage: 'Candidate',
      primaryMetric: 'accuracy=0.9231',
      signature: {
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
          { name: 'label', datatype: 'INT64', shape: [-1] },
        ],
      },
    });
    expect(condition(mv, 'Ready')).toMatchObject({ status: 'True', reason: 'Candidate' });
    expect(mv.metadata.finalizers).toEqual(['ml.ferry.dev/finalizer']);
  });

  it('rejects an artifact whose digest differs', async () => {
    await register('iris-tampered', {
      uri: 'pvc://ferry-models/v1/model.onnx',
      sha256: 'f'.repeat(64),
    });
    const mv = await settled('iris-tampered');
    expect(mv.status?.stage).toBe('Rejected');
    expect(condition(mv, 'Rejected')).toMatchObject({ status: 'True', reason: 'DigestMismatch' });
    expect(condition(mv, 'Rejected')?.message).toContain(`got ${IRIS_V1_SHA}`);
  });

  it('rejects a file that is not a model, without harm to the operator', async () => {
    const readme = createHash('sha256')
      .update(await readFile(join(REPO, 'README.md')))
      .digest('hex');
    await register('iris-corrupt', { uri: 'pvc://repo/README.md', sha256: readme });
    const mv = await settled('iris-corrupt');
    expect(condition(mv, 'Rejected')).toMatchObject({ reason: 'NotLoadable' });
    expect(condition(mv, 'Rejected')?.message).toContain('protobuf parsing failed');
    expect((await fetch(`http://${operator.address}/healthz`)).status).toBe(200);
  });

  it('rejects a model whose signature differs from the declared one', async () => {
    await register(
      'iris-wrong-signature',
      { uri: 'pvc://ferry-models/v1/model.onnx', sha256: IRIS_V1_SHA },
      {
        signature: { inputs: [{ name: 'input', datatype: 'FP64', shape: [-1, 4] }] },
      },
    );
    const mv = await settled('iris-wrong-signature');
    expect(condition(mv, 'Rejected')).toMatchObject({ reason: 'SignatureMismatch' });
  });

  it('is Production once an InferenceService serves it, Ready, as its stable version', async () => {
    await createFerry(
      api,
      FerryResources.inferenceService,
      { name: 'iris' },
      { modelVersion: 'iris-v1' },
    );
    // Not before its model server answers.
    const deployment = `/apis/apps/v1/namespaces/${NS}/deployments/iris-stable`;
    const created = await eventually(
      async () =>
        (await api.request('GET', deployment).catch(() => undefined)) as
          { metadata: { generation: number } } | undefined,
      10_000,
      'the stable Deployment',
    );
    expect((await read('iris-v1'))?.status?.stage).toBe('Candidate');
    // Play the Deployment controller: one updated replica available.
    await api.request(
      'PATCH',
      `${deployment}/status`,
      {
        status: {
          observedGeneration: created.metadata.generation,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      },
      'application/merge-patch+json',
    );
    const production = await modelVersionWhen(
      'iris-v1',
      (current) => current.status?.stage === 'Production',
      10_000,
      'Production',
    );
    expect(production.status?.servedBy).toEqual(['iris']);
  });

  it('refuses to be deleted while a service serves it, and goes once nothing does', async () => {
    await api.request('DELETE', `${BASE}/modelversions/iris-v1`);
    const blocked = await modelVersionWhen(
      'iris-v1',
      (current) => condition(current, 'Ready')?.reason === 'DeletionBlocked',
      10_000,
      'DeletionBlocked',
    );
    expect(blocked.metadata).toHaveProperty('deletionTimestamp');
    expect(condition(blocked, 'Ready')?.message).toBe(
      'InferenceService iris serves or names this version; point its spec.modelVersion elsewhere before deleting it',
    );
    // The event is recorded after the status write, so it may trail it a little.
    await eventually(
      async () =>
        (await listEvents(api)).some(
          (event) => event.reason === 'DeletionBlocked' && event.regarding?.name === 'iris-v1',
        ),
      10_000,
      'a DeletionBlocked event',
    );

    await api.request('DELETE', `${BASE}/inferenceservices/iris`);
    await eventually(
      async () => (await read('iris-v1')) === undefined,
      45_000,
      'the ModelVersion to go',
    );
  });
});
