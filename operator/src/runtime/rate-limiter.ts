import type { Clock } from './clock.js';
import { ItemExponentialFailureRateLimiter } from './exponential-failure-rate-limiter.js';
import { TokenBucketRateLimiter } from './token-bucket-rate-limiter.js';

/**
 * Decides how long an item waits before it is retried (client-go's `RateLimiter`).
 *
 * Contract: `when` records one more retry of `item` and returns the delay in milliseconds
 * (≥ 0) it must wait; `forget` ends the item's retry history, whether it succeeded or was
 * given up on; `numRequeues` is how many times `when` was called since the last `forget`
 * (0 for limiters that keep no per-item history).
 */
export interface RateLimiter<K = string> {
  when(item: K): number;
  forget(item: K): void;
  numRequeues(item: K): number;
}

/**
 * The strictest of several limiters: `when` asks every limiter (each records the retry)
 * and returns the longest delay; `forget` forgets everywhere; `numRequeues` is the largest.
 */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  private readonly limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.limiters = limiters;
  }

  when(item: K): number {
    let delay = 0;
    for (const limiter of this.limiters) delay = Math.max(delay, limiter.when(item));
    return delay;
  }

  forget(item: K): void {
    for (const limiter of this.limiters) limiter.forget(item);
  }

  numRequeues(item: K): number {
    let requeues = 0;
    for (const limiter of this.limiters) requeues = Math.max(requeues, limiter.numRequeues(item));
    return requeues;
  }
}

/**
 * client-go's `DefaultControllerRateLimiter`: per-item exponential backoff from 5 ms doubling
 * to 1000 s, combined with an overall 10 qps bucket with a burst of 100. The bucket only
 * bites when many items fail at once; the per-item backoff only when one item keeps failing.
 */
export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter<string>(
    new ItemExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 1_000_000 }),
    new TokenBucketRateLimiter(clock, { qps: 10, burst: 100 }),
  );
}
