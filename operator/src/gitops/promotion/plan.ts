/**
 * The promotion reconciler's decisions, as pure functions of one InferenceService, the
 * ModelVersions in its namespace, and the proposals (pull requests or branches) already
 * observed for it.
 *
 * A version of the followed model (`spec.promotion.model`) is proposed when it is Ready
 * (validated, not rejected), passes the service's promotion gates, and beats the stable
 * version's primary metric by more than `spec.promotion.minImprovement` (higher is
 * better; with the default 0 a tie is not a promotion). Only the best such version is
 * proposed, and only if no proposal exists for it yet; one that was closed without
 * merging is never proposed again, and the next best may be. `Manual` proposes nothing.
 *
 * After an automatic rollback of the version git declares, a revert proposal sets it
 * back to the stable version, once per rolled-back version.
 */

import {
  Labels,
  type Gate,
  type InferenceService,
  type ModelVersion,
  type PromotionState,
} from '../../api/index.js';
import { failedGates } from '../../api/gates.js';
import { getCondition } from '../../runtime/conditions.js';

/** `ferry/promote/<service>/<version>`. */
export function promotionBranch(service: string, version: string): string {
  return `ferry/promote/${service}/${version}`;
}

/** `ferry/revert/<service>/<version>`, for the version that was rolled back. */
export function revertBranch(service: string, version: string): string {
  return `ferry/revert/${service}/${version}`;
}

/** A pull request (or, without GitHub, a branch) as the reconciler observed it. */
export interface Proposal {
  branch: string;
  state: PromotionState;
  number?: number;
  url?: string;
}

export interface MetricComparison {
  metric: string;
  candidate: number | undefined;
  stable: number | undefined;
}

export interface GateResult {
  gate: Gate;
  value: number | undefined;
  passed: boolean;
}

export interface Judgement {
  version: ModelVersion;
  /** The primary metric compared with the stable version. */
  primary: MetricComparison;
  gates: GateResult[];
  /** Why the version is not proposed; empty when it qualifies. */
  reasons: string[];
}

export interface PromotionObserved {
  service: InferenceService;
  /** ModelVersions in the service's namespace. */
  versions: readonly ModelVersion[];
  /** Proposals found for branches of this service, by branch name. */
  proposals: ReadonlyMap<string, Proposal>;
}

/** What to open: a one-commit branch setting `spec.modelVersion` from `from` to `to`. */
export interface ProposalIntent {
  kind: 'promote' | 'revert';
  branch: string;
  /** The ModelVersion the proposal is about: the candidate, or the rolled-back version. */
  version: string;
  from: string;
  to: string;
}

export interface PromotionPlan {
  judgements: Judgement[];
  /** At most one promotion and one revert to open. */
  open: ProposalIntent[];
  /** Open pull requests to merge once their required checks pass (AutoMerge). */
  merge: Proposal[];
}

/** The version the service serves to most traffic, or declares when nothing serves yet. */
export function stableVersionOf(service: InferenceService): string {
  return service.status?.stableVersion ?? service.spec.modelVersion;
}

function isReady(version: ModelVersion): boolean {
  const conditions = version.status?.conditions;
  return (
    getCondition(conditions, 'Ready')?.status === 'True' &&
    getCondition(conditions, 'Validated')?.status === 'True' &&
    getCondition(conditions, 'Rejected')?.status !== 'True'
  );
}

export function primaryMetricOf(version: ModelVersion): string {
  return version.spec.primaryMetric ?? 'accuracy';
}

function judge(
  version: ModelVersion,
  service: InferenceService,
  stable: ModelVersion | undefined,
  proposal: Proposal | undefined,
): Judgement {
  const name = version.metadata.name ?? '';
  const metric = primaryMetricOf(version);
  const metrics = version.spec.metrics ?? {};
  const primary: MetricComparison = {
    metric,
    candidate: metrics[metric],
    stable: stable?.spec.metrics?.[metric],
  };
  const gates = (service.spec.promotion?.gates ?? []).map((gate) => ({
    gate,
    value: metrics[gate.metric],
    passed: failedGates([gate], metrics).length === 0,
  }));
  const reasons: string[] = [];
  if (!isReady(version)) reasons.push('not Ready');
  reasons.push(...failedGates(service.spec.promotion?.gates ?? [], metrics));
  const minImprovement = service.spec.promotion?.minImprovement ?? 0;
  if (primary.candidate === undefined) reasons.push(`reports no ${metric}`);
  else if (primary.stable === undefined)
    reasons.push(`the stable version ${stableVersionOf(service)} reports no ${metric}`);
  else if (!(primary.candidate - primary.stable > minImprovement))
    reasons.push(
      `${metric} ${primary.candidate} does not beat the stable ${primary.stable} by more than ${minImprovement}`,
    );
  const declined = proposal?.state === 'Closed' || version.status?.promotion?.state === 'Closed';
  if (declined) reasons.push('its pull request was closed without merging');
  return { version, primary, gates, reasons: name === '' ? ['has no name'] : reasons };
}

function revertIntent(observed: PromotionObserved): ProposalIntent | undefined {
  const { service } = observed;
  const rollback = service.status?.lastRollback;
  const stable = service.status?.stableVersion;
  const serviceName = service.metadata.name ?? '';
  if (rollback?.version === undefined || stable === undefined) return undefined;
  // Only while git still declares the refused version, and no retry was asked for since.
  if (service.spec.modelVersion !== rollback.version) return undefined;
  const retry = service.metadata.annotations?.[Labels.retry] ?? '';
  if ((rollback.retry ?? '') !== retry) return undefined;
  const branch = revertBranch(serviceName, rollback.version);
  if (observed.proposals.has(branch)) return undefined;
  return { kind: 'revert', branch, version: rollback.version, from: rollback.version, to: stable };
}

export function planPromotion(observed: PromotionObserved): PromotionPlan {
  const { service, versions, proposals } = observed;
  const serviceName = service.metadata.name ?? '';
  const promotion = service.spec.promotion;
  const open: ProposalIntent[] = [];
  const revert = revertIntent(observed);
  if (revert !== undefined) open.push(revert);
  if (promotion?.model === undefined) return { judgements: [], open, merge: [] };

  const stableName = stableVersionOf(service);
  const stable = versions.find((version) => version.metadata.name === stableName);
  const excluded = new Set([
    stableName,
    service.spec.modelVersion,
    service.status?.canaryVersion,
    service.status?.lastRollback?.version,
  ]);
  const judgements = versions
    .filter(
      (version) =>
        version.spec.model === promotion.model && !excluded.has(version.metadata.name ?? ''),
    )
    .map((version) =>
      judge(
        version,
        service,
        stable,
        proposals.get(promotionBranch(serviceName, version.metadata.name ?? '')),
      ),
    )
    .sort(
      (a, b) =>
        (b.primary.candidate ?? -Infinity) - (a.primary.candidate ?? -Infinity) ||
        (a.version.metadata.name ?? '').localeCompare(b.version.metadata.name ?? ''),
    );

  const policy = promotion.policy ?? 'PullRequest';
  const best = judgements.find((judgement) => judgement.reasons.length === 0);
  if (policy !== 'Manual' && best !== undefined) {
    const version = best.version.metadata.name ?? '';
    const branch = promotionBranch(serviceName, version);
    if (!proposals.has(branch))
      open.push({ kind: 'promote', branch, version, from: service.spec.modelVersion, to: version });
  }
  const merge =
    policy === 'AutoMerge' && best !== undefined
      ? [proposals.get(promotionBranch(serviceName, best.version.metadata.name ?? ''))].filter(
          (proposal): proposal is Proposal =>
            proposal?.state === 'Open' && proposal.number !== undefined,
        )
      : [];
  return { judgements, open, merge };
}
