/**
 * `ferry drift` as a user runs it: the built CLI (`npm run build` first) on files the test
 * writes, its table, its exit codes, and its errors.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normal, randomFrom } from './samples.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ferryDrift(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'drift', ...args],
      { cwd: directory },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let directory = '';
const file = (name: string): string => join(directory, name);

async function write(name: string, text: string): Promise<string> {
  await writeFile(file(name), text);
  return name;
}

function csv(header: string, rows: readonly (readonly (string | number)[])[]): string {
  return `${header}\n${rows.map((row) => row.join(',')).join('\n')}\n`;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ferry-drift-cli-'));
  const random = randomFrom(5);
  const colour = (value: number): string => (value > 0.3 ? 'red' : 'blue');
  const rows = (shift: number): (string | number)[][] =>
    Array.from(normal(random, 400), (value) => [
      value.toFixed(4),
      colour(random()),
      (value + shift * 2).toFixed(4),
    ]);
  await write('reference.csv', csv('x,colour,y', rows(0)));
  await write('same.csv', csv('x,colour,y', rows(0)));
  const shifted = rows(1).map(([x, , y]) => [x ?? '', colour(random() + 0.6), y ?? '']);
  await write('shifted.csv', csv('x,colour,y', shifted));
  await write('five.csv', csv('a', [[1], [2], [3], [4], [5]]));
  await write('later.csv', csv('a', [[6], [7], [8], [9], [10]]));
  await write(
    'later.jsonl',
    [6, 7, 8, 9, 10].map((a) => JSON.stringify({ a, ignored: 'x' })).join('\n') + '\n',
  );
  await write('unterminated.csv', 'a,b\n1,2\n3,"4\n');
  await write('short-row.csv', 'a,b\n1,2\n3\n');
  await write('header-only.csv', 'a,b\n');
  await write('empty-column.csv', 'a,b\n1,\n2,\n3,\n');
  await write('mixed.csv', 'a\n1\n2\nthree\n');
  await write('text.csv', 'a\nx\ny\n');
  await write('bad.jsonl', '{"a": 1}\n{"a": 2\n');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('ferry drift', () => {
  it('prints the table and exits 0 when nothing drifted', async () => {
    const run = await ferryDrift(['--reference', 'reference.csv', '--current', 'same.csv']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'FEATURE',
      'KIND',
      'METHOD',
      'STATISTIC',
      'P-VALUE',
      'THRESHOLD',
      'DRIFTED',
    ]);
    expect(lines.slice(1, 4).map((line) => line.split(/\s{2,}/).slice(0, 3))).toEqual([
      ['x', 'numeric', 'ks (exact)'],
      ['colour', 'categorical', 'chi2'],
      ['y', 'numeric', 'ks (exact)'],
    ]);
    expect(lines.at(-1)).toBe('verdict: no drift');
  });

  it('exits 1 and names the drifted features when the data drifted', async () => {
    const run = await ferryDrift(['--reference', 'reference.csv', '--current', 'shifted.csv']);
    expect(run.code).toBe(1);
    const drifted = run.stdout
      .split('\n')
      .filter((line) => line.endsWith('  yes'))
      .map((line) => line.split(/\s+/)[0]);
    expect(drifted).toEqual(['colour', 'y']);
    expect(run.stdout).toContain('features: 2 of 3 drifted');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('verdict: drift detected');
  });

  it('prints the statistic, the p-value and the threshold it used', async () => {
    // 1..5 against 6..10: D = 1, and the exact p-value is 2 / C(10, 5) = 0.007937.
    const run = await ferryDrift([
      '--reference',
      'five.csv',
      '--current',
      'later.csv',
      '--threshold',
      '0.01',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[1]?.split(/\s{2,}/)).toEqual([
      'a',
      'numeric',
      'ks (exact)',
      '1',
      '0.007937',
      '< 0.01',
      'yes',
    ]);
  });

  it('reads JSON Lines, applies --method and --features, and prints JSON', async () => {
    const run = await ferryDrift([
      '--reference',
      'five.csv',
      '--current',
      'later.jsonl',
      '--features',
      'a',
      '--method',
      'psi',
      '--format',
      'json',
    ]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      drifted: boolean;
      features: { features: { name: string; method: string; drifted: boolean }[] };
    };
    expect(report.drifted).toBe(true);
    expect(report.features.features).toMatchObject([{ name: 'a', method: 'psi', drifted: true }]);
  });

  it('judges --prediction columns as prediction drift', async () => {
    const run = await ferryDrift([
      '--reference',
      'reference.csv',
      '--current',
      'shifted.csv',
      '--features',
      'x',
      '--prediction',
      'y',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^y \(prediction\) .* yes$/m);
    expect(run.stdout).toContain('features: 0 of 1 drifted');
    expect(run.stdout).toContain('prediction: 1 of 1 drifted');
  });

  it.each([
    [
      'a CSV syntax error',
      ['--current', 'unterminated.csv'],
      'unterminated.csv: line 3: unterminated quoted field',
    ],
    [
      'a short row',
      ['--current', 'short-row.csv'],
      'short-row.csv: line 3 (row 2): the row has 1 fields but the header has 2',
    ],
    [
      'an unknown feature',
      ['--current', 'later.csv', '--features', 'a,zzz'],
      'five.csv: column "zzz": no such column; the file has "a"',
    ],
    [
      'a file without rows',
      ['--current', 'header-only.csv', '--features', 'a'],
      'header-only.csv: column "a": the file has no rows',
    ],
    [
      'an all-missing column',
      ['--current', 'empty-column.csv', '--reference', 'empty-column.csv'],
      'empty-column.csv: column "b": all 3 values are missing',
    ],
    [
      'mixed types in a column',
      ['--current', 'mixed.csv'],
      'mixed.csv: line 4 (row 3): column "a": mixed types: "three" is text, but row 1 (line 2) has a number, "1"',
    ],
    [
      'mixed types across files',
      ['--current', 'text.csv'],
      'feature "a": mixed types: it is numeric in five.csv but categorical in text.csv',
    ],
    [
      'bad JSON',
      ['--current', 'bad.jsonl'],
      'bad.jsonl: line 2 (row 2): the line is not valid JSON',
    ],
    ['a missing file', ['--current', 'nowhere.csv'], 'nowhere.csv: no such file'],
  ])('exits 2 on %s, naming where', async (_, args, message) => {
    const run = await ferryDrift(['--reference', 'five.csv', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`ferry drift: ${message}\n`);
  });

  it.each([
    [['--reference', 'five.csv'], '--current is required'],
    [
      ['--reference', 'five.csv', '--current', 'later.csv', '--method', 'median'],
      'unknown --method "median"',
    ],
    [
      ['--reference', 'five.csv', '--current', 'later.csv', '--threshold=-1'],
      '--threshold "-1" is out of range',
    ],
    [
      ['--reference', 'five.csv', '--current', 'later.csv', '--method', 'chi2'],
      'method chi2 does not apply to numeric features',
    ],
  ])('exits 2 on bad usage %j', async (args, message) => {
    const run = await ferryDrift(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
