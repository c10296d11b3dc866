/**
 * The drift methods: which apply to which kind of feature, their default thresholds, how
 * `auto` chooses, and how each one's figure is computed and judged.
 *
 * `auto` follows Evidently's defaults: a reference of at most 1,000 rows uses KS for numeric
 * and chi-square for categorical features (drift when p < 0.05); a larger one uses the
 * normalised Wasserstein distance for numeric and the Jensen–Shannon distance for
 * categorical features (drift when the distance is ≥ 0.1). PSI drifts at ≥ 0.1.
 */
import type { DriftMethods } from '../api/index.js';
import type { Distribution, FeatureKind } from './distribution.js';
import { ksTwoSample } from './ks.js';
import {
  chiSquareTest,
  jensenShannonDistance,
  normalisedWasserstein,
  populationStabilityIndex,
} from './statistics.js';

export type DriftMethodChoice = (typeof DriftMethods)[number];
export type DriftMethod = Exclude<DriftMethodChoice, 'auto'>;

export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chi2: 0.05,
  psi: 0.1,
  js: 0.1,
  wasserstein: 0.1,
};

/** References of at most this many rows count as small for `auto`. */
export const SMALL_REFERENCE_ROWS = 1000;

const KINDS: Readonly<Record<DriftMethod, readonly FeatureKind[]>> = {
  ks: ['numeric'],
  wasserstein: ['numeric'],
  chi2: ['categorical'],
  psi: ['numeric', 'categorical'],
  js: ['numeric', 'categorical'],
};

/** Whether the method's figure is a p-value (drift below the threshold) or a distance. */
export function isTest(method: DriftMethod): boolean {
  return method === 'ks' || method === 'chi2';
}

export function supports(method: DriftMethod, kind: FeatureKind): boolean {
  return KINDS[method].includes(kind);
}

/** `auto`'s choice for a feature of this kind with a reference of this many rows. */
export function automaticMethod(kind: FeatureKind, referenceRows: number): DriftMethod {
  const small = referenceRows <= SMALL_REFERENCE_ROWS;
  if (kind === 'numeric') return small ? 'ks' : 'wasserstein';
  return small ? 'chi2' : 'js';
}

export interface Measurement {
  statistic: number;
  /** Present for the tests (KS, chi-square). */
  pValue?: number;
  /** For KS: whether the p-value is exact or asymptotic. */
  pValueMethod?: 'exact' | 'asymptotic';
}

/** Computes the method's statistic; the caller has checked {@link supports}. */
export function measure(
  method: DriftMethod,
  reference: Distribution,
  current: Distribution,
): Measurement {
  switch (method) {
    case 'ks': {
      const { statistic, pValue, pValueMethod } = ksTwoSample(
        numeric(reference).sorted,
        numeric(current).sorted,
      );
      return { statistic, pValue, pValueMethod };
    }
    case 'chi2': {
      const { statistic, pValue } = chiSquareTest(reference, current);
      return { statistic, pValue };
    }
    case 'psi':
      return { statistic: populationStabilityIndex(reference, current) };
    case 'js':
      return { statistic: jensenShannonDistance(reference, current) };
    case 'wasserstein':
      return { statistic: normalisedWasserstein(numeric(reference), numeric(current)) };
  }
}

function numeric(distribution: Distribution): Extract<Distribution, { kind: 'numeric' }> {
  if (distribution.kind !== 'numeric') throw new TypeError('expected a numeric distribution');
  return distribution;
}
