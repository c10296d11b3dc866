import { realClock, type Clock } from './clock.js';
import {
  noopWorkQueueMetrics,
  type WorkQueueMetrics,
  type WorkQueueStats,
} from './queue-metrics.js';

export interface WorkQueueOptions {
  clock?: Clock;
  metrics?: WorkQueueMetrics;
}

/**
 * A FIFO of keys with client-go's work queue guarantees, for N workers on one event loop.
 *
 * Contract:
 * - **dedupe**: adding a key that is already pending does nothing; a key is pending at
 *   most once;
 * - **exclusive**: a key handed out by `get` is never handed out again until `done(key)`;
 * - **no lost adds**: adding a key while it is being processed marks it dirty, and `done`
 *   puts it back at the end of the queue, so the change that caused the add is seen;
 * - **fair**: keys are handed out in the order they became pending; waiting `get` calls
 *   are served in the order they were made;
 * - **shutdown**: after `shutDown` adds are ignored, pending keys are dropped (a restarted
 *   operator relists everything, so nothing is lost) and every `get` resolves `undefined`;
 *   keys already handed out may still be `done`. `shutDownWithDrain` also waits until every
 *   handed-out key is `done`.
 *
 * One deliberate difference from client-go: its `Get` keeps handing out pending keys after
 * `ShutDown`; this queue stops at once, so shutdown costs at most the in-flight reconciles.
 */
export class WorkQueue {
  protected readonly clock: Clock;
  protected readonly metrics: WorkQueueMetrics;
  /** Pending keys in order; entries before `head` were already handed out. */
  private fifo: string[] = [];
  private head = 0;
  /** Keys that need processing: pending, or being processed and added again. */
  private readonly dirty = new Set<string>();
  /** Key → when it became dirty, for queue latency. */
  private readonly dirtySince = new Map<string, number>();
  /** Key → when a worker took it. */
  private readonly processing = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private adds = 0;
  protected retries = 0;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? noopWorkQueueMetrics;
  }

  /** Marks `key` as needing processing. See the class contract for dedupe rules. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.dirtySince.set(key, this.clock.now());
    this.adds++;
    this.metrics.added();
    this.metrics.depth(this.dirty.size);
    if (!this.processing.has(key)) this.enqueue(key);
  }

  /**
   * The next pending key, waiting for one if none is pending; `undefined` once the queue
   * is shutting down. The caller owns the key until it calls `done(key)`.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.dequeue();
    if (key !== undefined) return Promise.resolve(this.handOut(key));
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Ends processing of `key`; if it was added meanwhile, it becomes pending again. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    this.metrics.workDuration((this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    if (this.processing.size === 0) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** Number of pending keys (dirty keys still being processed not included). */
  len(): number {
    return this.fifo.length - this.head;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops the queue: see the class contract. Idempotent. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.fifo = [];
    this.head = 0;
    this.dirty.clear();
    this.dirtySince.clear();
    this.metrics.depth(0);
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  /** `shutDown`, then resolves once every handed-out key is `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  stats(): WorkQueueStats {
    const now = this.clock.now();
    let longest = 0;
    let unfinished = 0;
    for (const started of this.processing.values()) {
      const running = Math.max(0, now - started);
      longest = Math.max(longest, running);
      unfinished += running;
    }
    return {
      depth: this.dirty.size,
      processing: this.processing.size,
      waiting: this.waitingCount(),
      adds: this.adds,
      retries: this.retries,
      longestRunningProcessorSeconds: longest / 1000,
      unfinishedWorkSeconds: unfinished / 1000,
    };
  }

  /** Keys held back by subclasses (delayed adds); 0 here. */
  protected waitingCount(): number {
    return 0;
  }

  private enqueue(key: string): void {
    const getter = this.getters.shift();
    if (getter !== undefined) {
      getter(this.handOut(key));
      return;
    }
    this.fifo.push(key);
  }

  private dequeue(): string | undefined {
    if (this.head >= this.fifo.length) return undefined;
    const key = this.fifo[this.head++];
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  private handOut(key: string): string {
    const now = this.clock.now();
    this.dirty.delete(key);
    this.metrics.depth(this.dirty.size);
    this.metrics.queueLatency((now - (this.dirtySince.get(key) ?? now)) / 1000);
    this.dirtySince.delete(key);
    this.processing.set(key, now);
    return key;
  }
}
