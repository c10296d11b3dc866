/**
 * How features are judged and how the verdict is reached: the automatic choice of method,
 * thresholds, the Bonferroni correction, driftShare, prediction drift, the false-alarm rate,
 * and the inputs a DriftMonitor has (a Dataset's profile and `ferry serve`'s samples).
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseDataset } from '../../operator/src/data/analyse.js';
import {
  currentInput,
  detectDrift,
  DriftInputError,
  referencesFromProfile,
  type DistributionInput,
  type FeatureComparison,
} from '../../operator/src/drift/index.js';
import { SampleStore } from '../../operator/src/serving/samples.js';
import { categories, constant, normal, randomFrom } from './samples.js';

const IRIS = join(import.meta.dirname, '..', '..', 'examples', 'iris', 'data', 'iris.csv');

const numeric = (values: ArrayLike<number>, rows?: number): DistributionInput => ({
  kind: 'numeric',
  values,
  ...(rows === undefined ? {} : { rows }),
});
const categorical = (counts: Map<string, number>, rows?: number): DistributionInput => ({
  kind: 'categorical',
  counts,
  ...(rows === undefined ? {} : { rows }),
});
/** Five values against five others, all larger: D = 1, exact p = 2 / C(10, 5) = 2/252. */
const SEPARATED: FeatureComparison = {
  name: 'separated',
  reference: numeric([1, 2, 3, 4, 5]),
  current: numeric([6, 7, 8, 9, 10]),
};
const SAME: FeatureComparison = {
  name: 'same',
  reference: numeric([1, 2, 3, 4, 5]),
  current: numeric([1, 2, 3, 4, 5]),
};

describe('the automatic method', () => {
  const random = randomFrom(7);
  it.each([
    ['numeric', 1000, 'ks', 0.05],
    ['numeric', 1001, 'wasserstein', 0.1],
    ['categorical', 1000, 'chi2', 0.05],
    ['categorical', 1001, 'js', 0.1],
  ] as const)('a %s reference of %i rows uses %s at %d', (kind, rows, method, threshold) => {
    // A 200-value sample that stands for `rows` rows: the rows decide, as for a Dataset.
    const side = (): DistributionInput =>
      kind === 'numeric'
        ? numeric(normal(random, 200), rows)
        : categorical(categories(random, 200, [1, 2, 3]), rows);
    const [feature] = detectDrift([{ name: 'x', reference: side(), current: side() }]).features
      .features;
    expect(feature?.method).toBe(method);
    expect(feature?.threshold).toBe(threshold);
  });

  it('an explicit method and threshold win over the shared ones', () => {
    const report = detectDrift([{ ...SEPARATED, method: 'psi', threshold: 20 }, { ...SAME }], {
      method: 'wasserstein',
      threshold: 0.5,
    });
    expect(report.features.features.map((feature) => [feature.method, feature.threshold])).toEqual([
      ['psi', 20],
      ['wasserstein', 0.5],
    ]);
  });
});

describe('the verdict', () => {
  it('flags a p-value below the threshold, corrected for the number of features', () => {
    const alone = detectDrift([SEPARATED]).features.features[0];
    expect(alone?.pValue).toBeCloseTo(2 / 252, 12);
    expect(alone?.drifted).toBe(true);
    // 2/252 ≈ 0.0079 is above 0.05 / 10 = 0.005: not drifted among ten features.
    const many = detectDrift([
      SEPARATED,
      ...Array.from({ length: 9 }, (_, i) => ({ ...SAME, name: `same${i}` })),
    ]);
    expect(many.features.features[0]?.appliedThreshold).toBeCloseTo(0.005, 15);
    expect(many.features.features[0]?.drifted).toBe(false);
    expect(many.drifted).toBe(false);
  });

  it('flags a distance at or above its threshold, uncorrected', () => {
    // Wasserstein between 0s and 1s with a reference of std 0 (floored at 0.001): 1 / 0.001.
    const [feature] = detectDrift([
      {
        name: 'x',
        reference: numeric(constant(10, 0)),
        current: numeric(constant(10, 1)),
        method: 'wasserstein',
        threshold: 1000,
      },
    ]).features.features;
    expect(feature?.statistic).toBeCloseTo(1000, 9);
    expect(feature?.drifted).toBe(true);
  });

  it('drifts when the share of drifted features reaches driftShare', () => {
    expect(detectDrift([SEPARATED, SAME]).features).toMatchObject({
      driftedCount: 1,
      share: 0.5,
      drifted: true,
    });
    expect(detectDrift([SEPARATED, SAME], { driftShare: 0.6 }).drifted).toBe(false);
  });

  it('judges the outputs as a group of their own', () => {
    const report = detectDrift([SAME], {}, [{ ...SEPARATED, name: 'label' }]);
    expect(report.features.drifted).toBe(false);
    expect(report.prediction?.features[0]).toMatchObject({ name: 'label', drifted: true });
    expect(report.drifted).toBe(true);
  });

  it('treats a category the reference never had as its own bin', () => {
    const reference = categorical(
      new Map([
        ['a', 50],
        ['b', 50],
      ]),
    );
    const current = categorical(
      new Map([
        ['a', 50],
        ['b', 40],
        ['new', 10],
      ]),
    );
    const [feature] = detectDrift([{ name: 'x', reference, current, method: 'chi2' }]).features
      .features;
    // 2 × 3 table [[50, 50, 0], [50, 40, 10]]: expected counts 50, 45, 5 per row, so chi-square = 2·25/45 + 2·25/5 = 100/9
    // with 2 degrees of freedom, whose survival function is exp(−x/2).
    expect(feature?.statistic).toBeCloseTo(100 / 9, 9);
    expect(feature?.pValue).toBeCloseTo(Math.exp(-50 / 9), 12);
  });

  it.each([
    [
      'kinds differ',
      { reference: numeric([1]), current: categorical(new Map([['a', 1]])) },
      /numeric but the current data is categorical/,
    ],
    [
      'a method that does not apply',
      { reference: numeric([1]), current: numeric([2]), method: 'chi2' as const },
      /chi2 does not apply to numeric/,
    ],
    [
      'an empty side',
      { reference: numeric([1]), current: numeric([NaN]) },
      /the current has no values/,
    ],
  ])('refuses %s, naming the feature', (_, comparison, message) => {
    expect(() => detectDrift([{ name: 'f', ...comparison }])).toThrow(DriftInputError);
    expect(() => detectDrift([{ name: 'f', ...comparison }])).toThrow(message);
  });
});

describe('false alarms', () => {
  it('KS at α = 0.05 flags about 5% of same-distribution comparisons', () => {
    const random = randomFrom(2024);
    const trials = 2000;
    let flagged = 0;
    for (let trial = 0; trial < trials; trial++) {
      const [feature] = detectDrift([
        {
          name: 'x',
          reference: numeric(normal(random, 200)),
          current: numeric(normal(random, 150)),
          method: 'ks',
        },
      ]).features.features;
      if (feature?.drifted === true) flagged++;
    }
    // The exact test is slightly conservative; 3 standard errors either side of 5% is ±1.5%.
    expect(flagged / trials).toBeGreaterThan(0.035);
    expect(flagged / trials).toBeLessThan(0.065);
  });
});

describe('a DriftMonitor’s inputs', () => {
  it('compares a Dataset profile and sample with `ferry serve` samples', async () => {
    const analysis = await analyseDataset(createReadStream(IRIS), { format: 'csv' });
    const references = referencesFromProfile(analysis.features, analysis.sample);
    const store = new SampleStore({
      model: 'iris',
      version: '1',
      capacity: 100,
      maxFeatures: 8,
      random: randomFrom(1),
    });
    const random = randomFrom(3);
    for (let row = 0; row < 100; row++) {
      // Sepal length shifted by 3 cm: far outside what iris has.
      const data = [8.8 + random(), 3 + random(), 1 + 5 * random(), 2 * random()];
      store.record([{ name: 'input', datatype: 'FP32', shape: [1, 4], data }], []);
    }
    const live = new Map(store.snapshot().inputs.map((feature) => [feature.name, feature.values]));
    const watched = [
      ['sepal_length', 'input[0]'],
      ['sepal_width', 'input[1]'],
    ] as const;
    const report = detectDrift(
      watched.map(([column, input]) => {
        const reference = references.get(column);
        if (reference === undefined) throw new Error(`no reference for ${column}`);
        return {
          name: column,
          reference,
          current: currentInput(column, reference.kind, live.get(input) ?? []),
        };
      }),
    );
    const [length, width] = report.features.features;
    expect(length).toMatchObject({
      name: 'sepal_length',
      method: 'ks',
      drifted: true,
      referenceSize: 150,
      currentSize: 100,
    });
    expect(width?.name).toBe('sepal_width');
    expect(report.drifted).toBe(true);
    expect(references.get('species')).toMatchObject({ kind: 'categorical', rows: 150 });
  });
});
