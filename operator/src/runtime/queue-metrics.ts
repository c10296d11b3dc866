/**
 * The seam between work queues and a metrics library (prom-client later). A queue calls
 * these as events happen; gauges that depend on elapsed time (longest running processor,
 * unfinished work) are read from `WorkQueue.stats()` when scraped instead.
 */
export interface WorkQueueMetrics {
  /** A key became pending (not called when the add was deduplicated). */
  added(): void;
  /** The number of pending keys changed to `depth`. */
  depth(depth: number): void;
  /** A key was scheduled for a later retry (`addAfter` / `addRateLimited`). */
  retried(): void;
  /** A worker took a key that had been pending for `seconds`. */
  queueLatency(seconds: number): void;
  /** A worker finished a key it had held for `seconds`. */
  workDuration(seconds: number): void;
}

/** Point-in-time view of a queue, for metrics collected on scrape. */
export interface WorkQueueStats {
  /** Keys waiting to be handed out (including ones to be re-queued after `done`). */
  depth: number;
  /** Keys handed out and not yet `done`. */
  processing: number;
  /** Keys waiting in `addAfter` timers. */
  waiting: number;
  /** Total non-deduplicated adds since the queue was created. */
  adds: number;
  /** Total `addAfter` / `addRateLimited` calls since the queue was created. */
  retries: number;
  /** How long the oldest in-flight key has been processed, in seconds (0 if none). */
  longestRunningProcessorSeconds: number;
  /** Sum over in-flight keys of how long each has been processed, in seconds. */
  unfinishedWorkSeconds: number;
}

export const noopWorkQueueMetrics: WorkQueueMetrics = {
  added: () => undefined,
  depth: () => undefined,
  retried: () => undefined,
  queueLatency: () => undefined,
  workDuration: () => undefined,
};
