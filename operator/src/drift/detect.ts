/**
 * The drift verdict for a set of features, and separately for the model's outputs: the one
 * entry point that both `ferry drift` and the DriftMonitor call. Pure: no I/O, no clock, no
 * randomness.
 *
 * Contract:
 * - Each feature is judged by its own method (or the shared one; `auto` chooses per feature
 *   from its kind and its reference's row count) against its own threshold (or the shared
 *   one, or the method's default).
 * - Tests (KS, chi-square) are Bonferroni-corrected within their group: with k features, a
 *   feature drifts when p < threshold / k. Distances (PSI, Jensen–Shannon, Wasserstein)
 *   drift when the distance is ≥ the threshold.
 * - A group drifts when the share of its drifted features is ≥ `driftShare` (default 0.5).
 *   Outputs (prediction drift) are a group of their own, judged the same way; the report
 *   drifts when either group does.
 */
import {
  prepare,
  sizeOf,
  type Distribution,
  type DistributionInput,
  type FeatureKind,
} from './distribution.js';
import {
  automaticMethod,
  DEFAULT_THRESHOLDS,
  isTest,
  measure,
  supports,
  type DriftMethod,
  type DriftMethodChoice,
} from './methods.js';

export const DEFAULT_DRIFT_SHARE = 0.5;

export interface FeatureComparison {
  readonly name: string;
  readonly reference: DistributionInput;
  readonly current: DistributionInput;
  /** This feature's method, overriding the shared one. */
  readonly method?: DriftMethodChoice;
  /** This feature's threshold, overriding the shared one. */
  readonly threshold?: number;
}

export interface DriftOptions {
  /** The method for features without one of their own; `auto` when absent. */
  readonly method?: DriftMethodChoice;
  /** The threshold for features without one of their own; the method's default when absent. */
  readonly threshold?: number;
  /** Share of drifted features (0..1] at which a group drifts. */
  readonly driftShare?: number;
}

export interface FeatureDrift {
  readonly name: string;
  readonly kind: FeatureKind;
  readonly method: DriftMethod;
  readonly statistic: number;
  /** Present for the tests. */
  readonly pValue?: number;
  /** For KS: whether the p-value is exact or asymptotic. */
  readonly pValueMethod?: 'exact' | 'asymptotic';
  /** The threshold asked for (or the method's default). */
  readonly threshold: number;
  /** What `score` was compared with: the threshold, Bonferroni-corrected for tests. */
  readonly appliedThreshold: number;
  /** The figure judged: the p-value for tests, the statistic for distances. */
  readonly score: number;
  readonly drifted: boolean;
  /** Values compared on each side. */
  readonly referenceSize: number;
  readonly currentSize: number;
}

export interface GroupVerdict {
  readonly features: readonly FeatureDrift[];
  readonly driftedCount: number;
  /** driftedCount / features.length. */
  readonly share: number;
  readonly driftShare: number;
  readonly drifted: boolean;
}

export interface DriftReport {
  readonly features: GroupVerdict;
  /** Prediction drift, when outputs were compared. */
  readonly prediction?: GroupVerdict;
  readonly drifted: boolean;
}

/** Inputs that cannot be compared: names the feature and says why. */
export class DriftInputError extends Error {
  override readonly name = 'DriftInputError';
  constructor(
    readonly feature: string | undefined,
    message: string,
  ) {
    super(feature === undefined ? message : `feature "${feature}": ${message}`);
  }
}

export function detectDrift(
  features: readonly FeatureComparison[],
  options: DriftOptions = {},
  outputs?: readonly FeatureComparison[],
): DriftReport {
  const driftShare = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  if (!(driftShare > 0 && driftShare <= 1)) {
    throw new DriftInputError(undefined, `driftShare must be in (0, 1], not ${driftShare}`);
  }
  if (features.length === 0) throw new DriftInputError(undefined, 'no features to compare');
  const featureVerdict = judgeGroup(features, options, driftShare);
  if (outputs === undefined || outputs.length === 0) {
    return { features: featureVerdict, drifted: featureVerdict.drifted };
  }
  const prediction = judgeGroup(outputs, options, driftShare);
  return {
    features: featureVerdict,
    prediction,
    drifted: featureVerdict.drifted || prediction.drifted,
  };
}

function judgeGroup(
  comparisons: readonly FeatureComparison[],
  options: DriftOptions,
  driftShare: number,
): GroupVerdict {
  const results = comparisons.map((comparison) =>
    judgeFeature(comparison, options, comparisons.length),
  );
  const driftedCount = results.filter((result) => result.drifted).length;
  const share = driftedCount / results.length;
  return { features: results, driftedCount, share, driftShare, drifted: share >= driftShare };
}

function judgeFeature(
  comparison: FeatureComparison,
  options: DriftOptions,
  groupSize: number,
): FeatureDrift {
  const { name } = comparison;
  const reference = prepareSide(name, 'reference', comparison.reference);
  const current = prepareSide(name, 'current', comparison.current);
  if (reference.kind !== current.kind) {
    throw new DriftInputError(
      name,
      `the reference is ${reference.kind} but the current data is ${current.kind}`,
    );
  }
  const choice = comparison.method ?? options.method ?? 'auto';
  const method = choice === 'auto' ? automaticMethod(reference.kind, reference.rows) : choice;
  if (!supports(method, reference.kind)) {
    throw new DriftInputError(
      name,
      `method ${method} does not apply to ${reference.kind} features`,
    );
  }
  const threshold = comparison.threshold ?? options.threshold ?? DEFAULT_THRESHOLDS[method];
  if (!(threshold >= 0)) {
    throw new DriftInputError(name, `threshold must be a number ≥ 0, not ${threshold}`);
  }
  const measured = measure(method, reference, current);
  const test = isTest(method);
  const appliedThreshold = test ? threshold / groupSize : threshold;
  const score = test ? (measured.pValue ?? 1) : measured.statistic;
  return {
    name,
    kind: reference.kind,
    method,
    ...measured,
    threshold,
    appliedThreshold,
    score,
    drifted: test ? score < appliedThreshold : score >= appliedThreshold,
    referenceSize: sizeOf(reference),
    currentSize: sizeOf(current),
  };
}

function prepareSide(name: string, side: string, input: DistributionInput): Distribution {
  const distribution = prepare(input);
  if (sizeOf(distribution) === 0) throw new DriftInputError(name, `the ${side} has no values`);
  return distribution;
}
