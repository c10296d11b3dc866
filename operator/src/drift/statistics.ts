/**
 * The drift statistics other than KS: population stability index, Jensen–Shannon distance,
 * normalised Wasserstein-1 distance, and the chi-square test of homogeneity.
 */
import { alignedBins, type AlignedBins } from './bins.js';
import type { Distribution, NumericDistribution } from './distribution.js';
import { chiSquareSf } from './special.js';

/** The share given to an empty bin in PSI, so its logarithm stays finite. */
export const PSI_EMPTY_BIN_SHARE = 1e-4;

/**
 * PSI = Σ (c − r) ln(c / r) over aligned bins, r and c the reference's and current's shares
 * of each bin; a bin empty on one side counts as {@link PSI_EMPTY_BIN_SHARE} there.
 */
export function populationStabilityIndex(reference: Distribution, current: Distribution): number {
  const { bins, referenceTotal, currentTotal } = binnedWithTotals(reference, current);
  let psi = 0;
  for (let i = 0; i < bins.reference.length; i++) {
    const r = share(bins.reference[i] ?? 0, referenceTotal);
    const c = share(bins.current[i] ?? 0, currentTotal);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

function share(count: number, of: number): number {
  return count === 0 ? PSI_EMPTY_BIN_SHARE : count / of;
}

/**
 * The Jensen–Shannon distance in base 2 (0 for equal distributions, 1 for disjoint ones):
 * √(½ KL(p‖m) + ½ KL(q‖m)) with m = (p + q)/2, as `scipy.spatial.distance.jensenshannon`
 * computes it with `base=2`.
 */
export function jensenShannonDistance(reference: Distribution, current: Distribution): number {
  const { bins, referenceTotal, currentTotal } = binnedWithTotals(reference, current);
  let divergence = 0;
  for (let i = 0; i < bins.reference.length; i++) {
    const p = (bins.reference[i] ?? 0) / referenceTotal;
    const q = (bins.current[i] ?? 0) / currentTotal;
    const m = (p + q) / 2;
    if (p > 0) divergence += p * Math.log(p / m);
    if (q > 0) divergence += q * Math.log(q / m);
  }
  return Math.sqrt(Math.max(0, divergence / Math.LN2 / 2));
}

/**
 * The first Wasserstein distance ∫ |F₁ − F₂| between the two empirical distributions, as
 * `scipy.stats.wasserstein_distance` computes it.
 */
export function wassersteinDistance(first: Float64Array, second: Float64Array): number {
  const n1 = first.length;
  const n2 = second.length;
  let i = 0;
  let j = 0;
  let distance = 0;
  let previous = Math.min(first[0] ?? Infinity, second[0] ?? Infinity);
  while (i < n1 || j < n2) {
    // Never read past either end: out-of-bounds reads are slow in V8.
    const a = i < n1 ? (first[i] ?? 0) : Infinity;
    const b = j < n2 ? (second[j] ?? 0) : Infinity;
    const value = a <= b ? a : b;
    if (value > previous) distance += Math.abs(i / n1 - j / n2) * (value - previous);
    while (i < n1 && (first[i] ?? 0) <= value) i++;
    while (j < n2 && (second[j] ?? 0) <= value) j++;
    previous = value;
  }
  return distance;
}

/** The reference's standard deviation floor below which normalising would blow up. */
export const WASSERSTEIN_MIN_SCALE = 0.001;

/**
 * Wasserstein-1 divided by the reference's population standard deviation (at least
 * {@link WASSERSTEIN_MIN_SCALE}), Evidently's `wasserstein` normalisation: a shift of the
 * whole distribution by one standard deviation scores 1.
 */
export function normalisedWasserstein(
  reference: NumericDistribution,
  current: NumericDistribution,
): number {
  const scale = Math.max(populationStd(reference.sorted), WASSERSTEIN_MIN_SCALE);
  return wassersteinDistance(reference.sorted, current.sorted) / scale;
}

function populationStd(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  degreesOfFreedom: number;
}

/**
 * Pearson's chi-square test of homogeneity on the 2 × k table of category counts (reference
 * and current rows, one column per category seen on either side), without continuity
 * correction: `scipy.stats.chi2_contingency(table, correction=False)`. A single category
 * leaves no degrees of freedom: statistic 0, p-value 1.
 */
export function chiSquareTest(reference: Distribution, current: Distribution): ChiSquareResult {
  const { bins, referenceTotal, currentTotal } = binnedWithTotals(reference, current);
  const grandTotal = referenceTotal + currentTotal;
  const degreesOfFreedom = bins.reference.length - 1;
  if (degreesOfFreedom <= 0) return { statistic: 0, pValue: 1, degreesOfFreedom: 0 };
  let statistic = 0;
  for (let i = 0; i < bins.reference.length; i++) {
    const r = bins.reference[i] ?? 0;
    const c = bins.current[i] ?? 0;
    const column = r + c;
    const expectedReference = (referenceTotal * column) / grandTotal;
    const expectedCurrent = (currentTotal * column) / grandTotal;
    statistic += (r - expectedReference) ** 2 / expectedReference;
    statistic += (c - expectedCurrent) ** 2 / expectedCurrent;
  }
  return { statistic, pValue: chiSquareSf(statistic, degreesOfFreedom), degreesOfFreedom };
}

function binnedWithTotals(
  reference: Distribution,
  current: Distribution,
): { bins: AlignedBins; referenceTotal: number; currentTotal: number } {
  const bins = alignedBins(reference, current);
  return { bins, referenceTotal: total(bins.reference), currentTotal: total(bins.current) };
}

function total(counts: Float64Array): number {
  let sum = 0;
  for (const count of counts) sum += count;
  return sum;
}
