/**
 * Where an artifact cannot be read from is the operator's environment, not the model: a
 * ModelVersion whose claim is not mounted is not Ready and is retried, and once the
 * operator runs with the claim it becomes Validated without anyone touching it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { REPO, type TestCluster } from '../support/cluster.js';
import { ferryWhen, findCondition, registerIrisV1, startFerryCluster } from '../support/ferry.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';

describe('ferry operator: a ModelVersion refused for want of a claim', () => {
  let cluster: TestCluster;
  let kubeconfig: string;
  let operator: OperatorProcess | undefined;

  beforeAll(async () => {
    let api;
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    await registerIrisV1(api);
  });
  afterAll(async () => {
    await operator?.stop();
    await cluster.stop();
  });

  const versionWhen = (accept: (current: ModelVersion) => boolean, what: string) =>
    ferryWhen<ModelVersion>(cluster, FerryResources.modelVersion, 'iris-v1', accept, 30_000, what);

  it('is not Ready, not Rejected, while the claim is missing', async () => {
    operator = await startOperator(kubeconfig);
    const version = await versionWhen(
      (current) => findCondition(current, 'Ready')?.reason === 'ArtifactNotFound',
      'iris-v1 ArtifactNotFound',
    );
    expect(findCondition(version, 'Validated')).toMatchObject({ status: 'Unknown' });
    expect(findCondition(version, 'Rejected')).toBeUndefined();
    expect(findCondition(version, 'Stalled')).toBeUndefined();
    expect(version.status?.stage).not.toBe('Rejected');
  });

  it('becomes Validated once the operator runs with the claim', async () => {
    await operator?.stop();
    operator = await startOperator(kubeconfig, [
      '--claim',
      `ferry-models=${join(REPO, 'examples', 'iris', 'models')}`,
    ]);
    const version = await versionWhen(
      (current) => findCondition(current, 'Validated')?.status === 'True',
      'iris-v1 Validated',
    );
    expect(findCondition(version, 'Ready')).toMatchObject({ status: 'True', reason: 'Candidate' });
  });
});
