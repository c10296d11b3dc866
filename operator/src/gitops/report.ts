/**
 * The sync report users read with kubectl: the ConfigMap `ferry-gitops` in the operator's
 * namespace, written by server-side apply as `ferry-gitops`, and an Event on it for every
 * change of result (`kubectl describe configmap ferry-gitops`).
 *
 * Data keys: `revision` (the commit last tried), `result` (`Synced`, `Invalid`, `Failed`),
 * `reason`, `message`, `problems` (one a line), `lastSyncedRevision` (the commit the
 * cluster runs), `syncedAt` (RFC 3339), `source`, `branch`, `path`, `applied`, `unchanged`,
 * `pruned`, and `kinds` (where the next sync looks for objects to prune, one a line).
 *
 * The ConfigMap never carries `ferry.dev/managed-by`, so no sync ever prunes it.
 */

import { FieldManager } from '../api/index.js';
import { BuiltinResources } from '../runtime/resource.js';
import type { KubeClient } from '../runtime/client.js';
import { errorMessage } from '../runtime/errors.js';
import type { EventRecorder } from '../runtime/events.js';
import type { Logger } from '../runtime/logger.js';
import { SyncResult, type SyncOutcome, type SyncReporter } from './outcome.js';

export const REPORT_NAME = 'ferry-gitops';

/** Longest `problems` value kept; a ConfigMap holds at most 1 MiB. */
const MAX_PROBLEMS_CHARS = 256 * 1024;

export interface ReportOptions {
  namespace: string;
  /** The source, without credentials. */
  source: string;
  branch: string;
  path: string;
}

function eventFor(outcome: SyncOutcome): {
  type: 'Normal' | 'Warning';
  reason: string;
  note: string;
} {
  const firstProblems = outcome.problems.slice(0, 5).join('\n');
  return {
    type: outcome.result === SyncResult.synced ? 'Normal' : 'Warning',
    reason: outcome.reason,
    note: firstProblems === '' ? outcome.message : `${outcome.message}\n${firstProblems}`,
  };
}

export class ConfigMapReporter implements SyncReporter {
  private lastSynced: string | undefined;
  private lastWritten: string | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly recorder: EventRecorder,
    private readonly options: ReportOptions,
    private readonly log: Logger,
  ) {}

  /** The kinds and last synced commit the report holds from an earlier run, if any. */
  async load(): Promise<{ kinds: string[]; lastSyncedRevision: string | undefined }> {
    const existing = await this.client.get<{ kind?: string; data?: Record<string, string> }>(
      BuiltinResources.configMap,
      this.options.namespace,
      REPORT_NAME,
    );
    const data = existing?.data ?? {};
    this.lastSynced = data.lastSyncedRevision;
    const kinds = (data.kinds ?? '').split('\n').filter((line) => line !== '');
    return { kinds, lastSyncedRevision: this.lastSynced };
  }

  async report(outcome: SyncOutcome): Promise<void> {
    if (outcome.result === SyncResult.synced) this.lastSynced = outcome.revision;
    let problems = outcome.problems.join('\n');
    if (problems.length > MAX_PROBLEMS_CHARS) {
      problems = `${problems.slice(0, MAX_PROBLEMS_CHARS)}\n… (${outcome.problems.length} problems in all)`;
    }
    const content = {
      revision: outcome.revision ?? '',
      result: outcome.result,
      reason: outcome.reason,
      message: outcome.message,
      problems,
      lastSyncedRevision: this.lastSynced ?? '',
      source: this.options.source,
      branch: this.options.branch,
      path: this.options.path === '' ? '/' : this.options.path,
      applied: String(outcome.applied),
      unchanged: String(outcome.unchanged),
      pruned: String(outcome.pruned),
      kinds: outcome.kinds.join('\n'),
    };
    const fingerprint = JSON.stringify(content);
    // A poll that finds the same failure again rewrites nothing and records no new Event.
    if (fingerprint === this.lastWritten) return;
    try {
      const written = await this.client.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: REPORT_NAME, namespace: this.options.namespace },
          data: { ...content, syncedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
        },
        FieldManager.gitops,
      );
      this.lastWritten = fingerprint;
      await this.recorder.record(written, {
        ...eventFor(outcome),
        action: 'Sync',
      });
    } catch (error) {
      this.log.warn({ error: errorMessage(error) }, 'could not write the sync report');
    }
  }
}
