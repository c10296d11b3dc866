import { describe, expect, it } from 'vitest';
import {
  histogramQuantile,
  jensenShannon,
  judgeCanary,
  mergeFigures,
  parsePrometheusText,
  predictionHistograms,
  servingFigures,
} from '../../../operator/src/controllers/inference-service/analysis.js';
import { ServeMetrics } from '../../../operator/src/serving/metrics.js';

/** The exposition text a real `ferry serve` pod would publish after these requests. */
async function podMetrics(requests: { code: number; seconds: number }[]): Promise<string> {
  const metrics = new ServeMetrics('iris', 'v2');
  for (const request of requests) {
    metrics.countRequest(request.code);
    metrics.latency.observe(request.seconds);
  }
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
    expect(a).toMatchObject({ requests: 100, serverErrors: 2 });
    expect(a.latency.at(-1)).toEqual({ le: Infinity, count: 100 });
    expect(a.latency.find((bucket) => bucket.le === 0.0025)?.count).toBe(98);
    const b = servingFigures(parsePrometheusText(await podMetrics([{ code: 200, seconds: 0.5 }])));
    expect(mergeFigures([a, b])).toMatchObject({ requests: 101, serverErrors: 2 });
    expect(mergeFigures([a, b]).latency.at(-1)).toEqual({ le: Infinity, count: 101 });
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
});

describe('judgeCanary', () => {
  const healthy = {
    requests: 500,
    serverErrors: 1,
    latency: [
      { le: 0.01, count: 500 },
      { le: Infinity, count: 500 },
    ],
  };
  const labels = (ones: number) => [
    ...Array<number>(100 - ones).fill(0),
    ...Array<number>(ones).fill(1),
  ];

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
