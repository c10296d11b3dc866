/**
 * When the API server refuses a controller's write, the failure shows where users look:
 * `kubectl get` and `kubectl describe` say Ready=False with the API's reason within the
 * same reconcile, and Stalled=True when only the user can fix it. A real kube-apiserver
 * answers an invalid object with 422 `Invalid` (here: a label value over 63 characters,
 * which apimachinery's `IsValidLabelValue` refuses) and a kind that is not installed with
 * 404 `NotFound`.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import type { Resource } from '../../operator/src/runtime/resource.js';
import { REPO, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  ferryWhen,
  findCondition,
  IRIS_DATA,
  modelVersionValidated,
  registerIrisV1,
  startFerryCluster,
  submitTrainingJob,
} from '../support/ferry.js';
import type { Api } from '../support/kubelet.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';

/** 65 characters: a valid object name, but too long to be a label value. */
const LONG = `iris-${'x'.repeat(60)}`;

describe('ferry operator: a refused write shows in the status', () => {
  let cluster: TestCluster;
  let api: Api;
  let kubeconfig: string;
  let operator: OperatorProcess;

  beforeAll(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    operator = await startOperator(kubeconfig, [
      '--claim',
      `ferry-data=${IRIS_DATA}`,
      '--claim',
      `ferry-models=${join(REPO, 'examples', 'iris', 'models')}`,
    ]);
    await createFerry(api, FerryResources.dataset, { name: 'iris' }, irisDataset());
  });
  afterAll(async () => {
    await operator.stop();
    await cluster.stop();
  });

  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await promisify(execFile)('/usr/bin/kubectl', [
      '--kubeconfig',
      kubeconfig,
      ...args,
    ]);
    return stdout;
  };

  /** Waits for Ready to be False with `reason`, and returns the object's conditions by type. */
  async function refused(resource: Resource, name: string, reason: string) {
    const object = await ferryWhen<{ status?: { conditions?: never[] } }>(
      cluster,
      resource,
      name,
      (current) => findCondition(current, 'Ready')?.reason === reason,
      30_000,
      `${name} Ready=False ${reason}`,
    );
    return {
      ready: findCondition(object, 'Ready'),
      stalled: findCondition(object, 'Stalled'),
      reconciling: findCondition(object, 'Reconciling'),
    };
  }

  it('shows a refused profile ConfigMap on the Dataset as Invalid and Stalled', async () => {
    await createFerry(api, FerryResources.dataset, { name: LONG }, irisDataset());
    const { ready, stalled } = await refused(FerryResources.dataset, LONG, 'Invalid');
    expect(ready).toMatchObject({ status: 'False' });
    expect(ready?.message).toContain(`apply ConfigMap default/${LONG}-profile`);
    expect(ready?.message).toContain('metadata.labels');
    expect(stalled).toMatchObject({ status: 'True', reason: 'Invalid' });

    const row = await kubectl('get', 'dset', LONG, '--no-headers');
    expect(row.split(/\s+/)).toContain('False');
    const described = await kubectl('describe', 'dset', LONG);
    expect(described).toMatch(/Reason:\s+Invalid/);
    expect(described).toMatch(/Warning\s+Invalid/);
  });

  it('shows a refused Job on the TrainingJob as Invalid and Stalled', async () => {
    await submitTrainingJob(api, LONG);
    const { ready, stalled } = await refused(FerryResources.trainingJob, LONG, 'Invalid');
    expect(ready?.message).toContain(`create Job default/${LONG}`);
    expect(stalled).toMatchObject({ status: 'True', reason: 'Invalid' });
    const reason = await kubectl(
      'get',
      'tjob',
      LONG,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].reason}',
    );
    expect(reason).toBe('Invalid');
    expect(await kubectl('describe', 'tjob', LONG)).toMatch(
      /Reason:\s+Invalid\s+Status:\s+True\s+Type:\s+Stalled/,
    );
  });

  it('retries a route whose kind is not installed, Ready=False NotFound but not Stalled', async () => {
    await registerIrisV1(api);
    await modelVersionValidated(cluster, 'iris-v1');
    // No Gateway API CRDs in this cluster: the HTTPRoute cannot be written.
    await createFerry(
      api,
      FerryResources.inferenceService,
      { name: 'iris' },
      { modelVersion: 'iris-v1', traffic: { httpRouteRef: { name: 'iris-route' } } },
    );
    const { ready, stalled, reconciling } = await refused(
      FerryResources.inferenceService,
      'iris',
      'NotFound',
    );
    expect(ready?.message).toContain('apply HTTPRoute default/iris-route');
    expect(stalled).toBeUndefined();
    expect(reconciling).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    const row = await kubectl('get', 'infsvc', 'iris', '--no-headers');
    expect(row.split(/\s+/)).toContain('False');
    expect(await kubectl('describe', 'infsvc', 'iris')).toMatch(/Reason:\s+NotFound/);
  });
});

function irisDataset() {
  return {
    source: { uri: 'pvc://ferry-data/iris.csv', format: 'csv' },
    schema: {
      features: [
        { name: 'sepal_length', type: 'numeric' },
        { name: 'sepal_width', type: 'numeric' },
        { name: 'petal_length', type: 'numeric' },
        { name: 'petal_width', type: 'numeric' },
      ],
      target: { name: 'species', type: 'categorical' },
    },
  };
}
