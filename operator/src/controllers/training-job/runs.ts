/**
 * The run planner: which runs a TrainingJob has, as a pure function of its spec, its
 * status, the Jobs the cache shows and the time.
 *
 * A run is requested when what the TrainingJob asks for differs from what its newest run
 * covers: a new generation (`SpecChange`), a new Dataset digest with
 * `retrainOn: [DatasetChange]`, a later schedule time (`Schedule`), or a new value of the
 * `ferry.dev/run` annotation (`Manual`). Triggers that arrive together make one run.
 *
 * Run ids come from `status.lastRun`, the highest id ever issued, so a plan made again from
 * the same state names the same run; a Job the cache shows that the status does not know
 * yet (the status write after its creation was lost) is taken back from its annotation, so
 * no run is started twice. At most `spec.concurrency` runs have a Job; a newer run
 * supersedes an older one that has no Job yet; a running one is stopped for a newer one
 * only under `concurrencyPolicy: Replace`. Finished runs beyond `spec.runsHistoryLimit`
 * leave the status and their Jobs are pruned; ModelVersions are never touched here.
 */

import type { RunTrigger, TrainingJob, TrainingPhase, TrainingRun } from '../../api/index.js';
import { Labels, scheduleTimes } from '../../api/index.js';

/** What the newest run must cover for no new run to be needed. */
export interface RunRequest {
  generation: number;
  /** The Dataset's digest, when a change of it starts a run and the Dataset is Ready. */
  datasetDigest?: string;
  /** The latest schedule time, as RFC 3339. */
  scheduleTime?: string;
  /** The `ferry.dev/run` annotation's value. */
  request?: string;
}

export interface RunsInput {
  trainingJob: TrainingJob;
  /** The Dataset's digest while it is Ready; undefined otherwise. */
  datasetDigest: string | undefined;
  /** The runs whose Jobs the cache shows, as their Jobs describe them. */
  jobRuns: readonly TrainingRun[];
  /**
   * The highest run id on ModelVersions that a TrainingJob of this name registered, so a
   * TrainingJob deleted and created again never reuses a run's output location.
   */
  highestRegisteredRun: number;
  nowMs: number;
}

export interface RunsPlan {
  /** The runs the status keeps, oldest first, new, superseded and stopped ones marked. */
  runs: TrainingRun[];
  lastRun: number;
  /** Ids of runs without a Job that hold a slot: they may create their Job now. */
  startable: ReadonlySet<number>;
  /** Names of Jobs to delete: those of stopped or superseded runs, and pruned history. */
  deleteJobs: string[];
  /** When the schedule fires next, for a requeue. */
  nextScheduleMs?: number;
  /** Why `spec.schedule` could not be read. */
  scheduleProblem?: string;
}

export const FINISHED: readonly TrainingPhase[] = ['Succeeded', 'Failed', 'Superseded', 'Stopped'];

export function isFinished(run: TrainingRun): boolean {
  return FINISHED.includes(run.phase);
}

/** Whether the run has a Job: it was created, or the cache shows it. */
function hasJob(run: TrainingRun, jobIds: ReadonlySet<number>): boolean {
  return run.jobName !== undefined || jobIds.has(run.id);
}

export function planRuns(input: RunsInput): RunsPlan {
  const { trainingJob, nowMs } = input;
  const spec = trainingJob.spec;
  const status = trainingJob.status ?? {};
  const now = new Date(nowMs).toISOString();
  const jobIds = new Set(input.jobRuns.map((run) => run.id));

  // The runs status knows, then the ones only a Job shows (status lost their write).
  const known = status.runs ?? legacyRuns(trainingJob);
  const recordedLast = Math.max(status.lastRun ?? 0, ...known.map((run) => run.id));
  const recovered = input.jobRuns.filter(
    (run) => run.id > recordedLast && !known.some((k) => k.id === run.id),
  );
  let runs: TrainingRun[] = [...known, ...recovered].sort((a, b) => a.id - b.id);
  let lastRun = Math.max(recordedLast, input.highestRegisteredRun, ...runs.map((run) => run.id));

  const schedule = scheduleTimes(spec, nowMs);
  const desired: RunRequest = {
    generation: trainingJob.metadata.generation ?? 0,
    ...(spec.retrainOn?.includes('DatasetChange') === true && input.datasetDigest !== undefined
      ? { datasetDigest: input.datasetDigest }
      : {}),
    ...(schedule?.ok === true && schedule.latestMs !== undefined
      ? { scheduleTime: new Date(schedule.latestMs).toISOString() }
      : {}),
    ...(trainingJob.metadata.annotations?.[Labels.run] === undefined
      ? {}
      : { request: trainingJob.metadata.annotations[Labels.run] }),
  };
  const newest = runs.at(-1);
  const trigger = triggerFor(desired, newest);
  if (trigger !== undefined) {
    lastRun += 1;
    runs.push({
      id: lastRun,
      trigger,
      generation: desired.generation,
      ...(desired.scheduleTime === undefined ? {} : { scheduleTime: desired.scheduleTime }),
      ...(desired.request === undefined ? {} : { request: desired.request }),
      phase: 'Pending',
      reason: 'Requested',
      message: `run ${lastRun} requested (${trigger})`,
      queuedTime: now,
    });
  }

  // A newer run supersedes every older one that has no Job yet.
  const deleteJobs: string[] = [];
  const waiting = runs.filter((run) => !isFinished(run) && !hasJob(run, jobIds));
  const newestWaiting = waiting.at(-1);
  runs = runs.map((run) =>
    waiting.includes(run) && run !== newestWaiting
      ? finish(run, 'Superseded', 'Superseded', `superseded by run ${newestWaiting?.id ?? ''}`, now)
      : run,
  );

  // Slots: runs with a Job hold one each; the newest waiting run takes a free one, or,
  // under Replace, the oldest running runs are stopped for it.
  const startable = new Set<number>();
  if (newestWaiting !== undefined) {
    const concurrency = spec.concurrency ?? 1;
    const running = runs.filter((run) => !isFinished(run) && hasJob(run, jobIds));
    const excess = running.length + 1 - concurrency;
    if (excess <= 0) {
      startable.add(newestWaiting.id);
    } else if ((spec.concurrencyPolicy ?? 'Forbid') === 'Replace') {
      const stopped = new Set(running.slice(0, excess).map((run) => run.id));
      runs = runs.map((run) =>
        stopped.has(run.id)
          ? finish(run, 'Stopped', 'Replaced', `stopped for run ${newestWaiting.id}`, now)
          : run,
      );
      startable.add(newestWaiting.id);
    } else {
      const ids = running.map((run) => run.id).join(', ');
      runs = runs.map((run) =>
        run === newestWaiting
          ? {
              ...run,
              phase: 'Queued',
              reason: 'WaitingForRun',
              message: `run ${run.id} waits for run ${ids} to finish (concurrency ${concurrency}, concurrencyPolicy Forbid)`,
            }
          : run,
      );
    }
  }

  // History: every run in flight, and the newest finished ones.
  const limit = spec.runsHistoryLimit ?? 5;
  const finished = runs.filter(isFinished);
  const pruned = new Set(finished.slice(0, Math.max(0, finished.length - limit)).map((r) => r.id));
  const kept = runs.filter((run) => !pruned.has(run.id));
  for (const job of input.jobRuns) {
    const run = kept.find((candidate) => candidate.id === job.id);
    if (run === undefined || run.phase === 'Superseded' || run.phase === 'Stopped')
      deleteJobs.push(job.jobName ?? '');
  }

  return {
    runs: kept,
    lastRun,
    startable,
    deleteJobs: deleteJobs.filter((name) => name !== ''),
    ...(schedule?.ok === true && schedule.nextMs !== undefined
      ? { nextScheduleMs: schedule.nextMs }
      : {}),
    ...(schedule?.ok === false ? { scheduleProblem: schedule.message } : {}),
  };
}

/** The trigger of the run `desired` needs, or undefined when `newest` covers it. */
export function triggerFor(
  desired: RunRequest,
  newest: TrainingRun | undefined,
): RunTrigger | undefined {
  if (newest === undefined) return 'Created';
  if (desired.generation !== newest.generation) return 'SpecChange';
  if (
    desired.datasetDigest !== undefined &&
    newest.datasetDigest !== undefined &&
    desired.datasetDigest !== newest.datasetDigest
  )
    return 'DatasetChange';
  if (
    desired.scheduleTime !== undefined &&
    newest.scheduleTime !== undefined &&
    Date.parse(desired.scheduleTime) > Date.parse(newest.scheduleTime)
  )
    return 'Schedule';
  if (desired.request !== undefined && desired.request !== newest.request) return 'Manual';
  return undefined;
}

function finish(
  run: TrainingRun,
  phase: TrainingPhase,
  reason: string,
  message: string,
  now: string,
): TrainingRun {
  return { ...run, phase, reason, message, completionTime: run.completionTime ?? now };
}

/**
 * A TrainingJob from before runs had one run, whose Job bears the TrainingJob's name: it is
 * run 0, of the generation its status observed, so it is followed to its end and no new
 * run starts until something asks for one.
 */
function legacyRuns(trainingJob: TrainingJob): TrainingRun[] {
  const status = trainingJob.status;
  if (status?.phase === undefined) return [];
  const { phase, message, attempts, queuedTime, startTime, completionTime, duration } = status;
  const optional = { message, attempts, queuedTime, startTime, completionTime, duration };
  return [
    {
      id: 0,
      trigger: 'Created',
      generation: status.observedGeneration ?? trainingJob.metadata.generation ?? 0,
      phase,
      reason: readyReason(trainingJob) ?? phase,
      ...(status.jobName === undefined ? {} : { jobName: status.jobName }),
      ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      ...(status.metrics === undefined ? {} : { metrics: status.metrics }),
      ...(status.modelVersion === undefined ? {} : { modelVersion: status.modelVersion }),
    },
  ];
}

function readyReason(trainingJob: TrainingJob): string | undefined {
  return trainingJob.status?.conditions?.find((condition) => condition.type === 'Ready')?.reason;
}
