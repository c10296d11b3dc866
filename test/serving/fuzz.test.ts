/**
 * Fuzzing `ferry serve` over HTTP with the real iris model: random and adversarial bodies
 * (random JSON, broken text, deep nesting, oversized bodies, mangled tensors, numbers
 * JSON cannot hold), each batch sent at once with good requests among them. No answer may
 * be a 5xx, every good request must get what onnxruntime itself computes, and memory must
 * come back. Seeded and bounded in time.
 */
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from '../support/gc.js';
import { get, IRIS, irisRequest, serve, type RunningServer } from './models.js';

const MAX_BODY = 64 * 1024;
const ROWS: readonly (readonly number[])[] = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
  [5.9, 3.0, 4.2, 1.5],
  [4.4, 2.9, 1.4, 0.2],
];

interface Expected {
  readonly probabilities: readonly number[];
  readonly label: number;
}

let server: RunningServer;
let expected: Expected[];

beforeAll(async () => {
  server = await serve(IRIS, { name: 'iris', maxBodyBytes: MAX_BODY });
  // What each good row must come back as, computed by onnxruntime directly.
  const session = await ort.InferenceSession.create(IRIS);
  const results = await session.run({
    input: new ort.Tensor('float32', Float32Array.from(ROWS.flat()), [ROWS.length, 4]),
  });
  const probabilities = Array.from(results['probabilities']?.data as Float32Array);
  const labels = Array.from(results['label']?.data as BigInt64Array, Number);
  expected = ROWS.map((_, row) => ({
    probabilities: probabilities.slice(row * 3, row * 3 + 3),
    label: labels[row] ?? -1,
  }));
  await session.release();
});

afterAll(async () => {
  await server.close();
});

const element = fc.oneof(
  fc.constantFrom(
    '1e999',
    '-1e999',
    '1e-999',
    '-0',
    '1.5',
    '1',
    'null',
    'true',
    '"x"',
    '"\\u0000"',
  ),
  fc.constantFrom('[1]', '{}', '[]', '[[1,2],[3,4]]', '{"a":[1]}', '""', '9007199254740993'),
  fc.double().map((value) => JSON.stringify(value)),
  fc.integer().map(String),
);

/** An iris-looking request with every part possibly wrong, as JSON text. */
const mangledTensor = fc
  .record({
    name: fc.constantFrom('"input"', '"inputs"', '""', '1', 'null'),
    datatype: fc.constantFrom('"FP32"', '"FP64"', '"INT64"', '"BYTES"', '"fp32"', '7', '[]'),
    shape: fc.oneof(
      fc.constantFrom('[1,4]', '[2,4]', '[4]', '[]', '[-1,4]', '[1e999,4]', '"1,4"', '[1.5,4]'),
      fc
        .array(fc.integer({ min: -2, max: 1e9 }), { maxLength: 40 })
        .map((dims) => JSON.stringify(dims)),
    ),
    data: fc.array(element, { maxLength: 12 }).map((items) => `[${items.join(',')}]`),
    id: fc.option(element, { nil: undefined }),
  })
  .map(
    ({ name, datatype, shape, data, id }) =>
      `{${id === undefined ? '' : `"id":${id},`}"inputs":[{"name":${name},"datatype":${datatype},"shape":${shape},"data":${data}}]}`,
  );

/** Nesting from just past the limit to far past it, of arrays, objects or both. */
const deep = fc
  .record({
    depth: fc.integer({ min: 65, max: 30_000 }),
    open: fc.constantFrom('[', '{"a":', '[{"b":'),
    at: fc.constantFrom('id', 'shape', 'data', 'parameters', 'root'),
  })
  .map(({ depth, open, at }) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
    const value = `${open.repeat(depth)}1${close.repeat(depth)}`;
    if (at === 'root') return value;
    if (at === 'data') {
      return `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1,2,3,${value}]}]}`;
    }
    if (at === 'shape') {
      return `{"inputs":[{"name":"input","datatype":"FP32","shape":${value},"data":[]}]}`;
    }
    return `{"${at}":${value},"inputs":[]}`;
  });

const badBody = fc.oneof(
  { weight: 3, arbitrary: mangledTensor },
  { weight: 2, arbitrary: deep },
  { weight: 2, arbitrary: fc.json({ maxDepth: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_BODY + 1, max: 4 * MAX_BODY })
      .map((size) => `"${'x'.repeat(size)}"`),
  },
);

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

async function infer(body: string): Promise<Reply> {
  const response = await fetch(`${server.url}/v2/models/iris/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: await response.json() };
}

function expectRow(reply: Reply, row: number): void {
  expect(reply.status).toBe(200);
  const outputs = (reply.body as { outputs: { name: string; data: number[] }[] }).outputs;
  const want = expected[row] as Expected;
  const probabilities = outputs.find((output) => output.name === 'probabilities')?.data ?? [];
  probabilities.forEach((value, index) => {
    expect(value).toBeCloseTo(want.probabilities[index] ?? NaN, 6);
  });
  expect(outputs.find((output) => output.name === 'label')?.data).toEqual([want.label]);
}

describe('ferry serve under random and adversarial bodies', () => {
  it('never answers 5xx, answers every good request right, and gives memory back', async () => {
    collectGarbage();
    const before = process.memoryUsage();
    let bad = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(badBody, { minLength: 1, maxLength: 12 }),
        fc.nat({ max: ROWS.length - 1 }),
        async (bodies, row) => {
          const good = infer(JSON.stringify(irisRequest([ROWS[row] as number[]])));
          const replies = await Promise.all(bodies.map(infer));
          for (const reply of replies) {
            expect(reply.status).toBeLessThan(500);
            if (reply.status !== 200) {
              expect(typeof (reply.body as { error?: unknown }).error).toBe('string');
            }
          }
          bad += bodies.length;
          expectRow(await good, row);
        },
      ),
      {
        seed: 20_261_201,
        numRuns: 400,
        interruptAfterTimeLimit: 30_000,
        markInterruptAsFailure: false,
      },
    );
    expect(bad).toBeGreaterThan(200);
    collectGarbage();
    const after = process.memoryUsage();
    expect(after.heapUsed - before.heapUsed).toBeLessThan(32 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(256 * 1024 * 1024);
    const metrics = (await get(`${server.url}/metrics`)).body as string;
    expect(metrics).not.toMatch(/ferry_serve_requests_total\{[^}]*code="5\d\d"\}/);
    expect(server.server.active).toBe(0);
  }, 90_000);
});
