import type { Clock } from './clock.js';
import type { RateLimiter } from './rate-limiter.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  qps: number;
  /** Bucket size: how many retries may go at once after a quiet period. */
  burst: number;
}

/**
 * An overall token bucket shared by all items (client-go's `BucketRateLimiter`, which is
 * golang.org/x/time/rate's `Reserve`).
 *
 * Contract: the bucket starts full with `burst` tokens and refills at `qps` per second up to
 * `burst`. Every `when` takes one token, whether or not one is there: with tokens left it
 * returns 0; otherwise the balance goes negative and it returns the time until that token
 * exists, so successive calls are spaced `1000 / qps` ms apart. `forget` and `numRequeues`
 * do nothing: the bucket keeps no per-item history.
 */
export class TokenBucketRateLimiter<K = string> implements RateLimiter<K> {
  private tokens: number;
  private last: number;
  private readonly qps: number;
  private readonly burst: number;

  constructor(
    private readonly clock: Clock,
    options: TokenBucketOptions,
  ) {
    if (!(options.qps > 0) || !(options.burst >= 1))
      throw new RangeError('need qps > 0, burst ≥ 1');
    this.qps = options.qps;
    this.burst = options.burst;
    this.tokens = options.burst;
    this.last = clock.now();
  }

  when(_item: K): number {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.last);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.qps) / 1000);
    this.last = Math.max(this.last, now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(_item: K): void {
    // No per-item state.
  }

  numRequeues(_item: K): number {
    return 0;
  }
}
