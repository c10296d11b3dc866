/**
 * `spec.schedule` against a devcluster: the TrainingJob controller runs in this process on
 * a ManualClock, so the schedule fires when the test moves time, never by waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingJob } from '../../../operator/src/api/index.js';
import { FerryResources } from '../../../operator/src/controllers/resources.js';
import { trainingJobController } from '../../../operator/src/controllers/training-job/controller.js';
import { EventRecorder } from '../../../operator/src/runtime/events.js';
import { Manager } from '../../../operator/src/runtime/manager.js';
import { ManualClock } from '../../../operator/src/runtime/manual-clock.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { createFerry, ferryWhen, IRIS_V1_SHA, NS, submitTrainingJob } from '../../support/ferry.js';
import { apiOf, getJob, jobOf, succeedJob, type Api } from '../../support/kubelet.js';

const DIGEST = `sha256:${'9'.repeat(64)}`;
const RESULT = JSON.stringify({
  metrics: { accuracy: 0.9 },
  artifact: 'model.onnx',
  sha256: IRIS_V1_SHA,
});

describe('a scheduled TrainingJob on a ManualClock', () => {
  let cluster: TestCluster;
  let api: Api;
  let manager: Manager;
  const clock = new ManualClock(Date.parse('2026-11-22T09:30:00Z'));

  beforeAll(async () => {
    cluster = await startCluster({ crds: true });
    api = apiOf(cluster.devcluster.url);
    // A Ready Dataset, as the Dataset controller would report it.
    await createFerry(
      api,
      FerryResources.dataset,
      { name: 'iris' },
      { source: { uri: 'file:///data/iris.csv' } },
    );
    await cluster.client.applyStatus(
      FerryResources.dataset,
      NS,
      'iris',
      {
        digest: DIGEST,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: 'read',
            lastTransitionTime: '2026-11-22T09:00:00Z',
          },
        ],
      },
      'test',
    );
    manager = new Manager({ client: cluster.client, namespace: NS, clock, resyncMs: 86_400_000 });
    const recorder = new EventRecorder(cluster.client, {
      controller: 'test',
      instance: 'test',
      fieldManager: 'test',
      clock,
    });
    manager.add(
      trainingJobController(
        { client: cluster.client, manager, recorder, clock, fieldManager: 'ferry-operator' },
        { defaultOutputUri: 'pvc://ferry-models' },
      ),
    );
    await manager.start();
  });
  afterAll(async () => {
    await manager.stop();
    await cluster.stop();
  });

  const runsOf = (current: TrainingJob) => current.status?.runs ?? [];
  /** Gives the controller real time to act on what it was told, with the clock held still. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

  it('starts a run each time the schedule fires, in its time zone, and not before', async () => {
    // Daily at 11:00 in Paris, which is 10:00 UTC in November; created at 09:30 UTC, the
    // first run covers the day before's time.
    await submitTrainingJob(api, 'nightly', { schedule: '0 11 * * *', timeZone: 'Europe/Paris' });
    const job = await jobOf(api, NS, 'nightly-1');
    await succeedJob(api, job, 'nightly-1-pod', RESULT);
    const first = await ferryWhen<TrainingJob>(
      cluster,
      FerryResources.trainingJob,
      'nightly',
      (current) => current.status?.phase === 'Succeeded',
      15_000,
      'run 1 Succeeded',
    );
    expect(runsOf(first)).toMatchObject([
      { id: 1, trigger: 'Created', scheduleTime: '2026-11-21T10:00:00.000Z' },
    ]);

    clock.advance(29 * 60_000); // 09:59
    await settle();
    await expect(getJob(api, NS, 'nightly-2')).rejects.toThrow(/404/);

    clock.advance(60_000); // 10:00 UTC, 11:00 in Paris: the schedule fires
    const second = await ferryWhen<TrainingJob>(
      cluster,
      FerryResources.trainingJob,
      'nightly',
      (current) => runsOf(current).length === 2,
      15_000,
      'run 2',
    );
    expect(runsOf(second)[1]).toMatchObject({
      id: 2,
      trigger: 'Schedule',
      scheduleTime: '2026-11-22T10:00:00.000Z',
      queuedTime: '2026-11-22T10:00:00.000Z',
    });
    await jobOf(api, NS, 'nightly-2');
    await settle();
    await expect(getJob(api, NS, 'nightly-3')).rejects.toThrow(/404/);
  });
});
