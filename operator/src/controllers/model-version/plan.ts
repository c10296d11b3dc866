/**
 * The ModelVersion controller's decisions, as pure functions.
 *
 * A ModelVersion is validated once per generation: its artifact must match its sha256,
 * load, and have the signature the spec declares (when it declares one), and its metrics
 * must pass its gates. Its stage is then read from the InferenceServices, so one
 * controller writes it and it always agrees with what serves:
 * - Rejected: validation failed, or an InferenceService rolled it back (until a service
 *   serves it again, as a retry through `ferry.dev/retry` does);
 * - Production: some InferenceService serves it, Ready, as its stable version (a stable
 *   version that does not answer yet, or any more, is a Candidate);
 * - Archived: it was in Production and no service serves it any more;
 * - Candidate: otherwise.
 */

import {
  type InferenceService,
  type ModelStage,
  type ModelVersion,
  type ModelVersionStatus,
} from '../../api/index.js';
import { failedGates } from '../../api/gates.js';
import { formatTimestamp } from '../../runtime/clock.js';
import { getCondition } from '../../runtime/conditions.js';
import { GATES_FAILED } from '../validation.js';
import type { ConditionState, StepOutcome, Summary } from '../../runtime/summarize.js';

type Signature = NonNullable<ModelVersionStatus['signature']>;
type Tensor = NonNullable<Signature['inputs']>[number];

/** What reading the artifact found. */
export type ArtifactCheck =
  | { ok: true; signature: Signature }
  | {
      ok: false;
      reason: 'DigestMismatch' | 'NotLoadable' | 'ArtifactNotFound' | 'ArtifactUnreachable';
      message: string;
      /**
       * Whether a later attempt may succeed. Where the artifact cannot be read from (not
       * found, unreachable) is the environment's problem and always retried; only what the
       * artifact is (its digest, whether it loads) is a final verdict.
       */
      retryable: boolean;
    };

export interface ModelVersionObserved {
  modelVersion: ModelVersion;
  /** Undefined when the artifact was not read this time (already validated for this generation). */
  artifact: ArtifactCheck | undefined;
  /** InferenceServices in the ModelVersion's namespace. */
  services: readonly InferenceService[];
  nowMs: number;
}

function describeTensor(tensor: Tensor): string {
  return `${tensor.name} ${tensor.datatype} [${tensor.shape.join(', ')}]`;
}

/** Differences between the declared and the real signature; empty when they agree. */
export function signatureDifferences(declared: Signature | undefined, actual: Signature): string[] {
  if (declared === undefined) return [];
  const differences: string[] = [];
  for (const side of ['inputs', 'outputs'] as const) {
    const real = new Map((actual[side] ?? []).map((tensor) => [tensor.name, tensor]));
    const stated = declared[side];
    if (stated === undefined) continue;
    for (const tensor of stated) {
      const found = real.get(tensor.name);
      if (found === undefined) {
        differences.push(
          `${side}: ${tensor.name} is declared but the model has ${[...real.keys()].join(', ') || 'none'}`,
        );
      } else if (describeTensor(found) !== describeTensor(tensor)) {
        differences.push(
          `${side}: declared ${describeTensor(tensor)}, the model has ${describeTensor(found)}`,
        );
      }
      real.delete(tensor.name);
    }
    for (const name of real.keys())
      differences.push(`${side}: the model has ${name}, which is not declared`);
  }
  return differences;
}

/** Services serving `name`, as their stable version or as a canary. */
export function servingServices(name: string, services: readonly InferenceService[]): string[] {
  return services
    .filter(
      (service) => service.status?.stableVersion === name || service.status?.canaryVersion === name,
    )
    .map((service) => service.metadata.name ?? '')
    .sort();
}

/**
 * A service that rolled this version back, unless some service is serving it again (a
 * retry through `ferry.dev/retry` starts a new canary of it).
 */
function rolledBackBy(
  name: string,
  services: readonly InferenceService[],
): InferenceService | undefined {
  if (servingServices(name, services).length > 0) return undefined;
  return services.find((service) => service.status?.lastRollback?.version === name);
}

/** Reasons that say where the artifact could not be read from, never what it is. */
const ENVIRONMENT_REASONS: ReadonlySet<string> = new Set([
  'ArtifactNotFound',
  'ArtifactUnreachable',
]);

export type ModelVersionPlan = StepOutcome<ModelVersionStatus>;

/**
 * The status, the summary (Validated and Rejected beside the standard conditions) and an
 * event when the stage changes.
 */
export function planModelVersion(observed: ModelVersionObserved): ModelVersionPlan {
  const { modelVersion, nowMs } = observed;
  const name = modelVersion.metadata.name ?? '';
  const generation = modelVersion.metadata.generation ?? 0;
  const previous = modelVersion.status ?? {};
  let status: ModelVersionStatus = { ...previous, observedGeneration: generation };

  // Validation: from this read of the artifact, or as recorded for this generation.
  const artifact = observed.artifact;
  let rejection: { reason: string; message: string } | undefined;
  let pending: { reason: string; message: string } | undefined;
  if (artifact !== undefined) {
    if (artifact.ok) {
      status = { ...status, signature: artifact.signature };
      const differences = signatureDifferences(modelVersion.spec.signature, artifact.signature);
      if (differences.length > 0)
        rejection = {
          reason: 'SignatureMismatch',
          message: `the model's signature differs from spec.signature: ${differences.join('; ')}`,
        };
    } else if (artifact.retryable || ENVIRONMENT_REASONS.has(artifact.reason)) {
      pending = { reason: artifact.reason, message: artifact.message };
    } else {
      rejection = { reason: artifact.reason, message: artifact.message };
    }
  } else {
    const validated = getCondition(previous.conditions, 'Validated');
    if (validated?.status === 'False' && validated.reason !== 'Validating')
      rejection = { reason: validated.reason, message: validated.message };
    if (validated === undefined)
      pending = { reason: 'Validating', message: 'the artifact has not been read yet' };
  }
  const gateFailures = failedGates(modelVersion.spec.gates ?? [], modelVersion.spec.metrics ?? {});
  if (rejection === undefined && pending === undefined && gateFailures.length > 0) {
    rejection = { reason: GATES_FAILED, message: `gates failed: ${gateFailures.join('; ')}` };
  }

  let validated: ConditionState;
  if (pending !== undefined) validated = { status: 'Unknown', ...pending };
  else if (rejection !== undefined && rejection.reason !== GATES_FAILED)
    validated = { status: 'False', ...rejection };
  else
    validated = {
      status: 'True',
      reason: 'ArtifactVerified',
      message: 'the artifact matches its sha256, loads, and has the declared signature',
    };

  const rolledBack = rolledBackBy(name, observed.services);
  if (rejection === undefined && rolledBack !== undefined) {
    const rollback = rolledBack.status?.lastRollback;
    rejection = {
      reason: rollback?.reason ?? 'RolledBack',
      message: `rolled back by InferenceService ${rolledBack.metadata.name ?? ''}: ${rollback?.message ?? ''}`,
    };
  }

  const servedBy = servingServices(name, observed.services);
  // Production only while a service serves it Ready as its stable version.
  const stableIn = observed.services.filter((service) => service.status?.stableVersion === name);
  const stable = stableIn.some(
    (service) => getCondition(service.status?.conditions, 'Ready')?.status === 'True',
  );
  let stage: ModelStage;
  if (rejection !== undefined) stage = 'Rejected';
  else if (stable) stage = 'Production';
  else if (stableIn.length > 0) stage = 'Candidate';
  else if (previous.stage === 'Production' || previous.stage === 'Archived') stage = 'Archived';
  else stage = 'Candidate';

  let summary: Summary;
  if (rejection !== undefined) {
    summary = {
      ready: { status: 'False', ...rejection },
      stalled: rejection,
      conditions: { Validated: validated, Rejected: { status: 'True', ...rejection } },
    };
  } else if (pending !== undefined) {
    summary = {
      ready: { status: 'False', ...pending },
      reconciling: pending,
      conditions: { Validated: validated, Rejected: undefined },
    };
  } else {
    summary = {
      ready: {
        status: 'True',
        reason: stage,
        message: `${stage}${servedBy.length > 0 ? `, served by ${servedBy.join(', ')}` : ''}`,
      },
      conditions: { Validated: validated, Rejected: undefined },
    };
  }

  const primary = modelVersion.spec.primaryMetric ?? 'accuracy';
  const primaryValue = modelVersion.spec.metrics?.[primary];
  status = {
    ...status,
    stage,
    ...(stage !== previous.stage ? { stageTime: formatTimestamp(nowMs) } : {}),
    ...(primaryValue === undefined ? {} : { primaryMetric: `${primary}=${primaryValue}` }),
  };
  if (servedBy.length > 0) status.servedBy = servedBy;
  else delete status.servedBy;
  return {
    status,
    summary,
    ...(stage === previous.stage
      ? {}
      : {
          event: {
            type: stage === 'Rejected' ? 'Warning' : 'Normal',
            reason: stage === 'Rejected' ? (rejection?.reason ?? 'Rejected') : stage,
            action: 'Reconcile',
            note: rejection?.message ?? `stage ${stage}`,
          },
        }),
  };
}
