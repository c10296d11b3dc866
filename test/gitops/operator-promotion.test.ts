/**
 * Promotion as users meet it: `ferry operator --git-dir` syncs a real repository, and when
 * a better ModelVersion of the model an InferenceService follows becomes Ready, a branch
 * `ferry/promote/<isvc>/<version>` appears whose one commit changes `spec.modelVersion`,
 * while the user's HEAD and working tree stay as they were.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { eventually, REPO, type TestCluster } from '../support/cluster.js';
import { ferryWhen, IRIS_V1_SHA, startFerryCluster } from '../support/ferry.js';
import { createRepo, git, type WorkRepo } from '../support/git.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';

const version = (name: string, accuracy: number) => `apiVersion: ml.ferry.dev/v1alpha1
kind: ModelVersion
metadata:
  name: ${name}
spec:
  model: iris
  version: "${name.replace('iris-v', '')}"
  artifact:
    uri: pvc://ferry-models/v1/model.onnx
    sha256: ${IRIS_V1_SHA}
  metrics:
    accuracy: ${String(accuracy)}
`;

const SERVICE = `apiVersion: ml.ferry.dev/v1alpha1
kind: InferenceService
metadata:
  name: iris
spec:
  # The one line a promotion edits.
  modelVersion: iris-v1
  replicas: 1
  promotion:
    model: iris
`;

describe('ferry operator --git-dir proposes promotions', () => {
  let cluster: TestCluster;
  let kubeconfig: string;
  let repo: WorkRepo;
  let operator: OperatorProcess;

  beforeAll(async () => {
    ({ cluster, kubeconfig } = await startFerryCluster());
    repo = await createRepo();
    await repo.commit({
      'models/iris-v1.yaml': version('iris-v1', 0.9),
      'serving/iris.yaml': SERVICE,
    });
    operator = await startOperator(kubeconfig, [
      '--leader-elect=false',
      '--git-dir',
      repo.directory,
      '--git-interval',
      '200ms',
      '--claim',
      `ferry-models=${join(REPO, 'examples', 'iris', 'models')}`,
    ]);
  });
  afterAll(async () => {
    await operator.stop();
    await cluster.stop();
  });

  it('opens one branch that changes only spec.modelVersion', async () => {
    const before = await repo.head();
    await repo.commit({ 'models/iris-v2.yaml': version('iris-v2', 0.97) }, 'a better model');
    const head = await repo.head();
    await repo.write('serving/iris.yaml', `${SERVICE}# an edit nobody committed\n`);

    const branch = 'ferry/promote/iris/iris-v2';
    await eventually(
      async () => (await git(repo.directory, 'branch', '--list', branch)) !== '',
      60_000,
      `branch ${branch}`,
    );
    const diff = await git(repo.directory, 'diff', '--unified=0', `${head}..${branch}`);
    const changed = diff.split('\n').filter((line) => /^[-+][^-+]/.test(line));
    expect(changed).toEqual(['-  modelVersion: iris-v1', '+  modelVersion: iris-v2']);
    expect(await git(repo.directory, 'rev-parse', `${branch}~1`)).toBe(head);
    expect(await git(repo.directory, 'rev-parse', 'HEAD')).toBe(head);
    expect(await git(repo.directory, 'status', '--porcelain')).toBe('M serving/iris.yaml');
    expect(before).not.toBe(head);

    const proposed = await ferryWhen<ModelVersion>(
      cluster,
      FerryResources.modelVersion,
      'iris-v2',
      (current) => current.status?.promotion?.branch === branch,
      30_000,
      'iris-v2 promotion recorded',
    );
    expect(proposed.status?.promotion?.state).toBe('Open');
  });
});
