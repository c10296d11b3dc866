/**
 * The drift statistics against SciPy and NumPy (Debian's python3-scipy): the test draws
 * seeded samples, writes them to files, has test/drift/scipy_reference.py compute every case
 * with scipy.stats.ks_2samp, wasserstein_distance, chi2_contingency,
 * scipy.spatial.distance.jensenshannon and NumPy, and compares.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  detectDrift,
  prepare,
  type DistributionInput,
  type DriftMethod,
  type FeatureDrift,
} from '../../operator/src/drift/index.js';
import { wassersteinDistance } from '../../operator/src/drift/statistics.js';
import { KS_EXACT_MAX_N } from '../../operator/src/drift/ks.js';
import {
  categories,
  constant,
  integers,
  normal,
  randomFrom,
  rounded,
  type Random,
} from './samples.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'scipy_reference.py');

interface NumericCase {
  id: string;
  method: DriftMethod;
  kind: 'numeric';
  reference: Float64Array;
  current: Float64Array;
}
interface CategoricalCase {
  id: string;
  method: DriftMethod;
  kind: 'categorical';
  reference: Map<string, number>;
  current: Map<string, number>;
}
type Case = NumericCase | CategoricalCase;
interface Reference {
  statistic: number;
  pValue?: number;
  raw?: number;
}

const random = randomFrom(13);
const cases: Case[] = [];
const numeric = (
  method: DriftMethod,
  name: string,
  reference: Float64Array,
  current: Float64Array,
): void => {
  cases.push({
    id: `${method} ${name} (${reference.length} vs ${current.length})`,
    method,
    kind: 'numeric',
    reference,
    current,
  });
};
const categorical = (
  method: DriftMethod,
  name: string,
  reference: Map<string, number>,
  current: Map<string, number>,
): void => {
  cases.push({ id: `${method} ${name}`, method, kind: 'categorical', reference, current });
};
const shifted = (r: Random, n: number, shift: number): Float64Array => normal(r, n, shift);

// KS: equal sizes, unshifted and shifted.
for (const n of [1, 2, 3, 4, 5, 8, 10, 20, 50, 100, 250, 1000, 3000, 10_000]) {
  numeric('ks', 'equal sizes', normal(random, n), normal(random, n));
  numeric('ks', 'equal sizes, shifted', normal(random, n), shifted(random, n, 0.3));
}
// KS: unequal sizes.
for (const [n1, n2] of [
  [1, 2],
  [2, 3],
  [3, 7],
  [5, 7],
  [10, 3],
  [13, 29],
  [100, 80],
  [64, 96],
  [999, 1000],
  [1234, 567],
  [10_000, 9999],
  [7, 10_000],
  [2500, 10_000],
] as const) {
  numeric('ks', 'unequal sizes', normal(random, n1), normal(random, n2));
  numeric('ks', 'unequal sizes, shifted', normal(random, n1), shifted(random, n2, 0.2));
}
// KS: ties.
for (const [n1, n2] of [
  [50, 60],
  [200, 200],
  [1000, 1500],
  [30, 12],
] as const) {
  numeric('ks', 'integer ties', integers(random, n1, 0, 4), integers(random, n2, 0, 4));
  numeric('ks', 'integer ties, shifted', integers(random, n1, 0, 4), integers(random, n2, 1, 5));
}
numeric('ks', 'rounded ties', rounded(random, 500, 1), rounded(random, 700, 1));
numeric(
  'ks',
  'rounded ties, asymptotic',
  rounded(random, 20_000, 1),
  rounded(random, 16_000, 1, 0.05),
);
// KS: identical samples and constant columns.
for (const n of [1, 17, 1000, 12_000]) {
  const sample = normal(random, n);
  numeric('ks', 'identical samples', sample, sample.slice());
}
numeric('ks', 'constant, equal', constant(10, 5), constant(20, 5));
numeric('ks', 'constant against normal', constant(10, 5), normal(random, 15, 5));
numeric('ks', 'two constants', constant(30, 0), constant(40, 1));
numeric('ks', 'constant, asymptotic', constant(20_000, 2), constant(20_000, 2));
// KS: the asymptotic regimes of the Kolmogorov distribution (n = n1·n2/(n1+n2)).
numeric('ks', 'asymptotic, tiny current', normal(random, 3), normal(random, 10_001));
numeric('ks', 'asymptotic, far apart', normal(random, 100), shifted(random, 10_001, 1.5));
numeric('ks', 'asymptotic, n ≤ 140', normal(random, 141), normal(random, 20_000));
numeric('ks', 'asymptotic, n ≤ 140, shifted', shifted(random, 141, 0.4), normal(random, 20_000));
numeric('ks', 'asymptotic', normal(random, 200), normal(random, 20_000));
numeric('ks', 'asymptotic, shifted', normal(random, 20_000), shifted(random, 30_000, 0.02));
numeric('ks', 'asymptotic, equal sizes', normal(random, 15_000), normal(random, 15_000));
numeric('ks', 'asymptotic, Smirnov tail', normal(random, 12_000), shifted(random, 11_000, 0.04));
numeric('ks', 'asymptotic, large shift', normal(random, 50_000), shifted(random, 1000, 0.1));
numeric(
  'ks',
  'asymptotic, Durbin',
  normal(random, 20_000),
  quantilesOf(normal(random, 20_000), 300),
);
numeric(
  'ks',
  'asymptotic, nD ≤ 1',
  normal(random, 20_000),
  quantilesOf(normal(random, 20_000), 7, 0.8),
);
numeric('ks', 'asymptotic, nD ≥ n - 1', shifted(random, 3, 3), normal(random, 20_000));
numeric('ks', 'asymptotic, p = 0', normal(random, 30_000), shifted(random, 60_000, 0.5));
numeric('ks', 'asymptotic, Pelz-Good', normal(random, 250_000), normal(random, 250_000));
numeric(
  'ks',
  'asymptotic, Pelz-Good shifted',
  normal(random, 250_000),
  shifted(random, 250_000, 0.004),
);
// Wasserstein (normalised by the reference's standard deviation).
for (const [n1, n2, shift] of [
  [1, 1, 0],
  [2, 5, 0.5],
  [50, 70, 0],
  [100, 100, 1],
  [1000, 800, 0.1],
  [5000, 20_000, 0.05],
] as const) {
  numeric('wasserstein', 'normal', normal(random, n1), shifted(random, n2, shift));
}
numeric('wasserstein', 'ties', integers(random, 300, 0, 3), integers(random, 200, 0, 4));
numeric('wasserstein', 'identical', ...identical(normal(random, 400)));
numeric('wasserstein', 'constant reference', constant(100, 3), normal(random, 50, 3));
numeric(
  'wasserstein',
  'wide scale',
  normal(random, 500, 1e6, 1e5),
  normal(random, 600, 1.02e6, 1e5),
);
// PSI and Jensen-Shannon on numeric features: the reference's decile bins.
for (const method of ['psi', 'js'] as const) {
  numeric(method, 'normal', normal(random, 1000), normal(random, 1200));
  numeric(method, 'shifted', normal(random, 1000), shifted(random, 900, 0.5));
  numeric(method, 'empty bins', normal(random, 500), shifted(random, 300, 4));
  numeric(method, 'ties', integers(random, 400, 0, 3), integers(random, 500, 0, 5));
  numeric(method, 'constant', constant(50, 1), integers(random, 60, 0, 2));
}
// Categorical: chi-square, PSI and Jensen-Shannon.
const weights = [5, 3, 1, 1];
for (const method of ['chi2', 'psi', 'js'] as const) {
  categorical(
    method,
    'same weights',
    categories(random, 800, weights),
    categories(random, 600, weights),
  );
  categorical(
    method,
    'other weights',
    categories(random, 800, weights),
    categories(random, 600, [1, 1, 3, 5]),
  );
  categorical(
    method,
    'unseen category',
    categories(random, 300, weights),
    categories(random, 300, [5, 3, 1, 1, 2]),
  );
  categorical(
    method,
    'two categories',
    categories(random, 90, [1, 1]),
    categories(random, 70, [2, 1]),
  );
}
categorical('chi2', 'one category', new Map([['a', 10]]), new Map([['a', 4]]));
categorical(
  'chi2',
  'small counts',
  categories(random, 12, [1, 1, 1]),
  categories(random, 9, [1, 2, 3]),
);
categorical(
  'chi2',
  'many categories',
  categories(
    random,
    5000,
    Array.from({ length: 60 }, (_, i) => i + 1),
  ),
  categories(
    random,
    4000,
    Array.from({ length: 60 }, (_, i) => 60 - i),
  ),
);

/** `count` evenly spaced order statistics of a sample: a current side almost exactly like it. */
function quantilesOf(sample: Float64Array, count: number, offset = 0.5): Float64Array {
  const ordered = sample.slice().sort();
  return Float64Array.from(
    { length: count },
    (_, i) => ordered[Math.floor(((i + offset) * ordered.length) / count)] ?? 0,
  );
}

function identical(sample: Float64Array): [Float64Array, Float64Array] {
  return [sample, sample.slice()];
}

let directory = '';
let expected: Record<string, Reference> = {};

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ferry-drift-golden-'));
  const manifest = await Promise.all(
    cases.map(async (item, index) => {
      if (item.kind === 'categorical') {
        return {
          ...item,
          reference: Object.fromEntries(item.reference),
          current: Object.fromEntries(item.current),
        };
      }
      const write = async (side: string, values: Float64Array): Promise<string> => {
        const path = join(directory, `${index}-${side}.f64`);
        await writeFile(path, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
        return path;
      };
      return {
        ...item,
        reference: await write('reference', item.reference),
        current: await write('current', item.current),
      };
    }),
  );
  await writeFile(join(directory, 'manifest.json'), JSON.stringify(manifest));
  await promisify(execFile)(
    PYTHON,
    [SCRIPT, join(directory, 'manifest.json'), join(directory, 'expected.json')],
    { maxBuffer: 1 << 24 },
  );
  expected = JSON.parse(await readFile(join(directory, 'expected.json'), 'utf8')) as Record<
    string,
    Reference
  >;
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function input(item: Case, side: 'reference' | 'current'): DistributionInput {
  return item.kind === 'numeric'
    ? { kind: 'numeric', values: item[side] }
    : { kind: 'categorical', counts: item[side] };
}

function judged(item: Case): FeatureDrift {
  const report = detectDrift([
    {
      name: 'x',
      reference: input(item, 'reference'),
      current: input(item, 'current'),
      method: item.method,
    },
  ]);
  const [feature] = report.features.features;
  if (feature === undefined) throw new Error('no result');
  return feature;
}

function expectRelative(
  actual: number | undefined,
  wanted: number | undefined,
  tolerance: number,
): void {
  expect(actual).toBeTypeOf('number');
  expect(wanted).toBeTypeOf('number');
  const scale = Math.abs(wanted ?? 0);
  expect(Math.abs((actual ?? NaN) - (wanted ?? NaN))).toBeLessThanOrEqual(
    tolerance * scale + 1e-300,
  );
}

describe('drift statistics against SciPy', () => {
  it('covers at least 100 cases, both KS regimes among them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const ks = cases.filter((item) => item.method === 'ks') as NumericCase[];
    const exact = ks.filter(
      (item) => Math.max(item.reference.length, item.current.length) <= KS_EXACT_MAX_N,
    );
    expect(exact.length).toBeGreaterThan(40);
    expect(ks.length - exact.length).toBeGreaterThan(10);
  });

  it.each(cases.filter((item) => item.method === 'ks').map((item) => [item.id, item] as const))(
    '%s',
    (id, item) => {
      const result = judged(item);
      const wanted = expected[id];
      expect(result.statistic).toBe(wanted?.statistic);
      const n = Math.max(sizeOf(item, 'reference'), sizeOf(item, 'current'));
      if (n <= KS_EXACT_MAX_N) {
        expect(result.pValueMethod).toBe('exact');
        expect(Math.abs((result.pValue ?? NaN) - (wanted?.pValue ?? NaN))).toBeLessThanOrEqual(
          1e-6,
        );
      } else {
        expect(result.pValueMethod).toBe('asymptotic');
        expectRelative(result.pValue, wanted?.pValue, 1e-4);
      }
    },
  );

  it.each(
    cases.filter((item) => item.method === 'wasserstein').map((item) => [item.id, item] as const),
  )('%s', (id, item) => {
    const wanted = expected[id];
    expectRelative(judged(item).statistic, wanted?.statistic, 1e-9);
    if (item.kind !== 'numeric') throw new Error('numeric case expected');
    const raw = wassersteinDistance(sorted(item.reference), sorted(item.current));
    expectRelative(raw, wanted?.raw, 1e-9);
  });

  it.each(cases.filter((item) => item.method === 'chi2').map((item) => [item.id, item] as const))(
    '%s',
    (id, item) => {
      const result = judged(item);
      expectRelative(result.statistic, expected[id]?.statistic, 1e-9);
      expectRelative(result.pValue, expected[id]?.pValue, 1e-9);
    },
  );

  it.each(
    cases
      .filter((item) => item.method === 'js' || item.method === 'psi')
      .map((item) => [item.id, item] as const),
  )('%s', (id, item) => {
    const wanted = expected[id]?.statistic ?? NaN;
    const actual = judged(item).statistic;
    // Identical histograms: SciPy's square root may leave rounding noise above zero.
    if (wanted < 1e-7) expect(actual).toBeLessThan(1e-7);
    else expectRelative(actual, wanted, 1e-9);
  });
});

function sizeOf(item: Case, side: 'reference' | 'current'): number {
  return item.kind === 'numeric'
    ? item[side].length
    : [...item[side].values()].reduce((a, b) => a + b, 0);
}

function sorted(values: Float64Array): Float64Array {
  const distribution = prepare({ kind: 'numeric', values });
  if (distribution.kind !== 'numeric') throw new Error('numeric expected');
  return distribution.sorted;
}
