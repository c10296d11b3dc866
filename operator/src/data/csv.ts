/**
 * A streaming RFC 4180 CSV reader: quoted fields, doubled quotes, embedded newlines,
 * CRLF or LF line ends. Memory is bounded by the longest record, not the file.
 */

export interface CsvOptions {
  delimiter?: string;
  /** Longest record accepted, in characters; a longer one is an error, not an allocation. */
  maxRecordLength?: number;
}

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

  for await (const chunk of chunks) {
    for (const char of chunk) {
      if (pendingCR) {
        pendingCR = false;
        if (char === '\n') continue; // CRLF already ended the record
      }
      recordLength += 1;
      if (recordLength > maxRecordLength) {
        throw new CsvSyntaxError(`record longer than ${maxRecordLength} characters`, recordLine);
      }
      if (quoted) {
        if (char === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (char === '\n') line += 1;
          field += char;
        }
        continue;
      }
      if (char === '"') {
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
      } else if (char === delimiter) {
        endField();
      } else if (char === '\n' || char === '\r') {
        line += 1;
        if (char === '\r') pendingCR = true;
        const record = endRecord();
        if (record !== undefined) yield record;
      } else {
        if (afterQuote) throw new CsvSyntaxError('text after a closing quote', recordLine);
        field += char;
      }
    }
  }
  if (quoted) throw new CsvSyntaxError('unterminated quoted field', recordLine);
  if (field !== '' || fields.length > 0 || afterQuote) {
    const record = endRecord();
    if (record !== undefined) yield record;
  }
}
