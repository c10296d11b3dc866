/**
 * The InferenceService controller's decisions, as one pure function over what it observed:
 * the rollout step (`planRollout`), the objects that serve it (`workloads.ts`), and the
 * status with its conditions.
 *
 * Conditions:
 * - Ready: True while the stable Deployment runs the stable version with at least one
 *   updated replica available, so the service's URL answers with that version (the
 *   canary's Deployment at a 100% step); its message counts the available replicas;
 * - Progressing: present (True) only while a canary is under analysis;
 * - Degraded: present (True) only while the declared version cannot be rolled out (it was
 *   rolled back, is rejected, missing or not validated yet, or the canary fails with
 *   autoRollback off). The stable version keeps serving, so Ready may stay True;
 * - Reconciling: while a canary is under analysis or the serving Deployment rolls out;
 * - Stalled: while the declared version is Degraded and no canary is in flight: only a
 *   change of `spec.modelVersion` (or `ferry.dev/retry`) moves it.
 *
 * A canary step with no canary pod available for `CANARY_PROGRESS_DEADLINE_MS` fails as
 * `CanaryUnavailable` (a model that will not start must not hold the rollout forever).
 *
 * After a promotion, the canary Deployment stays until the stable Deployment serves the
 * promoted version with all its replicas, so capacity never dips; after a rollback it goes
 * at once.
 */

import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { InferenceService, InferenceServiceStatus, ModelVersion } from '../../api/index.js';
import { formatDuration } from '../../api/duration.js';
import type { ConditionState, StepOutcome, Summary } from '../../runtime/summarize.js';
import type { StepBaseline, Verdict } from './analysis.js';
import { planRollout, targetState } from './rollout.js';
import {
  desiredDeployment,
  desiredHttpRoute,
  desiredService,
  MODEL_VERSION_LABEL,
  replicaSplit,
  serviceUrl,
  type Track,
} from './workloads.js';

export interface InferenceServiceObserved {
  service: InferenceService;
  /** ModelVersions in the service's namespace, by name. */
  modelVersions: ReadonlyMap<string, ModelVersion>;
  /** The service's Deployments as the cluster has them. */
  deployments: Record<Track, V1Deployment | undefined>;
  /** The analysis of the running canary step, when one is under way. */
  verdict?: Verdict | undefined;
  /** The step's baseline to keep, when this analysis was the step's first reading. */
  baseline?: StepBaseline | undefined;
  /** Image that runs `ferry serve`. */
  image: string;
  /** `host:port` a load balancer gave the service's Service, when it has one. */
  serviceAddress?: string | undefined;
  nowMs: number;
}

export type WorkloadObject = V1Deployment | V1Service | ReturnType<typeof desiredHttpRoute>;

export interface InferenceServicePlan extends StepOutcome<InferenceServiceStatus> {
  /** Objects to server-side apply, in order. */
  apply: WorkloadObject[];
  /** Deployments to delete. */
  remove: Track[];
}

/** Whether the Deployment runs `version`, as far as its controller has caught up. */
function runs(deployment: V1Deployment | undefined, version: string): boolean {
  return (
    deployment?.metadata?.labels?.[MODEL_VERSION_LABEL] === version &&
    (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0)
  );
}

/** Whether the Deployment has rolled out `version` with all `wanted` replicas available. */
function servesFully(deployment: V1Deployment | undefined, version: string, wanted: number) {
  return (
    runs(deployment, version) &&
    (deployment?.status?.updatedReplicas ?? 0) >= wanted &&
    (deployment?.status?.availableReplicas ?? 0) >= wanted
  );
}

/** Whether `version` answers: its Deployment runs it with at least one updated pod available. */
function answers(deployment: V1Deployment | undefined, version: string): boolean {
  return (
    runs(deployment, version) &&
    (deployment?.status?.updatedReplicas ?? 0) >= 1 &&
    (deployment?.status?.availableReplicas ?? 0) >= 1
  );
}

/** Why the Deployment does not serve `version` with `wanted` replicas yet. */
function rollingMessage(deployment: V1Deployment | undefined, version: string, wanted: number) {
  const running = deployment?.metadata?.labels?.[MODEL_VERSION_LABEL];
  if (running === undefined) return `${version}: waiting for its Deployment`;
  if (running !== version) return `${version}: its Deployment still runs ${running}`;
  return `${version}: ${String(deployment?.status?.availableReplicas ?? 0)} of ${String(wanted)} replicas available`;
}

/**
 * How long a canary step may run without one canary pod available before the canary
 * fails: a Deployment's default progress deadline (`progressDeadlineSeconds: 600`).
 */
export const CANARY_PROGRESS_DEADLINE_MS = 600_000;

/** A failing verdict for a canary that has had no pod available for the progress deadline. */
function unavailableCanary(
  service: InferenceService,
  deployment: V1Deployment | undefined,
  nowMs: number,
): Verdict | undefined {
  const canary = service.status?.canaryVersion;
  const started = Date.parse(service.status?.stepStartTime ?? '');
  if (canary === undefined || Number.isNaN(started) || answers(deployment, canary))
    return undefined;
  if (nowMs - started < CANARY_PROGRESS_DEADLINE_MS) return undefined;
  return {
    verdict: 'fail',
    reason: 'CanaryUnavailable',
    message: `no pod of ${canary} became available within ${formatDuration(CANARY_PROGRESS_DEADLINE_MS)} of the step's start`,
  };
}

export function planInferenceService(observed: InferenceServiceObserved): InferenceServicePlan {
  const { service, modelVersions, deployments, nowMs } = observed;
  const generation = service.metadata.generation ?? 0;
  const serving = service.status?.stableVersion;
  const rollout = planRollout({
    service,
    target: targetState(modelVersions.get(service.spec.modelVersion)),
    stableAnswers:
      service.spec.replicas === 0 ||
      (serving !== undefined && answers(deployments.stable, serving)),
    verdict: unavailableCanary(service, deployments.canary, nowMs) ?? observed.verdict,
    nowMs,
  });
  const stableVersion = rollout.status.stableVersion;
  const canaryVersion = rollout.status.canaryVersion;
  const weight = canaryVersion === undefined ? 0 : (rollout.status.canaryWeight ?? 0);
  const replicas = replicaSplit(service, weight);
  const stable = stableVersion === undefined ? undefined : modelVersions.get(stableVersion);
  const canary = canaryVersion === undefined ? undefined : modelVersions.get(canaryVersion);
  const options = { image: observed.image };

  const apply: WorkloadObject[] = [];
  const remove: Track[] = [];
  if (stable !== undefined) {
    apply.push(desiredService(service));
    apply.push(desiredDeployment(service, 'stable', stable, replicas.stable, options));
  }
  if (canary !== undefined) {
    apply.push(desiredDeployment(service, 'canary', canary, replicas.canary, options));
  } else if (
    deployments.canary !== undefined &&
    (stableVersion === undefined ||
      deployments.canary.metadata?.labels?.[MODEL_VERSION_LABEL] !== stableVersion ||
      servesFully(deployments.stable, stableVersion, replicas.stable))
  ) {
    remove.push('canary');
  }
  if (stable !== undefined && service.spec.traffic?.httpRouteRef !== undefined) {
    apply.push(desiredService(service, 'stable'), desiredService(service, 'canary'));
    apply.push(desiredHttpRoute(service, weight));
  }

  let ready: ConditionState;
  if (stableVersion === undefined) {
    ready = {
      status: 'False',
      reason: rollout.degraded?.reason ?? 'NoStableVersion',
      message: rollout.degraded?.message ?? 'no version is serving yet',
    };
  } else if (stable === undefined) {
    ready = {
      status: 'False',
      reason: 'ModelVersionNotFound',
      message: `ModelVersion ${stableVersion} is not found`,
    };
  } else {
    // At a 100% step the canary alone serves; otherwise the stable Deployment does.
    const [track, version] =
      replicas.stable === 0 && canaryVersion !== undefined
        ? (['canary', canaryVersion] as const)
        : (['stable', stableVersion] as const);
    const deployment = deployments[track];
    if (replicas[track] === 0)
      ready = { status: 'True', reason: 'ScaledToZero', message: `${version} has 0 replicas` };
    else if (answers(deployment, version))
      ready = {
        status: 'True',
        reason: 'Serving',
        message: `${version} serves, ${String(deployment?.status?.availableReplicas ?? 0)} of ${String(replicas[track])} replicas available`,
      };
    else
      ready = {
        status: 'False',
        reason: 'Deploying',
        message: rollingMessage(deployment, version, replicas[track]),
      };
  }
  const steps = service.spec.rollout?.steps?.length ?? 0;
  const progressing: ConditionState | undefined =
    canaryVersion === undefined
      ? undefined
      : {
          status: 'True',
          reason: 'CanaryAnalysis',
          message: `canary ${canaryVersion} at step ${String((rollout.status.step ?? 0) + 1)} of ${String(steps)}, ${String(weight)}% of traffic`,
        };
  const degraded: ConditionState | undefined =
    rollout.degraded === undefined ? undefined : { status: 'True', ...rollout.degraded };
  const summary: Summary = {
    ready,
    ...(progressing !== undefined
      ? { reconciling: { reason: progressing.reason, message: progressing.message } }
      : ready.reason === 'Deploying'
        ? { reconciling: { reason: ready.reason, message: ready.message } }
        : {}),
    ...(rollout.degraded !== undefined && canaryVersion === undefined
      ? { stalled: rollout.degraded }
      : {}),
    conditions: { Progressing: progressing, Degraded: degraded },
  };

  const url =
    stable === undefined
      ? undefined
      : serviceUrl(service, stable.spec.model, observed.serviceAddress);
  const { url: _previousUrl, stepBaseline: previousBaseline, ...rest } = rollout.status;
  // A baseline belongs to the step it was taken in; a new step takes its own.
  const baseline = observed.baseline ?? previousBaseline;
  const keepBaseline =
    canaryVersion !== undefined && baseline?.stepStartTime === rollout.status.stepStartTime;
  return {
    status: {
      ...rest,
      observedGeneration: generation,
      ...(url === undefined ? {} : { url }),
      ...(keepBaseline ? { stepBaseline: baseline } : {}),
    },
    summary,
    apply,
    remove,
    ...(rollout.transition === undefined
      ? {}
      : {
          event: {
            type: rollout.transition.type,
            reason: rollout.transition.reason,
            action: 'Rollout',
            note: rollout.transition.message,
          },
        }),
    ...(rollout.requeueAfterMs === undefined ? {} : { requeueAfterMs: rollout.requeueAfterMs }),
  };
}
