/**
 * A drift report as people read it: one row per feature (method, statistic, p-value where
 * the method has one, the threshold applied, drifted), then one line per group, the last
 * line the verdict.
 */
import type { DriftReport, FeatureDrift, GroupVerdict } from './detect.js';

const COLUMNS = ['FEATURE', 'KIND', 'METHOD', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'DRIFTED'];

export function formatDriftText(report: DriftReport): string {
  const rows: string[][] = [COLUMNS];
  const groups: [string, GroupVerdict][] = [['features', report.features]];
  if (report.prediction !== undefined) groups.push(['prediction', report.prediction]);
  for (const [label, group] of groups) {
    for (const feature of group.features) rows.push(featureRow(label, feature));
  }
  const widths = COLUMNS.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  const table = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const summaries = groups.map(([label, group]) => groupLine(label, group));
  const verdict = report.drifted ? 'drift detected' : 'no drift';
  return [...table, '', ...summaries, `verdict: ${verdict}`, ''].join('\n');
}

function featureRow(group: string, feature: FeatureDrift): string[] {
  const name = group === 'prediction' ? `${feature.name} (prediction)` : feature.name;
  const threshold =
    feature.pValue === undefined
      ? `≥ ${number(feature.threshold)}`
      : `< ${number(feature.appliedThreshold)}`;
  return [
    name,
    feature.kind,
    feature.pValueMethod === undefined
      ? feature.method
      : `${feature.method} (${feature.pValueMethod})`,
    number(feature.statistic),
    feature.pValue === undefined ? '-' : number(feature.pValue),
    threshold,
    feature.drifted ? 'yes' : 'no',
  ];
}

function groupLine(label: string, group: GroupVerdict): string {
  const total = group.features.length;
  const tests = group.features.filter((feature) => feature.pValue !== undefined).length;
  const correction =
    tests > 0 && total > 1 ? `; p-value thresholds Bonferroni-corrected for ${total}` : '';
  return `${label}: ${group.driftedCount} of ${total} drifted (share ${number(group.share)}, drift at ≥ ${number(group.driftShare)})${correction}: ${group.drifted ? 'drifted' : 'not drifted'}`;
}

/** Four significant digits; exponent notation for the very small and very large. */
function number(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude < 1e-4 || magnitude >= 1e6) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** The report as one JSON document, with the verdict first. */
export function formatDriftJson(report: DriftReport): string {
  return `${JSON.stringify({ drifted: report.drifted, features: report.features, ...(report.prediction === undefined ? {} : { prediction: report.prediction }) }, null, 2)}\n`;
}
