/**
 * The promotion reconciler's shell. For each InferenceService it observes the proposals
 * that exist for its branches, asks `planPromotion` what to open or merge, opens them
 * through a `ProposalRepository` (GitHub or plain git), and records each proposal in its
 * ModelVersion's `status.promotion`.
 *
 * Contract:
 * - exactly one proposal per (InferenceService, version): the branch or pull request is
 *   looked up before anything is created, and creation itself refuses to make a second
 *   one (the ref is created expecting it not to exist), so restarts and concurrent
 *   reconcilers converge on the first;
 * - the proposal's commit changes only `spec.modelVersion` of the service's manifest on
 *   the tracked branch's current commit, found through `ferry.dev/git-path` or by search;
 * - `status.promotion` is written with its own field manager and only when it changed.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import {
  GROUP,
  InferenceService as InferenceServiceKind,
  Labels,
  ModelVersion as ModelVersionKind,
  VERSION,
  type InferenceService,
  type ModelVersion,
  type ModelVersionStatus,
} from '../../api/index.js';
import type { Clock } from '../../runtime/clock.js';
import type { KubeClient } from '../../runtime/client.js';
import { WaitingError } from '../../runtime/errors.js';
import type { EventRecorder } from '../../runtime/events.js';
import { objectKey, parseObjectKey } from '../../runtime/key.js';
import type { Logger } from '../../runtime/logger.js';
import type { ControllerDefinition, Manager } from '../../runtime/manager.js';
import type { ReconcileResult } from '../../runtime/requeue.js';
import type { Resource } from '../../runtime/resource.js';
import { jsonEqual } from '../../runtime/status-changed.js';
import { promotionText, revertText } from './body.js';
import { findManifest } from './locate.js';
import {
  planPromotion,
  promotionBranch,
  revertBranch,
  stableVersionOf,
  type Judgement,
  type Proposal,
  type ProposalIntent,
} from './plan.js';
import type { ProposalRepository } from './repository.js';
import { ManifestEditError, setModelVersion } from './yaml-edit.js';

/** What the reconciler is given; the operator's controller context satisfies it. */
export interface PromotionContext {
  client: KubeClient;
  manager: Manager;
  recorder: EventRecorder;
  clock: Clock;
}

export interface PromotionControllerOptions {
  repository: ProposalRepository;
  /** The branch proposals target and manifests are read from. */
  trackedBranch: string;
  /** How often open proposals are looked at again (merged, closed, checks passed). */
  recheckMs?: number;
  log?: Logger;
  workers?: number;
}

/** The field manager of `status.promotion`. */
export const PROMOTION_FIELD_MANAGER = 'ferry-promotion';

export const DEFAULT_RECHECK_MS = 60_000;

/** A Ferry kind as a `Resource` the runtime can watch and write. */
export function resourceOf(kind: { kind: string; plural: string }): Resource {
  return { group: GROUP, version: VERSION, kind: kind.kind, plural: kind.plural, namespaced: true };
}
const services$ = resourceOf(InferenceServiceKind);
const versions$ = resourceOf(ModelVersionKind);

type Stored<T> = T & KubernetesObject;

/** The commit a proposal goes on top of; waits, retried after `recheckMs`, while the branch is missing. */
export async function trackedHead(
  repository: ProposalRepository,
  trackedBranch: string,
  recheckMs: number,
): Promise<string> {
  const base = await repository.head(trackedBranch);
  if (base === undefined)
    throw new WaitingError(`branch ${trackedBranch} is not in ${repository.description}`, {
      reason: 'BranchNotFound',
      requeueAfterMs: recheckMs,
    });
  return base;
}

/** A proposal as a status records it: its branch and state, its link on GitHub, else how to merge it. */
export function proposalRecord(
  repository: ProposalRepository,
  proposal: Proposal,
  trackedBranch: string,
): Pick<Proposal, 'branch' | 'state' | 'url' | 'number'> & { message?: string } {
  const hint =
    proposal.state === 'Open' ? repository.mergeHint(proposal, trackedBranch) : undefined;
  return {
    branch: proposal.branch,
    state: proposal.state,
    ...(proposal.url === undefined ? {} : { url: proposal.url }),
    ...(proposal.number === undefined ? {} : { number: proposal.number }),
    ...(hint === undefined ? {} : { message: hint }),
  };
}

export function promotionController(
  context: PromotionContext,
  options: PromotionControllerOptions,
): ControllerDefinition {
  const { manager, client, recorder } = context;
  const { repository, trackedBranch } = options;
  const recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
  const services = manager.informer<Stored<InferenceService>>(services$);
  const versions = manager.informer<Stored<ModelVersion>>(versions$);

  /**
   * The proposals of the branches that matter: every version that could be proposed
   * ignoring proposals, every version whose recorded proposal is still open, and the
   * revert branch of the last rollback.
   */
  async function observe(
    service: InferenceService,
    inNamespace: readonly ModelVersion[],
  ): Promise<Map<string, Proposal>> {
    const name = service.metadata.name ?? '';
    const unobserved = planPromotion({ service, versions: inNamespace, proposals: new Map() });
    const branches = new Set<string>();
    for (const judgement of unobserved.judgements)
      if (judgement.reasons.length === 0)
        branches.add(promotionBranch(name, judgement.version.metadata.name ?? ''));
    for (const version of inNamespace) {
      const recorded = version.status?.promotion;
      if (recorded?.service === name && recorded.state === 'Open' && recorded.branch !== undefined)
        branches.add(recorded.branch);
    }
    const rolledBack = service.status?.lastRollback?.version;
    if (rolledBack !== undefined) branches.add(revertBranch(name, rolledBack));
    const proposals = new Map<string, Proposal>();
    for (const branch of branches) {
      const found = await repository.find(branch, trackedBranch);
      if (found !== undefined) proposals.set(branch, found);
    }
    return proposals;
  }

  async function open(
    service: Stored<InferenceService>,
    intent: ProposalIntent,
    judgement: Judgement | undefined,
    stable: ModelVersion | undefined,
  ): Promise<Proposal | undefined> {
    const base = await trackedHead(repository, trackedBranch, recheckMs);
    const identity = {
      kind: InferenceServiceKind.kind,
      namespace: service.metadata.namespace ?? 'default',
      name: service.metadata.name ?? '',
    };
    const manifest = await findManifest(
      await repository.files(base),
      (file) => repository.read(file),
      identity,
      service.metadata.annotations?.[Labels.gitPath],
    );
    if (manifest === undefined) {
      await recorder.record(service, {
        type: 'Warning',
        reason: 'ManifestNotFound',
        action: 'Propose',
        note: `no single manifest of ${identity.kind}/${identity.name} on ${trackedBranch} in ${repository.description}; ${intent.branch} was not opened`,
      });
      return undefined;
    }
    let content: string;
    try {
      content = setModelVersion(manifest.text, manifest.locator, intent.to);
    } catch (error) {
      if (!(error instanceof ManifestEditError)) throw error;
      await recorder.record(service, {
        type: 'Warning',
        reason: 'ManifestNotEditable',
        action: 'Propose',
        note: `${manifest.file.path}: ${error.message}; ${intent.branch} was not opened`,
      });
      return undefined;
    }
    if (content === manifest.text) return undefined;
    const text =
      intent.kind === 'revert' || judgement === undefined
        ? revertText(service)
        : promotionText(service, judgement, stable);
    const proposal = await repository.open({
      branch: intent.branch,
      baseBranch: trackedBranch,
      baseCommit: base,
      file: manifest.file,
      content,
      ...text,
    });
    await recorder.record(service, {
      type: 'Normal',
      reason: intent.kind === 'revert' ? 'RevertProposed' : 'PromotionProposed',
      action: 'Propose',
      note: `${text.title}: ${proposal.url ?? `branch ${proposal.branch}`}`,
    });
    return proposal;
  }

  async function record(
    service: InferenceService,
    version: Stored<ModelVersion>,
    proposal: Proposal,
  ): Promise<void> {
    const promotion: NonNullable<ModelVersionStatus['promotion']> = {
      ...proposalRecord(repository, proposal, trackedBranch),
      service: service.metadata.name ?? '',
    };
    if (jsonEqual(version.status?.promotion, promotion)) return;
    await client.applyStatus(
      versions$,
      version.metadata.namespace ?? 'default',
      version.metadata.name ?? '',
      { promotion },
      PROMOTION_FIELD_MANAGER,
    );
  }

  /**
   * A recorded branch that has gone without a pull request to show for it: merged when
   * the service now declares the version, else closed without merging.
   */
  function vanished(service: InferenceService, version: ModelVersion): Proposal | undefined {
    const recorded = version.status?.promotion;
    if (repository.pullRequests || recorded?.state !== 'Open' || recorded.branch === undefined)
      return undefined;
    if (recorded.service !== service.metadata.name) return undefined;
    const name = version.metadata.name ?? '';
    const merged = service.spec.modelVersion === name || service.status?.stableVersion === name;
    return { branch: recorded.branch, state: merged ? 'Merged' : 'Closed' };
  }

  async function reconcile(service: Stored<InferenceService>): Promise<ReconcileResult> {
    const namespace = service.metadata.namespace;
    const inNamespace = versions.list(namespace);
    const proposals = await observe(service, inNamespace);
    const plan = planPromotion({ service, versions: inNamespace, proposals });
    const stableName = stableVersionOf(service);
    const stable = inNamespace.find((version) => version.metadata.name === stableName);
    for (const intent of plan.open) {
      const judgement = plan.judgements.find(
        (candidate) => candidate.version.metadata.name === intent.version,
      );
      const proposal = await open(service, intent, judgement, stable);
      if (proposal !== undefined) proposals.set(intent.branch, proposal);
    }
    for (const proposal of plan.merge) {
      if (await repository.mergeIfChecksPassed(proposal))
        proposals.set(proposal.branch, { ...proposal, state: 'Merged' });
    }
    const serviceName = service.metadata.name ?? '';
    let anyOpen = false;
    for (const version of inNamespace) {
      const branch = promotionBranch(serviceName, version.metadata.name ?? '');
      const proposal = proposals.get(branch) ?? vanished(service, version);
      if (proposal === undefined) continue;
      anyOpen ||= proposal.state === 'Open';
      await record(service, version, proposal);
    }
    return anyOpen ? { requeueAfterMs: recheckMs } : {};
  }

  return {
    name: 'promotion',
    primary: services$,
    workers: options.workers ?? 1,
    watches: [
      {
        // A version that becomes Ready, or changes, concerns the services following its model.
        resource: versions$,
        keys: (object) => {
          const version = object as Stored<ModelVersion>;
          return services
            .list(version.metadata.namespace)
            .filter((service) => service.spec.promotion?.model === version.spec.model)
            .map((service) =>
              objectKey({
                namespace: service.metadata.namespace,
                name: service.metadata.name ?? '',
              }),
            );
        },
      },
    ],
    async reconcile(key) {
      const { namespace, name } = parseObjectKey(key);
      const service = services.get(namespace, name);
      if (service === undefined || service.metadata.deletionTimestamp !== undefined) return {};
      options.log?.debug({ namespace, name }, 'promotion reconcile');
      return reconcile(service);
    },
  };
}
