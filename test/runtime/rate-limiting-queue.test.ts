import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../operator/src/runtime/manual-clock.js';
import { RateLimitingQueue } from '../../operator/src/runtime/rate-limiting-queue.js';

/** Fails `key` once more: takes it, requeues it rate-limited, marks it done. */
async function failOnce(queue: RateLimitingQueue, key: string): Promise<void> {
  expect(await queue.get()).toBe(key);
  queue.addRateLimited(key);
  queue.done(key);
}

describe('RateLimitingQueue with the default controller rate limiter', () => {
  it('retries a failing key after 5, 10, 20 … ms, capped at 1000 s', async () => {
    const clock = new ManualClock();
    const queue = new RateLimitingQueue({ clock });
    queue.add('a');
    const observed: number[] = [];
    for (let i = 0; i < 21; i++) {
      await failOnce(queue, 'a');
      const failedAt = clock.now();
      const due = clock.nextTimerAt();
      expect(due).toBeDefined();
      clock.advance((due ?? failedAt) - failedAt - 1);
      expect(queue.len()).toBe(0); // not a millisecond early
      clock.advance(1);
      expect(queue.len()).toBe(1);
      observed.push(clock.now() - failedAt);
    }
    expect(observed).toEqual([
      5, 10, 20, 40, 80, 160, 320, 640, 1_280, 2_560, 5_120, 10_240, 20_480, 40_960, 81_920,
      163_840, 327_680, 655_360, 1_000_000, 1_000_000, 1_000_000,
    ]);
    expect(queue.numRequeues('a')).toBe(21);
  });

  it('forget resets the backoff to 5 ms', async () => {
    const clock = new ManualClock();
    const queue = new RateLimitingQueue({ clock });
    queue.add('a');
    for (let i = 0; i < 4; i++) {
      await failOnce(queue, 'a');
      clock.advance(1_000);
    }
    expect(queue.numRequeues('a')).toBe(4);
    expect(await queue.get()).toBe('a');
    queue.forget('a');
    queue.done('a');
    expect(queue.numRequeues('a')).toBe(0);
    queue.add('a');
    await failOnce(queue, 'a');
    expect(clock.nextTimerAt()).toBe(clock.now() + 5);
  });

  it('spreads a mass failure at 10 per second after a burst of 100', async () => {
    const clock = new ManualClock();
    const queue = new RateLimitingQueue({ clock });
    const keys = Array.from({ length: 130 }, (_, i) => `k${i}`);
    for (const key of keys) queue.add(key);
    for (const key of keys) await failOnce(queue, key);
    clock.advance(5);
    expect(queue.len()).toBe(100); // the burst, after each key's own 5 ms
    clock.advance(95); // t = 100 ms
    expect(queue.len()).toBe(101);
    clock.advance(900); // t = 1 s
    expect(queue.len()).toBe(110);
    clock.advance(2000); // t = 3 s: all 30 beyond the burst, at 100 ms spacing
    expect(queue.len()).toBe(130);
  });

  it('ignores addRateLimited after shutdown', () => {
    const clock = new ManualClock();
    const queue = new RateLimitingQueue({ clock });
    queue.shutDown();
    queue.addRateLimited('a');
    expect(queue.numRequeues('a')).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
