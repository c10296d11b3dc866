/**
 * One column's running profile and type checks, in bounded memory: exact count, missing,
 * mean, standard deviation (Welford), min and max; quantiles and histogram from a bounded
 * reservoir sample; category frequencies up to a bounded number of distinct values.
 */

import type { FeatureTypes } from '../api/index.js';
import { Reservoir } from './random.js';

export type FeatureType = (typeof FeatureTypes)[number];

export interface ColumnSpec {
  name: string;
  type: FeatureType;
  nullable?: boolean;
  values?: readonly string[];
}

/** A value as it arrives: CSV gives strings, JSON Lines any JSON value. */
export type RawValue = unknown;
export type SampleValue = number | string;

export interface FeatureProfile {
  name: string;
  type: FeatureType;
  count: number;
  missing: number;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  /** At the 0, 5, 25, 50, 75, 95 and 100th percentiles. */
  quantiles?: number[];
  /** Equal-width bins over [min, max], counts scaled to the whole column. */
  histogram?: { edges: number[]; counts: number[] };
  frequencies?: { value: string; count: number }[];
}

export const QUANTILE_POINTS = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1] as const;
const MAX_DISTINCT = 1000;
/** A decimal number as CSV text spells it (no hex, no Infinity, no NaN). */
export const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Why a value was rejected, for the violation report. */
export type ValueProblem = { rule: 'Missing' | 'Type' | 'Category'; message: string };

export class FeatureAccumulator {
  private count = 0;
  private missing = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly frequencies = new Map<string, number>();
  private readonly allowed: ReadonlySet<string> | undefined;
  readonly sample: Reservoir<SampleValue>;

  constructor(
    readonly spec: ColumnSpec,
    sampleSize: number,
    random: () => number,
  ) {
    this.sample = new Reservoir(sampleSize, random);
    this.allowed =
      spec.values === undefined || spec.values.length === 0 ? undefined : new Set(spec.values);
  }

  get isNumeric(): boolean {
    return this.spec.type === 'numeric' || this.spec.type === 'integer';
  }

  /** Records one value; returns what was wrong with it, if anything. Bad values count as missing. */
  add(raw: RawValue): ValueProblem | undefined {
    if (raw === undefined || raw === null || raw === '') {
      this.missing += 1;
      return this.spec.nullable === true
        ? undefined
        : { rule: 'Missing', message: 'value is missing' };
    }
    const parsed = this.parse(raw);
    if (typeof parsed === 'object') {
      this.missing += 1;
      return parsed;
    }
    this.count += 1;
    if (typeof parsed === 'number') {
      const delta = parsed - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (parsed - this.mean);
      if (parsed < this.min) this.min = parsed;
      if (parsed > this.max) this.max = parsed;
    } else {
      const seen = this.frequencies.get(parsed);
      if (seen !== undefined) this.frequencies.set(parsed, seen + 1);
      else if (this.frequencies.size < MAX_DISTINCT) this.frequencies.set(parsed, 1);
    }
    this.sample.add(parsed);
    return undefined;
  }

  private parse(raw: RawValue): SampleValue | ValueProblem {
    const text = typeof raw === 'string' ? raw.trim() : raw;
    switch (this.spec.type) {
      case 'numeric':
      case 'integer': {
        const value =
          typeof text === 'number'
            ? text
            : typeof text === 'string' && NUMBER_TEXT.test(text)
              ? Number(text)
              : NaN;
        if (!Number.isFinite(value))
          return { rule: 'Type', message: `${show(raw)} is not a number` };
        if (this.spec.type === 'integer' && !Number.isSafeInteger(value)) {
          return { rule: 'Type', message: `${show(raw)} is not an integer` };
        }
        return value;
      }
      case 'boolean': {
        const value =
          typeof text === 'boolean'
            ? String(text)
            : typeof text === 'string'
              ? text.toLowerCase()
              : '';
        if (value !== 'true' && value !== 'false')
          return { rule: 'Type', message: `${show(raw)} is not true or false` };
        return value;
      }
      case 'categorical':
      case 'string': {
        if (typeof text !== 'string' && typeof text !== 'number' && typeof text !== 'boolean') {
          return { rule: 'Type', message: `${show(raw)} is not a scalar` };
        }
        const value = String(text);
        if (this.allowed !== undefined && !this.allowed.has(value)) {
          return {
            rule: 'Category',
            message: `${show(raw)} is not one of ${[...this.allowed].join(', ')}`,
          };
        }
        return value;
      }
    }
  }

  /** Missing values over all values seen. */
  missingRatio(): number {
    const total = this.count + this.missing;
    return total === 0 ? 0 : this.missing / total;
  }

  profile(histogramBins: number): FeatureProfile {
    const base = {
      name: this.spec.name,
      type: this.spec.type,
      count: this.count,
      missing: this.missing,
    };
    if (this.isNumeric) {
      if (this.count === 0) return base;
      const sorted = (this.sample.values() as number[]).slice().sort((a, b) => a - b);
      return {
        ...base,
        mean: this.mean,
        std: this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 0,
        min: this.min,
        max: this.max,
        quantiles: QUANTILE_POINTS.map((point) =>
          point === 0 ? this.min : point === 1 ? this.max : quantileOfSorted(sorted, point),
        ),
        histogram: histogram(sorted, this.min, this.max, histogramBins, this.count),
      };
    }
    const frequencies = [...this.frequencies]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([value, count]) => ({ value, count }));
    return { ...base, frequencies };
  }
}

/** Linear interpolation between closest ranks (NumPy's default `linear` method). */
export function quantileOfSorted(sorted: ArrayLike<number>, point: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * point;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? NaN;
  const high = sorted[upper] ?? NaN;
  return low + (high - low) * (position - lower);
}

function histogram(
  sortedSample: readonly number[],
  min: number,
  max: number,
  bins: number,
  total: number,
): { edges: number[]; counts: number[] } {
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, index) =>
    index === bins ? max : min + index * width,
  );
  const counts = new Array<number>(bins).fill(0);
  for (const value of sortedSample) {
    const index = width === 0 ? 0 : Math.min(bins - 1, Math.floor((value - min) / width));
    counts[index] = (counts[index] ?? 0) + 1;
  }
  const scale = sortedSample.length === 0 ? 0 : total / sortedSample.length;
  return { edges, counts: counts.map((count) => Math.round(count * scale)) };
}

function show(raw: RawValue): string {
  const text = JSON.stringify(raw);
  return text.length > 40 ? `${text.slice(0, 37)}..."` : text;
}
