import { describe, expect, it } from 'vitest';
import { mergeSamples } from '../../operator/src/serving/samples-merge.js';
import { SampleStore, type SamplesSnapshot } from '../../operator/src/serving/samples.js';

/** A seeded generator (Park–Miller), so the sampling is repeatable. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

function store(capacity: number, seed = 1): SampleStore {
  return new SampleStore({
    model: 'iris',
    version: '1',
    capacity,
    maxFeatures: 3,
    random: seeded(seed),
    now: () => new Date('2025-01-01T00:00:00Z'),
  });
}

describe('SampleStore', () => {
  it('keeps rows aligned across input and output features, up to capacity', () => {
    const samples = store(4);
    for (let request = 0; request < 10; request++) {
      samples.record(
        [
          {
            name: 'x',
            datatype: 'FP32',
            shape: [2, 2],
            data: Float32Array.from([request, 10, request + 0.5, 20]),
          },
        ],
        [
          {
            name: 'label',
            datatype: 'INT64',
            shape: [2],
            data: BigInt64Array.from([BigInt(request), BigInt(request + 100)]),
          },
          { name: 'ok', datatype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) },
        ],
      );
    }
    const snapshot = samples.snapshot();
    expect(snapshot).toMatchObject({
      model_name: 'iris',
      model_version: '1',
      capacity: 4,
      seen: 20,
      size: 4,
      started: '2025-01-01T00:00:00.000Z',
    });
    expect(snapshot.inputs.map((f) => [f.name, f.tensor, f.index, f.datatype])).toEqual([
      ['x[0]', 'x', 0, 'FP32'],
      ['x[1]', 'x', 1, 'FP32'],
    ]);
    expect(snapshot.outputs.map((f) => [f.name, f.index, f.datatype])).toEqual([
      ['label', null, 'INT64'],
      ['ok', null, 'BOOL'],
    ]);
    const [x0, x1] = snapshot.inputs;
    const [label, ok] = snapshot.outputs;
    for (let k = 0; k < 4; k++) {
      const first = x1?.values[k] === 10; // row 0 of its request
      const request = Math.floor(x0?.values[k] as number);
      expect(label?.values[k]).toBe(first ? request : request + 100);
      expect(ok?.values[k]).toBe(first);
    }
  });

  it('keeps at most maxFeatures features per tensor, and one row for a non-batch model', () => {
    const samples = store(10);
    samples.record(
      [{ name: 'img', datatype: 'FP32', shape: [1, 5], data: Float32Array.from([1, 2, 3, 4, 5]) }],
      [{ name: 'text', datatype: 'BYTES', shape: [3], data: ['a', 'b', 'c'] }],
    );
    const snapshot = samples.snapshot();
    expect(snapshot.seen).toBe(1);
    expect(snapshot.inputs.map((f) => [f.name, f.values])).toEqual([
      ['img[0]', [1]],
      ['img[1]', [2]],
      ['img[2]', [3]],
    ]);
    expect(snapshot.outputs.map((f) => [f.name, f.values])).toEqual([
      ['text[0]', ['a']],
      ['text[1]', ['b']],
      ['text[2]', ['c']],
    ]);
  });

  it('keeps only the rows served since a time, with their share of what was seen', () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const samples = new SampleStore({
      model: 'iris',
      version: '1',
      capacity: 8,
      maxFeatures: 1,
      random: seeded(3),
      now: () => new Date(now),
    });
    const row = (value: number) => {
      samples.record([{ name: 'x', datatype: 'FP64', shape: [1], data: [value] }], []);
    };
    for (let value = 0; value < 20; value++) row(value);
    const later = now + 60_000;
    now = later;
    for (let value = 100; value < 120; value++) row(value);

    const all = samples.snapshot();
    const recent = samples.snapshot(later);
    const recentValues = (recent.inputs[0]?.values ?? []) as number[];
    // Exactly the held rows served since then, in slot order, and nothing older.
    expect(recentValues).toEqual(
      ((all.inputs[0]?.values ?? []) as number[]).filter((value) => value >= 100),
    );
    expect(recentValues.length).toBeGreaterThan(0);
    expect(recent.size).toBe(recentValues.length);
    // Each of the 8 held rows stands for 40 / 8 = 5 served rows.
    expect(recent.seen).toBe(recent.size * 5);
    expect(samples.snapshot(later + 1).size).toBe(0);
    expect(samples.snapshot(0)).toEqual(all);
  });
});

describe('mergeSamples', () => {
  const pod = (
    instance: string,
    seen: number,
    values: number[],
    version = '1',
  ): SamplesSnapshot => ({
    model_name: 'iris',
    model_version: version,
    instance,
    started: `2025-01-0${instance === 'a' ? 2 : 1}T00:00:00.000Z`,
    capacity: values.length,
    seen,
    size: values.length,
    inputs: [{ name: 'x', tensor: 'x', index: null, datatype: 'FP32', values }],
    outputs: [
      { name: 'y', tensor: 'y', index: null, datatype: 'INT64', values: values.map((v) => v * 10) },
    ],
  });

  it('sums what the pods saw, counts a pod read twice once, and keeps rows aligned', () => {
    const a = pod('a', 100, [1, 2, 3]);
    const b = pod('b', 50, [4, 5]);
    const merged = mergeSamples([a, b, { ...a, seen: 90 }], 4, seeded(3));
    expect(merged).toMatchObject({
      model_name: 'iris',
      model_version: '1',
      instance: 'a,b',
      seen: 150,
      size: 4,
      capacity: 4,
      started: '2025-01-01T00:00:00.000Z',
    });
    const [x] = merged.inputs;
    const [y] = merged.outputs;
    expect(new Set(x?.values).size).toBe(4);
    x?.values.forEach((value, k) => {
      expect([1, 2, 3, 4, 5]).toContain(value);
      expect(y?.values[k]).toBe((value as number) * 10);
    });
  });

  it("weighs each pod's rows by how much traffic they stand for", () => {
    // Pod a saw 9000 rows and kept 10; pod b saw 1000 and kept 10: a's rows should make up
    // about 90% of a merged sample of 10.
    const a = pod(
      'a',
      9000,
      Array.from({ length: 10 }, (_, i) => i),
    );
    const b = pod(
      'b',
      1000,
      Array.from({ length: 10 }, (_, i) => 100 + i),
    );
    const random = seeded(7);
    let fromA = 0;
    for (let trial = 0; trial < 500; trial++) {
      fromA +=
        mergeSamples([a, b], 10, random).inputs[0]?.values.filter((v) => (v as number) < 100)
          .length ?? 0;
    }
    expect(fromA / 5000).toBeGreaterThan(0.8);
    expect(fromA / 5000).toBeLessThan(0.97);
  });

  it('fills features a pod lacks with null and joins distinct versions', () => {
    const a = pod('a', 1, [1]);
    const b: SamplesSnapshot = { ...pod('b', 1, [2], '2'), inputs: [] };
    const merged = mergeSamples([a, b], 10, seeded(1));
    expect(merged.model_version).toBe('1,2');
    const x = merged.inputs[0];
    const y = merged.outputs[0];
    const rows = (y?.values ?? []).map((value, k) => [x?.values[k], value]);
    expect(rows.sort((p, q) => (p[1] as number) - (q[1] as number))).toEqual([
      [1, 10],
      [null, 20],
    ]);
  });
});
