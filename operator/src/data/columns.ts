/**
 * Reads a CSV or JSON Lines file once, as a stream, into a bounded summary of each chosen
 * column for drift comparison: a uniform reservoir sample of a numeric column's values
 * (`sampleSize` at most, seeded, so a rerun draws the same sample), or the exact counts of a
 * categorical column's values (at most `maxCategories` distinct). Memory is bounded by
 * those two limits and the number of columns, never by the file's size.
 *
 * A column's kind comes from its values: numeric when every non-missing value is a number
 * (CSV: decimal text; JSON: a number), categorical when none is. Missing values (an empty
 * CSV field; JSON null or an absent key) are counted and skipped. Every problem is a
 * {@link ColumnDataError} naming the file and, where there is one, the line, row and column.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { CsvSyntaxError, readCsvRecords } from './csv.js';
import { NUMBER_TEXT } from './feature.js';
import { lines } from './lines.js';
import { Reservoir, seededRandom } from './random.js';

export interface ColumnReadOptions {
  /** Columns to keep; all of the file's when absent. */
  readonly columns?: readonly string[];
  readonly sampleSize: number;
  readonly maxCategories: number;
  readonly seed?: number;
}

export type ColumnSummary =
  | {
      readonly name: string;
      readonly kind: 'numeric';
      /** Non-missing values in the whole file. */
      readonly count: number;
      readonly missing: number;
      readonly sample: readonly number[];
    }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      readonly count: number;
      readonly missing: number;
      readonly counts: ReadonlyMap<string, number>;
    };

export interface FileColumns {
  readonly file: string;
  readonly rows: number;
  /** Every column the file has, in its order. */
  readonly header: readonly string[];
  readonly columns: ReadonlyMap<string, ColumnSummary>;
}

export class ColumnDataError extends Error {
  override readonly name = 'ColumnDataError';
}

interface Position {
  /** Physical line where the record starts. */
  readonly line: number;
  /** 1-based data row (a CSV header is row 0). */
  readonly row: number;
}

/** Files ending .jsonl or .ndjson are JSON Lines; anything else is CSV with a header. */
export function formatOfPath(path: string): 'csv' | 'jsonl' {
  const extension = extname(path).toLowerCase();
  return extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : 'csv';
}

export async function readFileColumns(
  path: string,
  options: ColumnReadOptions,
): Promise<FileColumns> {
  const reader = new ColumnsReader(path, options);
  const text = createReadStream(path, {
    encoding: 'utf8',
    highWaterMark: 1 << 20,
  }) as AsyncIterable<string>;
  try {
    if (formatOfPath(path) === 'csv') await reader.readCsv(text);
    else await reader.readJsonLines(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new ColumnDataError(`${path}: ${error.message}`);
    if (error instanceof ColumnDataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ColumnDataError(`${path}: no such file`);
    if (code === 'EISDIR') throw new ColumnDataError(`${path}: is a directory`);
    if (code === 'EACCES') throw new ColumnDataError(`${path}: permission denied`);
    throw error;
  }
  return reader.finish();
}

class ColumnsReader {
  private header: string[] | undefined;
  private rows = 0;
  private readonly accumulators = new Map<string, ColumnAccumulator>();
  private readonly random: () => number;

  constructor(
    private readonly file: string,
    private readonly options: ColumnReadOptions,
  ) {
    this.random = seededRandom(options.seed ?? 0);
  }

  async readCsv(text: AsyncIterable<string>): Promise<void> {
    let indexes: { index: number; accumulator: ColumnAccumulator }[] = [];
    for await (const record of readCsvRecords(text)) {
      if (this.header === undefined) {
        this.setHeader(record.fields.map((field) => field.trim()));
        indexes = [...this.accumulators.values()].map((accumulator) => ({
          index: this.header?.indexOf(accumulator.name) ?? -1,
          accumulator,
        }));
        continue;
      }
      this.rows += 1;
      const at = { line: record.line, row: this.rows };
      if (record.fields.length !== this.header.length) {
        throw this.error(
          at,
          undefined,
          `the row has ${record.fields.length} fields but the header has ${this.header.length}`,
        );
      }
      for (const { index, accumulator } of indexes) {
        const text = (record.fields[index] ?? '').trim();
        if (text === '') accumulator.addMissing();
        else if (NUMBER_TEXT.test(text)) accumulator.addNumber(Number(text), text, at);
        else accumulator.addCategory(text, at);
      }
    }
    if (this.header === undefined)
      throw this.error(undefined, undefined, 'the file is empty: expected a CSV header');
  }

  async readJsonLines(text: AsyncIterable<string>): Promise<void> {
    let line = 0;
    for await (const content of lines(text)) {
      line += 1;
      if (content.trim() === '') continue;
      this.rows += 1;
      const at = { line, row: this.rows };
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch {
        throw this.error(at, undefined, 'the line is not valid JSON');
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw this.error(at, undefined, 'the line is not a JSON object');
      }
      const record = value as Record<string, unknown>;
      if (this.header === undefined) this.setHeader(Object.keys(record));
      for (const accumulator of this.accumulators.values()) {
        const field = record[accumulator.name];
        if (field === undefined || field === null) accumulator.addMissing();
        else if (typeof field === 'number') accumulator.addNumber(field, String(field), at);
        else if (typeof field === 'string' || typeof field === 'boolean')
          accumulator.addCategory(String(field), at);
        else
          throw this.error(
            at,
            accumulator.name,
            `${JSON.stringify(field).slice(0, 40)} is not a number, string or boolean`,
          );
      }
    }
    if (this.header === undefined)
      throw this.error(undefined, undefined, 'the file has no JSON objects');
  }

  private setHeader(header: string[]): void {
    this.header = header;
    const wanted = this.options.columns ?? header;
    for (const name of wanted) {
      if (!header.includes(name)) {
        throw this.error(
          undefined,
          name,
          `no such column; the file has ${header.map((column) => `"${column}"`).join(', ')}`,
        );
      }
      this.accumulators.set(
        name,
        new ColumnAccumulator(name, this.options, this.random, this.error.bind(this)),
      );
    }
  }

  error(at: Position | undefined, column: string | undefined, message: string): ColumnDataError {
    const where = [
      at === undefined ? undefined : `line ${at.line} (row ${at.row})`,
      column === undefined ? undefined : `column "${column}"`,
    ].filter((part) => part !== undefined);
    return new ColumnDataError(`${[this.file, ...where].join(': ')}: ${message}`);
  }

  finish(): FileColumns {
    const columns = new Map<string, ColumnSummary>();
    for (const accumulator of this.accumulators.values()) {
      columns.set(accumulator.name, accumulator.summary(this.error.bind(this), this.rows));
    }
    return { file: this.file, rows: this.rows, header: this.header ?? [], columns };
  }
}

type ErrorAt = (
  at: Position | undefined,
  column: string | undefined,
  message: string,
) => ColumnDataError;

/** One column's running state: its kind (fixed by its first value), sample or counts. */
class ColumnAccumulator {
  private kind: 'numeric' | 'categorical' | undefined;
  private first: { text: string; at: Position } | undefined;
  private count = 0;
  private missing = 0;
  private readonly sample: Reservoir<number>;
  private readonly counts = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly options: ColumnReadOptions,
    random: () => number,
    private readonly error: ErrorAt,
  ) {
    this.sample = new Reservoir<number>(options.sampleSize, random);
  }

  addMissing(): void {
    this.missing += 1;
  }

  addNumber(value: number, text: string, at: Position): void {
    this.settle('numeric', text, at);
    this.count += 1;
    this.sample.add(value);
  }

  addCategory(text: string, at: Position): void {
    this.settle('categorical', text, at);
    this.count += 1;
    const seen = this.counts.get(text);
    if (seen !== undefined) {
      this.counts.set(text, seen + 1);
      return;
    }
    if (this.counts.size >= this.options.maxCategories) {
      throw this.error(
        at,
        this.name,
        `more than ${this.options.maxCategories} distinct values: leave the column out with --features`,
      );
    }
    this.counts.set(text, 1);
  }

  private settle(kind: 'numeric' | 'categorical', text: string, at: Position): void {
    if (this.kind === kind) return;
    if (this.kind === undefined || this.first === undefined) {
      this.kind = kind;
      this.first = { text, at };
      return;
    }
    const describe = (which: 'numeric' | 'categorical'): string =>
      which === 'numeric' ? 'a number' : 'text';
    throw this.error(
      at,
      this.name,
      `mixed types: ${JSON.stringify(text)} is ${describe(kind)}, but row ${this.first.at.row} (line ${this.first.at.line}) has ${describe(this.kind)}, ${JSON.stringify(this.first.text)}`,
    );
  }

  summary(error: ErrorAt, rows: number): ColumnSummary {
    if (this.kind === undefined) {
      throw error(
        undefined,
        this.name,
        rows === 0 ? 'the file has no rows' : `all ${rows} values are missing`,
      );
    }
    const base = { name: this.name, count: this.count, missing: this.missing };
    return this.kind === 'numeric'
      ? { ...base, kind: 'numeric', sample: this.sample.values() }
      : { ...base, kind: 'categorical', counts: this.counts };
  }
}
