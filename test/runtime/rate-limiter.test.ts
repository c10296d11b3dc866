import { describe, expect, it } from 'vitest';
import { ItemExponentialFailureRateLimiter } from '../../operator/src/runtime/exponential-failure-rate-limiter.js';
import { ManualClock } from '../../operator/src/runtime/manual-clock.js';
import {
  defaultControllerRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from '../../operator/src/runtime/rate-limiter.js';
import { TokenBucketRateLimiter } from '../../operator/src/runtime/token-bucket-rate-limiter.js';

function whenTimes(limiter: RateLimiter, item: string, times: number): number[] {
  return Array.from({ length: times }, () => limiter.when(item));
}

describe('ItemExponentialFailureRateLimiter (5 ms → 1000 s)', () => {
  const make = () =>
    new ItemExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 1_000_000 });

  it('doubles from 5 ms and caps at 1000 s', () => {
    expect(whenTimes(make(), 'a', 22)).toEqual([
      5, 10, 20, 40, 80, 160, 320, 640, 1_280, 2_560, 5_120, 10_240, 20_480, 40_960, 81_920,
      163_840, 327_680, 655_360, 1_000_000, 1_000_000, 1_000_000, 1_000_000,
    ]);
  });

  it('stays capped after very many failures (no overflow to 0 or NaN)', () => {
    const limiter = make();
    whenTimes(limiter, 'a', 2000);
    expect(limiter.when('a')).toBe(1_000_000);
    expect(limiter.numRequeues('a')).toBe(2001);
  });

  it('counts requeues per item, and forget resets only that item', () => {
    const limiter = make();
    whenTimes(limiter, 'a', 3);
    whenTimes(limiter, 'b', 1);
    expect(limiter.numRequeues('a')).toBe(3);
    expect(limiter.numRequeues('b')).toBe(1);
    expect(limiter.numRequeues('never')).toBe(0);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(10);
  });

  it('rejects a maximum below the base', () => {
    expect(() => new ItemExponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(
      RangeError,
    );
  });
});

describe('TokenBucketRateLimiter (10 qps, burst 100)', () => {
  it('lets a burst of 100 through, then spaces retries 100 ms apart', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucketRateLimiter(clock, { qps: 10, burst: 100 });
    const delays = Array.from({ length: 105 }, (_, i) => bucket.when(`item-${i}`));
    expect(delays.slice(0, 100)).toEqual(Array<number>(100).fill(0));
    expect(delays.slice(100)).toEqual([100, 200, 300, 400, 500]);
  });

  it('refills at 10 tokens per second, never beyond the burst', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucketRateLimiter(clock, { qps: 10, burst: 100 });
    for (let i = 0; i < 100; i++) bucket.when('x');
    clock.advance(1000); // 10 tokens back
    const afterOneSecond = Array.from({ length: 11 }, () => bucket.when('x'));
    expect(afterOneSecond).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100]);

    clock.advance(3_600_000); // an hour of quiet refills to 100, not 36 000
    const afterQuiet = Array.from({ length: 101 }, () => bucket.when('x'));
    expect(afterQuiet.filter((delay) => delay === 0)).toHaveLength(100);
    expect(afterQuiet[100]).toBe(100);
  });

  it('keeps no per-item history', () => {
    const bucket = new TokenBucketRateLimiter(new ManualClock(), { qps: 10, burst: 100 });
    bucket.when('a');
    expect(bucket.numRequeues('a')).toBe(0);
  });
});

describe('MaxOfRateLimiter / defaultControllerRateLimiter', () => {
  it('returns the per-item backoff while the bucket has tokens', () => {
    const limiter = defaultControllerRateLimiter(new ManualClock());
    expect(whenTimes(limiter, 'a', 5)).toEqual([5, 10, 20, 40, 80]);
    expect(limiter.numRequeues('a')).toBe(5);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
  });

  it('returns the bucket delay when many items fail at once', () => {
    const limiter = defaultControllerRateLimiter(new ManualClock());
    const delays = Array.from({ length: 102 }, (_, i) => limiter.when(`item-${i}`));
    // first failures of fresh items: 5 ms each until the burst is spent
    expect(delays.slice(0, 100)).toEqual(Array<number>(100).fill(5));
    expect(delays.slice(100)).toEqual([100, 200]);
  });

  it('takes the maximum of arbitrary limiters and the maximum requeue count', () => {
    const fixed = (delay: number, requeues: number): RateLimiter => ({
      when: () => delay,
      forget: () => undefined,
      numRequeues: () => requeues,
    });
    const limiter = new MaxOfRateLimiter(fixed(3, 1), fixed(7, 0), fixed(2, 4));
    expect(limiter.when('k')).toBe(7);
    expect(limiter.numRequeues('k')).toBe(4);
  });
});
