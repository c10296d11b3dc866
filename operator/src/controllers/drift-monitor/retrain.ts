/**
 * The retrain action's decision, pure: whether a drifted evaluation creates a TrainingJob
 * from `spec.actions.retrain.template`, and which one.
 *
 * Contract:
 * - at most one retraining job of a monitor is in flight: one it labelled
 *   (`ferry.dev/drift-monitor`) that has not Succeeded or Failed, or the one its status
 *   names while the cache may not have seen it yet;
 * - two jobs are created at least `cooldown` apart (default 1h), measured from the newest
 *   job's evaluation;
 * - the job's name is a function of the monitor and the evaluation time, and the job
 *   carries both (label and annotations), so the lineage reads back from the job itself
 *   and a restarted operator that finds the job does not make a second one.
 */

import {
  API_VERSION,
  AppManagedBy,
  Labels,
  parseDuration,
  TrainingJob as TrainingJobKind,
  type DriftMonitor,
  type TrainingJob,
} from '../../api/index.js';
import { formatTimestamp } from '../../runtime/clock.js';

export const DEFAULT_COOLDOWN_MS = 3_600_000;
/** How long a job the status names may be missing from the cache just after its creation. */
export const CACHE_GRACE_MS = 60_000;
/** Room left in the job's name for what the TrainingJob controller appends to it. */
const NAME_PREFIX_LENGTH = 24;

export type RetrainDecision =
  | { action: 'create'; job: TrainingJob }
  | { action: 'wait'; reason: 'InFlight' | 'Cooldown'; message: string };

/** `<monitor>-retrain-<yyyymmddhhmmss>` of the evaluation at `evaluationMs`. */
export function retrainingJobName(monitor: DriftMonitor, evaluationMs: number): string {
  const prefix = (monitor.metadata.name ?? '').slice(0, NAME_PREFIX_LENGTH).replace(/-+$/, '');
  const stamp = formatTimestamp(evaluationMs).replace(/\D/g, '');
  return `${prefix}-retrain-${stamp}`;
}

function isFinished(job: TrainingJob): boolean {
  const phase = job.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** When `job` was asked for: its evaluation, else its creation. */
function requestedAtMs(job: TrainingJob): number {
  const at = job.metadata.annotations?.[Labels.driftEvaluation] ?? job.metadata.creationTimestamp;
  return at === undefined ? NaN : Date.parse(at);
}

export function cooldownMs(monitor: DriftMonitor): number {
  const cooldown = monitor.spec.actions?.retrain?.cooldown;
  return (cooldown === undefined ? undefined : parseDuration(cooldown)) ?? DEFAULT_COOLDOWN_MS;
}

/**
 * What a drifted evaluation at `evaluationMs` does about retraining, given the monitor's
 * retraining jobs in the cache (`jobs`, those labelled with it). Undefined when the monitor
 * has no retrain action.
 */
export function decideRetrain(
  monitor: DriftMonitor,
  jobs: readonly TrainingJob[],
  evaluationMs: number,
  driftedFeatures: readonly string[],
): RetrainDecision | undefined {
  const retrain = monitor.spec.actions?.retrain;
  if (retrain === undefined) return undefined;
  const status = monitor.status ?? {};

  const running = jobs.find((job) => !isFinished(job));
  if (running !== undefined) {
    return {
      action: 'wait',
      reason: 'InFlight',
      message: `TrainingJob ${running.metadata.name ?? ''} is still ${running.status?.phase ?? 'Pending'}`,
    };
  }
  const recorded = status.retrainingJob;
  const recordedAt = status.retrainTime === undefined ? NaN : Date.parse(status.retrainTime);
  if (
    recorded !== undefined &&
    !jobs.some((job) => job.metadata.name === recorded) &&
    evaluationMs - recordedAt < CACHE_GRACE_MS
  ) {
    return {
      action: 'wait',
      reason: 'InFlight',
      message: `TrainingJob ${recorded} was just created`,
    };
  }

  const last = Math.max(
    Number.isNaN(recordedAt) ? -Infinity : recordedAt,
    ...jobs.map(requestedAtMs).filter((at) => !Number.isNaN(at)),
  );
  const next = last + cooldownMs(monitor);
  if (evaluationMs < next) {
    return {
      action: 'wait',
      reason: 'Cooldown',
      message: `cooling down: no retraining before ${formatTimestamp(next)}`,
    };
  }

  const template = retrain.template;
  const job: TrainingJob = {
    apiVersion: API_VERSION,
    kind: TrainingJobKind.kind,
    metadata: {
      name: retrainingJobName(monitor, evaluationMs),
      namespace: monitor.metadata.namespace ?? 'default',
      labels: {
        ...template.metadata?.labels,
        [AppManagedBy.label]: AppManagedBy.ferry,
        [Labels.driftMonitor]: monitor.metadata.name ?? '',
      },
      annotations: {
        ...template.metadata?.annotations,
        [Labels.driftEvaluation]: formatTimestamp(evaluationMs),
        [Labels.driftedFeatures]: driftedFeatures.join(','),
      },
    },
    spec: template.spec,
  };
  return { action: 'create', job };
}
