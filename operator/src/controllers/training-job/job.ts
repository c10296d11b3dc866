/**
 * The batch/v1 Job (and, for distributed training, the headless Service) that runs a
 * TrainingJob. Pure: the same TrainingJob and inputs always give the same objects.
 *
 * The pod meets the restricted Pod Security Standard, carries the training contract's
 * environment (README, "The training container contract"), requests its GPUs with the
 * nvidia.com/gpu toleration and product node selector, and reports its result through
 * its termination message.
 */

import type {
  V1Container,
  V1EnvVar,
  V1Job,
  V1PodSpec,
  V1Service,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import {
  AppManagedBy,
  Labels,
  parseDuration,
  RunTriggers,
  type TrainingJob,
  type TrainingRun,
} from '../../api/index.js';
import { CLAIMS_ROOT, containerPath } from '../claims.js';
import { ownedMetadata } from '../owner.js';
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../pod-security.js';
import { GPU_PRODUCT_LABEL, GPU_RESOURCE } from './admission.js';
import type { CachedJob } from './cache.js';

export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const TRAINING_JOB_LABEL = 'ferry.dev/training-job';
export const RESULT_PATH = '/dev/termination-log';
export const CONTAINER_NAME = 'trainer';

/** Annotation on a run's Job: the run's request as JSON, so a lost status write is recovered. */
export const RUN_REQUEST_ANNOTATION = 'ferry.dev/training-run-request';

export interface JobInputs {
  trainingJob: TrainingJob;
  /** The run the Job is for. */
  run: TrainingRun;
  dataset: {
    uri: string;
    digest: string;
    split: { train?: number; validation?: number; test?: number; seed?: number };
  };
  /** Where the run writes its artifacts: `<spec.output.uri or the default>/<Job name>`. */
  outputDirectoryUri: string;
}

/** Environment variables Ferry sets; user env may not override them. */
export const CONTRACT_ENV = [
  'FERRY_MODEL_NAME',
  'FERRY_TRAINING_JOB',
  'FERRY_TRAINING_RUN',
  'FERRY_DATASET_URI',
  'FERRY_DATASET_DIGEST',
  'FERRY_DATASET_SPLIT',
  'FERRY_HYPERPARAMETERS',
  'FERRY_OUTPUT_DIR',
  'FERRY_RESULT_PATH',
  'MASTER_ADDR',
  'MASTER_PORT',
  'WORLD_SIZE',
  'RANK',
  'PET_NNODES',
  'PET_NPROC_PER_NODE',
  'PET_NODE_RANK',
] as const;

/**
 * The Job of run `id`: `<trainingjob>-<id>`. Run 0 is the one run of a TrainingJob from
 * before runs, whose Job bears the TrainingJob's name.
 */
export function jobName(trainingJob: TrainingJob, id: number): string {
  const name = trainingJob.metadata.name ?? '';
  return id === 0 ? name : `${name}-${id}`;
}

/** The headless Service's name: `<job>-workers`, or the Job's name when that would be too long. */
export function headlessServiceName(job: string): string {
  const name = `${job}-workers`;
  return name.length <= 63 ? name : job;
}

/** GPUs the whole job needs: per worker × workers. */
export function totalGpus(trainingJob: TrainingJob): number {
  return (trainingJob.spec.resources?.gpus ?? 0) * (trainingJob.spec.distributed?.workers ?? 1);
}

/** Where a run's artifacts go, as a URI: the output URI plus the run's Job name. */
export function outputDirectoryUri(outputUri: string, job: string): string {
  return joinPath(outputUri, job);
}

/** The run a Job Ferry created is for, read from its labels and annotation. */
export function runOfJob(trainingJob: TrainingJob, job: CachedJob): TrainingRun {
  const name = job.metadata?.name ?? '';
  const prefix = `${trainingJob.metadata.name ?? ''}-`;
  const label = job.metadata?.labels?.[Labels.trainingRun];
  const id =
    label !== undefined && label.startsWith(prefix) ? Number(label.slice(prefix.length)) : 0;
  let request: Partial<TrainingRun> = {};
  try {
    request = JSON.parse(
      job.metadata?.annotations?.[RUN_REQUEST_ANNOTATION] ?? '{}',
    ) as Partial<TrainingRun>;
  } catch {
    request = {};
  }
  const trigger = RunTriggers.find((candidate) => candidate === request.trigger) ?? 'Created';
  const digest = jobEnv(job, 'FERRY_DATASET_DIGEST');
  return {
    id: Number.isInteger(id) ? id : 0,
    trigger,
    generation: typeof request.generation === 'number' ? request.generation : 0,
    ...(typeof request.scheduleTime === 'string' ? { scheduleTime: request.scheduleTime } : {}),
    ...(typeof request.request === 'string' ? { request: request.request } : {}),
    ...(digest === undefined ? {} : { datasetDigest: digest }),
    phase: 'Admitted',
    jobName: name,
  };
}

/** The value of a contract variable in the Job Ferry created (what the run really used). */
export function jobEnv(job: CachedJob, name: (typeof CONTRACT_ENV)[number]): string | undefined {
  const container = job.spec?.template.spec?.containers.find((c) => c.name === CONTAINER_NAME);
  return container?.env?.find((variable) => variable.name === name)?.value;
}

export function desiredJob(inputs: JobInputs): V1Job {
  const { trainingJob, run } = inputs;
  const spec = trainingJob.spec;
  const name = jobName(trainingJob, run.id);
  const labels = jobLabels(trainingJob, name);
  const distributed = spec.distributed;
  const deadline =
    spec.activeDeadline === undefined ? undefined : parseDuration(spec.activeDeadline);
  const queue = spec.queue;
  const metadata = ownedMetadata(
    trainingJob,
    name,
    queue === undefined ? labels : { ...labels, [KUEUE_QUEUE_LABEL]: queue },
  );
  metadata.annotations = {
    [RUN_REQUEST_ANNOTATION]: JSON.stringify({
      trigger: run.trigger,
      generation: run.generation,
      ...(run.scheduleTime === undefined ? {} : { scheduleTime: run.scheduleTime }),
      ...(run.request === undefined ? {} : { request: run.request }),
    }),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      backoffLimit: spec.backoffLimit ?? 2,
      ...(deadline === undefined ? {} : { activeDeadlineSeconds: Math.ceil(deadline / 1000) }),
      // Kueue admits suspended Jobs by unsuspending them.
      ...(queue === undefined ? {} : { suspend: true }),
      ...(distributed === undefined
        ? {}
        : {
            completionMode: 'Indexed',
            completions: distributed.workers,
            parallelism: distributed.workers,
          }),
      template: {
        metadata: { labels },
        spec: podSpec(inputs),
      },
    },
  };
}

export function desiredHeadlessService(
  trainingJob: TrainingJob,
  job: string,
): V1Service | undefined {
  if (trainingJob.spec.distributed === undefined) return undefined;
  const port = trainingJob.spec.distributed.masterPort ?? 29500;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMetadata(trainingJob, headlessServiceName(job), jobLabels(trainingJob, job)),
    spec: {
      clusterIP: 'None',
      // Workers must resolve each other before they are Ready: rendezvous happens first.
      publishNotReadyAddresses: true,
      selector: { [Labels.trainingRun]: job },
      ports: [{ name: 'rendezvous', port, targetPort: port }],
    },
  };
}

function jobLabels(trainingJob: TrainingJob, job: string): Record<string, string> {
  return {
    [AppManagedBy.label]: AppManagedBy.ferry,
    [TRAINING_JOB_LABEL]: trainingJob.metadata.name ?? '',
    [Labels.trainingRun]: job,
    [Labels.model]: trainingJob.spec.model,
  };
}

function podSpec(inputs: JobInputs): V1PodSpec {
  const spec = inputs.trainingJob.spec;
  const job = jobName(inputs.trainingJob, inputs.run.id);
  const gpus = spec.resources?.gpus ?? 0;
  const product = spec.resources?.gpuProduct;
  const { volumes, mounts } = claimVolumes(inputs);
  const distributed = spec.distributed !== undefined;
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    ...(distributed ? { subdomain: headlessServiceName(job) } : {}),
    securityContext: restrictedPodSecurityContext(true),
    ...(product === undefined ? {} : { nodeSelector: { [GPU_PRODUCT_LABEL]: product } }),
    ...(gpus > 0
      ? { tolerations: [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }] }
      : {}),
    ...(volumes.length === 0 ? {} : { volumes }),
    containers: [container(inputs, mounts)],
  };
}

function container(inputs: JobInputs, mounts: V1VolumeMount[]): V1Container {
  const spec = inputs.trainingJob.spec;
  const resources = resourceList(spec.resources);
  return {
    name: CONTAINER_NAME,
    image: spec.image,
    ...(spec.command === undefined ? {} : { command: [...spec.command] }),
    ...(spec.args === undefined ? {} : { args: [...spec.args] }),
    env: environment(inputs),
    ...(Object.keys(resources).length === 0
      ? {}
      : { resources: { requests: resources, limits: resources } }),
    ...(mounts.length === 0 ? {} : { volumeMounts: mounts }),
    terminationMessagePath: RESULT_PATH,
    terminationMessagePolicy: 'File',
    securityContext: restrictedContainerSecurityContext(false),
  };
}

function resourceList(resources: TrainingJob['spec']['resources']): Record<string, string> {
  const list: Record<string, string> = {};
  if (resources?.cpu !== undefined) list.cpu = String(resources.cpu);
  if (resources?.memory !== undefined) list.memory = String(resources.memory);
  if ((resources?.gpus ?? 0) > 0) list[GPU_RESOURCE] = String(resources?.gpus);
  return list;
}

function environment(inputs: JobInputs): V1EnvVar[] {
  const { trainingJob, dataset, run } = inputs;
  const spec = trainingJob.spec;
  const job = jobName(trainingJob, run.id);
  const split = {
    train: dataset.split.train ?? 0.8,
    validation: dataset.split.validation ?? 0.1,
    test: dataset.split.test ?? 0.1,
    seed: dataset.split.seed ?? 0,
  };
  const env: V1EnvVar[] = [
    { name: 'FERRY_MODEL_NAME', value: spec.model },
    { name: 'FERRY_TRAINING_JOB', value: trainingJob.metadata.name ?? '' },
    { name: 'FERRY_TRAINING_RUN', value: String(run.id) },
    { name: 'FERRY_DATASET_URI', value: containerUri(dataset.uri) },
    { name: 'FERRY_DATASET_DIGEST', value: dataset.digest },
    { name: 'FERRY_DATASET_SPLIT', value: JSON.stringify(split) },
    { name: 'FERRY_HYPERPARAMETERS', value: JSON.stringify(spec.hyperparameters ?? {}) },
    {
      name: 'FERRY_OUTPUT_DIR',
      value: containerPath(inputs.outputDirectoryUri).path,
    },
    { name: 'FERRY_RESULT_PATH', value: RESULT_PATH },
  ];
  const distributed = spec.distributed;
  if (distributed !== undefined) {
    const processes = distributed.processesPerWorker ?? 1;
    const rank = {
      valueFrom: {
        fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
      },
    };
    env.push(
      {
        name: 'MASTER_ADDR',
        value: `${job}-0.${headlessServiceName(job)}`,
      },
      { name: 'MASTER_PORT', value: String(distributed.masterPort ?? 29500) },
      { name: 'WORLD_SIZE', value: String(distributed.workers * processes) },
      { name: 'RANK', ...rank },
      { name: 'PET_NNODES', value: String(distributed.workers) },
      { name: 'PET_NPROC_PER_NODE', value: String(processes) },
      { name: 'PET_NODE_RANK', ...rank },
    );
  }
  const reserved = new Set<string>(CONTRACT_ENV);
  for (const variable of spec.env ?? []) {
    if (!reserved.has(variable.name))
      env.push({ name: variable.name, value: variable.value ?? '' });
  }
  return env;
}

/** A pvc:// data URI becomes a file:// URI under the claim's mount; others pass through. */
function containerUri(uri: string): string {
  return uri.startsWith('pvc://') ? `file://${containerPath(uri).path}` : uri;
}

/** Read-only mounts for data claims, read-write for the output claim, one per claim. */
function claimVolumes(inputs: JobInputs): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const claims = new Map<string, boolean>(); // claim → read-only
  const data = containerPath(inputs.dataset.uri).claim;
  const output = containerPath(inputs.outputDirectoryUri).claim;
  if (data !== undefined) claims.set(data, true);
  if (output !== undefined) claims.set(output, false);
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  for (const [claim, readOnly] of claims) {
    const volume = `claim-${claim}`.slice(0, 63);
    volumes.push({ name: volume, persistentVolumeClaim: { claimName: claim, readOnly } });
    mounts.push({ name: volume, mountPath: `${CLAIMS_ROOT}/${claim}`, readOnly });
  }
  return { volumes, mounts };
}

function joinPath(base: string, path: string): string {
  if (path === '') return base.replace(/\/+$/, '') || base;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
