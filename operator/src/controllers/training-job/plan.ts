/**
 * The TrainingJob controller's decision, as a pure function of what it observed: which
 * objects to create and what the status should say. The controller's shell reads the
 * cluster, calls `planTrainingJob`, applies the actions, and patches the status.
 *
 * Order of a TrainingJob's life: wait for its Dataset to be Ready → wait for GPU admission
 * (or Kueue) → create the Job (and headless Service) → follow the Job → on success, parse
 * the result and register exactly one ModelVersion. A finished TrainingJob is terminal.
 */

import type { V1Job, V1Service } from '@kubernetes/client-node';
import type { CachedJob, CachedPod } from './cache.js';
import {
  formatDuration,
  type Dataset,
  type ModelVersion,
  type TrainingJob,
  type TrainingJobStatus,
  type TrainingPhase,
} from '../../api/index.js';
import { getCondition } from '../../runtime/conditions.js';
import { restatedSummary, type StepOutcome, type Summary } from '../../runtime/summarize.js';
import {
  desiredHeadlessService,
  desiredJob,
  jobEnv,
  outputDirectoryUri,
  totalGpus,
} from './job.js';
import { desiredModelVersion, modelVersionName, registeredBy } from './model-version.js';
import { observeJob } from './observe.js';
import { parseTrainingResult } from './result.js';

export interface TrainingJobObserved {
  trainingJob: TrainingJob;
  /** Undefined when the Dataset does not exist. */
  dataset: Dataset | undefined;
  job: CachedJob | undefined;
  pods: readonly CachedPod[];
  service: V1Service | undefined;
  /** The ModelVersion with this job's deterministic name, if one exists. */
  modelVersion: ModelVersion | undefined;
  /**
   * Ferry's admission decision for this job. Called only when it matters: before the Job
   * exists, and when Kueue does not admit the job. Deciding costs a pass over every queued
   * TrainingJob, which running and finished jobs need not pay.
   */
  admission: () => Admission;
  /** Used when spec.output is unset. */
  defaultOutputUri: string;
  nowMs: number;
}

export type Admission = { admitted: true } | { admitted: false; message: string };

export type TrainingJobAction =
  | { type: 'createJob'; job: V1Job }
  | { type: 'createService'; service: V1Service }
  | { type: 'createModelVersion'; modelVersion: ModelVersion };

export interface TrainingJobPlan extends StepOutcome<TrainingJobStatus> {
  actions: TrainingJobAction[];
}

const TERMINAL: readonly TrainingPhase[] = ['Succeeded', 'Failed'];
const DATASET_RECHECK_MS = 30_000;
/** How long a completed Job's Pod may be missing from the cache before it counts as gone. */
export const RESULT_POD_GRACE_MS = 60_000;
const RESULT_POD_RECHECK_MS = 1_000;

/**
 * What to do and what to say; an event goes with every change of phase (Succeeded reads
 * `ModelVersionRegistered`).
 */
export function planTrainingJob(observed: TrainingJobObserved): TrainingJobPlan {
  const plan = planPhase(observed);
  const phase = plan.status.phase;
  if (phase === undefined || phase === observed.trainingJob.status?.phase) return plan;
  return {
    ...plan,
    event: {
      type: phase === 'Failed' ? 'Warning' : 'Normal',
      reason: phase === 'Succeeded' ? 'ModelVersionRegistered' : phase,
      action: 'Reconcile',
      note: plan.status.message ?? '',
    },
  };
}

type Phased = Pick<TrainingJobPlan, 'status' | 'summary'>;

function planPhase(observed: TrainingJobObserved): TrainingJobPlan {
  const { trainingJob, nowMs } = observed;
  const previous = trainingJob.status ?? {};
  const generation = trainingJob.metadata.generation ?? 0;
  const base: TrainingJobStatus = {
    ...previous,
    observedGeneration: generation,
    gpus: totalGpus(trainingJob),
  };

  /**
   * The status with its phase and message, and the summary that goes with the phase:
   * Ready once Succeeded; Reconciling until terminal; Stalled when Failed or stuck.
   */
  const withPhase = (
    status: TrainingJobStatus,
    phase: TrainingPhase,
    reason: string,
    message: string,
    stuck?: { reason: string; message: string },
  ): Phased => {
    const terminal = TERMINAL.includes(phase);
    const stalled = stuck ?? (phase === 'Failed' ? { reason, message } : undefined);
    const summary: Summary = {
      ready: { status: phase === 'Succeeded' ? 'True' : 'False', reason, message },
      ...(terminal
        ? {}
        : { reconciling: { reason: 'Progressing', message: `phase ${phase}: ${message}` } }),
      ...(stalled === undefined ? {} : { stalled }),
    };
    return { status: { ...status, phase, message }, summary };
  };

  // A finished TrainingJob is terminal: nothing is recreated, nothing re-registered.
  if (
    previous.phase !== undefined &&
    TERMINAL.includes(previous.phase) &&
    (previous.phase === 'Failed' || previous.modelVersion !== undefined)
  ) {
    return { status: base, summary: restatedSummary(previous.conditions), actions: [] };
  }

  if (observed.job === undefined) {
    const dataset = observed.dataset;
    if (dataset === undefined) {
      return {
        ...withPhase(
          base,
          'Pending',
          'DatasetNotFound',
          `Dataset "${trainingJob.spec.datasetRef.name}" does not exist`,
        ),
        actions: [],
        requeueAfterMs: DATASET_RECHECK_MS,
      };
    }
    const datasetReady = getCondition(dataset.status?.conditions, 'Ready');
    if (datasetReady?.status !== 'True' || dataset.status?.digest === undefined) {
      return {
        ...withPhase(
          base,
          'Pending',
          'DatasetNotReady',
          `Dataset "${dataset.metadata.name ?? ''}" is not Ready${datasetReady === undefined ? '' : `: ${datasetReady.message}`}`,
        ),
        actions: [],
        requeueAfterMs: DATASET_RECHECK_MS,
      };
    }
    const queuedTime = previous.queuedTime ?? new Date(nowMs).toISOString();
    const kueue = trainingJob.spec.queue !== undefined;
    const admission: Admission = kueue ? { admitted: true } : observed.admission();
    if (!admission.admitted) {
      return {
        ...withPhase({ ...base, queuedTime }, 'Queued', 'WaitingForCapacity', admission.message),
        actions: [],
      };
    }
    const inputs = {
      trainingJob,
      dataset: {
        uri: dataset.spec.source.uri,
        digest: dataset.status.digest,
        split: dataset.spec.split ?? {},
      },
      outputUri: trainingJob.spec.output?.uri ?? observed.defaultOutputUri,
    };
    const actions: TrainingJobAction[] = [{ type: 'createJob', job: desiredJob(inputs) }];
    const service = desiredHeadlessService(trainingJob);
    if (service !== undefined && observed.service === undefined)
      actions.unshift({ type: 'createService', service });
    const started = kueue
      ? withPhase(
          { ...base, queuedTime },
          'Queued',
          'WaitingForKueue',
          `waiting for Kueue to admit the Job from queue ${trainingJob.spec.queue ?? ''}`,
        )
      : withPhase(
          {
            ...base,
            queuedTime,
            startTime: new Date(nowMs).toISOString(),
            jobName: trainingJob.metadata.name ?? '',
          },
          'Admitted',
          'Admitted',
          `admitted with ${totalGpus(trainingJob)} GPUs; the training Job is starting`,
        );
    return {
      status: { ...started.status, jobName: trainingJob.metadata.name ?? '' },
      summary: started.summary,
      actions,
    };
  }

  const observation = observeJob(observed.job, observed.pods);
  const timed: TrainingJobStatus = {
    ...base,
    jobName: observed.job.metadata?.name ?? '',
    attempts: observation.attempts,
    ...(observation.startTime === undefined
      ? {}
      : { startTime: previous.startTime ?? observation.startTime }),
    ...(observation.completionTime === undefined
      ? {}
      : { completionTime: observation.completionTime }),
  };
  const withDuration = (status: TrainingJobStatus): TrainingJobStatus => {
    if (status.startTime === undefined || status.completionTime === undefined) return status;
    return {
      ...status,
      duration: formatDuration(Date.parse(status.completionTime) - Date.parse(status.startTime)),
    };
  };

  if (observation.phase === 'Failed') {
    return {
      ...withPhase(withDuration(timed), 'Failed', observation.reason, observation.message),
      actions: [],
    };
  }
  if (observation.phase !== 'Succeeded') {
    return {
      ...withPhase(
        timed,
        observation.phase,
        observation.reason,
        observation.message,
        observation.stuck,
      ),
      actions: [],
    };
  }

  if (observation.resultPodMissing === true) {
    const completed = Date.parse(observation.completionTime ?? '');
    const waited = Number.isNaN(completed) ? 0 : nowMs - completed;
    if (waited < RESULT_POD_GRACE_MS) {
      return {
        ...withPhase(
          timed,
          'Running',
          'ReadingResult',
          'the Job completed; reading the result from its Pod',
        ),
        actions: [],
        requeueAfterMs: RESULT_POD_RECHECK_MS,
      };
    }
    return {
      ...withPhase(
        withDuration(timed),
        'Failed',
        'ResultPodGone',
        'the Job completed, but the Pod holding its result was deleted before Ferry could read it',
      ),
      actions: [],
    };
  }
  const parsed = parseTrainingResult(observation.result);
  if (!parsed.ok) {
    return {
      ...withPhase(withDuration(timed), 'Failed', 'InvalidResult', parsed.message),
      actions: [],
    };
  }
  const finished = withDuration({ ...timed, metrics: parsed.result.metrics });
  const name = modelVersionName(trainingJob);
  const existing = observed.modelVersion;
  if (existing !== undefined && !registeredBy(existing, trainingJob)) {
    return {
      ...withPhase(
        finished,
        'Failed',
        'ModelVersionConflict',
        `ModelVersion "${name}" already exists and was registered by another TrainingJob of the same name; rename this TrainingJob`,
      ),
      actions: [],
    };
  }
  const registered = withPhase(
    { ...finished, modelVersion: name },
    'Succeeded',
    'ModelVersionRegistered',
    `registered ModelVersion "${name}"`,
  );
  if (existing !== undefined) return { ...registered, actions: [] };
  const job = observed.job;
  const digest = jobEnv(job, 'FERRY_DATASET_DIGEST');
  const lineage = {
    name: trainingJob.spec.datasetRef.name,
    ...(digest === undefined ? {} : { digest }),
  };
  const outputDir = outputDirectoryUri(
    trainingJob,
    trainingJob.spec.output?.uri ?? observed.defaultOutputUri,
  );
  return {
    ...registered,
    actions: [
      {
        type: 'createModelVersion',
        modelVersion: desiredModelVersion(trainingJob, parsed.result, lineage, outputDir),
      },
    ],
  };
}
