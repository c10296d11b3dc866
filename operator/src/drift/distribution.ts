/**
 * What the statistics compare: one feature's values on one side (reference or current),
 * numeric or categorical, prepared once so every statistic reads it without copying.
 */
import { sortedCopy } from './sort.js';

export const FeatureKinds = ['numeric', 'categorical'] as const;
export type FeatureKind = (typeof FeatureKinds)[number];

/** Numeric values in any order; NaN counts as missing and is dropped. */
export interface NumericInput {
  readonly kind: 'numeric';
  readonly values: ArrayLike<number>;
  /** Values the sample was drawn from, when it is a sample; the sample's size otherwise. */
  readonly rows?: number;
}

/** Category counts: a category with count 0 is as good as absent. */
export interface CategoricalInput {
  readonly kind: 'categorical';
  readonly counts: ReadonlyMap<string, number>;
  /** Values the counts were drawn from, when they come from a sample; their sum otherwise. */
  readonly rows?: number;
}

export type DistributionInput = NumericInput | CategoricalInput;

export interface NumericDistribution {
  readonly kind: 'numeric';
  /** Ascending, without NaN. */
  readonly sorted: Float64Array;
  readonly rows: number;
}

export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly counts: ReadonlyMap<string, number>;
  /** Sum of the counts. */
  readonly size: number;
  readonly rows: number;
}

export type Distribution = NumericDistribution | CategoricalDistribution;

/** Values held: the sample's size (not the rows it stands for). */
export function sizeOf(distribution: Distribution): number {
  return distribution.kind === 'numeric' ? distribution.sorted.length : distribution.size;
}

/** Sorts numeric values (dropping NaN) and totals category counts. */
export function prepare(input: DistributionInput): Distribution {
  if (input.kind === 'categorical') {
    let size = 0;
    const counts = new Map<string, number>();
    for (const [category, count] of input.counts) {
      if (count > 0) {
        counts.set(category, count);
        size += count;
      }
    }
    return { kind: 'categorical', counts, size, rows: input.rows ?? size };
  }
  const sorted = sortedCopy(withoutNaN(input.values));
  return { kind: 'numeric', sorted, rows: input.rows ?? sorted.length };
}

function withoutNaN(values: ArrayLike<number>): ArrayLike<number> {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]))
      return Array.prototype.filter.call(
        values,
        (value: number) => !Number.isNaN(value),
      ) as number[];
  }
  return values;
}
