/**
 * What the TrainingJob controller caches of the Jobs, Pods and Services it made: only
 * those labelled with `ferry.dev/training-job`, and only the fields it reads, so the
 * operator's memory grows with the number of TrainingJobs by as little as possible. (The
 * informer has already dropped managedFields.)
 */

import type {
  KubernetesObject,
  V1ContainerStatus,
  V1EnvVar,
  V1Job,
  V1JobStatus,
  V1Pod,
} from '@kubernetes/client-node';
import type { Selection } from '../../runtime/manager.js';
import { TRAINING_JOB_LABEL } from './job.js';

/** A Job as the cache holds it: its status, its mode, and its containers' contract env. */
export type CachedJob = KubernetesObject & {
  spec?: {
    completionMode?: string;
    suspend?: boolean;
    template: { spec?: { containers: { name: string; env?: V1EnvVar[] }[] } };
  };
  status?: V1JobStatus;
};

/** A Pod as the cache holds it: its phase and container states. */
export type CachedPod = KubernetesObject & {
  status?: { phase?: string; containerStatuses?: V1ContainerStatus[] };
};

/** Keeps the Job's status, its mode, and the contract env of its containers (for lineage). */
function slimJob(job: V1Job): CachedJob {
  const containers = job.spec?.template.spec?.containers ?? [];
  return {
    apiVersion: job.apiVersion ?? 'batch/v1',
    kind: 'Job',
    metadata: job.metadata ?? {},
    spec: {
      ...(job.spec?.completionMode === undefined
        ? {}
        : { completionMode: job.spec.completionMode }),
      ...(job.spec?.suspend === undefined ? {} : { suspend: job.spec.suspend }),
      template: {
        spec: {
          containers: containers.map((container) => ({
            name: container.name,
            ...(container.env === undefined
              ? {}
              : { env: container.env.filter((variable) => variable.name.startsWith('FERRY_')) }),
          })),
        },
      },
    },
    ...(job.status === undefined ? {} : { status: job.status }),
  };
}

/** Keeps the Pod's phase and container states (exit codes, reasons, termination messages). */
function slimPod(pod: V1Pod): CachedPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: pod.metadata ?? {},
    ...(pod.status === undefined
      ? {}
      : {
          status: {
            ...(pod.status.phase === undefined ? {} : { phase: pod.status.phase }),
            ...(pod.status.containerStatuses === undefined
              ? {}
              : { containerStatuses: pod.status.containerStatuses }),
          },
        }),
  };
}

/** An informer transform from what the API server sends to what the cache keeps. */
function trimmed(slim: (object: never) => KubernetesObject): Selection['transform'] {
  return <O extends KubernetesObject>(object: O) => slim(object as never) as O;
}

export const OwnedJobs: Selection = {
  labelSelector: TRAINING_JOB_LABEL,
  transform: trimmed(slimJob),
};
export const OwnedPods: Selection = {
  labelSelector: TRAINING_JOB_LABEL,
  transform: trimmed(slimPod),
};
export const OwnedServices: Selection = { labelSelector: TRAINING_JOB_LABEL };
