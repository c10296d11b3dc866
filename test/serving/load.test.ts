/**
 * `ferry load` against a real model server: the built CLI sends iris rows, normal or
 * shifted, and what it reports matches what the server saw (its /samples reservoir).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FERRY_CLI } from '../support/up-process.js';
import { IRIS_ROWS } from '../support/traffic.js';
import { get, IRIS, serve, type RunningServer } from './models.js';

let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function load(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [FERRY_CLI, 'load', ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );
}

interface Samples {
  seen: number;
  inputs: { name: string; values: number[] }[];
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('ferry load', { timeout: 60_000 }, () => {
  it('sends iris rows at the rate asked and reports the answers by status', async () => {
    server = await serve(IRIS, { name: 'iris' });
    const { code, stdout } = await load(
      `${server.url}/v2/models/iris`,
      '--rate',
      '20',
      '--duration',
      '2s',
    );
    expect(code).toBe(0);
    const total = /^total {2}sent (\d+) {2}200: (\d+) {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms$/m.exec(
      stdout,
    );
    expect(total).not.toBeNull();
    expect(Number(total?.[2])).toBe(Number(total?.[1]));
    expect(Number(total?.[1])).toBeGreaterThanOrEqual(30);
    expect(stdout).toMatch(/^ +1s {2}sent \d+ {2}200: \d+/m);
    const samples = (await get(`${server.url}/v2/models/iris/samples`)).body as Samples;
    expect(samples.seen).toBe(Number(total?.[1]));
  });

  it('--shift adds the delta to that feature of every row', async () => {
    server = await serve(IRIS, { name: 'iris' });
    const { code } = await load(
      `${server.url}/v2/models/iris`,
      '--shift',
      'petal_length=3',
      '--rate',
      '50',
      '--duration',
      '1s',
    );
    expect(code).toBe(0);
    const samples = (await get(`${server.url}/v2/models/iris/samples`)).body as Samples;
    const column = (index: number) =>
      samples.inputs.find((input) => input.name === `input[${String(index)}]`)?.values ?? [];
    const sent = IRIS_ROWS.slice(0, column(2).length);
    // Rows are sent in file order: the shifted column is the file's plus 3, the others as they are.
    expect(mean(column(2))).toBeCloseTo(mean(sent.map((row) => (row[2] ?? 0) + 3)), 3);
    expect(mean(column(0))).toBeCloseTo(mean(sent.map((row) => row[0] ?? 0)), 3);
  });

  it('refuses a shift of a feature the data has not, naming those it has', async () => {
    const { code, stderr } = await load('http://127.0.0.1:9/v2/models/iris', '--shift', 'petal=1');
    expect(code).toBe(2);
    expect(stderr).toContain(
      'no feature "petal"; the features are sepal_length, sepal_width, petal_length, petal_width',
    );
  });

  it('fails when the model does not answer', async () => {
    server = await serve(IRIS, { name: 'iris' });
    const url = server.url;
    await server.close();
    server = undefined;
    const { code, stderr } = await load(`${url}/v2/models/iris`, '--duration', '1s');
    expect(code).not.toBe(0);
    expect(stderr).toContain('ferry load:');
  });
});
