/**
 * Canary analysis, as pure functions: figures read from the model servers' Prometheus
 * metrics and prediction samples, and the verdict against the InferenceService's bounds.
 *
 * - error rate: 5xx responses over the responses the server is accountable for, 2xx and
 *   5xx; 4xx are the client's mistakes and count nowhere, not even towards `minRequests`,
 *   so a flood of bad requests can neither roll a good canary back nor hide a bad one;
 * - p99 latency: from the request-duration histogram, with Prometheus's
 *   `histogram_quantile` interpolation;
 * - prediction drift: Jensen-Shannon divergence (base 2, so 0..1) between the canary's and
 *   the stable version's predictions on live traffic.
 *
 * Error rate, latency and `minRequests` count the current step's own traffic: each canary
 * pod's counters minus what they were when the step's analysis began (`stepFigures`), as
 * Prometheus's `increase()` would, a counter that went down counting from zero. The
 * prediction samples are the servers' bounded reservoirs over their lifetime.
 */

import type { InferenceServiceStatus } from '../../api/index.js';
import type { SamplesSnapshot } from '../../serving/samples.js';

export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** Parses Prometheus text exposition format; comments and malformed lines are skipped. */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[label[1] ?? ''] = (label[2] ?? '').replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    const value = Number(match[4] === '+Inf' ? Infinity : match[4]);
    if (!Number.isNaN(value)) samples.push({ name: match[1] ?? '', labels, value });
  }
  return samples;
}

/** What one or more serving pods report, summed. */
export interface ServingFigures {
  /** Responses other than 4xx. */
  requests: number;
  serverErrors: number;
  /** Cumulative `le` buckets of request duration, in seconds, ascending, ending at +Inf. */
  latency: { le: number; count: number }[];
}

export function servingFigures(samples: readonly MetricSample[]): ServingFigures {
  let requests = 0;
  let serverErrors = 0;
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name === 'ferry_serve_requests_total') {
      const code = Number(sample.labels.code);
      if (code >= 400 && code < 500) continue;
      requests += sample.value;
      if (code >= 500) serverErrors += sample.value;
    } else if (sample.name === 'ferry_serve_request_duration_seconds_bucket') {
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    }
  }
  const latency = [...buckets].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
  return { requests, serverErrors, latency };
}

/** Sums figures of several pods. */
export function mergeFigures(figures: readonly ServingFigures[]): ServingFigures {
  return servingFigures(
    figures.flatMap((figure) => [
      {
        name: 'ferry_serve_requests_total',
        labels: { code: '200' },
        value: figure.requests - figure.serverErrors,
      },
      { name: 'ferry_serve_requests_total', labels: { code: '500' }, value: figure.serverErrors },
      ...figure.latency.map((bucket) => ({
        name: 'ferry_serve_request_duration_seconds_bucket',
        labels: { le: bucket.le === Infinity ? '+Inf' : String(bucket.le) },
        value: bucket.count,
      })),
    ]),
  );
}

/** One pod's figures, by pod name. */
export interface PodFigures {
  pod: string;
  figures: ServingFigures;
}

export type StepBaseline = NonNullable<InferenceServiceStatus['stepBaseline']>;
type PodCounters = NonNullable<StepBaseline['pods']>[number];

/** The counters to keep in status as the baseline of the step that started at `stepStartTime`. */
export function stepBaseline(pods: readonly PodFigures[], stepStartTime: string): StepBaseline {
  return {
    stepStartTime,
    pods: pods.map(({ pod, figures }) => ({
      pod,
      requests: figures.requests,
      serverErrors: figures.serverErrors,
      latency: figures.latency.map((bucket) => ({
        le: bucket.le === Infinity ? '+Inf' : String(bucket.le),
        count: bucket.count,
      })),
    })),
  };
}

/**
 * The canary's figures since `baseline`: per pod, the counters minus the baseline's (a pod
 * absent from the baseline counts from zero, and so does one whose counters went down, as
 * after a restart), summed over pods.
 */
export function stepFigures(pods: readonly PodFigures[], baseline: StepBaseline): ServingFigures {
  const before = new Map((baseline.pods ?? []).map((counters) => [counters.pod, counters]));
  return mergeFigures(
    pods.map(({ pod, figures }) => {
      const start = before.get(pod);
      return start === undefined || restarted(figures, start)
        ? figures
        : {
            requests: figures.requests - start.requests,
            serverErrors: figures.serverErrors - start.serverErrors,
            latency: figures.latency.map((bucket) => ({
              le: bucket.le,
              count: bucket.count - bucketCount(start, bucket.le),
            })),
          };
    }),
  );
}

function restarted(figures: ServingFigures, start: PodCounters): boolean {
  return (
    figures.requests < start.requests ||
    figures.serverErrors < start.serverErrors ||
    figures.latency.some((bucket) => bucket.count < bucketCount(start, bucket.le))
  );
}

function bucketCount(counters: PodCounters, le: number): number {
  const label = le === Infinity ? '+Inf' : String(le);
  return counters.latency?.find((bucket) => bucket.le === label)?.count ?? 0;
}

/**
 * The `q` quantile from cumulative buckets, as Prometheus's `histogram_quantile`: linear
 * within the bucket it falls in; the highest finite bound when it falls in +Inf; NaN
 * without observations.
 */
export function histogramQuantile(
  q: number,
  buckets: readonly { le: number; count: number }[],
): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0
        ? bucket.le
        : lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** Jensen-Shannon divergence, base 2, between two distributions given as counts. */
export function jensenShannon(
  p: ReadonlyMap<string, number>,
  q: ReadonlyMap<string, number>,
): number {
  const totalP = sum(p.values());
  const totalQ = sum(q.values());
  if (totalP === 0 || totalQ === 0) return NaN;
  let divergence = 0;
  for (const key of new Set([...p.keys(), ...q.keys()])) {
    const pk = (p.get(key) ?? 0) / totalP;
    const qk = (q.get(key) ?? 0) / totalQ;
    const mk = (pk + qk) / 2;
    if (pk > 0) divergence += 0.5 * pk * Math.log2(pk / mk);
    if (qk > 0) divergence += 0.5 * qk * Math.log2(qk / mk);
  }
  return Math.min(1, Math.max(0, divergence));
}

/**
 * Counts of predictions: categorical values as they are; numbers spread over `bins`
 * equal-width bins of the range both sides share, so the two histograms line up.
 */
export function predictionHistograms(
  canary: readonly (number | string)[],
  stable: readonly (number | string)[],
  bins = 10,
): [Map<string, number>, Map<string, number>] {
  const numeric = [...canary, ...stable].every((value) => typeof value === 'number');
  const distinct = new Set([...canary, ...stable]).size;
  if (!numeric || distinct <= bins) return [counts(canary.map(String)), counts(stable.map(String))];
  let low = Infinity;
  let high = -Infinity;
  for (const value of [...canary, ...stable] as number[]) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  const width = (high - low) / bins;
  const bin = (value: number | string): string =>
    String(Math.min(bins - 1, Math.floor(((value as number) - low) / width)));
  return [counts(canary.map(bin)), counts(stable.map(bin))];
}

export interface AnalysisBounds {
  maxErrorRate: number;
  maxP99LatencyMs: number;
  maxPredictionDrift: number;
  minRequests: number;
}

export type Verdict =
  | { verdict: 'wait'; message: string }
  | { verdict: 'pass'; message: string }
  | {
      verdict: 'fail';
      reason: 'ErrorRateExceeded' | 'LatencyExceeded' | 'PredictionDrift' | 'CanaryUnavailable';
      message: string;
    };

/** Judges a canary step. Every figure goes into the message, so a rollback explains itself. */
export function judgeCanary(input: {
  canary: ServingFigures;
  canaryPredictions: readonly (number | string)[];
  stablePredictions: readonly (number | string)[];
  bounds: AnalysisBounds;
}): Verdict {
  const { canary, bounds } = input;
  if (canary.requests < bounds.minRequests) {
    return {
      verdict: 'wait',
      message: `${canary.requests} of the ${bounds.minRequests} canary requests needed`,
    };
  }
  const errorRate = canary.requests === 0 ? 0 : canary.serverErrors / canary.requests;
  const p99Ms = histogramQuantile(0.99, canary.latency) * 1000;
  const [canaryCounts, stableCounts] = predictionHistograms(
    input.canaryPredictions,
    input.stablePredictions,
  );
  const drift = jensenShannon(canaryCounts, stableCounts);
  const figures = `error rate ${errorRate.toFixed(3)} (max ${bounds.maxErrorRate}), p99 ${Number.isNaN(p99Ms) ? 'n/a' : p99Ms.toFixed(1)} ms (max ${bounds.maxP99LatencyMs}), prediction drift ${Number.isNaN(drift) ? 'n/a' : drift.toFixed(3)} (max ${bounds.maxPredictionDrift}) over ${canary.requests} requests`;
  if (errorRate > bounds.maxErrorRate)
    return { verdict: 'fail', reason: 'ErrorRateExceeded', message: figures };
  if (p99Ms > bounds.maxP99LatencyMs)
    return { verdict: 'fail', reason: 'LatencyExceeded', message: figures };
  if (drift > bounds.maxPredictionDrift)
    return { verdict: 'fail', reason: 'PredictionDrift', message: figures };
  return { verdict: 'pass', message: figures };
}

/** What the serving pods of one track report: each pod's figures, and their samples. */
export interface TrackReading {
  pods: readonly PodFigures[];
  samples: readonly SamplesSnapshot[];
}

/** Datatypes whose values are classes rather than scores. */
const CATEGORICAL = new Set([
  'BOOL',
  'BYTES',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);

/**
 * The predictions both tracks' samples hold for the same output feature, each pod's sample
 * taken as is. The feature compared is the canary's first shared output that is a class
 * (one element per row, an integer, string or boolean type, such as a classifier's
 * `label`), else its first shared output (such as a regression's score). Booleans count as
 * the strings `true` and `false`; nulls are dropped. Empty on both sides when the tracks
 * share no output, so drift is not judged.
 */
export function sharedPredictions(
  canary: readonly SamplesSnapshot[],
  stable: readonly SamplesSnapshot[],
): [(number | string)[], (number | string)[]] {
  const stableNames = new Set(
    stable.flatMap((snapshot) => snapshot.outputs.map((feature) => feature.name)),
  );
  const shared = canary
    .flatMap((snapshot) => snapshot.outputs)
    .filter((feature) => stableNames.has(feature.name));
  const feature = (
    shared.find((output) => output.index === null && CATEGORICAL.has(output.datatype)) ?? shared[0]
  )?.name;
  if (feature === undefined) return [[], []];
  const values = (snapshots: readonly SamplesSnapshot[]) =>
    snapshots.flatMap((snapshot) =>
      (snapshot.outputs.find((output) => output.name === feature)?.values ?? []).flatMap((value) =>
        value === null ? [] : typeof value === 'boolean' ? [String(value)] : [value],
      ),
    );
  return [values(canary), values(stable)];
}

/**
 * Judges the current canary step from what both tracks' pods report, counting the traffic
 * since `baseline`. Without a baseline for the step, the verdict is to wait: the caller
 * keeps the returned `baseline` in status and judges from the next reading on.
 */
export function analyseCanary(
  canary: TrackReading,
  stable: TrackReading,
  bounds: AnalysisBounds,
  step: { stepStartTime: string; baseline: StepBaseline | undefined },
): { verdict: Verdict; baseline?: StepBaseline } {
  if (step.baseline?.stepStartTime !== step.stepStartTime) {
    return {
      verdict: { verdict: 'wait', message: "recorded the step's baseline; counting its traffic" },
      baseline: stepBaseline(canary.pods, step.stepStartTime),
    };
  }
  const [canaryPredictions, stablePredictions] = sharedPredictions(canary.samples, stable.samples);
  const figures = stepFigures(canary.pods, step.baseline);
  return {
    verdict: judgeCanary({ canary: figures, canaryPredictions, stablePredictions, bounds }),
  };
}

function counts(values: readonly string[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const value of values) result.set(value, (result.get(value) ?? 0) + 1);
  return result;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
