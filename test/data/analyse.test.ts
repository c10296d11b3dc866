import { Readable } from 'node:stream';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseDataset, DataFormatError } from '../../operator/src/data/analyse.js';
import type { ColumnSpec } from '../../operator/src/data/feature.js';

const IRIS = join(import.meta.dirname, '..', '..', 'examples', 'iris', 'data', 'iris.csv');
const IRIS_COLUMNS: ColumnSpec[] = [
  { name: 'sepal_length', type: 'numeric' },
  { name: 'sepal_width', type: 'numeric' },
  { name: 'petal_length', type: 'numeric' },
  { name: 'petal_width', type: 'numeric' },
  { name: 'species', type: 'categorical', values: ['setosa', 'versicolor', 'virginica'] },
];

function bytes(text: string): Readable {
  // Split mid-way so parsing across chunk boundaries is exercised.
  const buffer = Buffer.from(text);
  const middle = Math.floor(buffer.length / 2);
  return Readable.from([buffer.subarray(0, middle), buffer.subarray(middle)]);
}

describe('analyseDataset on the iris data', () => {
  it('matches sha256sum and the published iris statistics', async () => {
    const analysis = await analyseDataset(createReadStream(IRIS), {
      format: 'csv',
      columns: IRIS_COLUMNS,
      quality: { maxMissingRatio: 0, minRows: 100 },
    });
    // `sha256sum examples/iris/data/iris.csv`
    expect(analysis.digest).toBe(
      'sha256:9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355',
    );
    expect(analysis.rows).toBe(150);
    expect(analysis.columns).toEqual(IRIS_COLUMNS.map((column) => column.name));
    expect(analysis.violations).toEqual([]);
    const feature = (name: string) => analysis.features.find((f) => f.name === name);
    // UCI iris.names, "Summary Statistics": min, max, mean, SD.
    expect(feature('sepal_length')).toMatchObject({ count: 150, missing: 0, min: 4.3, max: 7.9 });
    expect(feature('sepal_length')?.mean).toBeCloseTo(5.843, 2);
    expect(feature('sepal_length')?.std).toBeCloseTo(0.828, 2);
    expect(feature('petal_length')).toMatchObject({ min: 1.0, max: 6.9 });
    expect(feature('petal_length')?.mean).toBeCloseTo(3.758, 2);
    expect(feature('petal_length')?.std).toBeCloseTo(1.765, 2);
    expect(feature('sepal_width')?.mean).toBeCloseTo(3.05, 1);
    expect(feature('species')?.frequencies).toEqual([
      { value: 'setosa', count: 50 },
      { value: 'versicolor', count: 50 },
      { value: 'virginica', count: 50 },
    ]);
    // With fewer rows than the sample size, the quantiles are exact: petal_length's median
    // is 4.35 (the 75th and 76th of the 150 sorted values are 4.3 and 4.4).
    expect(feature('petal_length')?.quantiles?.[3]).toBeCloseTo(4.35, 10);
    expect(analysis.sample.petal_length).toHaveLength(150);
  });

  it('draws the same reference sample from the same data and seed', async () => {
    const options = {
      format: 'csv' as const,
      columns: IRIS_COLUMNS,
      referenceSampleSize: 20,
      seed: 7,
    };
    const first = await analyseDataset(createReadStream(IRIS), options);
    const second = await analyseDataset(createReadStream(IRIS), options);
    expect(first.sample.sepal_length).toHaveLength(20);
    expect(second.sample).toEqual(first.sample);
  });
});

describe('analyseDataset violations', () => {
  it('names the column and row of each bad value', async () => {
    const csv = 'x,label\n1.5,a\nseven,b\n2,\n3,z\n';
    const analysis = await analyseDataset(bytes(csv), {
      format: 'csv',
      columns: [
        { name: 'x', type: 'numeric' },
        { name: 'label', type: 'categorical', values: ['a', 'b'] },
      ],
    });
    expect(analysis.violations).toEqual([
      { rule: 'Type', column: 'x', row: 2, message: '"seven" is not a number' },
      { rule: 'Missing', column: 'label', row: 3, message: 'value is missing' },
      { rule: 'Category', column: 'label', row: 4, message: '"z" is not one of a, b' },
    ]);
    expect(analysis.rows).toBe(4);
  });

  it('reports a declared column that the data lacks, short rows, and quality rules', async () => {
    const csv = 'a,b\n1,2\n3\n,4\n';
    const analysis = await analyseDataset(bytes(csv), {
      format: 'csv',
      columns: [
        { name: 'a', type: 'integer', nullable: true },
        { name: 'c', type: 'numeric' },
      ],
      quality: { minRows: 10, maxMissingRatio: 0.2 },
    });
    expect(analysis.violations.map((v) => [v.rule, v.column, v.row])).toEqual([
      ['MissingColumn', 'c', undefined],
      ['Shape', undefined, 2],
      ['MinRows', undefined, undefined],
      ['MissingRatio', 'a', undefined],
    ]);
    expect(analysis.violations[3]?.message).toBe(
      '33.3% of values are missing or invalid, more than the 20.0% allowed',
    );
  });

  it('lists at most maxViolations but counts them all', async () => {
    const csv = 'x\n' + 'bad\n'.repeat(120);
    const analysis = await analyseDataset(bytes(csv), {
      format: 'csv',
      columns: [{ name: 'x', type: 'numeric' }],
      maxViolations: 50,
    });
    expect(analysis.violations).toHaveLength(50);
    expect(analysis.violationCount).toBe(120);
  });

  it('reads JSON Lines, reporting lines that are not objects', async () => {
    const jsonl =
      '{"x": 1, "y": "a"}\n[1]\n{"x": "2", "y": "b"}\nnot json\n{"x": null, "y": "c"}\n';
    const analysis = await analyseDataset(bytes(jsonl), {
      format: 'jsonl',
      columns: [
        { name: 'x', type: 'numeric' },
        { name: 'y', type: 'categorical' },
      ],
    });
    expect(analysis.rows).toBe(5);
    expect(analysis.violations.map((v) => [v.rule, v.column, v.row])).toEqual([
      ['Shape', undefined, 2],
      ['Shape', undefined, 4],
      ['Missing', 'x', 5],
    ]);
    expect(analysis.features[0]).toMatchObject({ name: 'x', count: 2, missing: 1, mean: 1.5 });
  });

  it('infers column types from the first row when no schema is declared', async () => {
    const analysis = await analyseDataset(bytes('n,c\n1,red\n2,blue\n'), { format: 'csv' });
    expect(analysis.features.map((f) => [f.name, f.type])).toEqual([
      ['n', 'numeric'],
      ['c', 'categorical'],
    ]);
  });

  it.each([
    ['empty data', ''],
    ['invalid UTF-8', '\xff\xfe'],
  ])('fails on %s with a DataFormatError', async (_name, text) => {
    const input = async function* () {
      await Promise.resolve();
      yield Buffer.from(text, 'latin1');
    };
    await expect(analyseDataset(input(), { format: 'csv' })).rejects.toBeInstanceOf(
      DataFormatError,
    );
  });
});

describe('analyseDataset memory', () => {
  it('keeps only the bounded sample of a large stream', async () => {
    function* rows(): Generator<Buffer> {
      yield Buffer.from('v\n');
      for (let block = 0; block < 200; block += 1) {
        let chunk = '';
        for (let i = 0; i < 1000; i += 1) chunk += `${block * 1000 + i}\n`;
        yield Buffer.from(chunk);
      }
    }
    const analysis = await analyseDataset(Readable.from(rows()), {
      format: 'csv',
      referenceSampleSize: 500,
    });
    expect(analysis.rows).toBe(200_000);
    expect(analysis.sample.v).toHaveLength(500);
    const profile = analysis.features[0];
    expect(profile?.min).toBe(0);
    expect(profile?.max).toBe(199_999);
    expect(profile?.mean).toBeCloseTo(99_999.5, 6);
  });
});
