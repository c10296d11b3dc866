/**
 * The request queue in front of the model: admits or sheds requests, forms batches with
 * {@link planBatch}, runs at most `maxInFlight` batches at once, and hands each caller its own
 * result.
 */
import { holdFor, planBatch, type Queued } from './batch-plan.js';

/** The queue already holds `maxQueue` requests; the HTTP shell answers 429 at once. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

export interface BatcherOptions<T, R> {
  /** Most rows per batch; 1 turns batching off. */
  maxBatchSize: number;
  /** Longest a request waits for others to join its batch; 0 runs as soon as a slot frees. */
  maxBatchDelayMs: number;
  /** Most requests waiting (not yet running); more are shed. */
  maxQueue: number;
  /** Batches running at once. */
  maxInFlight: number;
  /**
   * Runs one batch of `rows` rows in all; resolves to one result per item, in order.
   * Rejecting fails every item.
   */
  execute: (items: readonly T[], rows: number) => Promise<readonly R[]>;
  /** Called with the number of waiting requests whenever it changes. */
  onDepth?: (depth: number) => void;
  now?: () => number;
}

interface Entry<T, R> extends Queued {
  readonly item: T;
  readonly since: number;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class Batcher<T, R> {
  readonly #options: BatcherOptions<T, R>;
  readonly #now: () => number;
  #queue: Entry<T, R>[] = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #idle: (() => void)[] = [];
  #scheduled = false;
  /** A batch finished during this turn of the event loop. */
  #justSettled = false;

  constructor(options: BatcherOptions<T, R>) {
    this.#options = options;
    this.#now = options.now ?? performance.now.bind(performance);
  }

  /** Requests waiting to run. */
  get depth(): number {
    return this.#queue.length;
  }

  /**
   * Queues `item` (`rows` along dimension 0, stackable with items of the same `key`) and
   * resolves with its result. Throws {@link QueueFullError} synchronously when the queue is
   * full, so shedding costs nothing.
   */
  submit(item: T, rows: number, key: string | undefined): Promise<R> {
    if (this.#queue.length >= this.#options.maxQueue) {
      throw new QueueFullError(`queue full: ${this.#options.maxQueue} requests already waiting`);
    }
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, rows, key, since: this.#now(), resolve, reject });
      this.#options.onDepth?.(this.#queue.length);
      // An idle model takes the request at once. Right after a batch, the requests that came
      // in while it ran are still being read, so forming the next batch waits a turn.
      if (this.#inFlight === 0 && !this.#scheduled && !this.#justSettled) this.#dispatch();
      else this.#pump();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((done) => this.#idle.push(done));
  }

  /**
   * Arranges for batches to form on the next turn of the event loop rather than now: requests
   * that arrived while the model was busy (onnxruntime-node runs on this thread) are all read
   * by then, so they stack together instead of the first one running alone.
   */
  #pump(): void {
    if (this.#scheduled) return;
    if (this.#queue.length > 0 && this.#inFlight < this.#options.maxInFlight) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#dispatch();
      });
      return;
    }
    if (this.#queue.length === 0 && this.#inFlight === 0) {
      for (const done of this.#idle.splice(0)) done();
    }
  }

  #dispatch(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#queue.length > 0) {
      const plan = planBatch(this.#queue, this.#options.maxBatchSize);
      const oldest = this.#queue[0]?.since ?? this.#now();
      const wait = holdFor(plan, this.#now() - oldest, this.#options.maxBatchDelayMs);
      if (wait > 0) {
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.#dispatch();
        }, wait);
        return;
      }
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      const batch = this.#queue.splice(0, plan.take);
      this.#options.onDepth?.(this.#queue.length);
      this.#run(batch, plan.rows);
    }
  }

  #run(batch: readonly Entry<T, R>[], rows: number): void {
    this.#inFlight += 1;
    const settle = (results: readonly R[] | undefined, error?: unknown): void => {
      this.#inFlight -= 1;
      if (!this.#justSettled) {
        this.#justSettled = true;
        setImmediate(() => {
          this.#justSettled = false;
        });
      }
      batch.forEach((entry, index) => {
        const result = results?.[index];
        if (results !== undefined && index < results.length) entry.resolve(result as R);
        else entry.reject(error ?? new Error('the batch returned too few results'));
      });
      this.#pump();
    };
    const items = batch.map((entry) => entry.item);
    void (async () => {
      let results: readonly R[];
      try {
        results = await this.#options.execute(items, rows);
      } catch (error) {
        settle(undefined, error);
        return;
      }
      settle(results);
    })();
  }
}
