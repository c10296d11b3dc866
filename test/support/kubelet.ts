/**
 * Plays kubelet and the Job controller, as kwok does: writes Node, Pod and Job status
 * through the API server, so controllers see what a real cluster would show them.
 */
import { eventually } from './cluster.js';

export interface Api {
  request: (method: string, path: string, body?: unknown, contentType?: string) => Promise<unknown>;
}

export function apiOf(server: string): Api {
  return {
    async request(method, path, body, contentType = 'application/json') {
      const response = await fetch(`${server}${path}`, {
        method,
        headers: { 'content-type': contentType },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    },
  };
}

const MERGE = 'application/merge-patch+json';

export async function addNode(
  api: Api,
  name: string,
  options: { gpus?: number; product?: string; ready?: boolean } = {},
): Promise<void> {
  await api.request('POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: options.product === undefined ? {} : { 'nvidia.com/gpu.product': options.product },
    },
  });
  await api.request(
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    {
      status: {
        allocatable: {
          cpu: '8',
          memory: '32Gi',
          ...(options.gpus === undefined ? {} : { 'nvidia.com/gpu': String(options.gpus) }),
        },
        conditions: [
          {
            type: 'Ready',
            status: options.ready === false ? 'False' : 'True',
            reason: 'KubeletReady',
          },
        ],
      },
    },
    MERGE,
  );
}

interface JobJson {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> };
  spec: { template: { metadata?: { labels?: Record<string, string> } } };
}

export async function getJob(api: Api, namespace: string, name: string): Promise<JobJson> {
  return (await api.request(
    'GET',
    `/apis/batch/v1/namespaces/${namespace}/jobs/${name}`,
  )) as JobJson;
}

/** Waits for the Job `name`, as the operator creates it, and returns it. */
export function jobOf(
  api: Api,
  namespace: string,
  name: string,
  timeoutMs = 15_000,
): Promise<JobJson> {
  return eventually(
    async () => getJob(api, namespace, name).catch(() => undefined),
    timeoutMs,
    `the Job ${name}`,
  );
}

type PodOutcome =
  | { phase: 'Running' }
  | { phase: 'Succeeded'; message: string }
  | { phase: 'Failed'; exitCode: number; reason?: string; message?: string }
  | { phase: 'Pending'; waitingReason: string; waitingMessage?: string };

/** Creates a Pod for the Job, as the Job controller would, and sets its status. */
export async function runPod(
  api: Api,
  job: JobJson,
  podName: string,
  outcome: PodOutcome,
  index?: number,
): Promise<void> {
  const { namespace } = job.metadata;
  await api.request('POST', `/api/v1/namespaces/${namespace}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName,
      namespace,
      labels: {
        ...(job.spec.template.metadata?.labels ?? {}),
        'batch.kubernetes.io/job-name': job.metadata.name,
      },
      ...(index === undefined
        ? {}
        : { annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } }),
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name,
          uid: job.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: 'trainer', image: 'trainer' }], restartPolicy: 'Never' },
  });
  const now = new Date().toISOString();
  const state =
    outcome.phase === 'Running'
      ? { running: { startedAt: now } }
      : outcome.phase === 'Succeeded'
        ? {
            terminated: {
              exitCode: 0,
              reason: 'Completed',
              message: outcome.message,
              finishedAt: now,
            },
          }
        : outcome.phase === 'Failed'
          ? {
              terminated: {
                exitCode: outcome.exitCode,
                reason: outcome.reason ?? 'Error',
                finishedAt: now,
                ...(outcome.message === undefined ? {} : { message: outcome.message }),
              },
            }
          : {
              waiting: {
                reason: outcome.waitingReason,
                ...(outcome.waitingMessage === undefined
                  ? {}
                  : { message: outcome.waitingMessage }),
              },
            };
  await api.request(
    'PATCH',
    `/api/v1/namespaces/${namespace}/pods/${podName}/status`,
    {
      status: {
        phase: outcome.phase,
        containerStatuses: [
          {
            name: 'trainer',
            image: 'trainer',
            imageID: '',
            ready: outcome.phase === 'Running',
            restartCount: 0,
            state,
          },
        ],
      },
    },
    MERGE,
  );
}

/** Sets the Job's status as the Job controller would. */
export async function setJobStatus(
  api: Api,
  job: JobJson,
  status: Record<string, unknown>,
): Promise<void> {
  await api.request(
    'PATCH',
    `/apis/batch/v1/namespaces/${job.metadata.namespace}/jobs/${job.metadata.name}/status`,
    { status },
    MERGE,
  );
}

export function jobCondition(
  type: 'Complete' | 'Failed',
  reason?: string,
  message?: string,
): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    type,
    status: 'True',
    lastProbeTime: now,
    lastTransitionTime: now,
    ...(reason === undefined ? {} : { reason }),
    ...(message === undefined ? {} : { message }),
  };
}

/** Runs one Pod of the Job to success with `message` as its result, and marks the Job Complete. */
export async function succeedJob(
  api: Api,
  job: JobJson,
  podName: string,
  message: string,
): Promise<void> {
  await runPod(api, job, podName, { phase: 'Succeeded', message });
  await setJobStatus(api, job, { succeeded: 1, conditions: [jobCondition('Complete')] });
}
