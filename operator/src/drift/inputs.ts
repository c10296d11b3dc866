/**
 * Turning what Ferry stores into what {@link detectDrift} compares: a Dataset's profile and
 * reference sample on the reference side, and live values (`ferry serve`'s `/samples`
 * feature values, or a file's column) on the current side.
 */
import type { FeatureProfile, FeatureType, SampleValue } from '../data/feature.js';
import type { DistributionInput, FeatureKind } from './distribution.js';
import { DriftInputError, type FeatureComparison } from './detect.js';

/** Numeric and integer columns are compared as numbers; every other type as categories. */
export function kindOfType(type: FeatureType): FeatureKind {
  return type === 'numeric' || type === 'integer' ? 'numeric' : 'categorical';
}

/**
 * One reference per profiled column, keyed by name: numeric columns from the reference
 * sample, categorical ones from the profile's category counts when it has them (exact over
 * the whole data) and from the sample otherwise. `rows` is the column's non-missing count
 * over the whole data, which is what `auto` judges a reference's size by.
 */
export function referencesFromProfile(
  features: readonly Pick<FeatureProfile, 'name' | 'type' | 'count' | 'frequencies'>[],
  sample: Readonly<Record<string, readonly SampleValue[]>>,
): Map<string, DistributionInput> {
  const references = new Map<string, DistributionInput>();
  for (const feature of features) {
    const values = sample[feature.name] ?? [];
    const kind = kindOfType(feature.type);
    if (kind === 'categorical' && feature.frequencies !== undefined) {
      references.set(feature.name, {
        kind,
        counts: new Map(feature.frequencies.map(({ value, count }) => [value, count])),
        rows: feature.count,
      });
    } else {
      references.set(feature.name, {
        ...currentInput(feature.name, kind, values),
        rows: feature.count,
      });
    }
  }
  return references;
}

/**
 * Live values of one feature in the kind its reference has: numbers for numeric features,
 * text for categorical ones (numbers and booleans by their JSON spelling). null and
 * undefined are missing and dropped; a non-number where a number belongs is an error.
 */
export function currentInput(
  name: string,
  kind: FeatureKind,
  values: readonly unknown[],
): DistributionInput {
  if (kind === 'numeric') {
    const numbers: number[] = [];
    for (const value of values) {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new DriftInputError(name, `${JSON.stringify(value)} is not a finite number`);
      }
      numbers.push(value);
    }
    return { kind, values: numbers };
  }
  const counts = new Map<string, number>();
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new DriftInputError(name, `${JSON.stringify(value)} is not a category`);
    }
    const category = String(value);
    counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return { kind, counts };
}

/** What a file reader keeps of one column; see `data/columns.ts`. */
export type ColumnValues =
  | { readonly kind: 'numeric'; readonly count: number; readonly sample: readonly number[] }
  | {
      readonly kind: 'categorical';
      readonly count: number;
      readonly counts: ReadonlyMap<string, number>;
    };

function columnInput(column: ColumnValues): DistributionInput {
  return column.kind === 'numeric'
    ? { kind: 'numeric', values: column.sample, rows: column.count }
    : { kind: 'categorical', counts: column.counts, rows: column.count };
}

/**
 * Pairs the named columns of a reference and a current file. Both must have each column, of
 * the same kind; the error names the files.
 */
export function comparisonsFromColumns(
  names: readonly string[],
  reference: { readonly file: string; readonly columns: ReadonlyMap<string, ColumnValues> },
  current: { readonly file: string; readonly columns: ReadonlyMap<string, ColumnValues> },
): FeatureComparison[] {
  return names.map((name) => {
    const before = reference.columns.get(name);
    const after = current.columns.get(name);
    if (before === undefined)
      throw new DriftInputError(name, `${reference.file} has no such column`);
    if (after === undefined) throw new DriftInputError(name, `${current.file} has no such column`);
    if (before.kind !== after.kind) {
      throw new DriftInputError(
        name,
        `mixed types: it is ${before.kind} in ${reference.file} but ${after.kind} in ${current.file}`,
      );
    }
    return { name, reference: columnInput(before), current: columnInput(after) };
  });
}
