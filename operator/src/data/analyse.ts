/**
 * Reads a data set once, as a stream, and returns everything the Dataset controller
 * reports: its sha256, its shape, per-column profiles, a bounded reference sample for
 * drift, and the first violations of the declared schema and quality rules.
 *
 * Memory is bounded by the sample size and the number of columns, not by the data.
 */

import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { readCsvRecords } from './csv.js';
import { lines } from './lines.js';
import {
  FeatureAccumulator,
  type ColumnSpec,
  type FeatureProfile,
  type SampleValue,
} from './feature.js';
import { seededRandom } from './random.js';

export interface AnalysisOptions {
  format: 'csv' | 'jsonl';
  /** Declared columns; when absent, each column's type is inferred from its first value. */
  columns?: readonly ColumnSpec[];
  quality?: { maxMissingRatio?: number; minRows?: number };
  histogramBins?: number;
  referenceSampleSize?: number;
  seed?: number;
  /** Violations listed in full; the rest are only counted. */
  maxViolations?: number;
}

export interface Violation {
  rule: string;
  message: string;
  column?: string;
  /** 1-based data row (the CSV header is row 0). */
  row?: number;
}

export interface DatasetAnalysis {
  /** `sha256:<hex>` of the bytes read. */
  digest: string;
  bytes: number;
  rows: number;
  columns: string[];
  features: FeatureProfile[];
  /** Reference sample per column, for drift detection. */
  sample: Record<string, SampleValue[]>;
  violations: Violation[];
  /** All violations, including those not listed. */
  violationCount: number;
}

/** The data cannot be parsed at all (as opposed to rows that break rules). */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
}

export async function analyseDataset(
  bytes: AsyncIterable<Buffer>,
  options: AnalysisOptions,
): Promise<DatasetAnalysis> {
  const hashed = new HashingDecoder(bytes);
  const analyser = new Analyser(options);
  if (options.format === 'csv') await readCsv(hashed.text(), analyser);
  else await readJsonLines(hashed.text(), analyser);
  return analyser.finish(hashed.digest(), hashed.bytes);
}

async function readCsv(text: AsyncIterable<string>, analyser: Analyser): Promise<void> {
  let header: string[] | undefined;
  let position = new Map<string, number>();
  for await (const record of readCsvRecords(text)) {
    if (header === undefined) {
      header = record.fields.map((field) => field.trim());
      position = new Map(header.map((name, index) => [name, index]));
      continue;
    }
    const fields = record.fields;
    if (fields.length !== header.length) {
      analyser.report({
        rule: 'Shape',
        row: analyser.rows + 1,
        message: `row has ${fields.length} fields, the header has ${header.length}`,
      });
    }
    analyser.addRow(header, (name) => fields[position.get(name) ?? -1]);
  }
  if (header === undefined) throw new DataFormatError('data is empty: expected a CSV header');
  analyser.start(header, () => undefined);
}

async function readJsonLines(text: AsyncIterable<string>, analyser: Analyser): Promise<void> {
  for await (const line of lines(text)) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      analyser.skipRow('line is not valid JSON');
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      analyser.skipRow('line is not a JSON object');
      continue;
    }
    const record = value as Record<string, unknown>;
    analyser.addRow(Object.keys(record), (name) => record[name]);
  }
}

/** Hashes bytes as they pass and decodes them as strict UTF-8. */
class HashingDecoder {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly source: AsyncIterable<Buffer>) {}

  async *text(): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for await (const chunk of this.source) {
      this.hash.update(chunk);
      this.bytes += chunk.length;
      yield this.decode(decoder, chunk);
    }
    yield this.decode(decoder, undefined);
  }

  private decode(decoder: TextDecoder, chunk: Buffer | undefined): string {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new DataFormatError(`data is not valid UTF-8 (within the first ${this.bytes} bytes)`);
    }
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Row-by-row state: the columns, their accumulators, and the violations so far. */
class Analyser {
  rows = 0;
  private columns: string[] | undefined;
  private accumulators: FeatureAccumulator[] = [];
  private readonly violations: Violation[] = [];
  private violationCount = 0;
  private readonly random: () => number;

  constructor(private readonly options: AnalysisOptions) {
    this.random = seededRandom(options.seed ?? 0);
  }

  report(violation: Violation): void {
    this.violationCount += 1;
    if (this.violations.length < (this.options.maxViolations ?? 50))
      this.violations.push(violation);
  }

  /** Fixes the columns, once: from the header (or first object) and the first row's values. */
  start(header: readonly string[], firstValue: (name: string) => unknown): void {
    if (this.columns !== undefined) return;
    this.columns = [...header];
    const sampleSize = this.options.referenceSampleSize ?? 1000;
    const declared = this.options.columns;
    if (declared === undefined) {
      this.accumulators = header.map(
        (name) =>
          new FeatureAccumulator(
            { name, type: inferType(firstValue(name)) },
            sampleSize,
            this.random,
          ),
      );
      return;
    }
    for (const column of declared) {
      if (!header.includes(column.name)) {
        this.report({
          rule: 'MissingColumn',
          column: column.name,
          message: `declared column "${column.name}" is not in the data`,
        });
      }
    }
    this.accumulators = declared
      .filter((column) => header.includes(column.name))
      .map((column) => new FeatureAccumulator(column, sampleSize, this.random));
  }

  addRow(header: readonly string[], valueOf: (name: string) => unknown): void {
    this.start(header, valueOf);
    this.rows += 1;
    for (const accumulator of this.accumulators) {
      const problem = accumulator.add(valueOf(accumulator.spec.name));
      if (problem !== undefined) {
        this.report({ ...problem, column: accumulator.spec.name, row: this.rows });
      }
    }
  }

  /** Counts a row that could not be read at all. */
  skipRow(message: string): void {
    this.rows += 1;
    this.report({ rule: 'Shape', row: this.rows, message });
  }

  finish(digest: string, bytes: number): DatasetAnalysis {
    this.checkQuality();
    const bins = this.options.histogramBins ?? 20;
    return {
      digest,
      bytes,
      rows: this.rows,
      columns: this.columns ?? [],
      features: this.accumulators.map((accumulator) => accumulator.profile(bins)),
      sample: Object.fromEntries(
        this.accumulators.map((accumulator) => [
          accumulator.spec.name,
          [...accumulator.sample.values()],
        ]),
      ),
      violations: this.violations,
      violationCount: this.violationCount,
    };
  }

  private checkQuality(): void {
    const { minRows, maxMissingRatio } = this.options.quality ?? {};
    if (minRows !== undefined && this.rows < minRows) {
      this.report({
        rule: 'MinRows',
        message: `data has ${this.rows} rows, fewer than the ${minRows} required`,
      });
    }
    if (maxMissingRatio === undefined) return;
    for (const accumulator of this.accumulators) {
      const ratio = accumulator.missingRatio();
      if (ratio > maxMissingRatio) {
        this.report({
          rule: 'MissingRatio',
          column: accumulator.spec.name,
          message: `${percent(ratio)} of values are missing or invalid, more than the ${percent(maxMissingRatio)} allowed`,
        });
      }
    }
  }
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

function inferType(value: unknown): ColumnSpec['type'] {
  if (typeof value === 'number') return 'numeric';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return 'numeric';
  }
  return 'categorical';
}
