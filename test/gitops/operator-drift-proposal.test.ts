/**
 * The DriftMonitor's pullRequest action as users meet it: `ferry operator --git-dir` syncs
 * a real repository declaring the iris pipeline (test/fixtures/drift/pipeline.yaml), the
 * local runner serves it with two real `ferry serve` pods, grown iris rows make it drift,
 * and a branch `ferry/retrain/<monitor>/<job>` appears whose one commit adds the retraining
 * TrainingJob's manifest beside the pipeline, with the drift table in its message, while
 * the user's HEAD and working tree stay as they were.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DriftMonitor, InferenceService } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import type { LocalRunner } from '../../operator/src/devcluster/index.js';
import { eventually, REPO, type TestCluster } from '../support/cluster.js';
import { ferryWhen, findCondition, listEvents, NS, startFerryCluster } from '../support/ferry.js';
import { createRepo, git, type WorkRepo } from '../support/git.js';
import type { Api } from '../support/kubelet.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { IRIS_CLAIM_FLAGS, startIrisRunner } from '../support/iris-serving.js';
import { IRIS_ROWS, sendRows } from '../support/traffic.js';

describe('ferry operator --git-dir proposes the retraining a DriftMonitor starts', () => {
  let cluster: TestCluster;
  let api: Api;
  let kubeconfig: string;
  let repo: WorkRepo;
  let runner: LocalRunner;
  let operator: OperatorProcess;
  let state: string;

  beforeAll(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    repo = await createRepo();
    await repo.commit({
      'deploy/pipeline.yaml': await readFile(
        join(REPO, 'test', 'fixtures', 'drift', 'pipeline.yaml'),
        'utf8',
      ),
    });
    state = await mkdtemp(join(tmpdir(), 'ferry-drift-git-'));
    runner = await startIrisRunner(cluster, state, 204);
    operator = await startOperator(kubeconfig, [
      '--leader-elect=false',
      '--git-dir',
      repo.directory,
      '--git-interval',
      '200ms',
      ...IRIS_CLAIM_FLAGS,
    ]);
  }, 60_000);

  afterAll(async () => {
    await operator.stop();
    await runner.stop();
    await cluster.stop();
    await rm(state, { recursive: true, force: true });
    await rm(repo.directory, { recursive: true, force: true });
  });

  it('opens one branch that adds the TrainingJob manifest, with the drift table', async () => {
    await ferryWhen<InferenceService>(
      cluster,
      FerryResources.inferenceService,
      'iris',
      (service) => findCondition(service, 'Ready')?.status === 'True',
      60_000,
      'iris serving',
    );
    const head = await repo.head();
    const grown = IRIS_ROWS.map((row) => row.map((value) => value + 1.5));
    await eventually(
      async () =>
        (await sendRows(cluster.devcluster.url, NS, 'iris', { model: 'iris', rows: grown })) ===
        150,
      30_000,
      'grown rows served',
    );
    await sendRows(cluster.devcluster.url, NS, 'iris', { model: 'iris', rows: grown });

    const monitor = await ferryWhen<DriftMonitor>(
      cluster,
      FerryResources.driftMonitor,
      'iris-drift',
      (m) => m.status?.pullRequest?.state === 'Open',
      60_000,
      'the retraining proposal recorded',
    );
    const job = monitor.status?.retrainingJob ?? '';
    expect(job).toMatch(/^iris-drift-retrain-\d{14}$/);
    const branch = `ferry/retrain/iris-drift/${job}`;
    expect(monitor.status?.pullRequest).toEqual({
      state: 'Open',
      branch,
      message: `merge it with: git merge ${branch}`,
    });
    expect(findCondition(monitor, 'Drifted')?.status).toBe('True');

    // One commit on top of the tracked branch, adding exactly the job's manifest.
    expect(await git(repo.directory, 'rev-parse', `${branch}~1`)).toBe(head);
    expect(await git(repo.directory, 'diff', '--name-status', `${head}..${branch}`)).toBe(
      `A\tdeploy/${job}.yaml`,
    );
    const manifest = parse(await git(repo.directory, 'show', `${branch}:deploy/${job}.yaml`)) as {
      kind: string;
      metadata: {
        name: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      };
      spec: Record<string, unknown>;
      status?: unknown;
    };
    expect(manifest.kind).toBe('TrainingJob');
    expect(manifest.metadata.name).toBe(job);
    expect(manifest.metadata.labels).toMatchObject({
      'ferry.dev/drift-monitor': 'iris-drift',
      'ferry.dev/trigger': 'drift',
    });
    expect(manifest.metadata.annotations['ferry.dev/drift-evaluation']).toBe(
      monitor.status?.retrainTime,
    );
    expect(manifest.spec).toMatchObject({
      datasetRef: { name: 'iris' },
      model: 'iris',
      image: 'trainer:1',
      hyperparameters: { C: 0.5 },
    });
    expect(manifest.status).toBeUndefined();
    const message = await git(repo.directory, 'log', '-1', '--format=%B', branch);
    expect(message).toMatch(/^Retrain iris after drift: TrainingJob iris-drift-retrain-\d{14}\n/);
    expect(message).toContain('| feature | method | statistic | p-value | threshold | drifted |');
    expect(message).toMatch(/\| petal_length \| ks \| [\d.]+ \| [\d.e-]+ \| 0\.0125 \| yes \|/);

    // The user's checkout is untouched, and the proposal is made once.
    expect(await git(repo.directory, 'rev-parse', 'HEAD')).toBe(head);
    expect(await git(repo.directory, 'status', '--porcelain')).toBe('');
    expect(await git(repo.directory, 'branch', '--list', 'ferry/retrain/*')).toBe(branch);
    const proposed = (await listEvents(api)).filter(
      (event) => event.reason === 'RetrainingProposed',
    );
    expect(proposed).toHaveLength(1);
  });
});
