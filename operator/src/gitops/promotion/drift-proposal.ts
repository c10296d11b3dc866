/**
 * The DriftMonitor's pullRequest action: for the retraining job a monitor started
 * (`status.retrainingJob`), a proposal that adds the job's manifest to the tracked branch,
 * with the drift table in its body, through the same `ProposalRepository` as promotions
 * (GitHub pull requests, or branches).
 *
 * Contract:
 * - one proposal per (monitor, job), on `ferry/retrain/<monitor>/<job>`: looked up before
 *   anything is created, and created expecting the branch not to exist, so restarts and
 *   concurrent reconcilers converge on one;
 * - the proposal's commit adds one file, `<job>.yaml`, beside the monitor's manifest;
 * - the proposal's state is written to the monitor's `status.pullRequest` with the
 *   promotion field manager, only when it changed.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import {
  DriftMonitor as DriftMonitorKind,
  Labels,
  TrainingJob as TrainingJobKind,
  type DriftMonitor,
  type DriftMonitorStatus,
  type TrainingJob,
} from '../../api/index.js';
import { parseObjectKey } from '../../runtime/key.js';
import { labelKeys, type ControllerDefinition } from '../../runtime/manager.js';
import type { ReconcileResult } from '../../runtime/requeue.js';
import { jsonEqual } from '../../runtime/status-changed.js';
import {
  DEFAULT_RECHECK_MS,
  PROMOTION_FIELD_MANAGER,
  proposalRecord,
  resourceOf,
  trackedHead,
  type PromotionContext,
  type PromotionControllerOptions,
} from './controller.js';
import {
  retrainBranch,
  retrainManifestPath,
  retrainText,
  trainingJobManifest,
} from './drift-proposal-text.js';
import type { Proposal } from './plan.js';

const monitors$ = resourceOf(DriftMonitorKind);
const trainingJobs$ = resourceOf(TrainingJobKind);

type Stored<T> = T & KubernetesObject;
type PullRequestStatus = NonNullable<DriftMonitorStatus['pullRequest']>;

export function driftProposalController(
  context: PromotionContext,
  options: PromotionControllerOptions,
): ControllerDefinition {
  const { manager, client, recorder } = context;
  const { repository, trackedBranch } = options;
  const recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
  const monitors = manager.informer<Stored<DriftMonitor>>(monitors$);
  const jobs = manager.informer<Stored<TrainingJob>>(trainingJobs$);

  async function open(monitor: Stored<DriftMonitor>, job: TrainingJob, branch: string) {
    const base = await trackedHead(repository, trackedBranch, recheckMs);
    const text = retrainText(monitor, job);
    const proposal = await repository.open({
      branch,
      baseBranch: trackedBranch,
      baseCommit: base,
      file: {
        path: retrainManifestPath(monitor, job.metadata.name ?? ''),
        mode: '100644',
        sha: '',
      },
      content: trainingJobManifest(job),
      ...text,
    });
    await recorder.record(monitor, {
      type: 'Normal',
      reason: 'RetrainingProposed',
      action: 'Propose',
      note: `${text.title}: ${proposal.url ?? `branch ${proposal.branch}`}`,
    });
    return proposal;
  }

  async function record(monitor: DriftMonitor, proposal: Proposal): Promise<void> {
    const pullRequest: PullRequestStatus = proposalRecord(repository, proposal, trackedBranch);
    if (jsonEqual(monitor.status?.pullRequest, pullRequest)) return;
    await client.applyStatus(
      monitors$,
      monitor.metadata.namespace ?? 'default',
      monitor.metadata.name ?? '',
      { pullRequest },
      PROMOTION_FIELD_MANAGER,
    );
  }

  async function reconcile(monitor: Stored<DriftMonitor>): Promise<ReconcileResult> {
    const jobName = monitor.status?.retrainingJob;
    if (monitor.spec.actions?.pullRequest !== true || jobName === undefined) return {};
    const name = monitor.metadata.name ?? '';
    const branch = retrainBranch(name, jobName);
    const recorded = monitor.status?.pullRequest;
    if (recorded?.branch === branch && recorded.state !== 'Open') return {};
    let proposal = await repository.find(branch, trackedBranch);
    if (proposal === undefined) {
      const job = jobs.get(monitor.metadata.namespace, jobName);
      // The cache has not seen the job yet; its creation brings this monitor back.
      if (job === undefined) return {};
      proposal = await open(monitor, job, branch);
    }
    await record(monitor, proposal);
    return proposal.state === 'Open' ? { requeueAfterMs: recheckMs } : {};
  }

  return {
    name: 'drift-proposal',
    primary: monitors$,
    workers: options.workers ?? 1,
    // A retraining job reaching the cache brings its monitor back.
    watches: [{ resource: trainingJobs$, keys: labelKeys(Labels.driftMonitor) }],
    async reconcile(key) {
      const { namespace, name } = parseObjectKey(key);
      const monitor = monitors.get(namespace, name);
      if (monitor === undefined || monitor.metadata.deletionTimestamp !== undefined) return {};
      return reconcile(monitor);
    },
  };
}
