import { describe, expect, it } from 'vitest';
import {
  analyseCanary,
  histogramQuantile,
  jensenShannon,
  judgeCanary,
  mergeFigures,
  stepBaseline,
  stepFigures,
  type StepBaseline,
  parsePrometheusText,
  predictionHistograms,
  servingFigures,
  sharedPredictions,
  type ServingFigures,
} from '../../../operator/src/controllers/inference-service/analysis.js';
import type { JsonElement } from '../../../operator/src/serving/datatype.js';
import { ServeMetrics } from '../../../operator/src/serving/metrics.js';
import type { SamplesSnapshot } from '../../../operator/src/serving/samples.js';

/** The exposition text a real `ferry serve` pod would publish after these requests. */
async function podMetrics(requests: { code: number; seconds: number }[]): Promise<string> {
  const metrics = new ServeMetrics('iris', 'v2');
  for (const request of requests) metrics.recordRequest(request.code, request.seconds);
  return metrics.registry.metrics();
}

const BOUNDS = {
  maxErrorRate: 0.01,
  maxP99LatencyMs: 50,
  maxPredictionDrift: 0.1,
  minRequests: 100,
};

describe('reading serving metrics', () => {
  it('sums requests, 5xx and latency buckets from a pod and across pods', async () => {
    const a = servingFigures(
      parsePrometheusText(
        await podMetrics([
          ...Array.from({ length: 97 }, () => ({ code: 200, seconds: 0.002 })),
          { code: 400, seconds: 0.0001 },
          { code: 500, seconds: 0.003 },
          { code: 503, seconds: 0.003 },
        ]),
      ),
    );
    // The 400 is the client's mistake: in neither the requests judged nor the latency.
    expect(a).toMatchObject({ requests: 99, serverErrors: 2 });
    expect(a.latency.at(-1)).toEqual({ le: Infinity, count: 99 });
    expect(a.latency.find((bucket) => bucket.le === 0.0025)?.count).toBe(97);
    const b = servingFigures(parsePrometheusText(await podMetrics([{ code: 200, seconds: 0.5 }])));
    expect(mergeFigures([a, b])).toMatchObject({ requests: 100, serverErrors: 2 });
    expect(mergeFigures([a, b]).latency.at(-1)).toEqual({ le: Infinity, count: 100 });
  });

  it('leaves a flood of fast 4xx out of the error rate and the p99 of a slow, failing canary', async () => {
    const figures = servingFigures(
      parsePrometheusText(
        await podMetrics([
          ...Array.from({ length: 90 }, () => ({ code: 200, seconds: 0.2 })),
          ...Array.from({ length: 10 }, () => ({ code: 500, seconds: 0.2 })),
          ...Array.from({ length: 10_000 }, () => ({ code: 400, seconds: 0.0001 })),
        ]),
      ),
    );
    const judge = (canary: ServingFigures, bounds = BOUNDS) =>
      judgeCanary({ canary, canaryPredictions: [], stablePredictions: [], bounds });
    expect(judge(figures)).toMatchObject({
      verdict: 'fail',
      reason: 'ErrorRateExceeded',
      message: expect.stringContaining('error rate 0.100') as unknown,
    });
    expect(judge(figures, { ...BOUNDS, maxErrorRate: 1 })).toMatchObject({
      verdict: 'fail',
      reason: 'LatencyExceeded',
    });
  });

  it('parses labels with escapes and skips comments', () => {
    expect(parsePrometheusText('# HELP x y\nx{a="q\\"uote",b="2"} 3\ngarbage\ny 4')).toEqual([
      { name: 'x', labels: { a: 'q"uote', b: '2' }, value: 3 },
      { name: 'y', labels: {}, value: 4 },
    ]);
  });
});

describe('histogramQuantile', () => {
  const buckets = [
    { le: 0.01, count: 50 },
    { le: 0.1, count: 90 },
    { le: 1, count: 100 },
    { le: Infinity, count: 100 },
  ];
  it.each([
    // rank 50 of 100 ends the first bucket: its upper bound.
    [0.5, 0.01],
    // rank 70: 20 of the 40 in (0.01, 0.1] → 0.01 + 0.09 × 0.5.
    [0.7, 0.055],
    // rank 99: 9 of the 10 in (0.1, 1] → 0.1 + 0.9 × 0.9.
    [0.99, 0.91],
  ])('q=%d is %d s', (q, expected) => {
    expect(histogramQuantile(q, buckets)).toBeCloseTo(expected, 10);
  });

  it('gives the highest finite bound for ranks in +Inf, and NaN without data', () => {
    expect(
      histogramQuantile(0.99, [
        { le: 0.1, count: 1 },
        { le: Infinity, count: 10 },
      ]),
    ).toBe(0.1);
    expect(histogramQuantile(0.99, [{ le: Infinity, count: 0 }])).toBeNaN();
  });
});

describe('jensenShannon', () => {
  const dist = (entries: Record<string, number>) => new Map(Object.entries(entries));
  it.each([
    [{ a: 5, b: 5 }, { a: 1, b: 1 }, 0],
    [{ a: 1 }, { b: 1 }, 1],
    // H(0.75, 0.25) − (H(0.5, 0.5) + H(1, 0)) / 2 = 0.811278 − 0.5
    [{ a: 1, b: 1 }, { a: 1 }, 0.311278],
  ])('JS(%j, %j) = %d', (p, q, expected) => {
    expect(jensenShannon(dist(p), dist(q))).toBeCloseTo(expected, 6);
  });
});

describe('predictionHistograms', () => {
  it('counts class labels as they are', () => {
    expect(predictionHistograms([0, 1, 1], [2])).toEqual([
      new Map([
        ['0', 1],
        ['1', 2],
      ]),
      new Map([['2', 1]]),
    ]);
  });

  it('bins continuous predictions over the range both sides share', () => {
    const canary = Array.from({ length: 20 }, (_, i) => i / 10);
    const stable = Array.from({ length: 20 }, (_, i) => 2 + i / 10);
    const [c, s] = predictionHistograms(canary, stable, 4);
    expect([...c.keys()].sort()).toEqual(['0', '1']);
    expect([...s.keys()].sort()).toEqual(['2', '3']);
  });

  it('bins a reservoir far larger than the call stack allows as arguments', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    const [c, s] = predictionHistograms(many, many, 10);
    expect([...c.values()].reduce((a, b) => a + b, 0)).toBe(300_000);
    expect(s.get('9')).toBe(30_000);
  });
});

/** 500 requests, 1 of them 5xx, all within 10 ms. */
const healthy: ServingFigures = {
  requests: 500,
  serverErrors: 1,
  latency: [
    { le: 0.01, count: 500 },
    { le: Infinity, count: 500 },
  ],
};

/** 100 class labels: `ones` of them 1, the rest 0. */
const labels = (ones: number) => [
  ...Array<number>(100 - ones).fill(0),
  ...Array<number>(ones).fill(1),
];

describe('judgeCanary', () => {
  it('waits for the minimum number of requests', () => {
    expect(
      judgeCanary({
        canary: { ...healthy, requests: 40 },
        canaryPredictions: [],
        stablePredictions: [],
        bounds: BOUNDS,
      }),
    ).toEqual({
      verdict: 'wait',
      message: '40 of the 100 canary requests needed',
    });
  });

  it('passes a canary within every bound, with its figures', () => {
    expect(
      judgeCanary({
        canary: healthy,
        canaryPredictions: labels(50),
        stablePredictions: labels(52),
        bounds: BOUNDS,
      }),
    ).toEqual({
      verdict: 'pass',
      message:
        'error rate 0.002 (max 0.01), p99 9.9 ms (max 50), prediction drift 0.000 (max 0.1) over 500 requests',
    });
  });

  it.each([
    [
      'ErrorRateExceeded',
      { ...healthy, serverErrors: 100 },
      labels(50),
      'error rate 0.200 (max 0.01)',
    ],
    [
      'LatencyExceeded',
      {
        ...healthy,
        latency: [
          { le: 0.01, count: 400 },
          { le: 1, count: 500 },
          { le: Infinity, count: 500 },
        ],
      },
      labels(50),
      'p99 950.5 ms (max 50)',
    ],
    ['PredictionDrift', healthy, labels(100), 'prediction drift 0.311 (max 0.1)'],
  ])('fails with %s and says by how much', (reason, canary, predictions, figure) => {
    const verdict = judgeCanary({
      canary,
      canaryPredictions: predictions,
      stablePredictions: labels(50),
      bounds: BOUNDS,
    });
    expect(verdict).toMatchObject({ verdict: 'fail', reason });
    expect(verdict.message).toContain(figure);
  });
});

/** One pod's samples, with these output features. */
/** A pod's samples; outputs named `name[i]` are elements of a tensor row, of FP32. */
function snapshot(outputs: Record<string, (JsonElement | null)[]>): SamplesSnapshot {
  const size = Math.max(0, ...Object.values(outputs).map((values) => values.length));
  return {
    model_name: 'iris',
    model_version: '2',
    instance: 'pod',
    started: '2026-11-22T10:00:00.000Z',
    capacity: 512,
    seen: size,
    size,
    inputs: [],
    outputs: Object.entries(outputs).map(([name, values]) => {
      const element = /^(.*)\[(\d+)\]$/.exec(name);
      return element === null
        ? { name, tensor: name, index: null, datatype: 'INT64', values }
        : { name, tensor: element[1] ?? '', index: Number(element[2]), datatype: 'FP32', values };
    }),
  };
}

describe('sharedPredictions', () => {
  it.each<
    [string, SamplesSnapshot[], SamplesSnapshot[], [(number | string)[], (number | string)[]]]
  >([
    [
      'takes the first canary output that stable also has',
      [snapshot({ score: [0.5], label: [1, 2], probabilities: [0.9, 0.8] })],
      [snapshot({ probabilities: [0.7], label: [0, 1], extra: [7] })],
      [
        [1, 2],
        [0, 1],
      ],
    ],
    [
      "prefers a class output to a classifier's scores that come before it",
      [snapshot({ 'probabilities[0]': [0.1, 0.2], label: [2, 2] })],
      [snapshot({ 'probabilities[0]': [0.9, 0.8], label: [0, 1] })],
      [
        [2, 2],
        [0, 1],
      ],
    ],
    [
      'takes the first shared score when no output is a class',
      [snapshot({ 'score[0]': [0.5], 'score[1]': [0.25] })],
      [snapshot({ 'score[1]': [0.75], 'score[0]': [0.125] })],
      [[0.5], [0.125]],
    ],
    [
      'drops nulls and counts booleans as strings',
      [snapshot({ label: [1, null, true, 'setosa'] })],
      [snapshot({ label: [false, 0, null] })],
      [
        [1, 'true', 'setosa'],
        ['false', 0],
      ],
    ],
    [
      'gives nothing on either side without a shared output',
      [snapshot({ label: [1, 2] })],
      [snapshot({ class: [0, 1] })],
      [[], []],
    ],
    [
      'concatenates the pods of each track, in order',
      [snapshot({}), snapshot({ label: [1, 2] }), snapshot({ label: [3] })],
      [snapshot({ label: [0] }), snapshot({ label: [4, 5] })],
      [
        [1, 2, 3],
        [0, 4, 5],
      ],
    ],
  ])('%s', (_, canary, stable, expected) => {
    expect(sharedPredictions(canary, stable)).toEqual(expected);
  });
});

const STEP = '2026-11-22T10:00:00Z';
/** A baseline taken when no canary pod had answered yet: all its traffic is the step's. */
const EMPTY_BASELINE: StepBaseline = { stepStartTime: STEP, pods: [] };
const onePod = (figures: ServingFigures) => [{ pod: 'canary-0', figures }];

describe('analyseCanary', () => {
  const stable = { pods: onePod(healthy), samples: [snapshot({ label: labels(50) })] };
  it.each<[string, ServingFigures, SamplesSnapshot[], object, string]>([
    [
      'fails a canary whose labels differ from stable',
      healthy,
      [snapshot({ label: labels(100) })],
      { verdict: 'fail', reason: 'PredictionDrift' },
      'prediction drift 0.311 (max 0.1)',
    ],
    [
      'passes a canary with the same label distribution',
      healthy,
      [snapshot({ label: labels(25) }), snapshot({ label: labels(75) })],
      { verdict: 'pass' },
      'prediction drift 0.000 (max 0.1) over 500 requests',
    ],
    [
      'passes without judging drift when the tracks share no output',
      healthy,
      [snapshot({ class: labels(100) })],
      { verdict: 'pass' },
      'prediction drift n/a',
    ],
    [
      'waits for enough requests',
      { ...healthy, requests: 40 },
      [snapshot({ label: labels(100) })],
      { verdict: 'wait' },
      '40 of the 100 canary requests needed',
    ],
  ])('%s', (_, figures, samples, verdict, message) => {
    const { verdict: result } = analyseCanary({ pods: onePod(figures), samples }, stable, BOUNDS, {
      stepStartTime: STEP,
      baseline: EMPTY_BASELINE,
    });
    expect(result).toMatchObject(verdict);
    expect(result.message).toContain(message);
  });

  it.each([
    ['no baseline', undefined],
    ["an earlier step's baseline", { stepStartTime: '2026-11-22T09:59:00Z', pods: [] }],
  ])('waits and takes a baseline when the step has %s', (_, baseline) => {
    const analysis = analyseCanary(
      { pods: onePod(healthy), samples: [snapshot({ label: labels(50) })] },
      stable,
      BOUNDS,
      { stepStartTime: STEP, baseline },
    );
    expect(analysis.verdict.verdict).toBe('wait');
    expect(analysis.baseline).toEqual(stepBaseline(onePod(healthy), STEP));
  });
});

describe('stepFigures', () => {
  const at = (requests: number, serverErrors: number): ServingFigures => ({
    requests,
    serverErrors,
    latency: [
      { le: 0.1, count: requests },
      { le: Infinity, count: requests },
    ],
  });
  it.each<[string, { pod: string; figures: ServingFigures }[], ServingFigures[], number, number]>([
    [
      'counts only what came after the baseline',
      [{ pod: 'a', figures: at(100, 10) }],
      [at(150, 10)],
      50,
      0,
    ],
    [
      'counts a pod that started after the baseline from zero',
      [{ pod: 'a', figures: at(100, 10) }],
      [at(100, 10), at(30, 3)],
      30,
      3,
    ],
    ['counts a restarted pod from zero', [{ pod: 'a', figures: at(100, 10) }], [at(20, 1)], 20, 1],
  ])('%s', (_, before, now, requests, serverErrors) => {
    const baseline = stepBaseline(before, STEP);
    const pods = now.map((figures, index) => ({ pod: index === 0 ? 'a' : 'b', figures }));
    const figures = stepFigures(pods, baseline);
    expect(figures.requests).toBe(requests);
    expect(figures.serverErrors).toBe(serverErrors);
    expect(figures.latency.at(-1)).toEqual({ le: Infinity, count: requests });
  });
});
