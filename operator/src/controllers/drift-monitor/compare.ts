/**
 * What one evaluation of a DriftMonitor compares, and the verdict: the baseline Dataset's
 * profile and reference sample against the live rows merged from the model servers'
 * `/samples`, judged by `detectDrift`, the code `ferry drift` runs. Pure.
 *
 * Live features are matched to the baseline's columns by name (a model with one input
 * tensor per column), else by position: element i of a model's single input tensor
 * (`input[i]`) is the i-th of the Dataset's declared features, the order the training
 * contract hands them to the trainer. A model output whose name is a profiled column
 * (such as the target) is compared too, as prediction drift.
 */

import { parseDuration, type DriftMonitor } from '../../api/index.js';
import type { FeatureProfile, SampleValue } from '../../data/feature.js';
import {
  currentInput,
  detectDrift,
  DriftInputError,
  kindOfType,
  referencesFromProfile,
  type DriftReport,
  type DistributionInput,
  type FeatureComparison,
} from '../../drift/index.js';
import type { FeatureSample, SamplesSnapshot } from '../../serving/samples.js';

/** Rows an evaluation compares at most when `spec.window.requests` does not say. */
export const DEFAULT_WINDOW_ROWS = 1000;
/** Fewest live rows judged when `spec.window.minSamples` does not say. */
export const DEFAULT_MIN_SAMPLES = 50;

/** The baseline as the Dataset's profile ConfigMap holds it. */
export interface Baseline {
  /** The Dataset it comes from. */
  dataset: string;
  features: readonly FeatureProfile[];
  sample: Readonly<Record<string, readonly SampleValue[]>>;
  /** The model's input order: the Dataset's declared features, else its profiled columns. */
  inputOrder: readonly string[];
}

export type Comparison =
  | { kind: 'insufficient'; rows: number; minSamples: number }
  | { kind: 'judged'; rows: number; report: DriftReport };

type WatchedFeature = NonNullable<DriftMonitor['spec']['features']>[number];
/** Live features by baseline column name, matched as the file's doc comment says. */
export function liveColumns(
  inputs: readonly FeatureSample[],
  inputOrder: readonly string[],
): Map<string, FeatureSample> {
  const known = new Set(inputOrder);
  const tensors = new Set(inputs.map((feature) => feature.tensor));
  const columns = new Map<string, FeatureSample>();
  for (const feature of inputs) {
    const positional =
      tensors.size === 1 && feature.index !== null ? inputOrder[feature.index] : undefined;
    const name = known.has(feature.name) ? feature.name : positional;
    if (name !== undefined && !columns.has(name)) columns.set(name, feature);
  }
  return columns;
}

/**
 * The reference as the model sees it: a model with FP32 inputs receives every value
 * rounded to float32, so its live samples hold 0.2 as 0.20000000298…; the reference is
 * rounded the same way, or every tie in the data would count as a difference.
 */
function atServedPrecision(reference: DistributionInput, datatype: string): DistributionInput {
  return reference.kind === 'numeric' && datatype === 'FP32'
    ? { ...reference, values: Float32Array.from(reference.values) }
    : reference;
}

export interface Window {
  /** Most rows compared. */
  rows: number;
  /** Fewest rows judged. */
  minSamples: number;
  /** Only rows served since then, when `spec.window.duration` says. */
  sinceMs?: number;
}

/** What `spec.window` allows for an evaluation at `nowMs`. */
export function evaluationWindow(monitor: DriftMonitor, nowMs: number): Window {
  const window = monitor.spec.window;
  const duration = window?.duration === undefined ? undefined : parseDuration(window.duration);
  return {
    rows: window?.requests ?? DEFAULT_WINDOW_ROWS,
    minSamples: window?.minSamples ?? DEFAULT_MIN_SAMPLES,
    ...(duration === undefined ? {} : { sinceMs: nowMs - duration }),
  };
}

/**
 * Compares `live` with `baseline` as `monitor` asks. Throws `DriftInputError` naming the
 * feature when a watched feature is not in the baseline, has no live column, or does not
 * suit its method.
 */
export function compareWithBaseline(
  monitor: DriftMonitor,
  baseline: Baseline,
  live: SamplesSnapshot,
): Comparison {
  const minSamples = monitor.spec.window?.minSamples ?? DEFAULT_MIN_SAMPLES;
  if (live.size < minSamples) return { kind: 'insufficient', rows: live.size, minSamples };

  const references = referencesFromProfile(baseline.features, baseline.sample);
  const profiles = new Map(baseline.features.map((feature) => [feature.name, feature]));
  const columns = liveColumns(live.inputs, baseline.inputOrder);
  const declared = monitor.spec.features ?? [];
  const watched: readonly WatchedFeature[] =
    declared.length > 0 ? declared : baseline.inputOrder.map((name) => ({ name }));

  const comparison = (
    name: string,
    live: FeatureSample,
    override: Pick<FeatureComparison, 'method' | 'threshold'>,
  ): FeatureComparison => {
    const profile = profiles.get(name);
    const reference = references.get(name);
    if (profile === undefined || reference === undefined)
      throw new DriftInputError(name, `Dataset ${baseline.dataset} has no such column`);
    return {
      name,
      reference: atServedPrecision(reference, live.datatype),
      current: currentInput(name, kindOfType(profile.type), live.values),
      ...override,
    };
  };

  const features = watched.map((feature) => {
    const column = columns.get(feature.name);
    if (!profiles.has(feature.name))
      throw new DriftInputError(feature.name, `Dataset ${baseline.dataset} has no such column`);
    if (column === undefined) {
      const served = live.inputs.map((input) => input.name).join(', ');
      throw new DriftInputError(
        feature.name,
        `the live samples have no such input (they have ${served === '' ? 'none' : served})`,
      );
    }
    return comparison(feature.name, column, {
      ...(feature.method === undefined ? {} : { method: feature.method }),
      ...(feature.threshold === undefined ? {} : { threshold: feature.threshold }),
    });
  });
  const inputNames = new Set(features.map((feature) => feature.name));
  const outputs = live.outputs
    .filter((output) => profiles.has(output.name) && !inputNames.has(output.name))
    .map((output) => comparison(output.name, output, {}));

  const report = detectDrift(
    features,
    {
      method: monitor.spec.method ?? 'auto',
      ...(monitor.spec.threshold === undefined ? {} : { threshold: monitor.spec.threshold }),
      ...(monitor.spec.driftShare === undefined ? {} : { driftShare: monitor.spec.driftShare }),
    },
    outputs,
  );
  return { kind: 'judged', rows: live.size, report };
}
