/**
 * A streaming RFC 4180 CSV reader: quoted fields, doubled quotes, embedded newlines,
 * CRLF or LF line ends. Memory is bounded by the longest record, not the file.
 */

export interface CsvOptions {
  delimiter?: string;
  /** Longest record accepted, in characters; a longer one is an error, not an allocation. */
  maxRecordLength?: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    message: string,
    /** 1-based physical line where the bad record starts. */
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Yields records as arrays of fields, from text chunks in order. Blank lines are skipped. */
export async function* readCsvRecords(
  chunks: AsyncIterable<string>,
  options: CsvOptions = {},
): AsyncGenerator<{ fields: string[]; line: number }> {
  const delimiter = options.delimiter ?? ',';
  const maxRecordLength = options.maxRecordLength ?? 1 << 20;
  let fields: string[] = [];
  let field = '';
  let quoted = false; // inside a quoted field
  let afterQuote = false; // just closed a quoted field
  let recordLength = 0;
  let line = 1;
  let recordLine = 1;
  let pendingCR = false;

  const endField = (): void => {
    fields.push(field);
    field = '';
    afterQuote = false;
  };
  const endRecord = (): { fields: string[]; line: number } | undefined => {
    endField();
    const record = fields;
    const startedAt = recordLine;
    fields = [];
    recordLength = 0;
    recordLine = line;
    const blank = record.length === 1 && record[0] === '';
    return blank ? undefined : { fields: record, line: startedAt };
  };

  const delimiterCode = delimiter.charCodeAt(0);
  const grow = (characters: number): void => {
    recordLength += characters;
    if (recordLength > maxRecordLength) {
      throw new CsvSyntaxError(`record longer than ${maxRecordLength} characters`, recordLine);
    }
  };

  // Runs of ordinary characters are sliced out whole rather than appended one by one.
  for await (const chunk of chunks) {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      const code = chunk.charCodeAt(i);
      if (pendingCR) {
        pendingCR = false;
        if (code === LF) {
          i += 1; // CRLF already ended the record
          continue;
        }
      }
      if (quoted) {
        let end = i;
        while (end < length && chunk.charCodeAt(end) !== QUOTE) {
          if (chunk.charCodeAt(end) === LF) line += 1;
          end += 1;
        }
        grow(end - i);
        field += chunk.slice(i, end);
        if (end < length) {
          grow(1);
          quoted = false;
          afterQuote = true;
        }
        i = end + 1;
        continue;
      }
      if (code === QUOTE) {
        grow(1);
        if (afterQuote) {
          // A doubled quote inside a quoted field: `"a""b"` is `a"b`.
          field += '"';
          quoted = true;
          afterQuote = false;
        } else if (field === '') {
          quoted = true;
        } else {
          throw new CsvSyntaxError('quote inside an unquoted field', recordLine);
        }
        i += 1;
      } else if (code === delimiterCode) {
        grow(1);
        endField();
        i += 1;
      } else if (code === LF || code === CR) {
        grow(1);
        line += 1;
        if (code === CR) pendingCR = true;
        i += 1;
        const record = endRecord();
        if (record !== undefined) yield record;
      } else {
        if (afterQuote) {
          grow(1);
          throw new CsvSyntaxError('text after a closing quote', recordLine);
        }
        let end = i + 1;
        while (end < length) {
          const next = chunk.charCodeAt(end);
          if (next === QUOTE || next === delimiterCode || next === LF || next === CR) break;
          end += 1;
        }
        grow(end - i);
        field += chunk.slice(i, end);
        i = end;
      }
    }
  }
  if (quoted) throw new CsvSyntaxError('unterminated quoted field', recordLine);
  if (field !== '' || fields.length > 0 || afterQuote) {
    const record = endRecord();
    if (record !== undefined) yield record;
  }
}
