/**
 * The histogram PSI and Jensen–Shannon compare: aligned bin counts for the reference and the
 * current side.
 *
 * - Numeric: ten bins cut at the reference's deciles (its 10th, 20th, …, 90th percentiles,
 *   linearly interpolated as NumPy's default `quantile` does). A value falls in bin i when
 *   exactly i cut points lie strictly below it, so bin 0 is (−∞, q₁₀], bin i is
 *   (q_{10i}, q_{10(i+1)}] and bin 9 is (q₉₀, ∞). Tied cut points leave empty bins, which
 *   add nothing to either statistic.
 * - Categorical: one bin per category seen on either side, so a category the reference
 *   never had is a bin of its own.
 */
import { quantileOfSorted } from '../data/feature.js';
import type { CategoricalDistribution, Distribution, NumericDistribution } from './distribution.js';

export const NUMERIC_BINS = 10;

export interface AlignedBins {
  /** Counts per bin, the same bins on both sides. */
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

export function alignedBins(reference: Distribution, current: Distribution): AlignedBins {
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    return numericBins(reference, current);
  }
  if (reference.kind === 'categorical' && current.kind === 'categorical') {
    return categoricalBins(reference, current);
  }
  throw new TypeError('both sides of a feature must be numeric, or both categorical');
}

/** The reference's decile cut points. */
export function decileEdges(sortedReference: Float64Array): Float64Array {
  const edges = new Float64Array(NUMERIC_BINS - 1);
  for (let i = 1; i < NUMERIC_BINS; i++) {
    edges[i - 1] = quantileOfSorted(sortedReference, i / NUMERIC_BINS);
  }
  return edges;
}

function numericBins(reference: NumericDistribution, current: NumericDistribution): AlignedBins {
  const edges = decileEdges(reference.sorted);
  return {
    reference: countInto(reference.sorted, edges),
    current: countInto(current.sorted, edges),
  };
}

/** Counts ascending values into the bins the edges cut, in one pass. */
function countInto(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let bin = 0;
  for (const value of sorted) {
    while (bin < edges.length && (edges[bin] ?? 0) < value) bin++;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

function categoricalBins(
  reference: CategoricalDistribution,
  current: CategoricalDistribution,
): AlignedBins {
  const categories = [...new Set([...reference.counts.keys(), ...current.counts.keys()])].sort();
  return {
    reference: Float64Array.from(categories, (category) => reference.counts.get(category) ?? 0),
    current: Float64Array.from(categories, (category) => current.counts.get(category) ?? 0),
  };
}
