/**
 * The canary rollout of an InferenceService, as a pure state machine over its status.
 *
 * - With no stable version yet, or with the Recreate strategy, or without steps, the
 *   declared version becomes stable at once.
 * - A new declared version starts a canary at step 0 once its ModelVersion is Ready; a
 *   version this service rolled back is not tried again until the `ferry.dev/retry`
 *   annotation changes or the spec names another version.
 * - Each step lasts its duration; then its analysis decides: pass moves to the next step
 *   (after the last, the canary is promoted to stable), wait (too few requests) keeps the
 *   step, fail rolls back at once (with `autoRollback`; otherwise the rollout holds).
 *   A failing analysis rolls back before the step's time is up.
 * - A spec that names another version mid-canary supersedes the canary.
 */

import {
  Labels,
  parseDuration,
  type InferenceService,
  type InferenceServiceStatus,
  type ModelVersion,
} from '../../api/index.js';
import { formatTimestamp } from '../../runtime/clock.js';
import { getCondition } from '../../runtime/conditions.js';
import { GATES_FAILED, validationOfThisGeneration } from '../validation.js';
import type { Verdict } from './analysis.js';

export type TargetState = 'Ready' | 'Validating' | 'Rejected' | 'Missing';

/**
 * Whether the ModelVersion a service names may be rolled out, from its own validation:
 * Rejected when its artifact failed validation or its gates failed, Validating until its
 * current generation is validated. A rejection by a rollback does not count here: the
 * service's `lastRollback` and the retry annotation decide about those.
 */
export function targetState(modelVersion: ModelVersion | undefined): TargetState {
  if (modelVersion === undefined) return 'Missing';
  const validated = validationOfThisGeneration(modelVersion);
  if (validated === undefined) return 'Validating';
  if (validated.status === 'False') return 'Rejected';
  const rejected = getCondition(modelVersion.status?.conditions, 'Rejected');
  return rejected?.status === 'True' && rejected.reason === GATES_FAILED ? 'Rejected' : 'Ready';
}

export interface RolloutObserved {
  service: InferenceService;
  /** The state of the ModelVersion `spec.modelVersion` names. */
  target: TargetState;
  /** The analysis of the running canary step, when there is a canary. */
  verdict: Verdict | undefined;
  /**
   * Whether the stable version answers (its Deployment has an available pod running it).
   * A canary is compared with stable, so none starts while stable is down.
   */
  stableAnswers: boolean;
  nowMs: number;
}

export interface RolloutPlan {
  status: InferenceServiceStatus;
  /** What happened, for an event; undefined when nothing did. */
  transition?: { type: 'Normal' | 'Warning'; reason: string; message: string };
  /** Why the rollout cannot proceed, for the Degraded condition. */
  degraded?: { reason: string; message: string };
  requeueAfterMs?: number;
}

const HISTORY_LIMIT = 10;
/** How often a running canary is analysed; Flagger's default interval is one minute. */
const ANALYSIS_INTERVAL_MS = 5_000;

export function planRollout(observed: RolloutObserved): RolloutPlan {
  const { service, target, verdict, nowMs } = observed;
  const spec = service.spec;
  const previous = service.status ?? {};
  const desired = spec.modelVersion;
  const steps = spec.rollout?.strategy === 'Recreate' ? [] : (spec.rollout?.steps ?? []);
  const retry = service.metadata.annotations?.[Labels.retry] ?? '';
  const record = (
    status: InferenceServiceStatus,
    version: string,
    result: 'Promoted' | 'RolledBack' | 'Superseded',
    message: string,
  ): InferenceServiceStatus => ({
    ...status,
    history: [
      {
        version,
        result,
        ...(previous.stepStartTime === undefined ? {} : { startTime: previous.stepStartTime }),
        finishTime: formatTimestamp(nowMs),
        message,
      },
      ...(previous.history ?? []),
    ].slice(0, HISTORY_LIMIT),
  });
  const withoutCanary = (status: InferenceServiceStatus): InferenceServiceStatus => {
    const { canaryVersion, step, stepStartTime, ...rest } = status;
    return { ...rest, canaryWeight: 0 };
  };

  // A canary in flight.
  const canary = previous.canaryVersion;
  if (canary !== undefined) {
    if (canary !== desired) {
      const superseded = record(
        withoutCanary(previous),
        canary,
        'Superseded',
        `spec.modelVersion changed to ${desired}`,
      );
      const next = planRollout({
        ...observed,
        service: { ...service, status: superseded },
        verdict: undefined,
      });
      // The new version's own transition (a canary started) says more; else say this.
      return {
        ...next,
        transition: next.transition ?? {
          type: 'Normal',
          reason: 'Superseded',
          message: `canary ${canary} superseded: spec.modelVersion changed to ${desired}`,
        },
      };
    }
    const index = previous.step ?? 0;
    const stepSpec = steps[index];
    const started = Date.parse(previous.stepStartTime ?? '') || nowMs;
    const elapsed = nowMs - started;
    const duration = stepSpec === undefined ? 0 : (parseDuration(stepSpec.duration) ?? 0);
    if (verdict?.verdict === 'fail') {
      if (spec.rollout?.autoRollback === false) {
        return {
          status: previous,
          degraded: {
            reason: verdict.reason,
            message: `canary ${canary} fails its analysis (${verdict.message}); autoRollback is off, so it holds at step ${index}`,
          },
          requeueAfterMs: ANALYSIS_INTERVAL_MS,
        };
      }
      const message = `canary ${canary} failed at step ${index}: ${verdict.message}`;
      const status = record(withoutCanary(previous), canary, 'RolledBack', message);
      return {
        status: {
          ...status,
          lastRollback: {
            version: canary,
            reason: verdict.reason,
            message: verdict.message,
            time: formatTimestamp(nowMs),
            retry,
          },
        },
        transition: { type: 'Warning', reason: 'RolledBack', message },
        degraded: { reason: verdict.reason, message },
      };
    }
    if (elapsed < duration || verdict === undefined || verdict.verdict === 'wait') {
      // Until the step's time is up, look again when it is (or sooner, to catch failures);
      // after that, every interval until enough requests came.
      const left = duration - elapsed;
      return {
        status: previous,
        requeueAfterMs:
          left > 0 ? Math.min(Math.max(left, 1000), ANALYSIS_INTERVAL_MS) : ANALYSIS_INTERVAL_MS,
      };
    }
    const next = steps[index + 1];
    if (next === undefined) {
      const message = `canary ${canary} promoted after ${steps.length} steps: ${verdict.message}`;
      return {
        status: record(
          { ...withoutCanary(previous), stableVersion: canary },
          canary,
          'Promoted',
          message,
        ),
        transition: { type: 'Normal', reason: 'Promoted', message },
      };
    }
    return {
      status: {
        ...previous,
        step: index + 1,
        canaryWeight: next.weight,
        stepStartTime: formatTimestamp(nowMs),
      },
      transition: {
        type: 'Normal',
        reason: 'StepPassed',
        message: `canary ${canary} passed step ${index}: ${verdict.message}; now at ${next.weight}%`,
      },
      requeueAfterMs: ANALYSIS_INTERVAL_MS,
    };
  }

  // No canary: converged, or a new version to start.
  if (previous.stableVersion === desired) return { status: { ...previous, canaryWeight: 0 } };
  const rollback = previous.lastRollback;
  if (rollback?.version === desired && (rollback.retry ?? '') === retry) {
    return {
      status: previous,
      // The reason stays the analysis's own, as it was on the rollback itself.
      degraded: {
        reason: rollback.reason ?? 'RolledBack',
        message: `${desired} was rolled back (${rollback.reason ?? 'analysis failed'}: ${rollback.message ?? ''}); change the ${Labels.retry} annotation to try it again`,
      },
    };
  }
  if (target === 'Rejected') {
    return {
      status: previous,
      degraded: {
        reason: 'ModelVersionRejected',
        message: `ModelVersion ${desired} is Rejected; it will not be rolled out`,
      },
    };
  }
  if (target !== 'Ready') {
    return {
      status: previous,
      degraded: {
        reason: target === 'Missing' ? 'ModelVersionNotFound' : 'ModelVersionNotReady',
        message: `waiting for ModelVersion ${desired} to ${target === 'Missing' ? 'exist' : 'be validated'}`,
      },
      requeueAfterMs: ANALYSIS_INTERVAL_MS,
    };
  }
  const first = steps[0];
  if (previous.stableVersion === undefined || first === undefined) {
    const message = `${desired} is the stable version`;
    return {
      status: { ...withoutCanary(previous), stableVersion: desired },
      transition: { type: 'Normal', reason: 'Deployed', message },
    };
  }
  if (!observed.stableAnswers) {
    // Not Degraded: Ready already says the stable Deployment is not serving.
    return { status: previous, requeueAfterMs: ANALYSIS_INTERVAL_MS };
  }
  return {
    status: {
      ...previous,
      canaryVersion: desired,
      step: 0,
      canaryWeight: first.weight,
      stepStartTime: formatTimestamp(nowMs),
    },
    transition: {
      type: 'Normal',
      reason: 'CanaryStarted',
      message: `canary ${desired} started at ${first.weight}% of traffic`,
    },
    requeueAfterMs: ANALYSIS_INTERVAL_MS,
  };
}
