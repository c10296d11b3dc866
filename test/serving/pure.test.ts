import { describe, expect, it } from 'vitest';
import { holdFor, planBatch, type Queued } from '../../operator/src/serving/batch-plan.js';
import { datatypeOfOrt, jsonElements } from '../../operator/src/serving/datatype.js';
import { routeOf } from '../../operator/src/serving/http/routes.js';
import { ReservoirSlots } from '../../operator/src/serving/reservoir-slots.js';
import { signatureOf } from '../../operator/src/serving/signature.js';
import { concatData, elementCount, sliceRows } from '../../operator/src/serving/tensor.js';

const q = (rows: number, key: string | undefined = 'k'): Queued => ({ rows, key });

describe('planBatch', () => {
  const cases: [string, Queued[], number, { take: number; rows: number; closed: boolean }][] = [
    ['a lone request, room to spare', [q(1)], 8, { take: 1, rows: 1, closed: false }],
    [
      'stacks same-key requests up to the limit',
      [q(2), q(3), q(3), q(1)],
      8,
      { take: 3, rows: 8, closed: true },
    ],
    [
      'stops at a request that does not fit',
      [q(4), q(5), q(1)],
      8,
      { take: 1, rows: 4, closed: true },
    ],
    [
      'stops at a different key, keeping order',
      [q(1), q(1, 'other'), q(1)],
      8,
      { take: 1, rows: 1, closed: true },
    ],
    [
      'an unbatchable head runs alone',
      [{ rows: 1, key: undefined }, q(1)],
      8,
      { take: 1, rows: 1, closed: true },
    ],
    [
      'an oversized head runs alone, unsplit',
      [q(20), q(1)],
      8,
      { take: 1, rows: 20, closed: true },
    ],
    ['batching off (max 1)', [q(1), q(1)], 1, { take: 1, rows: 1, closed: true }],
    [
      'everything queued fits and more could come',
      [q(1), q(1), q(1)],
      8,
      { take: 3, rows: 3, closed: false },
    ],
  ];
  it.each(cases)('%s', (_name, queue, max, expected) => {
    expect(planBatch(queue, max)).toEqual(expected);
  });

  it('holds an open batch only until the oldest request has waited the delay', () => {
    const open = { take: 1, rows: 1, closed: false };
    expect(holdFor(open, 0, 0)).toBe(0);
    expect(holdFor(open, 1, 5)).toBe(4);
    expect(holdFor(open, 7, 5)).toBe(0);
    expect(holdFor({ ...open, closed: true }, 0, 5)).toBe(0);
  });
});

describe('tensor rows', () => {
  it('stacks typed arrays and string arrays along dimension 0 and cuts them back', () => {
    const joined = concatData([Float32Array.from([1, 2]), Float32Array.from([3, 4, 5, 6])]);
    expect(joined).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect(sliceRows(joined, 2, 1, 2)).toEqual(Float32Array.from([3, 4, 5, 6]));
    expect(concatData([['a'], ['b', 'c']])).toEqual(['a', 'b', 'c']);
    expect(sliceRows(['a', 'b', 'c'], 1, 2, 1)).toEqual(['c']);
    expect(concatData([BigInt64Array.from([1n]), BigInt64Array.from([2n])])).toEqual(
      BigInt64Array.from([1n, 2n]),
    );
    expect(elementCount([2, 3, 4])).toBe(24);
    expect(elementCount([])).toBe(1);
  });
});

describe('signatureOf', () => {
  it('shows symbolic and unknown dims as -1 and decides whether requests can stack', () => {
    const signature = signatureOf(
      [{ name: 'x', isTensor: true, type: 'float32', shape: ['batch', 4, -1] }],
      [
        { name: 'y', isTensor: true, type: 'int64', shape: ['batch'] },
        { name: 'zipmap', isTensor: false },
      ],
    );
    expect(signature).toEqual({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4, -1] }],
      outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }],
      batchable: true,
    });
    const fixed = signatureOf(
      [{ name: 'x', isTensor: true, type: 'float32', shape: [2, 2] }],
      [{ name: 'y', isTensor: true, type: 'float32', shape: [2, 2] }],
    );
    expect(fixed.batchable).toBe(false);
    expect(() => signatureOf([{ name: 'm', isTensor: false }], [])).toThrow(
      'input "m" is not a tensor; only tensor inputs can be served',
    );
  });

  it('names onnxruntime types with OIP datatypes', () => {
    expect(
      ['float32', 'float64', 'int32', 'int64', 'bool', 'string', 'uint8', 'float16'].map(
        datatypeOfOrt,
      ),
    ).toEqual(['FP32', 'FP64', 'INT32', 'INT64', 'BOOL', 'BYTES', 'UINT8', 'FP16']);
    expect(jsonElements('BOOL', Uint8Array.from([1, 0]))).toEqual([true, false]);
    expect(jsonElements('INT64', BigInt64Array.from([-5n]))).toEqual([-5]);
  });
});

describe('routeOf', () => {
  const cases: [string, ReturnType<typeof routeOf>][] = [
    ['/v2', { kind: 'server' }],
    ['/v2/', { kind: 'server' }],
    ['/v2/health/live', { kind: 'live' }],
    ['/v2/health/ready?verbose=1', { kind: 'ready' }],
    ['/metrics', { kind: 'metrics' }],
    ['/v2/models/iris', { kind: 'model', name: 'iris', version: undefined }],
    ['/v2/models/iris/versions/3', { kind: 'model', name: 'iris', version: '3' }],
    ['/v2/models/iris/ready', { kind: 'model-ready', name: 'iris', version: undefined }],
    ['/v2/models/iris/versions/3/ready', { kind: 'model-ready', name: 'iris', version: '3' }],
    ['/v2/models/iris/infer', { kind: 'infer', name: 'iris', version: undefined }],
    ['/v2/models/iris/versions/v1.2/infer', { kind: 'infer', name: 'iris', version: 'v1.2' }],
    ['/v2/models/my%20model/samples', { kind: 'samples', name: 'my model', version: undefined }],
    ['/v2/models', undefined],
    ['/v2/models/iris/versions', undefined],
    ['/v2/models/iris/predict', undefined],
    ['/v2/models/iris/infer/extra', undefined],
    ['/v1/models/iris:predict', undefined],
  ];
  it.each(cases)('%s', (url, route) => {
    expect(routeOf(url)).toEqual(route);
  });
  it('throws URIError on a malformed escape', () => {
    expect(() => routeOf('/v2/models/%E0%A4%A/infer')).toThrow(URIError);
  });
});

describe('ReservoirSlots', () => {
  it('keeps the first rows until full, then replaces uniformly', () => {
    const draws = [0.1, 0.9, 0.5];
    const reservoir = new ReservoirSlots(2, () => draws.shift() ?? 0);
    expect([reservoir.offer(), reservoir.offer()]).toEqual([0, 1]);
    // Row 3: floor(0.1 * 3) = 0 < 2, replaces slot 0; row 4: floor(0.9 * 4) = 3, dropped;
    // row 5: floor(0.5 * 5) = 2, dropped.
    expect([reservoir.offer(), reservoir.offer(), reservoir.offer()]).toEqual([
      0,
      undefined,
      undefined,
    ]);
    expect({ seen: reservoir.seen, size: reservoir.size }).toEqual({ seen: 5, size: 2 });
  });

  it('gives every row the same chance of being kept', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const kept = new Array<number>(100).fill(0);
    for (let trial = 0; trial < 2000; trial++) {
      const reservoir = new ReservoirSlots(10, random);
      const slots = new Array<number>(10);
      for (let row = 0; row < 100; row++) {
        const slot = reservoir.offer();
        if (slot !== undefined) slots[slot] = row;
      }
      for (const row of slots) kept[row] = (kept[row] ?? 0) + 1;
    }
    // Each row is kept with probability 10/100: 200 of 2000 trials, give or take.
    expect(Math.min(...kept)).toBeGreaterThan(140);
    expect(Math.max(...kept)).toBeLessThan(260);
  });
});
