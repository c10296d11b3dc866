import { describe, expect, it } from 'vitest';
import { jitteredPeriod } from '../../operator/src/runtime/resync.js';

describe('jitteredPeriod', () => {
  it.each([
    [600_000, 0.1, 0, 600_000],
    [600_000, 0.1, 0.5, 630_000],
    [600_000, 0.1, 0.999, 659_940],
    [1000, 0, 0.7, 1000],
    [1000, 1, 0.25, 1250],
  ])('period %d, jitter %d, random %d → %d', (period, jitter, random, expected) => {
    expect(jitteredPeriod(period, { jitter, random: () => random })).toBeCloseTo(expected, 6);
  });

  it('defaults to up to 10 % extra', () => {
    expect(jitteredPeriod(1000, { random: () => 0.5 })).toBeCloseTo(1050, 6);
  });

  it('stays within [period, period × (1 + jitter)) with the real random source', () => {
    for (let i = 0; i < 1000; i++) {
      const value = jitteredPeriod(1000, { jitter: 0.2 });
      expect(value).toBeGreaterThanOrEqual(1000);
      expect(value).toBeLessThan(1200);
    }
  });

  it.each([
    ['zero period', 0, 0.1, 0.5],
    ['negative period', -5, 0.1, 0.5],
    ['infinite period', Infinity, 0.1, 0.5],
    ['negative jitter', 1000, -0.1, 0.5],
    ['random of 1', 1000, 0.1, 1],
    ['negative random', 1000, 0.1, -0.1],
  ])('rejects %s', (_name, period, jitter, random) => {
    expect(() => jitteredPeriod(period, { jitter, random: () => random })).toThrow(RangeError);
  });
});
