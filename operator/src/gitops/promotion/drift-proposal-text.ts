/**
 * What a retraining proposal holds: the branch, the manifest file of the TrainingJob a
 * DriftMonitor started, and the title and body with the drift table. Pure: the same objects
 * give the same text.
 */

import { stringify } from 'yaml';
import { Labels, type DriftMonitor, type TrainingJob } from '../../api/index.js';
import { parseGitPath } from './locate.js';

/** `ferry/retrain/<monitor>/<job>`: one proposal per retraining job. */
export function retrainBranch(monitor: string, job: string): string {
  return `ferry/retrain/${monitor}/${job}`;
}

/**
 * Where the job's manifest goes: beside the monitor's own manifest when Ferry synced it
 * from git (its `ferry.dev/git-path`), else under `retraining/`.
 */
export function retrainManifestPath(monitor: DriftMonitor, job: string): string {
  const annotation = monitor.metadata.annotations?.[Labels.gitPath];
  const synced = annotation === undefined ? undefined : parseGitPath(annotation);
  if (synced === undefined) return `retraining/${job}.yaml`;
  const slash = synced.path.lastIndexOf('/');
  const directory = slash === -1 ? '' : synced.path.slice(0, slash);
  return directory === '' ? `${job}.yaml` : `${directory}/${job}.yaml`;
}

/** The TrainingJob as a manifest declares it: no status and no server-set metadata. */
export function trainingJobManifest(job: TrainingJob): string {
  const { name, namespace, labels, annotations } = job.metadata;
  const declared = {
    apiVersion: job.apiVersion,
    kind: job.kind,
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: job.spec,
  };
  return `# Retraining proposed by Ferry after DriftMonitor ${job.metadata.labels?.[Labels.driftMonitor] ?? ''} found drift.\n${stringify(declared)}`;
}

function figure(value: number | undefined): string {
  return value === undefined ? '—' : String(Number(value.toPrecision(4)));
}

/** The monitor's last evaluation as a Markdown table, one row per feature. */
export function driftTable(monitor: DriftMonitor): string[] {
  const rows = (monitor.status?.features ?? []).map(
    (feature) =>
      `| ${feature.name}${feature.prediction === true ? ' (output)' : ''} | ${feature.method} | ${figure(feature.value)} | ${figure(feature.pValue)} | ${figure(feature.threshold)} | ${feature.drifted ? 'yes' : 'no'} |`,
  );
  return [
    '| feature | method | statistic | p-value | threshold | drifted |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...rows,
  ];
}

export function retrainText(
  monitor: DriftMonitor,
  job: TrainingJob,
): { title: string; commitMessage: string; body: string } {
  const name = monitor.metadata.name ?? '';
  const drifted = monitor.status?.conditions?.find((condition) => condition.type === 'Drifted');
  const title = `Retrain ${job.spec.model} after drift: TrainingJob ${job.metadata.name ?? ''}`;
  const body = [
    `DriftMonitor \`${name}\` found the live traffic of InferenceService \`${monitor.spec.inferenceServiceRef.name}\` drifted from Dataset \`${monitor.spec.baselineRef.name}\` and started TrainingJob \`${job.metadata.name ?? ''}\`. Merging declares that job in git.`,
    '',
    `- Evaluation: ${monitor.status?.retrainTime ?? '—'}, over ${monitor.status?.samples ?? 0} live rows`,
    `- Verdict: ${drifted?.message ?? '—'}`,
    '',
    ...driftTable(monitor),
    '',
    'Thresholds of tests (ks, chi2) are Bonferroni-corrected; a p-value below, or a distance at or above, the threshold is drift.',
  ].join('\n');
  return { title, commitMessage: title, body };
}
