import { realClock } from './clock.js';
import { DelayingQueue } from './delaying-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { WorkQueueOptions } from './work-queue.js';

export interface RateLimitingQueueOptions extends WorkQueueOptions {
  /** Defaults to `defaultControllerRateLimiter` on the queue's clock. */
  rateLimiter?: RateLimiter;
}

/**
 * The queue controllers use (client-go's `RateLimitingInterface`).
 *
 * Contract: `addRateLimited(key)` adds `key` after the delay its rate limiter gives and
 * counts one more requeue; `forget(key)` resets that count (call it when a key succeeded
 * or was given up on — it does not remove the key from the queue); `numRequeues(key)` is
 * the count.
 */
export class RateLimitingQueue extends DelayingQueue {
  private readonly rateLimiter: RateLimiter;

  constructor(options: RateLimitingQueueOptions = {}) {
    super(options);
    this.rateLimiter =
      options.rateLimiter ?? defaultControllerRateLimiter(options.clock ?? realClock);
  }

  addRateLimited(key: string): void {
    if (this.isShuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }
}
