import { describe, expect, it } from 'vitest';
import { canaryAnalysis } from '../../operator/src/api/kinds/inference-service.js';
import {
  boolean,
  enumeration,
  integer,
  number,
  object,
  string,
  withDefaults,
  type Infer,
} from '../../operator/src/api/schema.js';

const settings = object('Test settings.', {
  rate: number('A rate.', { default: 0.5 }),
  enabled: boolean('A switch.', { default: true }),
  mode: enumeration('A mode.', ['Fast', 'Slow'] as const, { default: 'Fast' }),
  label: string('A field without a default.'),
  limits: object('A nested object.', { most: integer('Its own default.', { default: 10 }) }),
});

describe('withDefaults', () => {
  it.each<[string, Infer<typeof settings>, Infer<typeof settings>]>([
    ['fills every missing default', {}, { rate: 0.5, enabled: true, mode: 'Fast' }],
    [
      'keeps given values, 0, false and the empty string included',
      { rate: 0, enabled: false, mode: 'Slow', label: '' },
      { rate: 0, enabled: false, mode: 'Slow', label: '' },
    ],
    [
      'fills the top level only',
      { limits: {} },
      { rate: 0.5, enabled: true, mode: 'Fast', limits: {} },
    ],
  ])('%s', (_, value, expected) => {
    const before = structuredClone(value);
    expect(withDefaults(settings, value)).toStrictEqual(expected);
    expect(value).toStrictEqual(before);
  });

  it('gives the canary analysis bounds the user left out', () => {
    expect(withDefaults(canaryAnalysis, { maxErrorRate: 0, minRequests: 0 })).toStrictEqual({
      maxErrorRate: 0,
      maxP99LatencyMs: 500,
      maxPredictionDrift: 0.2,
      minRequests: 0,
    });
  });
});
