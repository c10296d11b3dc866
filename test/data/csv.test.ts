import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, readCsvRecords } from '../../operator/src/data/csv.js';

function chunksOf(...parts: string[]): Readable {
  return Readable.from(parts);
}

async function records(text: string | string[]): Promise<string[][]> {
  const parts = Array.isArray(text) ? text : [text];
  const out: string[][] = [];
  for await (const record of readCsvRecords(chunksOf(...parts))) out.push(record.fields);
  return out;
}

describe('readCsvRecords', () => {
  it.each([
    [
      'plain',
      'a,b\n1,2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'no trailing newline',
      'a,b\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    ['blank lines skipped', 'a\n\n1\n\n', [['a'], ['1']]],
    [
      'empty fields',
      'a,,c\n,,\n',
      [
        ['a', '', 'c'],
        ['', '', ''],
      ],
    ],
    ['quoted delimiter', '"x,y",z\n', [['x,y', 'z']]],
    ['doubled quote', '"say ""hi""",2\n', [['say "hi"', '2']]],
    ['newline inside quotes', '"line 1\nline 2",3\n', [['line 1\nline 2', '3']]],
    ['quoted empty field', '"",1\n', [['', '1']]],
  ])('%s', async (_name, text, expected) => {
    expect(await records(text)).toEqual(expected);
  });

  it('gives the same records however the text is split into chunks', async () => {
    const text = 'name,"note"\r\n"a ""quoted"" word","multi\nline"\r\nb,plain\n';
    const whole = await records(text);
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(await records([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('reports the physical line where each record starts', async () => {
    const lines: number[] = [];
    for await (const record of readCsvRecords(chunksOf('a\n"x\ny"\nb\n'))) lines.push(record.line);
    expect(lines).toEqual([1, 2, 4]);
  });

  it.each([
    ['an unterminated quote', 'a\n"open,1\n', /line 2: unterminated quoted field/],
    ['a quote inside an unquoted field', 'ab"c\n', /line 1: quote inside an unquoted field/],
    ['text after a closing quote', '"a"b\n', /line 1: text after a closing quote/],
  ])('rejects %s with its line', async (_name, text, message) => {
    await expect(records(text)).rejects.toThrow(message);
    await expect(records(text)).rejects.toBeInstanceOf(CsvSyntaxError);
  });

  it('refuses a record longer than the limit instead of buffering it', async () => {
    const iterator = readCsvRecords(chunksOf('"' + 'x'.repeat(100)), { maxRecordLength: 50 });
    await expect(iterator.next()).rejects.toThrow(/longer than 50 characters/);
  });
});
