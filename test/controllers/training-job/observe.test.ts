import type { V1ContainerState, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { observeJob } from '../../../operator/src/controllers/training-job/observe.js';

const T0 = new Date('2026-11-22T10:00:00Z');
const T1 = new Date('2026-11-22T10:03:12Z');

function job(
  status: V1Job['status'] = {},
  spec: Partial<NonNullable<V1Job['spec']>> = {},
  labels: Record<string, string> = {},
): V1Job {
  return {
    metadata: { name: 'iris-logreg', labels },
    spec: { template: {}, ...spec },
    status,
  };
}

function pod(
  name: string,
  phase: string,
  state: V1ContainerState,
  extra: { lastState?: V1ContainerState; index?: string } = {},
): V1Pod {
  return {
    metadata: {
      name,
      ...(extra.index === undefined
        ? {}
        : { annotations: { 'batch.kubernetes.io/job-completion-index': extra.index } }),
    },
    status: {
      phase,
      containerStatuses: [
        {
          name: 'trainer',
          image: 'img',
          imageID: '',
          ready: phase === 'Running',
          restartCount: 0,
          state,
          ...(extra.lastState === undefined ? {} : { lastState: extra.lastState }),
        },
      ],
    },
  };
}

const terminated = (exitCode: number, message?: string, reason?: string): V1ContainerState => ({
  terminated: {
    exitCode,
    finishedAt: T1,
    ...(message === undefined ? {} : { message }),
    ...(reason === undefined ? {} : { reason }),
  },
});

describe('observeJob', () => {
  it('is Admitted while pods are pending, Running once one runs', () => {
    expect(
      observeJob(job({ active: 1, startTime: T0 }), [
        pod('p1', 'Pending', { waiting: { reason: 'ContainerCreating' } }),
      ]),
    ).toMatchObject({
      phase: 'Admitted',
      startTime: '2026-11-22T10:00:00.000Z',
      attempts: 1,
    });
    expect(
      observeJob(job({ active: 1 }), [pod('p1', 'Running', { running: { startedAt: T0 } })]),
    ).toMatchObject({
      phase: 'Running',
      message: 'training is running (1 active pods)',
    });
  });

  it('is Succeeded with the termination message of the completed pod', () => {
    const observation = observeJob(
      job({
        succeeded: 1,
        failed: 1,
        startTime: T0,
        completionTime: T1,
        conditions: [{ type: 'Complete', status: 'True' }],
      }),
      [
        pod('p1', 'Failed', terminated(1, 'crash')),
        pod('p2', 'Succeeded', terminated(0, '{"ok":1}')),
      ],
    );
    expect(observation).toEqual({
      phase: 'Succeeded',
      reason: 'JobComplete',
      message: 'the training Job completed',
      attempts: 2,
      startTime: '2026-11-22T10:00:00.000Z',
      completionTime: '2026-11-22T10:03:12.000Z',
      result: '{"ok":1}',
    });
  });

  it('takes the result of completion index 0 for distributed jobs', () => {
    const observation = observeJob(
      job(
        { succeeded: 2, conditions: [{ type: 'Complete', status: 'True' }] },
        { completionMode: 'Indexed' },
      ),
      [
        pod('w1', 'Succeeded', terminated(0, 'worker-1'), { index: '1' }),
        pod('w0', 'Succeeded', terminated(0, 'worker-0'), { index: '0' }),
      ],
    );
    expect(observation.result).toBe('worker-0');
  });

  it.each<{
    name: string;
    reason: string;
    message: string;
    pods: V1Pod[];
    condition: { reason: string; message: string };
  }>([
    {
      name: 'the deadline',
      condition: {
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
      },
      pods: [],
      reason: 'DeadlineExceeded',
      message:
        'the Job ran longer than its deadline: Job was active longer than specified deadline',
    },
    {
      name: 'OOMKilled, more specific than the backoff limit',
      condition: {
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
      pods: [pod('p1', 'Failed', terminated(137, undefined, 'OOMKilled'))],
      reason: 'OOMKilled',
      message:
        'container trainer in pod p1 ran out of memory (OOMKilled, exit code 137); raise spec.resources.memory',
    },
    {
      name: 'the backoff limit, with the last exit code',
      condition: {
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
      pods: [pod('p1', 'Failed', terminated(2, 'ValueError: bad input'))],
      reason: 'BackoffLimitExceeded',
      message:
        'Job has reached the specified backoff limit; last exit code 2 in pod p1: ValueError: bad input',
    },
  ])('is Failed because of $name', ({ condition, pods, reason, message }) => {
    const observation = observeJob(
      job({
        failed: 1,
        conditions: [{ type: 'Failed', status: 'True', ...condition, lastTransitionTime: T1 }],
      }),
      pods,
    );
    expect(observation).toMatchObject({
      phase: 'Failed',
      reason,
      message,
      completionTime: '2026-11-22T10:03:12.000Z',
    });
  });

  it('reports an image that cannot be pulled as stuck while the Job goes on', () => {
    const observation = observeJob(job({ active: 1 }), [
      pod('p1', 'Pending', {
        waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' },
      }),
    ]);
    expect(observation).toMatchObject({
      phase: 'Admitted',
      stuck: {
        reason: 'ImagePullBackOff',
        message:
          'pod p1 cannot start its container: ImagePullBackOff: Back-off pulling image "nope:1"',
      },
    });
  });

  it('reports an OOMKilled attempt while the Job retries', () => {
    const observation = observeJob(job({ active: 1, failed: 1 }), [
      pod('p1', 'Failed', terminated(137, undefined, 'OOMKilled')),
      pod('p2', 'Running', { running: {} }),
    ]);
    expect(observation).toMatchObject({
      phase: 'Running',
      attempts: 2,
      stuck: { reason: 'OOMKilled' },
    });
  });

  it('is Queued while Kueue keeps the Job suspended', () => {
    expect(
      observeJob(job({}, { suspend: true }, { 'kueue.x-k8s.io/queue-name': 'team-a' }), []),
    ).toMatchObject({
      phase: 'Queued',
      reason: 'WaitingForKueue',
      message: 'waiting for Kueue to admit the Job from queue team-a',
    });
  });
});
