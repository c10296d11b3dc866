import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Dataset, ModelVersion, TrainingJob } from '../../../operator/src/api/index.js';
import { desiredJob } from '../../../operator/src/controllers/training-job/job.js';
import {
  planTrainingJob as planOnly,
  type TrainingJobObserved,
} from '../../../operator/src/controllers/training-job/plan.js';
import { trainingJob } from './fixtures.js';
import { summarized } from '../summarized.js';

/** The plan as the controller writes it, conditions included. */
const planTrainingJob = (input: TrainingJobObserved) =>
  summarized(input.trainingJob, planOnly(input), input.nowMs);

const NOW = Date.parse('2026-11-22T10:00:00Z');
const DIGEST = 'sha256:9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355';
const SHA = '9d824ae4eb7a6bfd61e8a857f9442f027d13ee9992b58182793b51b30e229f2e';

function dataset(ready: boolean): Dataset {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'iris', namespace: 'ml' },
    spec: { source: { uri: 'pvc://ferry-data/iris.csv' }, split: { seed: 7 } },
    status: {
      digest: DIGEST,
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: ready ? 'Succeeded' : 'DigestMismatch',
          message: ready ? 'ok' : 'digest differs from spec.source.sha256',
          lastTransitionTime: '2026-11-22T09:00:00Z',
        },
      ],
    },
  };
}

function observed(overrides: Partial<TrainingJobObserved> = {}): TrainingJobObserved {
  return {
    trainingJob: trainingJob(),
    dataset: dataset(true),
    jobs: [],
    pods: [],
    services: new Set(),
    modelVersions: [],
    admission: () => ({ admitted: true }),
    defaultOutputUri: 'pvc://ferry-models',
    nowMs: NOW,
    ...overrides,
  };
}

/** The Job Ferry would have created for run 1, with the status a job controller wrote. */
function createdJob(status: NonNullable<V1Job['status']>): V1Job {
  const job = desiredJob({
    trainingJob: trainingJob(),
    run: { id: 1, trigger: 'Created', generation: 1, phase: 'Pending' },
    dataset: { uri: 'pvc://ferry-data/iris.csv', digest: DIGEST, split: {} },
    outputDirectoryUri: 'pvc://ferry-models/iris-logreg-1',
  });
  job.status = status;
  return job;
}

/** A ModelVersion that run `run` of the TrainingJob with uid `uid` registered. */
function registeredModelVersion(uid: string, run = 'iris-logreg-1'): ModelVersion {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: {
      name: 'iris-v2',
      namespace: 'ml',
      labels: { 'ferry.dev/training-job': 'iris-logreg', 'ferry.dev/training-run': run },
      annotations: { 'ferry.dev/training-job-uid': uid },
    },
    spec: {
      model: 'iris',
      version: '2',
      artifact: { uri: 'pvc://m/model.onnx', sha256: SHA },
      metrics: { accuracy: 0.9231, f1_macro: 0.9048 },
    },
  };
}

const OWNED_BY_JOB = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'iris-logreg-1', uid: 'j1' }];

function completedPod(message: string): V1Pod {
  return {
    metadata: { name: 'iris-logreg-1-x7k2p', ownerReferences: OWNED_BY_JOB },
    status: {
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'trainer',
          image: 'img',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            terminated: { exitCode: 0, message, finishedAt: new Date('2026-11-22T10:03:12Z') },
          },
        },
      ],
    },
  };
}

const COMPLETE: NonNullable<V1Job['status']> = {
  succeeded: 1,
  startTime: new Date('2026-11-22T10:00:00Z'),
  completionTime: new Date('2026-11-22T10:03:12Z'),
  conditions: [{ type: 'Complete', status: 'True' }],
};
const RESULT = `{"metrics": {"accuracy": 0.9231, "f1_macro": 0.9048}, "artifact": "model.onnx", "sha256": "${SHA}"}`;

function readyOf(plan: ReturnType<typeof planTrainingJob>) {
  return plan.status.conditions?.find((c) => c.type === 'Ready');
}

describe('planTrainingJob before the Job exists', () => {
  it.each<{
    name: string;
    input: Partial<TrainingJobObserved>;
    phase: string;
    reason: string;
    message: string;
  }>([
    {
      name: 'waits for a missing Dataset',
      input: { dataset: undefined },
      phase: 'Pending',
      reason: 'DatasetNotFound',
      message: 'Dataset "iris" does not exist',
    },
    {
      name: 'waits for a Dataset that is not Ready',
      input: { dataset: dataset(false) },
      phase: 'Pending',
      reason: 'DatasetNotReady',
      message: 'Dataset "iris" is not Ready: digest differs from spec.source.sha256',
    },
    {
      name: 'queues while GPU capacity is short',
      input: {
        admission: () => ({
          admitted: false,
          message: 'waiting for 4 nvidia.com/gpu: 2 of 8 free',
        }),
      },
      phase: 'Queued',
      reason: 'WaitingForCapacity',
      message: 'waiting for 4 nvidia.com/gpu: 2 of 8 free',
    },
  ])('$name', ({ input, phase, reason, message }) => {
    const plan = planTrainingJob(observed(input));
    expect(plan.actions).toEqual([]);
    expect(plan.status).toMatchObject({ phase, message });
    expect(readyOf(plan)).toMatchObject({ status: 'False', reason, message });
  });

  it("creates run 1's Job once admitted, and records the run", () => {
    const plan = planTrainingJob(observed());
    expect(plan.actions.map((action) => action.type)).toEqual(['createJob']);
    expect(plan.status).toMatchObject({
      phase: 'Admitted',
      jobName: 'iris-logreg-1',
      startTime: '2026-11-22T10:00:00.000Z',
      observedGeneration: 1,
      lastRun: 1,
      runs: [
        {
          id: 1,
          trigger: 'Created',
          generation: 1,
          phase: 'Admitted',
          jobName: 'iris-logreg-1',
          datasetDigest: DIGEST,
          outputUri: 'pvc://ferry-models/iris-logreg-1',
          queuedTime: '2026-11-22T10:00:00.000Z',
          startTime: '2026-11-22T10:00:00.000Z',
        },
      ],
    });
    const job = plan.actions[0]?.type === 'createJob' ? plan.actions[0].job : undefined;
    const env = job?.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'FERRY_DATASET_DIGEST')?.value).toBe(DIGEST);
    expect(env.find((e) => e.name === 'FERRY_DATASET_SPLIT')?.value).toBe(
      '{"train":0.8,"validation":0.1,"test":0.1,"seed":7}',
    );
  });

  it('creates the headless Service before a distributed Job', () => {
    const plan = planTrainingJob(
      observed({ trainingJob: trainingJob({ distributed: { workers: 2 } }) }),
    );
    expect(plan.actions.map((action) => action.type)).toEqual(['createService', 'createJob']);
  });

  it('leaves admission to Kueue when spec.queue is set, even without capacity', () => {
    const plan = planTrainingJob(
      observed({
        trainingJob: trainingJob({ queue: 'team-a' }),
        admission: () => ({ admitted: false, message: 'no GPUs' }),
      }),
    );
    expect(plan.actions.map((action) => action.type)).toEqual(['createJob']);
    expect(plan.status).toMatchObject({
      phase: 'Queued',
      message: 'waiting for Kueue to admit the Job from queue team-a',
    });
  });
});

describe('planTrainingJob after the Job exists', () => {
  it("measures a run's duration on the Job's own clock, not from when it was queued", () => {
    const queued: TrainingJob = {
      ...trainingJob(),
      status: {
        lastRun: 1,
        runs: [
          {
            id: 1,
            trigger: 'Created',
            generation: 1,
            phase: 'Running',
            jobName: 'iris-logreg-1',
            queuedTime: '2026-11-22T09:55:00.000Z',
            startTime: '2026-11-22T09:55:00.123Z',
          },
        ],
      },
    };
    const plan = planTrainingJob(
      observed({ trainingJob: queued, jobs: [createdJob(COMPLETE)], pods: [completedPod(RESULT)] }),
    );
    // The Job ran 10:00:00 → 10:03:12; the five minutes it waited before are not training.
    expect(plan.status.runs?.[0]).toMatchObject({
      startTime: '2026-11-22T09:55:00.123Z',
      completionTime: '2026-11-22T10:03:12.000Z',
      duration: '3m12s',
    });
  });

  it('asks for the ModelVersion of the run, with its lineage and output, without a number', () => {
    const committed: TrainingJob = {
      ...trainingJob({ hyperparameters: { C: 1 } }),
      metadata: {
        ...trainingJob().metadata,
        labels: { 'ferry.dev/git-commit': '0123456789abcdef0123456789abcdef01234567' },
      },
    };
    const plan = planTrainingJob(
      observed({
        trainingJob: committed,
        jobs: [createdJob(COMPLETE)],
        pods: [completedPod(RESULT)],
      }),
    );
    expect(plan.status).toMatchObject({
      phase: 'Running',
      metrics: { accuracy: 0.9231, f1_macro: 0.9048 },
      duration: '3m12s',
    });
    expect(readyOf(plan)).toMatchObject({ status: 'False', reason: 'RegisteringModelVersion' });
    expect(plan.actions).toEqual([
      {
        type: 'registerModelVersion',
        run: 'iris-logreg-1',
        draft: {
          apiVersion: 'ml.ferry.dev/v1alpha1',
          kind: 'ModelVersion',
          metadata: {
            name: '',
            namespace: 'ml',
            labels: {
              'ferry.dev/model': 'iris',
              'ferry.dev/training-job': 'iris-logreg',
              'ferry.dev/training-run': 'iris-logreg-1',
            },
            annotations: { 'ferry.dev/training-job-uid': 'uid-1234' },
          },
          spec: {
            model: 'iris',
            version: '',
            artifact: {
              uri: 'pvc://ferry-models/iris-logreg-1/model.onnx',
              sha256: SHA,
              format: 'onnx',
            },
            metrics: { accuracy: 0.9231, f1_macro: 0.9048 },
            primaryMetric: 'accuracy',
            lineage: {
              dataset: { name: 'iris', digest: DIGEST },
              trainingJob: 'iris-logreg',
              gitCommit: '0123456789abcdef0123456789abcdef01234567',
              hyperparameters: { C: 1 },
            },
          },
        },
      },
    ]);
  });

  it('is Succeeded with the ModelVersion its run registered (after a restart, say)', () => {
    const mine = registeredModelVersion('uid-1234');
    const plan = planTrainingJob(
      observed({
        jobs: [createdJob(COMPLETE)],
        pods: [completedPod(RESULT)],
        modelVersions: [mine],
      }),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.status).toMatchObject({ phase: 'Succeeded', modelVersion: 'iris-v2' });
    expect(readyOf(plan)).toMatchObject({
      status: 'True',
      reason: 'ModelVersionRegistered',
      message: 'registered ModelVersion "iris-v2" (version 2)',
    });
  });

  it('never adopts what an earlier TrainingJob of the same name registered, nor reuses its run', () => {
    const theirs = registeredModelVersion('uid-old', 'iris-logreg-3');
    const plan = planTrainingJob(observed({ modelVersions: [theirs] }));
    expect(plan.status).toMatchObject({ phase: 'Admitted', jobName: 'iris-logreg-4', lastRun: 4 });
  });

  it('fails without registering anything when the result is malformed', () => {
    const plan = planTrainingJob(
      observed({
        jobs: [createdJob(COMPLETE)],
        pods: [completedPod('{"metrics": {"accuracy": 0.9}}')],
      }),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.status.phase).toBe('Failed');
    expect(plan.status.modelVersion).toBeUndefined();
    expect(readyOf(plan)).toMatchObject({ reason: 'InvalidResult' });
    expect(plan.status.message).toContain(
      '"artifact" must be the path of the model file, got "nothing"',
    );
    expect(plan.status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidResult',
    });
  });

  it('waits for the Pod cache to catch up with a completed Job instead of failing', () => {
    const plan = planTrainingJob(
      observed({ jobs: [createdJob(COMPLETE)], nowMs: Date.parse('2026-11-22T10:03:40Z') }),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.status.phase).toBe('Running');
    expect(readyOf(plan)).toMatchObject({ status: 'False', reason: 'ReadingResult' });
    expect(plan.requeueAfterMs).toBe(1000);
  });

  it('fails once the Pod holding the result has stayed gone past the grace period', () => {
    const plan = planTrainingJob(
      observed({ jobs: [createdJob(COMPLETE)], nowMs: Date.parse('2026-11-22T10:04:13Z') }),
    );
    expect(plan.status.phase).toBe('Failed');
    expect(readyOf(plan)).toMatchObject({ reason: 'ResultPodGone' });
    expect(plan.actions).toEqual([]);
  });

  it('fails with the Job failure reason', () => {
    const plan = planTrainingJob(
      observed({
        jobs: [
          createdJob({
            failed: 3,
            conditions: [
              {
                type: 'Failed',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                message: 'Job has reached the specified backoff limit',
                lastTransitionTime: new Date(NOW),
              },
            ],
          }),
        ],
      }),
    );
    expect(plan.status).toMatchObject({ phase: 'Failed', attempts: 3 });
    expect(readyOf(plan)).toMatchObject({ status: 'False', reason: 'BackoffLimitExceeded' });
  });

  it('starts no run again once Succeeded, even when the Job is gone', () => {
    const mine = registeredModelVersion('uid-1234');
    const first = planTrainingJob(
      observed({
        jobs: [createdJob(COMPLETE)],
        pods: [completedPod(RESULT)],
        modelVersions: [mine],
      }),
    );
    const done: TrainingJob = { ...trainingJob(), status: first.status };
    const again = planTrainingJob(observed({ trainingJob: done, nowMs: NOW + 3_600_000 }));
    expect(again.actions).toEqual([]);
    expect(again.status).toEqual(first.status);
  });

  it('follows a Job started before runs to its end, and registers it with a number', () => {
    // What the controller created before runs: a Job named after the TrainingJob, without
    // the run label, writing to <output>/<tjob>.
    const legacyJob = createdJob(COMPLETE);
    legacyJob.metadata = {
      name: 'iris-logreg',
      namespace: 'ml',
      labels: { 'ferry.dev/training-job': 'iris-logreg', 'ferry.dev/model': 'iris' },
      ownerReferences: legacyJob.metadata?.ownerReferences ?? [],
    };
    const legacy: TrainingJob = {
      ...trainingJob(),
      status: { observedGeneration: 1, phase: 'Running', jobName: 'iris-logreg' },
    };
    const pod = completedPod(RESULT);
    pod.metadata = {
      name: 'p',
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'iris-logreg', uid: 'j0' }],
    };
    const plan = planTrainingJob(observed({ trainingJob: legacy, jobs: [legacyJob], pods: [pod] }));
    expect(plan.status).toMatchObject({ lastRun: 0, runs: [{ id: 0, jobName: 'iris-logreg' }] });
    const action = plan.actions[0];
    expect(action?.type === 'registerModelVersion' ? action.draft.spec.artifact.uri : '').toBe(
      'pvc://ferry-models/iris-logreg/model.onnx',
    );
  });

  it('keeps lastTransitionTime when a later reconcile states the same condition', () => {
    const running = createdJob({ active: 1 });
    const runningPod: V1Pod = {
      metadata: { name: 'p', ownerReferences: OWNED_BY_JOB },
      status: { phase: 'Running' },
    };
    const first = planTrainingJob(observed({ jobs: [running], pods: [runningPod] }));
    expect(first.status.phase).toBe('Running');
    const later = planTrainingJob(
      observed({
        trainingJob: { ...trainingJob(), status: first.status },
        jobs: [running],
        pods: [runningPod],
        nowMs: NOW + 60_000,
      }),
    );
    expect(later.status).toEqual(first.status);
  });
});
