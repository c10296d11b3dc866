/**
 * The Dataset controller's decisions, as pure functions: when to read the source again,
 * and what its status and profile ConfigMap should say after a read.
 *
 * A Dataset is re-read when it was never read, when its spec changed, or when
 * `spec.interval` has passed since the last read. Only a changed digest counts as a
 * change of data: re-reading identical bytes updates `lastCheckTime` and nothing else.
 */

import type { V1ConfigMap } from '@kubernetes/client-node';
import { AppManagedBy, parseDuration, type Dataset, type DatasetStatus } from '../../api/index.js';
import type { DatasetAnalysis, Violation } from '../../data/analyse.js';
import { formatTimestamp } from '../../runtime/clock.js';
import { getCondition } from '../../runtime/conditions.js';
import type { StepOutcome, Summary } from '../../runtime/summarize.js';
import { ownedMetadata } from '../owner.js';
import { decidePeriodicCheck, type CheckDecision } from '../periodic.js';

const DEFAULT_INTERVAL_MS = 3_600_000;
/** ConfigMaps hold at most 1 MiB; keep the profile well inside it. */
export const PROFILE_CONFIGMAP_BUDGET = 900 * 1024;
const STATUS_FREQUENCIES = 100;
/** On the profile ConfigMap: the Dataset it profiles. */
export const DATASET_LABEL = 'ferry.dev/dataset';

export function intervalMs(dataset: Dataset): number {
  const interval = dataset.spec.interval;
  return (interval === undefined ? undefined : parseDuration(interval)) ?? DEFAULT_INTERVAL_MS;
}

export function decideCheck(dataset: Dataset, nowMs: number): CheckDecision {
  return decidePeriodicCheck(
    dataset.status,
    dataset.metadata.generation,
    intervalMs(dataset),
    nowMs,
  );
}

export type CheckOutcome =
  | { ok: true; analysis: DatasetAnalysis }
  | { ok: false; reason: string; message: string; retryable: boolean };

export interface DatasetPlan extends StepOutcome<DatasetStatus> {
  /** The profile ConfigMap to apply: after the data or the spec changed, or when it is missing. */
  configMap?: V1ConfigMap;
  requeueAfterMs: number;
}

export function profileConfigMapName(dataset: Dataset): string {
  return `${dataset.metadata.name ?? ''}-profile`.slice(0, 253);
}

/**
 * The status after a read of the source, and the profile ConfigMap to write. The profile
 * is written after a read that found new data or a changed spec, and again whenever
 * `profileMissing` says the ConfigMap is gone, so a deleted profile is restored.
 */
export function planDataset(
  dataset: Dataset,
  outcome: CheckOutcome,
  nowMs: number,
  profileMissing = false,
): DatasetPlan {
  const previous = dataset.status ?? {};
  const generation = dataset.metadata.generation ?? 0;
  const checkedAt = formatTimestamp(nowMs);
  const requeueAfterMs = intervalMs(dataset);
  const failed = (reason: string, message: string, stalled: boolean): Summary => ({
    ready: { status: 'False', reason, message },
    ...(stalled ? { stalled: { reason, message } } : {}),
  });

  if (!outcome.ok) {
    return {
      status: { ...previous, observedGeneration: generation, lastCheckTime: checkedAt },
      summary: failed(outcome.reason, outcome.message, !outcome.retryable),
      requeueAfterMs,
    };
  }

  const { analysis } = outcome;
  const digestChanged = analysis.digest !== previous.digest;
  const specChanged = previous.observedGeneration !== generation;
  const status: DatasetStatus =
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
  if (status.violations?.length === 0) delete status.violations;

  const pinned = dataset.spec.source.sha256;
  let summary: Summary;
  if (pinned !== undefined && analysis.digest !== `sha256:${pinned}`) {
    summary = failed(
      'DigestMismatch',
      `the data's digest ${analysis.digest} differs from spec.source.sha256 ${pinned}`,
      true,
    );
  } else if (analysis.violationCount > 0) {
    summary = failed('ValidationFailed', violationSummary(analysis), true);
  } else {
    summary = {
      ready: {
        status: 'True',
        reason: 'Succeeded',
        message: `${analysis.rows} rows, ${analysis.columns.length} columns, digest ${status.shortDigest ?? ''}`,
      },
    };
  }
  // New data is worth an event of its own, unless Ready's own transition already says so.
  const wasReady = getCondition(previous.conditions, 'Ready');
  const readyUnchanged =
    wasReady !== undefined &&
    wasReady.status === summary.ready.status &&
    wasReady.reason === summary.ready.reason;
  return {
    status,
    summary,
    ...(digestChanged || specChanged || profileMissing
      ? { configMap: profileConfigMap(dataset, analysis) }
      : {}),
    ...(digestChanged && readyUnchanged
      ? {
          event: {
            type: 'Normal',
            reason: 'DigestChanged',
            action: 'ReadSource',
            note: `new data: ${status.digest ?? ''}`,
          },
        }
      : {}),
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
      [AppManagedBy.label]: AppManagedBy.ferry,
      [DATASET_LABEL]: dataset.metadata.name ?? '',
    }),
    data: { 'profile.json': profile, 'sample.json': sampleJson },
  };
}
