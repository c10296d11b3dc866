/**
 * The sync's Prometheus metrics, on the operator's registry:
 * - `ferry_gitops_last_sync_info{revision}`: 1 for the last commit synced successfully;
 * - `ferry_gitops_last_sync_timestamp_seconds`: when that sync finished;
 * - `ferry_gitops_sync_duration_seconds{result}`: how long each attempt took;
 * - `ferry_gitops_sync_failures_total{reason}`: failed or invalid attempts by reason.
 */

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SyncReason, SyncResult, type SyncOutcome, type SyncReporter } from './outcome.js';

export class GitOpsMetrics implements SyncReporter {
  private readonly lastSync: Gauge<'revision'>;
  private readonly lastSyncTime: Gauge;
  private readonly duration: Histogram<'result'>;
  private readonly failures: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.lastSync = new Gauge({
      name: 'ferry_gitops_last_sync_info',
      help: 'The commit the cluster was last synced to (value 1).',
      labelNames: ['revision'],
      registers,
    });
    this.lastSyncTime = new Gauge({
      name: 'ferry_gitops_last_sync_timestamp_seconds',
      help: 'When the last successful sync finished, in Unix seconds.',
      registers,
    });
    this.duration = new Histogram({
      name: 'ferry_gitops_sync_duration_seconds',
      help: 'Time per sync attempt, by result.',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.failures = new Counter({
      name: 'ferry_gitops_sync_failures_total',
      help: 'Sync attempts that applied nothing or failed, by reason.',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of Object.values(SyncReason)) {
      if (reason !== SyncReason.synced) this.failures.inc({ reason }, 0);
    }
  }

  report(outcome: SyncOutcome): Promise<void> {
    this.duration.observe({ result: outcome.result }, outcome.durationSeconds);
    if (outcome.result === SyncResult.synced && outcome.revision !== undefined) {
      this.lastSync.reset();
      this.lastSync.set({ revision: outcome.revision }, 1);
      this.lastSyncTime.set(Date.now() / 1000);
    } else {
      this.failures.inc({ reason: outcome.reason });
    }
    return Promise.resolve();
  }
}
