/**
 * The TrainingJob controller's decision, as a pure function of what it observed: which
 * runs it has (`planRuns`), what each run does next, and what the status says. The shell
 * reads the cluster, calls `planTrainingJob`, applies the actions, and the summarize step
 * writes the status.
 *
 * A run's life: wait for a slot (`spec.concurrency`) → wait for its Dataset to be Ready →
 * wait for GPU admission (or Kueue) → create its Job (and headless Service) → follow the
 * Job → on success, parse the result and register one ModelVersion, the model's next
 * version. A finished run is never started again; a new run is a new id.
 */

import type { V1Job, V1Service } from '@kubernetes/client-node';
import type { CachedJob, CachedPod } from './cache.js';
import {
  Labels,
  formatDuration,
  type Dataset,
  type ModelVersion,
  type TrainingJob,
  type TrainingJobStatus,
  type TrainingPhase,
  type TrainingRun,
} from '../../api/index.js';
import { getCondition } from '../../runtime/conditions.js';
import type { Cause, StepOutcome, Summary } from '../../runtime/summarize.js';
import {
  desiredHeadlessService,
  desiredJob,
  headlessServiceName,
  jobEnv,
  jobName,
  outputDirectoryUri,
  runOfJob,
  totalGpus,
} from './job.js';
import { desiredModelVersion, registeredBy } from './model-version.js';
import { observeJob } from './observe.js';
import { parseTrainingResult } from './result.js';
import { isFinished, planRuns } from './runs.js';

export interface TrainingJobObserved {
  trainingJob: TrainingJob;
  /** Undefined when the Dataset does not exist. */
  dataset: Dataset | undefined;
  /** The Jobs of this TrainingJob's runs. */
  jobs: readonly CachedJob[];
  /** The Pods of those Jobs. */
  pods: readonly CachedPod[];
  /** Names of the headless Services of this TrainingJob's runs. */
  services: ReadonlySet<string>;
  /** ModelVersions labelled with this TrainingJob's name, by this or an earlier namesake. */
  modelVersions: readonly ModelVersion[];
  /**
   * Ferry's admission decision for this job. Called only when a run is about to create
   * its Job and Kueue does not admit it: deciding costs a pass over every queued
   * TrainingJob, which running and finished runs need not pay.
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
  | { type: 'deleteJob'; name: string; service?: string }
  | {
      type: 'registerModelVersion';
      /** The run's Job name, which the ModelVersion carries as `ferry.dev/training-run`. */
      run: string;
      /** The ModelVersion without its number: the shell issues one and names it. */
      draft: ModelVersion;
    };

export interface TrainingJobPlan extends StepOutcome<TrainingJobStatus> {
  actions: TrainingJobAction[];
}

const DATASET_RECHECK_MS = 30_000;
/** How long a completed Job's Pod may be missing from the cache before it counts as gone. */
export const RESULT_POD_GRACE_MS = 60_000;
const RESULT_POD_RECHECK_MS = 1_000;

/** One run's next step: its record, what to do, and what only this reconcile knows. */
interface RunStep {
  run: TrainingRun;
  actions: TrainingJobAction[];
  /** A pod is stuck in a way the user must fix (bad image), though the Job goes on. */
  stuck?: Cause;
  requeueAfterMs?: number;
}

/**
 * What to do and what to say. The status mirrors the newest run in its top-level fields
 * (what `kubectl get tjob` shows); an event goes with every change of the newest run's
 * phase (Succeeded reads `ModelVersionRegistered`).
 */
export function planTrainingJob(observed: TrainingJobObserved): TrainingJobPlan {
  const { trainingJob, nowMs } = observed;
  const name = trainingJob.metadata.name ?? '';
  const mine = observed.modelVersions.filter((mv) => registeredBy(mv, trainingJob));
  const registeredRuns = observed.modelVersions
    .map((mv) => mv.metadata.labels?.[Labels.trainingRun] ?? '')
    .filter((run) => run.startsWith(`${name}-`))
    .map((run) => Number(run.slice(name.length + 1)))
    .filter(Number.isInteger);
  const runs = planRuns({
    trainingJob,
    datasetDigest: readyDigest(observed.dataset),
    jobRuns: observed.jobs.map((job) => runOfJob(trainingJob, job)),
    highestRegisteredRun: Math.max(0, ...registeredRuns),
    nowMs,
  });

  const steps = runs.runs.map((run) =>
    planRun(observed, run, runs.startable.has(run.id), (job) =>
      mine.find((mv) => mv.metadata.labels?.[Labels.trainingRun] === job),
    ),
  );
  const deletions: TrainingJobAction[] = runs.deleteJobs.map((job) => ({
    type: 'deleteJob',
    name: job,
    ...(observed.services.has(headlessServiceName(job))
      ? { service: headlessServiceName(job) }
      : {}),
  }));
  const newest = steps.at(-1);
  const latest = newest?.run;
  const status: TrainingJobStatus = {
    observedGeneration: trainingJob.metadata.generation ?? 0,
    gpus: totalGpus(trainingJob),
    ...(latest === undefined ? {} : mirrored(latest)),
    lastRun: runs.lastRun,
    runs: steps.map((step) => step.run),
  };
  const summary = summaryOf(newest, runs.scheduleProblem);
  const waits = [
    ...steps.map((step) => step.requeueAfterMs),
    runs.nextScheduleMs === undefined ? undefined : Math.max(1, runs.nextScheduleMs - nowMs),
  ].filter((wait): wait is number => wait !== undefined);
  const plan: TrainingJobPlan = {
    status,
    summary,
    actions: [...deletions, ...steps.flatMap((step) => step.actions)],
    ...(waits.length === 0 ? {} : { requeueAfterMs: Math.min(...waits) }),
  };
  const phase = status.phase;
  if (phase === undefined || phase === trainingJob.status?.phase) return plan;
  return {
    ...plan,
    event: {
      type: phase === 'Failed' ? 'Warning' : 'Normal',
      reason: phase === 'Succeeded' ? 'ModelVersionRegistered' : phase,
      action: 'Reconcile',
      note: `run ${latest?.id ?? ''}: ${status.message ?? ''}`,
    },
  };
}

/** The Dataset's digest while it is Ready. */
function readyDigest(dataset: Dataset | undefined): string | undefined {
  if (getCondition(dataset?.status?.conditions, 'Ready')?.status !== 'True') return undefined;
  return dataset?.status?.digest;
}

/** The newest run's fields that the status shows at its top level. */
function mirrored(run: TrainingRun): Partial<TrainingJobStatus> {
  const fields = {
    phase: run.phase,
    message: run.message,
    jobName: run.jobName,
    attempts: run.attempts,
    queuedTime: run.queuedTime,
    startTime: run.startTime,
    completionTime: run.completionTime,
    duration: run.duration,
    metrics: run.metrics,
    modelVersion: run.modelVersion,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/**
 * The conditions the newest run's phase means: Ready once Succeeded; Reconciling until it
 * is finished; Stalled when it failed or is stuck, or when the schedule cannot be read.
 */
function summaryOf(step: RunStep | undefined, scheduleProblem: string | undefined): Summary {
  const run = step?.run;
  const phase = run?.phase ?? 'Pending';
  const reason = run?.reason ?? phase;
  const message = run?.message ?? '';
  const stalled =
    scheduleProblem !== undefined
      ? { reason: 'InvalidSchedule', message: scheduleProblem }
      : (step?.stuck ?? (phase === 'Failed' ? { reason, message } : undefined));
  const ready =
    scheduleProblem !== undefined
      ? { status: 'False' as const, reason: 'InvalidSchedule', message: scheduleProblem }
      : { status: phase === 'Succeeded' ? ('True' as const) : ('False' as const), reason, message };
  return {
    ready,
    ...(run === undefined || isFinished(run)
      ? {}
      : {
          reconciling: {
            reason: 'Progressing',
            message: `run ${run.id} phase ${phase}: ${message}`,
          },
        }),
    ...(stalled === undefined ? {} : { stalled }),
  };
}

function planRun(
  observed: TrainingJobObserved,
  run: TrainingRun,
  startable: boolean,
  registered: (job: string) => ModelVersion | undefined,
): RunStep {
  if (isFinished(run)) return { run, actions: [] };
  const name = jobName(observed.trainingJob, run.id);
  const job = observed.jobs.find((candidate) => candidate.metadata?.name === name);
  if (job !== undefined) return planProgress(observed, run, job, registered(name));
  // A run whose Job was created is started again only under its own name (AlreadyExists).
  if (startable || run.jobName !== undefined) return planStart(observed, run);
  return { run, actions: [] };
}

function withPhase(
  run: TrainingRun,
  phase: TrainingPhase,
  reason: string,
  message: string,
): TrainingRun {
  return { ...run, phase, reason, message };
}

function planStart(observed: TrainingJobObserved, run: TrainingRun): RunStep {
  const { trainingJob, dataset, nowMs } = observed;
  if (dataset === undefined) {
    return {
      run: withPhase(
        run,
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
      run: withPhase(
        run,
        'Pending',
        'DatasetNotReady',
        `Dataset "${dataset.metadata.name ?? ''}" is not Ready${datasetReady === undefined ? '' : `: ${datasetReady.message}`}`,
      ),
      actions: [],
      requeueAfterMs: DATASET_RECHECK_MS,
    };
  }
  const kueue = trainingJob.spec.queue !== undefined;
  // A run whose Job was created before was admitted then.
  const admission: Admission =
    kueue || run.jobName !== undefined ? { admitted: true } : observed.admission();
  if (!admission.admitted) {
    return {
      run: withPhase(run, 'Queued', 'WaitingForCapacity', admission.message),
      actions: [],
    };
  }
  const name = jobName(trainingJob, run.id);
  const outputUri = outputDirectoryUri(
    trainingJob.spec.output?.uri ?? observed.defaultOutputUri,
    name,
  );
  const digest = run.datasetDigest ?? dataset.status.digest;
  const job = desiredJob({
    trainingJob,
    run,
    dataset: { uri: dataset.spec.source.uri, digest, split: dataset.spec.split ?? {} },
    outputDirectoryUri: outputUri,
  });
  const actions: TrainingJobAction[] = [{ type: 'createJob', job }];
  const service = desiredHeadlessService(trainingJob, name);
  if (service !== undefined && !observed.services.has(service.metadata?.name ?? ''))
    actions.unshift({ type: 'createService', service });
  const started: TrainingRun = {
    ...run,
    jobName: name,
    datasetDigest: digest,
    outputUri,
    startTime: run.startTime ?? new Date(nowMs).toISOString(),
  };
  return {
    run: kueue
      ? withPhase(
          started,
          'Queued',
          'WaitingForKueue',
          `waiting for Kueue to admit the Job from queue ${trainingJob.spec.queue ?? ''}`,
        )
      : withPhase(
          started,
          'Admitted',
          'Admitted',
          `admitted with ${totalGpus(trainingJob)} GPUs; the training Job is starting`,
        ),
    actions,
  };
}

function planProgress(
  observed: TrainingJobObserved,
  run: TrainingRun,
  job: CachedJob,
  modelVersion: ModelVersion | undefined,
): RunStep {
  const { trainingJob, nowMs } = observed;
  const name = job.metadata?.name ?? '';
  const pods = observed.pods.filter((pod) =>
    (pod.metadata?.ownerReferences ?? []).some(
      (owner) => owner.kind === 'Job' && owner.name === name,
    ),
  );
  const observation = observeJob(job, pods);
  const timed: TrainingRun = {
    ...run,
    jobName: name,
    attempts: observation.attempts,
    ...(observation.startTime === undefined
      ? {}
      : { startTime: run.startTime ?? observation.startTime }),
    ...(observation.completionTime === undefined
      ? {}
      : { completionTime: observation.completionTime }),
  };
  // The run's duration is how long its Job ran, both ends on the Job controller's clock:
  // the run's own startTime is when the operator created the Job, on another clock and
  // before any queueing, so mixing it with the Job's completionTime measures nothing.
  const withDuration = (current: TrainingRun): TrainingRun => {
    const start = observation.startTime ?? current.startTime;
    if (start === undefined || current.completionTime === undefined) return current;
    return {
      ...current,
      duration: formatDuration(Date.parse(current.completionTime) - Date.parse(start)),
    };
  };
  const failed = (reason: string, message: string): RunStep => ({
    run: withPhase(withDuration(timed), 'Failed', reason, message),
    actions: [],
  });

  if (observation.phase === 'Failed') return failed(observation.reason, observation.message);
  if (observation.phase !== 'Succeeded') {
    return {
      run: withPhase(timed, observation.phase, observation.reason, observation.message),
      actions: [],
      ...(observation.stuck === undefined ? {} : { stuck: observation.stuck }),
    };
  }
  if (modelVersion !== undefined) {
    const registered = modelVersion.metadata.name ?? '';
    return {
      run: withPhase(
        withDuration({
          ...timed,
          metrics: modelVersion.spec.metrics ?? {},
          modelVersion: registered,
        }),
        'Succeeded',
        'ModelVersionRegistered',
        `registered ModelVersion "${registered}" (version ${modelVersion.spec.version})`,
      ),
      actions: [],
    };
  }

  if (observation.resultPodMissing === true) {
    const completed = Date.parse(observation.completionTime ?? '');
    const waited = Number.isNaN(completed) ? 0 : nowMs - completed;
    if (waited < RESULT_POD_GRACE_MS) {
      return {
        run: withPhase(
          timed,
          'Running',
          'ReadingResult',
          'the Job completed; reading the result from its Pod',
        ),
        actions: [],
        requeueAfterMs: RESULT_POD_RECHECK_MS,
      };
    }
    return failed(
      'ResultPodGone',
      'the Job completed, but the Pod holding its result was deleted before Ferry could read it',
    );
  }
  const parsed = parseTrainingResult(observation.result);
  if (!parsed.ok) return failed('InvalidResult', parsed.message);
  const outputUri =
    run.outputUri ??
    outputDirectoryUri(trainingJob.spec.output?.uri ?? observed.defaultOutputUri, name);
  const digest = timed.datasetDigest ?? jobEnv(job, 'FERRY_DATASET_DIGEST');
  const lineage = {
    name: trainingJob.spec.datasetRef.name,
    ...(digest === undefined ? {} : { digest }),
  };
  return {
    run: withPhase(
      withDuration({ ...timed, metrics: parsed.result.metrics }),
      'Running',
      'RegisteringModelVersion',
      'the Job completed; registering its ModelVersion',
    ),
    actions: [
      {
        type: 'registerModelVersion',
        run: name,
        draft: desiredModelVersion(trainingJob, name, parsed.result, lineage, outputUri),
      },
    ],
  };
}
