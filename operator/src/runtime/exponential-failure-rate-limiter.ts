import type { RateLimiter } from './rate-limiter.js';

export interface ExponentialFailureOptions {
  /** Delay of the first retry, in ms. */
  baseDelayMs: number;
  /** No delay exceeds this, in ms. */
  maxDelayMs: number;
}

/**
 * Per-item exponential backoff (client-go's `ItemExponentialFailureRateLimiter`).
 *
 * Contract: the n-th call to `when(item)` since the last `forget(item)` (n counted from 0)
 * returns `min(baseDelayMs · 2ⁿ, maxDelayMs)`; items are independent of each other.
 * With 5 ms and 1000 s: 5, 10, 20, 40 … 655 360 ms, then 1 000 000 ms from the 19th call on.
 */
export class ItemExponentialFailureRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: ExponentialFailureOptions) {
    if (!(options.baseDelayMs >= 0) || !(options.maxDelayMs >= options.baseDelayMs)) {
      throw new RangeError('need 0 ≤ baseDelayMs ≤ maxDelayMs');
    }
    this.baseDelayMs = options.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs;
  }

  when(item: K): number {
    const exponent = this.failures.get(item) ?? 0;
    this.failures.set(item, exponent + 1);
    // 2 ** exponent becomes Infinity long before it could wrap, so the cap always holds.
    return Math.min(this.baseDelayMs * 2 ** exponent, this.maxDelayMs);
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}
