/**
 * The DriftMonitor controller's decisions, pure: what one evaluation concludes (the
 * `Drifted` condition, the per-feature results, the window), what the retrain action does,
 * and the event of a transition.
 *
 * Contract:
 * - fewer live rows than `spec.window.minSamples` is `Drifted=Unknown` (`InsufficientData`)
 *   and nothing else: no verdict, no retraining, never a false alarm;
 * - an event is recorded when `Drifted` changes its status, or when a retraining job is
 *   created while it does not: one per transition, not one per evaluation;
 * - an evaluation that could not run (the target or the baseline is missing) keeps the
 *   last results and says why in `Ready`.
 */

import { parseDuration, type DriftMonitor, type DriftMonitorStatus } from '../../api/index.js';
import type { FeatureDrift } from '../../drift/index.js';
import { formatTimestamp } from '../../runtime/clock.js';
import { getCondition } from '../../runtime/conditions.js';
import type { EventInput } from '../../runtime/events.js';
import type { ConditionState, StepOutcome, Summary } from '../../runtime/summarize.js';
import type { Comparison } from './compare.js';
import type { RetrainDecision } from './retrain.js';

export const DRIFTED_CONDITION = 'Drifted';
const DEFAULT_INTERVAL_MS = 300_000;
/** A missing target or baseline is looked for again at least this often. */
const RETRY_MISSING_MS = 30_000;

export function evaluationIntervalMs(monitor: DriftMonitor): number {
  const interval = monitor.spec.interval;
  return (interval === undefined ? undefined : parseDuration(interval)) ?? DEFAULT_INTERVAL_MS;
}

/** Why an evaluation could not run; `reason` is one of `Ready`'s. */
export interface EvaluationProblem {
  reason: 'InferenceServiceNotFound' | 'BaselineNotFound' | 'BaselineNotReady' | 'InvalidFeatures';
  message: string;
}

/** What the live side of an evaluation was read from. */
export interface LiveReading {
  /** Ready pods that answered. */
  pods: number;
  /** Ready pods that did not, as `name: why`. */
  unreachable: readonly string[];
}

export interface EvaluationInput {
  monitor: DriftMonitor;
  /** The comparison, or why there is none. */
  outcome:
    | { ok: true; comparison: Comparison; live: LiveReading }
    | { ok: false; problem: EvaluationProblem };
  /** The retrain action's decision, asked for only when the comparison drifted. */
  retrain?: (drifted: readonly string[]) => RetrainDecision | undefined;
  /** Whether a git repository is configured for the pullRequest action. */
  proposals: boolean;
  nowMs: number;
}

export interface DriftMonitorPlan extends StepOutcome<DriftMonitorStatus> {
  requeueAfterMs: number;
  /** The retraining TrainingJob to create. */
  create?: RetrainDecision & { action: 'create' };
  /** Every judged feature, for the metrics; undefined when nothing was judged. */
  judged?: readonly FeatureDrift[];
}

/** `0.1234` for a figure in a message. */
function figure(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** `petal_length (psi 0.41 ≥ 0.25)` or `sepal_width (ks p=0.0001 < 0.0125)`. */
function describeFeature(feature: FeatureDrift): string {
  const test = feature.pValue !== undefined;
  const comparison = feature.drifted ? (test ? '<' : '≥') : test ? '≥' : '<';
  const score = test ? `p=${figure(feature.score)}` : figure(feature.score);
  return `${feature.name} (${feature.method} ${score} ${comparison} ${figure(feature.appliedThreshold)})`;
}

function statusFeature(
  feature: FeatureDrift,
  prediction: boolean,
): NonNullable<DriftMonitorStatus['features']>[number] {
  return {
    name: feature.name,
    method: feature.method,
    value: feature.statistic,
    ...(feature.pValue === undefined ? {} : { pValue: feature.pValue }),
    threshold: feature.appliedThreshold,
    drifted: feature.drifted,
    ...(prediction ? { prediction } : {}),
  };
}

function readingNote(live: LiveReading): string {
  const pods = `${live.pods} pod${live.pods === 1 ? '' : 's'}`;
  return live.unreachable.length === 0
    ? pods
    : `${pods}; not answering: ${live.unreachable.join('; ')}`;
}

const NOT_CONFIGURED = {
  state: 'NotConfigured',
  message:
    'ferry operator has no git repository to propose to: start it with --git-dir, --git-url or --github-repo',
} as const;

export function planDriftMonitor(input: EvaluationInput): DriftMonitorPlan {
  const { monitor, outcome, nowMs } = input;
  const previous = monitor.status ?? {};
  const interval = evaluationIntervalMs(monitor);
  // With a repository the proposal's state is the gitops side's to write; without one,
  // this controller says the action cannot run.
  const { pullRequest: _proposal, ...kept } = previous;
  const pullRequest =
    monitor.spec.actions?.pullRequest === true && !input.proposals
      ? { pullRequest: NOT_CONFIGURED }
      : {};

  if (!outcome.ok) {
    const { reason, message } = outcome.problem;
    return {
      status: { ...kept, ...pullRequest },
      summary: { ready: { status: 'False', reason, message } },
      requeueAfterMs: Math.min(interval, RETRY_MISSING_MS),
    };
  }

  const { comparison, live } = outcome;
  const checked = formatTimestamp(nowMs);
  const ready: ConditionState = {
    status: 'True',
    reason: 'Evaluated',
    message: `compared ${comparison.rows} live rows from ${readingNote(live)}`,
  };
  let drifted: ConditionState;
  let status: DriftMonitorStatus;
  let create: DriftMonitorPlan['create'];
  let judged: readonly FeatureDrift[] | undefined;

  if (comparison.kind === 'insufficient') {
    const { features: _features, ...rest } = kept;
    status = { ...rest, ...pullRequest, lastCheckTime: checked, samples: comparison.rows };
    drifted = {
      status: 'Unknown',
      reason: 'InsufficientData',
      message: `${comparison.rows} live rows, fewer than the ${comparison.minSamples} an evaluation needs (spec.window.minSamples)`,
    };
  } else {
    const { report } = comparison;
    const inputs = report.features.features;
    const outputs = report.prediction?.features ?? [];
    judged = [...inputs, ...outputs];
    const driftedNames = judged.filter((feature) => feature.drifted).map((feature) => feature.name);
    status = {
      ...kept,
      ...pullRequest,
      lastCheckTime: checked,
      samples: comparison.rows,
      features: [
        ...inputs.map((feature) => statusFeature(feature, false)),
        ...outputs.map((feature) => statusFeature(feature, true)),
      ],
    };
    const share = `${report.features.driftedCount} of ${inputs.length} features${
      report.prediction === undefined
        ? ''
        : `, ${report.prediction.driftedCount} of ${outputs.length} outputs`
    } over ${comparison.rows} live rows`;
    const list = judged
      .filter((feature) => feature.drifted)
      .map(describeFeature)
      .join(', ');
    if (report.drifted) {
      const decision = input.retrain?.(driftedNames);
      let action = '';
      if (decision?.action === 'create') {
        create = decision;
        status.retrainingJob = decision.job.metadata.name ?? '';
        status.retrainTime = checked;
        action = `; retraining: created TrainingJob ${status.retrainingJob}`;
      } else if (decision !== undefined) {
        action = `; retraining: ${decision.message}`;
      }
      drifted = {
        status: 'True',
        reason: 'DriftDetected',
        message: `drifted: ${list} (${share})${action}`,
      };
    } else {
      drifted = {
        status: 'False',
        reason: 'NoDrift',
        message: `no drift: ${share}${list === '' ? '' : `; below the drift share: ${list}`}`,
      };
    }
  }

  const summary: Summary = { ready, conditions: { [DRIFTED_CONDITION]: drifted } };
  const event = transitionEvent(monitor, drifted, create);
  return {
    status,
    summary,
    requeueAfterMs: interval,
    ...(event === undefined ? {} : { event }),
    ...(create === undefined ? {} : { create }),
    ...(judged === undefined ? {} : { judged }),
  };
}

function transitionEvent(
  monitor: DriftMonitor,
  drifted: ConditionState,
  create: DriftMonitorPlan['create'],
): EventInput | undefined {
  const was = getCondition(monitor.status?.conditions, DRIFTED_CONDITION);
  if (was?.status !== drifted.status) {
    return {
      type: drifted.status === 'True' ? 'Warning' : 'Normal',
      reason: drifted.reason,
      action: 'Evaluate',
      note: drifted.message,
    };
  }
  if (create === undefined) return undefined;
  return {
    type: 'Normal',
    reason: 'RetrainingStarted',
    action: 'Retrain',
    note: `created TrainingJob ${create.job.metadata.name ?? ''}: ${drifted.message}`,
  };
}
