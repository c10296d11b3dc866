/**
 * Reads where a training run stands from its batch/v1 Job and Pods, the way a user would
 * read `kubectl describe job`: the phase, and the most specific reason for a failure or a
 * stuck pod (image pull errors, OOMKilled, deadline exceeded, backoff limit exceeded).
 */

import type { V1ContainerStatus } from '@kubernetes/client-node';
import type { CachedJob, CachedPod } from './cache.js';
import type { TrainingPhase } from '../../api/index.js';
import { CONTAINER_NAME } from './job.js';

export interface JobObservation {
  phase: Extract<TrainingPhase, 'Queued' | 'Admitted' | 'Running' | 'Succeeded' | 'Failed'>;
  /** CamelCase reason for the Ready condition. */
  reason: string;
  message: string;
  /** Pods started so far, including retries. */
  attempts: number;
  /** A pod is stuck in a way the user must fix (bad image), though the Job goes on. */
  stuck?: { reason: string; message: string };
  /** The termination message of the pod that completed (index 0 for distributed jobs). */
  result?: string;
  /**
   * The Job completed but the Pod that holds its result is not among `pods`: the Pod
   * cache may lag the Job cache, or the Pod was deleted.
   */
  resultPodMissing?: boolean;
  startTime?: string;
  completionTime?: string;
}

const IMAGE_ERRORS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
]);

export function observeJob(job: CachedJob, pods: readonly CachedPod[]): JobObservation {
  const status = job.status ?? {};
  const attempts = (status.active ?? 0) + (status.succeeded ?? 0) + (status.failed ?? 0);
  const times = {
    ...(status.startTime === undefined ? {} : { startTime: toIso(status.startTime) }),
    ...(status.completionTime === undefined
      ? {}
      : { completionTime: toIso(status.completionTime) }),
  };
  const conditions = status.conditions ?? [];
  const condition = (type: string) =>
    conditions.find((c) => c.type === type && c.status === 'True');

  const complete = condition('Complete');
  if (complete !== undefined) {
    const winner = succeededPod(job, pods);
    return {
      phase: 'Succeeded',
      reason: 'JobComplete',
      message: 'the training Job completed',
      attempts,
      ...times,
      completionTime: times.completionTime ?? toIso(complete.lastTransitionTime),
      ...(winner === undefined ? { resultPodMissing: true } : resultOf(winner)),
    };
  }

  const failed = condition('Failed');
  if (failed !== undefined) {
    const oom = findTermination(pods, (state) => state.reason === 'OOMKilled');
    const image = findWaiting(pods);
    const base = {
      phase: 'Failed' as const,
      attempts,
      ...times,
      completionTime: toIso(failed.lastTransitionTime),
    };
    if (failed.reason === 'DeadlineExceeded') {
      return {
        ...base,
        reason: 'DeadlineExceeded',
        message: `the Job ran longer than its deadline: ${failed.message ?? ''}`.trim(),
      };
    }
    if (oom !== undefined) {
      return {
        ...base,
        reason: 'OOMKilled',
        message: `container ${CONTAINER_NAME} in pod ${oom.pod} ran out of memory (OOMKilled, exit code ${oom.exitCode}); raise spec.resources.memory`,
      };
    }
    if (image !== undefined) return { ...base, reason: image.reason, message: image.message };
    const exit = findTermination(pods, (state) => (state.exitCode ?? 0) !== 0);
    const detail =
      exit === undefined
        ? ''
        : `; last exit code ${exit.exitCode} in pod ${exit.pod}${exit.message === '' ? '' : `: ${exit.message}`}`;
    return {
      ...base,
      reason: failed.reason ?? 'JobFailed',
      message: `${failed.message ?? 'the training Job failed'}${detail}`,
    };
  }

  if (job.spec?.suspend === true) {
    const queue = job.metadata?.labels?.['kueue.x-k8s.io/queue-name'];
    return {
      phase: 'Queued',
      reason: 'WaitingForKueue',
      message: `waiting for Kueue to admit the Job${queue === undefined ? '' : ` from queue ${queue}`}`,
      attempts,
      ...times,
    };
  }

  const stuckImage = findWaiting(pods);
  const oom = findTermination(pods, (state) => state.reason === 'OOMKilled');
  const stuck =
    stuckImage ??
    (oom === undefined
      ? undefined
      : {
          reason: 'OOMKilled',
          message: `container ${CONTAINER_NAME} in pod ${oom.pod} ran out of memory (OOMKilled); the Job is retrying`,
        });
  const running = pods.some(
    (pod) => pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined,
  );
  return {
    phase: running ? 'Running' : 'Admitted',
    reason: running ? 'Running' : 'Starting',
    message: running
      ? `training is running (${status.active ?? 0} active pods)`
      : 'the training Job is starting',
    attempts,
    ...times,
    ...(stuck === undefined ? {} : { stuck }),
  };
}

function trainer(pod: CachedPod): V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME);
}

/** The pod whose result counts: completion index 0 for Indexed Jobs, else the latest success. */
function succeededPod(job: CachedJob, pods: readonly CachedPod[]): CachedPod | undefined {
  const succeeded = pods.filter((pod) => pod.status?.phase === 'Succeeded');
  if (job.spec?.completionMode === 'Indexed') {
    return succeeded.find(
      (pod) => pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '0',
    );
  }
  return succeeded.sort((a, b) => finishedAt(b).localeCompare(finishedAt(a)))[0];
}

function finishedAt(pod: CachedPod): string {
  const finished = trainer(pod)?.state?.terminated?.finishedAt;
  return finished === undefined ? '' : toIso(finished);
}

function resultOf(pod: CachedPod): { result?: string } {
  const message = trainer(pod)?.state?.terminated?.message;
  return message === undefined ? {} : { result: message };
}

interface Termination {
  pod: string;
  exitCode: number;
  message: string;
}

function findTermination(
  pods: readonly CachedPod[],
  match: (state: { reason?: string; exitCode?: number }) => boolean,
): Termination | undefined {
  for (const pod of pods) {
    const status = trainer(pod);
    for (const state of [status?.state?.terminated, status?.lastState?.terminated]) {
      if (state !== undefined && match(state)) {
        return {
          pod: pod.metadata?.name ?? '',
          exitCode: state.exitCode,
          message: (state.message ?? '').slice(0, 200),
        };
      }
    }
  }
  return undefined;
}

function findWaiting(pods: readonly CachedPod[]): { reason: string; message: string } | undefined {
  for (const pod of pods) {
    const waiting = trainer(pod)?.state?.waiting;
    if (waiting?.reason !== undefined && IMAGE_ERRORS.has(waiting.reason)) {
      return {
        reason: waiting.reason,
        message: `pod ${pod.metadata?.name ?? ''} cannot start its container: ${waiting.reason}${waiting.message === undefined ? '' : `: ${waiting.message}`}`,
      };
    }
  }
  return undefined;
}

function toIso(time: Date | string | undefined): string {
  if (time === undefined) return '';
  return typeof time === 'string' ? time : time.toISOString();
}
