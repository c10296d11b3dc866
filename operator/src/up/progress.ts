/**
 * The human progress lines `ferry up` prints, derived from what changed in the API
 * objects a watch delivers: the sync report, Datasets, TrainingJobs, ModelVersions,
 * InferenceServices and DriftMonitors. Pure: the same change always gives the same lines,
 * and a change that means nothing to a person (a resync, a timestamp) gives none.
 */
import type {
  Condition,
  Dataset,
  DriftMonitor,
  InferenceService,
  ModelVersion,
  TrainingJob,
} from '../api/index.js';

export interface SyncReport {
  data?: Record<string, string>;
}

/** One object's change: `old` is absent for an object seen for the first time. */
export type ObservedChange =
  | { kind: 'SyncReport'; old?: SyncReport; current: SyncReport }
  | { kind: 'Dataset'; old?: Dataset; current: Dataset }
  | { kind: 'TrainingJob'; old?: TrainingJob; current: TrainingJob }
  | { kind: 'ModelVersion'; old?: ModelVersion; current: ModelVersion }
  | { kind: 'InferenceService'; old?: InferenceService; current: InferenceService }
  | { kind: 'DriftMonitor'; old?: DriftMonitor; current: DriftMonitor };

export interface ProgressContext {
  /** The synced repository's folder, for the `git merge` command a proposal needs. */
  repository: string;
}

function condition(
  object: { status?: { conditions?: Condition[] } } | undefined,
  type: string,
): Condition | undefined {
  return object?.status?.conditions?.find((candidate) => candidate.type === type);
}

/** Whether condition `type` became `status` (or changed reason while at it) in this change. */
function became(
  old: { status?: { conditions?: Condition[] } } | undefined,
  current: { status?: { conditions?: Condition[] } },
  type: string,
  status: Condition['status'],
): Condition | undefined {
  const now = condition(current, type);
  if (now?.status !== status) return undefined;
  const before = condition(old, type);
  return before?.status === status && before.reason === now.reason ? undefined : now;
}

function metricsText(metrics: Record<string, number> | undefined): string {
  const entries = Object.entries(metrics ?? {});
  return entries.length === 0
    ? 'no metrics'
    : entries.map(([name, value]) => `${name}=${String(value)}`).join(' ');
}

function stalled(
  what: string,
  old: { status?: { conditions?: Condition[] } } | undefined,
  current: { status?: { conditions?: Condition[] } },
): string[] {
  const ready = condition(current, 'Ready');
  if (condition(current, 'Stalled')?.status !== 'True' || ready === undefined) return [];
  return became(old, current, 'Stalled', 'True') === undefined
    ? []
    : [`${what}: ${ready.reason} — ${ready.message}`.trimEnd()];
}

function syncLines(old: SyncReport | undefined, current: SyncReport): string[] {
  const now = current.data ?? {};
  const before = old?.data ?? {};
  if (now.revision === before.revision && now.result === before.result) return [];
  const commit = (now.revision ?? '').slice(0, 12);
  if (now.result === 'Synced') {
    return [
      `synced commit ${commit}: ${now.applied ?? '0'} applied, ${now.unchanged ?? '0'} unchanged, ${now.pruned ?? '0'} pruned`,
    ];
  }
  const problems = (now.problems ?? '').split('\n').filter((line) => line !== '');
  return [
    `sync of commit ${commit} ${now.result ?? 'failed'}: ${now.message ?? ''}`.trimEnd(),
    ...problems.slice(0, 5).map((line) => `  ${line}`),
  ];
}

function datasetLines(old: Dataset | undefined, current: Dataset): string[] {
  const name = current.metadata.name ?? '';
  const profiled =
    became(old, current, 'Ready', 'True') !== undefined ||
    (condition(current, 'Ready')?.status === 'True' &&
      old?.status?.digest !== undefined &&
      old.status.digest !== current.status?.digest);
  return [
    ...(profiled
      ? [
          `dataset ${name} profiled: ${String(current.status?.rows ?? 0)} rows, ${String(current.status?.columns ?? 0)} columns, sha256 ${current.status?.shortDigest ?? ''}`,
        ]
      : []),
    ...stalled(`dataset ${name}`, old, current),
  ];
}

function trainingLines(old: TrainingJob | undefined, current: TrainingJob): string[] {
  const name = current.metadata.name ?? '';
  const phase = current.status?.phase;
  if (phase === old?.status?.phase) return stalled(`training ${name}`, old, current);
  switch (phase) {
    case 'Queued':
      return [`training ${name} queued: ${current.status?.message ?? ''}`.trimEnd()];
    case 'Running':
      return [`training ${name} started (kubectl logs job/${current.status?.jobName ?? name})`];
    case 'Succeeded':
      return [
        `training ${name} finished in ${current.status?.duration ?? '?'}: ${metricsText(current.status?.metrics)}`,
      ];
    case 'Failed': {
      const ready = condition(current, 'Ready');
      return [
        `training ${name} failed: ${ready?.reason ?? ''} — ${ready?.message ?? current.status?.message ?? ''}`,
      ];
    }
    default:
      return [];
  }
}

function modelVersionLines(
  old: ModelVersion | undefined,
  current: ModelVersion,
  context: ProgressContext,
): string[] {
  const name = current.metadata.name ?? '';
  const lines: string[] = [];
  if (old === undefined && current.status === undefined) {
    lines.push(
      `version ${name} registered: model ${current.spec.model} version ${current.spec.version}, ${metricsText(current.spec.metrics)}`,
    );
  }
  if (became(old, current, 'Validated', 'True') !== undefined) {
    lines.push(`version ${name} validated: its artifact matches its sha256 and loads`);
  }
  const rejected = became(old, current, 'Rejected', 'True');
  if (rejected !== undefined)
    lines.push(`version ${name} rejected: ${rejected.reason} — ${rejected.message}`);
  const validated = condition(current, 'Validated');
  if (validated?.status === 'False' && became(old, current, 'Validated', 'False') !== undefined) {
    lines.push(`version ${name} not valid: ${validated.reason} — ${validated.message}`);
  }
  const stage = current.status?.stage;
  if (stage !== undefined && old?.status?.stage !== undefined && stage !== old.status.stage) {
    lines.push(`version ${name} is now ${stage}`);
  }
  const branch = current.status?.promotion?.branch;
  if (branch !== undefined && branch !== old?.status?.promotion?.branch) {
    const service = current.status?.promotion?.service ?? '';
    lines.push(
      `promotion proposed: ${name} for InferenceService ${service} on branch ${branch}; to accept it: git -C ${context.repository} merge ${branch}`,
    );
  }
  const state = current.status?.promotion?.state;
  if (
    state !== undefined &&
    old?.status?.promotion?.state !== undefined &&
    state !== old.status.promotion.state
  ) {
    lines.push(`promotion of ${name}: ${state}`);
  }
  return lines;
}

function serviceLines(old: InferenceService | undefined, current: InferenceService): string[] {
  const name = current.metadata.name ?? '';
  const now = current.status ?? {};
  const before = old?.status ?? {};
  const lines: string[] = [];
  const ready = became(old, current, 'Ready', 'True');
  if (ready !== undefined && now.url !== undefined) {
    lines.push(`${name} is Ready: ${now.stableVersion ?? '?'} answers at ${now.url}`);
  }
  const steps = current.spec.rollout?.steps?.length ?? 0;
  if (now.canaryVersion !== undefined) {
    if (now.canaryVersion !== before.canaryVersion || now.step !== before.step) {
      lines.push(
        `${name}: canary ${now.canaryVersion} at ${String(now.canaryWeight ?? 0)}% (step ${String((now.step ?? 0) + 1)} of ${String(steps)})`,
      );
    }
  }
  if (
    now.stableVersion !== undefined &&
    before.stableVersion !== undefined &&
    now.stableVersion !== before.stableVersion
  ) {
    lines.push(`${name}: ${now.stableVersion} promoted, now serving all traffic`);
  }
  const rollback = now.lastRollback;
  if (rollback !== undefined && JSON.stringify(rollback) !== JSON.stringify(before.lastRollback)) {
    const degraded = condition(current, 'Degraded');
    lines.push(
      `${name}: canary rolled back: ${degraded?.reason ?? ''} — ${degraded?.message ?? ''}`,
    );
  }
  return lines;
}

function driftLines(old: DriftMonitor | undefined, current: DriftMonitor): string[] {
  const name = current.metadata.name ?? '';
  const now = current.status ?? {};
  const lines: string[] = [];
  const checked =
    now.lastCheckTime !== undefined && now.lastCheckTime !== old?.status?.lastCheckTime;
  const verdict = condition(current, 'Drifted');
  if (checked && verdict?.reason === 'InsufficientData') {
    // Too little traffic is not "no drift": say what the check is waiting for.
    lines.push(`drift check ${name}: not judged yet, ${verdict.message}`);
  } else if (checked) {
    const drifted = (now.features ?? []).filter((feature) => feature.drifted);
    lines.push(
      `drift check ${name}: ${String(now.samples ?? 0)} samples, ${
        drifted.length === 0
          ? 'no drift'
          : `drift in ${drifted.map((feature) => `${feature.name} (${feature.method} ${feature.value.toFixed(3)} > ${String(feature.threshold)})`).join(', ')}`
      }`,
    );
  }
  if (now.retrainingJob !== undefined && now.retrainingJob !== old?.status?.retrainingJob) {
    lines.push(`drift ${name}: retraining with TrainingJob ${now.retrainingJob}`);
  }
  return lines;
}

/** The lines to print for one change. */
export function progressLines(change: ObservedChange, context: ProgressContext): string[] {
  switch (change.kind) {
    case 'SyncReport':
      return syncLines(change.old, change.current);
    case 'Dataset':
      return datasetLines(change.old, change.current);
    case 'TrainingJob':
      return trainingLines(change.old, change.current);
    case 'ModelVersion':
      return modelVersionLines(change.old, change.current, context);
    case 'InferenceService':
      return serviceLines(change.old, change.current);
    case 'DriftMonitor':
      return driftLines(change.old, change.current);
  }
}
