import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../operator/src/api/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['2h0m1s', 7_201_000],
    ['10us', 0.01],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '5', 'm', '5 m', '5d', '-5s', '5s ', '1h x'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [1_000, '1s'],
    [192_000, '3m12s'],
    [3_605_000, '1h0m5s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
