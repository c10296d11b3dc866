/**
 * The Dataset controller's decisions, as pure functions: when to read the source again,
 * and what its status and profile ConfigMap should say after a read.
 *
 * A Dataset is re-read when it was never read, when its spec changed, or when
 * `spec.interval` has passed since the last read. Only a changed digest counts as a
 * change of data: re-reading identical bytes updates `lastCheckTime` and nothing else.
 */

import type { V1ConfigMap } from '@kubernetes/client-node';
import { parseDuration, type Dataset, type DatasetStatus } from '../../api/index.js';
import type { DatasetAnalysis, Violation } from '../../data/analyse.js';
import { formatTimestamp } from '../../runtime/clock.js';
import { setCondition } from '../../runtime/conditions.js';
import { ownedMetadata } from '../owner.js';

const DEFAULT_INTERVAL_MS = 3_600_000;
/** ConfigMaps hold at most 1 MiB; keep the profile well inside it. */
export const PROFILE_CONFIGMAP_BUDGET = 900 * 1024;
const STATUS_FREQUENCIES = 100;

export type CheckDecision = { check: true } | { check: false; requeueAfterMs: number };

export function intervalMs(dataset: Dataset): number {
  const interval = dataset.spec.interval;
  return (interval === undefined ? undefined : parseDuration(interval)) ?? DEFAULT_INTERVAL_MS;
}

export function decideCheck(dataset: Dataset, nowMs: number): CheckDecision {
  const status = dataset.status;
  const last = status?.lastCheckTime === undefined ? NaN : Date.parse(status.lastCheckTime);
  if (Number.isNaN(last) || status?.observedGeneration !== dataset.metadata.generation) {
    return { check: true };
  }
  const due = last + intervalMs(dataset);
  return due <= nowMs ? { check: true } : { check: false, requeueAfterMs: due - nowMs };
}

export type CheckOutcome =
  | { ok: true; analysis: DatasetAnalysis }
  | { ok: false; reason: string; message: string; retryable: boolean };

export interface DatasetPlan {
  status: DatasetStatus;
  /** The profile ConfigMap to apply, when the data changed. */
  configMap?: V1ConfigMap;
  /** The digest changed since the last read (an event is worth recording). */
  digestChanged: boolean;
  /** The user must act; retrying on its own will not help. */
  stalled: boolean;
  requeueAfterMs: number;
}

export function profileConfigMapName(dataset: Dataset): string {
  return `${dataset.metadata.name ?? ''}-profile`.slice(0, 253);
}

export function planDataset(dataset: Dataset, outcome: CheckOutcome, nowMs: number): DatasetPlan {
  const previous = dataset.status ?? {};
  const generation = dataset.metadata.generation ?? 0;
  const checkedAt = formatTimestamp(nowMs);
  const ready = (
    status: DatasetStatus,
    value: 'True' | 'False',
    reason: string,
    message: string,
    stalled: boolean,
  ): DatasetStatus => {
    let conditions = setCondition(
      status.conditions,
      { type: 'Ready', status: value, reason, message, observedGeneration: generation },
      nowMs,
    );
    conditions = stalled
      ? setCondition(
          conditions,
          { type: 'Stalled', status: 'True', reason, message, observedGeneration: generation },
          nowMs,
        )
      : conditions.filter((condition) => condition.type !== 'Stalled');
    return { ...status, conditions };
  };
  const requeueAfterMs = intervalMs(dataset);

  if (!outcome.ok) {
    const status = ready(
      { ...previous, observedGeneration: generation, lastCheckTime: checkedAt },
      'False',
      outcome.reason,
      outcome.message,
      !outcome.retryable,
    );
    return { status, digestChanged: false, stalled: !outcome.retryable, requeueAfterMs };
  }

  const { analysis } = outcome;
  const digestChanged = analysis.digest !== previous.digest;
  const specChanged = previous.observedGeneration !== generation;
  const base: DatasetStatus =
    digestChanged || specChanged
      ? {
          ...previous,
          observedGeneration: generation,
          digest: analysis.digest,
          shortDigest: analysis.digest.replace(/^sha256:/, '').slice(0, 12),
          rows: analysis.rows,
          columns: analysis.columns.length,
          features: analysis.features.map((feature) => {
            const { histogram, ...summary } = feature;
            return summary.frequencies === undefined
              ? summary
              : { ...summary, frequencies: summary.frequencies.slice(0, STATUS_FREQUENCIES) };
          }),
          profileConfigMap: profileConfigMapName(dataset),
          violations: analysis.violations.map(statusViolation),
          lastCheckTime: checkedAt,
        }
      : { ...previous, lastCheckTime: checkedAt };
  if (base.violations?.length === 0) delete base.violations;

  const pinned = dataset.spec.source.sha256;
  let status: DatasetStatus;
  let stalled = false;
  if (pinned !== undefined && analysis.digest !== `sha256:${pinned}`) {
    stalled = true;
    status = ready(
      base,
      'False',
      'DigestMismatch',
      `the data's digest ${analysis.digest} differs from spec.source.sha256 ${pinned}`,
      true,
    );
  } else if (analysis.violationCount > 0) {
    stalled = true;
    status = ready(base, 'False', 'ValidationFailed', violationSummary(analysis), true);
  } else {
    status = ready(
      base,
      'True',
      'Succeeded',
      `${analysis.rows} rows, ${analysis.columns.length} columns, digest ${base.shortDigest ?? ''}`,
      false,
    );
  }
  return {
    status,
    ...(digestChanged || specChanged ? { configMap: profileConfigMap(dataset, analysis) } : {}),
    digestChanged,
    stalled,
    requeueAfterMs,
  };
}

function statusViolation(violation: Violation): NonNullable<DatasetStatus['violations']>[number] {
  return {
    rule: violation.rule,
    message: violation.message,
    ...(violation.column === undefined ? {} : { column: violation.column }),
    ...(violation.row === undefined ? {} : { row: violation.row }),
  };
}

/** `3 violations, first: row 2, column "x": "seven" is not a number`. */
export function violationSummary(analysis: DatasetAnalysis): string {
  const first = analysis.violations[0];
  const where = [
    first?.row === undefined ? undefined : `row ${first.row}`,
    first?.column === undefined ? undefined : `column "${first.column}"`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  const count = `${analysis.violationCount} violation${analysis.violationCount === 1 ? '' : 's'}`;
  return first === undefined
    ? count
    : `${count}, first: ${where === '' ? '' : `${where}: `}${first.message}`;
}

/**
 * The full profile (with histograms) and the reference sample, for drift detection. When
 * they would not fit a ConfigMap, the sample is thinned evenly until they do.
 */
export function profileConfigMap(dataset: Dataset, analysis: DatasetAnalysis): V1ConfigMap {
  const profile = JSON.stringify({
    digest: analysis.digest,
    rows: analysis.rows,
    features: analysis.features,
  });
  let sample = analysis.sample;
  let sampleJson = JSON.stringify(sample);
  while (profile.length + sampleJson.length > PROFILE_CONFIGMAP_BUDGET) {
    sample = Object.fromEntries(
      Object.entries(sample).map(([name, values]) => [
        name,
        values.filter((_, index) => index % 2 === 0),
      ]),
    );
    const next = JSON.stringify(sample);
    if (next.length === sampleJson.length) break;
    sampleJson = next;
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMetadata(dataset, profileConfigMapName(dataset), {
      'app.kubernetes.io/managed-by': 'ferry',
      'ferry.dev/dataset': dataset.metadata.name ?? '',
    }),
    data: { 'profile.json': profile, 'sample.json': sampleJson },
  };
}
