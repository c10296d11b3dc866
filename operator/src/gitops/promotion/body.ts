/**
 * Titles, commit messages and Markdown bodies of promotion and revert proposals, from the
 * objects they are about. Pure: the same objects give the same text.
 */

import type { InferenceService, ModelVersion } from '../../api/index.js';
import type { Judgement } from './plan.js';

function figure(value: number | undefined): string {
  return value === undefined ? '—' : String(Number(value.toPrecision(6)));
}

function signed(value: number): string {
  const rounded = Number(value.toPrecision(6));
  return rounded > 0 ? `+${rounded}` : String(rounded);
}

function metricsTable(candidate: ModelVersion, stable: ModelVersion | undefined): string[] {
  const names = [
    ...new Set([
      ...Object.keys(candidate.spec.metrics ?? {}),
      ...Object.keys(stable?.spec.metrics ?? {}),
    ]),
  ].sort();
  const lines = [
    `| metric | ${candidate.metadata.name ?? ''} (candidate) | ${stable?.metadata.name ?? 'stable'} (stable) | delta |`,
    '| --- | ---: | ---: | ---: |',
  ];
  for (const name of names) {
    const a = candidate.spec.metrics?.[name];
    const b = stable?.spec.metrics?.[name];
    const delta = a !== undefined && b !== undefined ? signed(a - b) : '—';
    lines.push(`| ${name} | ${figure(a)} | ${figure(b)} | ${delta} |`);
  }
  return lines;
}

function lineage(version: ModelVersion): string[] {
  const lineage = version.spec.lineage;
  const dataset = lineage?.dataset;
  const hyperparameters = Object.entries(lineage?.hyperparameters ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `\`${key}=${JSON.stringify(value)}\``);
  return [
    `- Dataset: ${dataset === undefined ? '—' : `\`${dataset.name}\` at \`${dataset.digest ?? 'unknown digest'}\``}`,
    `- Training job: ${lineage?.trainingJob === undefined ? '—' : `\`${lineage.trainingJob}\``}`,
    `- Hyperparameters: ${hyperparameters.length === 0 ? '—' : hyperparameters.join(', ')}`,
    `- Source commit: ${lineage?.gitCommit === undefined ? '—' : `\`${lineage.gitCommit}\``}`,
    `- Artifact: \`${version.spec.artifact.uri}\` (sha256 \`${version.spec.artifact.sha256}\`)`,
  ];
}

function gateLines(judgement: Judgement): string[] {
  if (judgement.gates.length === 0) return ['No promotion gates are declared.'];
  return judgement.gates.map(({ gate, value, passed }) => {
    const bounds = [
      gate.min === undefined ? undefined : `≥ ${gate.min}`,
      gate.max === undefined ? undefined : `≤ ${gate.max}`,
    ]
      .filter((bound) => bound !== undefined)
      .join(' and ');
    return `- ${passed ? 'pass' : 'FAIL'}: ${gate.metric} ${figure(value)} ${bounds === '' ? '(reported)' : bounds}`;
  });
}

/** The rollout the merge starts, as `spec.rollout` declares it. */
export function canaryPlan(service: InferenceService): string[] {
  const rollout = service.spec.rollout;
  const steps = rollout?.steps ?? [];
  if (rollout?.strategy === 'Recreate' || steps.length === 0)
    return ['The merge replaces the stable version at once (no canary steps).'];
  const analysis = rollout?.analysis;
  return [
    ...steps.map(
      (step, index) =>
        `${index + 1}. ${step.weight}% of traffic to the canary for ${step.duration}`,
    ),
    '',
    `Each step is analysed against: error rate ≤ ${analysis?.maxErrorRate ?? 0.01}, p99 latency ≤ ${analysis?.maxP99LatencyMs ?? 500} ms, prediction drift ≤ ${analysis?.maxPredictionDrift ?? 0.2}, after at least ${analysis?.minRequests ?? 50} requests.`,
    rollout?.autoRollback === false
      ? 'A failing step holds the canary where it is (autoRollback is off).'
      : 'A failing step rolls back at once, and Ferry then proposes a revert.',
  ];
}

export interface ProposalText {
  title: string;
  /** The commit message: the title, a blank line, and a short explanation. */
  commitMessage: string;
  body: string;
}

export function promotionText(
  service: InferenceService,
  judgement: Judgement,
  stable: ModelVersion | undefined,
): ProposalText {
  const candidate = judgement.version;
  const name = candidate.metadata.name ?? '';
  const serviceName = service.metadata.name ?? '';
  const { metric, candidate: value, stable: stableValue } = judgement.primary;
  const title = `Promote ${serviceName} to ${name}`;
  const why = `${name} scores ${metric} ${figure(value)} against ${figure(stableValue)} for ${stable?.metadata.name ?? service.spec.modelVersion}.`;
  const body = [
    `Ferry proposes serving **${name}** from InferenceService \`${serviceName}\` (now \`${service.spec.modelVersion}\`). ${why}`,
    '',
    '### Metrics',
    '',
    ...metricsTable(candidate, stable),
    '',
    '### Lineage',
    '',
    ...lineage(candidate),
    '',
    '### Gates',
    '',
    ...gateLines(judgement),
    '',
    '### What the merge starts',
    '',
    ...canaryPlan(service),
    '',
    'This pull request changes only `spec.modelVersion`.',
    '',
  ].join('\n');
  return { title, commitMessage: `${title}\n\n${why}\n`, body };
}

export function revertText(service: InferenceService): ProposalText {
  const rollback = service.status?.lastRollback;
  const serviceName = service.metadata.name ?? '';
  const failed = rollback?.version ?? service.spec.modelVersion;
  const stable = service.status?.stableVersion ?? '';
  const title = `Revert ${serviceName} to ${stable}`;
  const why = `The canary of ${failed} was rolled back${rollback?.reason === undefined ? '' : ` (${rollback.reason})`}: ${rollback?.message ?? 'its analysis failed'}.`;
  const body = [
    `Ferry rolled InferenceService \`${serviceName}\` back from **${failed}** to **${stable}**, which keeps serving. This pull request makes git declare what the cluster serves again.`,
    '',
    '### The failed analysis',
    '',
    `- Reason: ${rollback?.reason ?? '—'}`,
    `- Figures: ${rollback?.message ?? '—'}`,
    `- When: ${rollback?.time ?? '—'}`,
    '',
    'This pull request changes only `spec.modelVersion`.',
    '',
  ].join('\n');
  return { title, commitMessage: `${title}\n\n${why}\n`, body };
}
