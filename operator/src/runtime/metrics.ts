/**
 * Prometheus metrics of the operator, with controller-runtime's metric names so existing
 * dashboards and alerts for Kubernetes operators work unchanged.
 */

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkQueueMetrics, WorkQueueStats } from './queue-metrics.js';
import type { ReconcileReport } from './workers.js';
import { QueueActionKind } from './requeue.js';

/** controller-runtime's reconcile `result` label values. */
function resultLabel(report: ReconcileReport): string {
  switch (report.action.kind) {
    case QueueActionKind.Forget:
      return 'success';
    case QueueActionKind.RequeueAfter:
      return report.outcome.ok ? 'requeue_after' : 'requeue';
    case QueueActionKind.RateLimited:
    case QueueActionKind.Stall:
      return 'error';
  }
}

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly leader: Gauge<'name'>;
  private readonly queueStats = new Map<string, () => WorkQueueStats>();
  private readonly adds: Counter<'name'>;
  private readonly retries: Counter<'name'>;
  private readonly queueDuration: Histogram<'name'>;
  private readonly workDuration: Histogram<'name'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller and result.',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.leader = new Gauge({
      name: 'leader_election_master_status',
      help: 'Whether this replica is the leader (1) or a standby (0).',
      labelNames: ['name'],
      registers,
    });
    const stats = this.queueStats;
    const gauge = (name: string, help: string, pick: (s: WorkQueueStats) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers,
        collect() {
          for (const [queue, read] of stats) this.set({ name: queue }, pick(read()));
        },
      });
    };
    gauge('workqueue_depth', 'Current depth of the work queue.', (s) => s.depth);
    gauge(
      'workqueue_longest_running_processor_seconds',
      'How long the longest-running reconcile of the queue has been running.',
      (s) => s.longestRunningProcessorSeconds,
    );
    gauge(
      'workqueue_unfinished_work_seconds',
      'Seconds of work in progress not yet observed by work_duration.',
      (s) => s.unfinishedWorkSeconds,
    );
    this.adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by the work queue.',
      labelNames: ['name'],
      registers,
    });
    const latencyBuckets = [0.001, 0.01, 0.1, 1, 10, 100, 1000];
    this.queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long a key stays in the work queue before it is reconciled.',
      labelNames: ['name'],
      buckets: latencyBuckets,
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long reconciling a key from the work queue takes.',
      labelNames: ['name'],
      buckets: latencyBuckets,
      registers,
    });
  }

  /** The metrics hooks for the work queue of `controller`. */
  workQueue(controller: string): WorkQueueMetrics {
    const labels = { name: controller };
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    return {
      added: () => {
        this.adds.inc(labels);
      },
      depth: () => undefined, // read from stats on scrape
      retried: () => {
        this.retries.inc(labels);
      },
      queueLatency: (seconds) => {
        this.queueDuration.observe(labels, seconds);
      },
      workDuration: (seconds) => {
        this.workDuration.observe(labels, seconds);
      },
    };
  }

  /** Reads the gauges of `controller`'s work queue from `stats` at every scrape. */
  observeQueue(controller: string, stats: () => WorkQueueStats): void {
    this.queueStats.set(controller, stats);
  }

  reconciled(report: ReconcileReport): void {
    const result = resultLabel(report);
    this.reconcileTotal.inc({ controller: report.controller, result });
    if (!report.outcome.ok) this.reconcileErrors.inc({ controller: report.controller });
    this.reconcileTime.observe({ controller: report.controller }, report.durationSeconds);
  }

  setLeader(name: string, leading: boolean): void {
    this.leader.set({ name }, leading ? 1 : 0);
  }
}
