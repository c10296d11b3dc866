/**
 * The bad-manifest corpus: every file under test/fixtures/manifests/invalid/ with the
 * problems a user must see for it, read off the YAML by hand (line, column, object,
 * field path and a key phrase of the message).
 */

import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { validateManifests } from '../../operator/src/manifests/validate.js';
import { observed, readFixtures, type Expected, INVALID_DIR, VALID_DIR } from './fixtures.js';

const MV_WARNING: Expected = {
  at: '6:17',
  object: 'InferenceService/iris',
  field: '.spec.modelVersion',
  says: 'ModelVersion "iris-v1" is not in these manifests',
  severity: 'warning',
};

/** `at` is `line:col` within the case's file, or `file:line:col` for directory cases. */
const INVALID: Record<string, Expected[]> = {
  // wrong type
  'wrong-type-split-train.yaml': [
    {
      at: '12:12',
      object: 'Dataset/iris',
      field: '.spec.split.train',
      says: '"0.8": must be a number',
    },
  ],
  'wrong-type-command-string.yaml': [
    {
      at: '16:12',
      object: 'TrainingJob/iris-logreg',
      field: '.spec.command',
      says: 'must be a list',
    },
  ],
  'wrong-type-replicas.yaml': [
    MV_WARNING,
    {
      at: '7:13',
      object: 'InferenceService/iris',
      field: '.spec.replicas',
      says: '"two": must be an integer',
    },
  ],
  'wrong-type-label-value.yaml': [
    {
      at: '7:27',
      object: 'Dataset/iris',
      field: '.metadata.labels["ferry.dev/generation"]',
      says: 'Invalid value: 3: must be a string',
    },
  ],
  'wrong-type-metric.yaml': [
    {
      at: '12:15',
      object: 'ModelVersion/iris-v1',
      field: '.spec.metrics.accuracy',
      says: '"high": must be a number',
    },
  ],
  'wrong-type-spec-list.yaml': [
    {
      at: '6:3',
      object: 'ModelVersion/iris-v1',
      field: '.spec',
      says: 'a list: must be a mapping',
    },
  ],
  'wrong-type-spec-null.yaml': [
    { at: '5:1', object: 'Dataset/iris', field: '.spec', says: 'null: must be a mapping' },
  ],
  // missing required fields
  'missing-spec.yaml': [
    { at: '3:1', object: 'Dataset/iris', field: '.spec', says: 'Required value' },
  ],
  'missing-source-uri.yaml': [
    { at: '6:3', object: 'Dataset/iris', field: '.spec.source.uri', says: 'Required value' },
  ],
  'missing-feature-type.yaml': [
    {
      at: '12:9',
      object: 'Dataset/iris',
      field: '.spec.schema.features[1].type',
      says: 'Required value',
    },
  ],
  'missing-image.yaml': [
    { at: '12:1', object: 'TrainingJob/iris-logreg', field: '.spec.image', says: 'Required value' },
  ],
  'missing-metadata-name.yaml': [
    { at: '3:1', object: 'Dataset/<unnamed>', field: '.metadata.name', says: 'Required value' },
  ],
  // unknown fields
  'unknown-field-spec.yaml': [
    { at: '5:1', object: 'Dataset/iris', field: '.spec.source', says: 'Required value' },
    { at: '6:3', object: 'Dataset/iris', field: '.spec.sources', says: 'unknown field "sources"' },
  ],
  'unknown-field-nested.yaml': [
    MV_WARNING,
    {
      at: '11:7',
      object: 'InferenceService/iris',
      field: '.spec.rollout.analysis.maxLatencyMs',
      says: 'unknown field "maxLatencyMs"',
    },
  ],
  'unknown-field-metadata.yaml': [
    { at: '5:3', object: 'Dataset/iris', field: '.metadata.label', says: 'unknown field "label"' },
  ],
  'unknown-field-top-level.yaml': [
    { at: '5:1', object: 'Dataset/iris', field: '.labels', says: 'unknown field "labels"' },
  ],
  // enums
  'bad-enum-format.yaml': [
    {
      at: '8:13',
      object: 'Dataset/iris',
      field: '.spec.source.format',
      says: 'Unsupported value: "parquet": supported values: "csv", "jsonl"',
    },
  ],
  'bad-enum-feature-type.yaml': [
    {
      at: '10:37',
      object: 'Dataset/iris',
      field: '.spec.schema.features[0].type',
      says: 'Unsupported value: "float"',
    },
  ],
  'bad-enum-promotion-policy.yaml': [
    MV_WARNING,
    {
      at: '8:13',
      object: 'InferenceService/iris',
      field: '.spec.promotion.policy',
      says: '"pullrequest": supported values: "PullRequest", "Manual", "AutoMerge"',
    },
  ],
  // patterns
  'bad-pattern-duration.yaml': [
    {
      at: '11:13',
      object: 'Dataset/iris',
      field: '.spec.interval',
      says: '"10 minutes": must be a duration',
    },
  ],
  'bad-pattern-step-duration.yaml': [
    MV_WARNING,
    {
      at: '10:33',
      object: 'InferenceService/iris',
      field: '.spec.rollout.steps[1].duration',
      says: '"1d": must be a duration',
    },
  ],
  'bad-pattern-quantity.yaml': [
    {
      at: '18:13',
      object: 'TrainingJob/iris-logreg',
      field: '.spec.resources.memory',
      says: '"2GB": must be a quantity',
    },
  ],
  'bad-type-quantity.yaml': [
    MV_WARNING,
    {
      at: '8:10',
      object: 'InferenceService/iris',
      field: '.spec.resources.cpu',
      says: 'true: must be an integer or a string',
    },
  ],
  'bad-pattern-sha256.yaml': [
    {
      at: '10:13',
      object: 'ModelVersion/iris-v1',
      field: '.spec.artifact.sha256',
      says: 'must be a sha256 digest',
    },
  ],
  'bad-pattern-name-uppercase.yaml': [
    {
      at: '4:9',
      object: 'Dataset/Iris',
      field: '.metadata.name',
      says: '"Iris": must be an RFC 1123 subdomain',
    },
  ],
  'bad-pattern-namespace.yaml': [
    {
      at: '5:14',
      object: 'Dataset/iris',
      field: '.metadata.namespace',
      says: '"ml.team": must be an RFC 1123 label',
    },
  ],
  'bad-pattern-reference-name.yaml': [
    {
      at: '7:11',
      object: 'TrainingJob/iris-logreg',
      field: '.spec.datasetRef.name',
      says: '"iris_data": must be an RFC 1123 subdomain',
    },
  ],
  // numbers and sizes out of range
  'out-of-range-split.yaml': [
    { at: '12:12', object: 'Dataset/iris', field: '.spec.split.train', says: '1.5: must be <= 1' },
    { at: '13:11', object: 'Dataset/iris', field: '.spec.split.seed', says: '-1: must be >= 0' },
  ],
  'bad-cron-schedule.yaml': [
    {
      at: '16:13',
      object: 'TrainingJob/iris-nightly',
      field: '.spec.schedule',
      says: '"61 3 * * *": not a cron expression: Constraint error, got value 61 expected range 0-59',
    },
  ],
  'bad-time-zone.yaml': [
    {
      at: '17:13',
      object: 'TrainingJob/iris-nightly',
      field: '.spec.timeZone',
      says: '"Mars/Olympus_Mons": not an IANA time zone, such as UTC or Europe/Paris',
    },
  ],
  'out-of-range-gpus.yaml': [
    {
      at: '17:11',
      object: 'TrainingJob/iris-logreg',
      field: '.spec.resources.gpus',
      says: '65: must be <= 64',
    },
  ],
  'out-of-range-canary-weight.yaml': [
    MV_WARNING,
    {
      at: '9:17',
      object: 'InferenceService/iris',
      field: '.spec.rollout.steps[0].weight',
      says: '150: must be <= 100',
    },
  ],
  'out-of-range-no-features.yaml': [
    {
      at: '9:15',
      object: 'Dataset/iris',
      field: '.spec.schema.features',
      says: 'fewer than 1 item',
    },
  ],
  // references
  'dangling-trainingjob-dataset.yaml': [
    {
      at: '14:11',
      object: 'TrainingJob/iris-logreg',
      field: '.spec.datasetRef.name',
      says: 'Not found: Dataset "iris-v2" is not defined in these manifests',
    },
  ],
  'dangling-driftmonitor-inferenceservice.yaml': [
    {
      at: '14:11',
      object: 'DriftMonitor/iris-inputs',
      field: '.spec.inferenceServiceRef.name',
      says: 'Not found: InferenceService "iris"',
    },
  ],
  'dangling-driftmonitor-dataset.yaml': [
    {
      at: '22:24',
      object: 'DriftMonitor/iris-inputs',
      field: '.spec.baselineRef.name',
      says: 'Not found: Dataset "iris-baseline"',
    },
  ],
  'dangling-retrain-template-dataset.yaml': [
    {
      at: '35:19',
      object: 'DriftMonitor/iris-inputs',
      field: '.spec.actions.retrain.template.spec.datasetRef.name',
      says: 'Not found: Dataset "iris-fresh"',
    },
  ],
  // duplicates
  'duplicate-same-file.yaml': [
    {
      at: '12:9',
      object: 'Dataset/iris',
      field: '.metadata.name',
      says: 'Duplicate value: Dataset "iris" is already defined at duplicate-same-file.yaml:4:9',
    },
  ],
  'duplicate-across-files/': [
    {
      at: 'duplicate-across-files/b.yaml:6:9',
      object: 'Dataset/iris',
      field: '.metadata.name',
      says: 'already defined at duplicate-across-files/a.yaml:4:9',
    },
  ],
  // broken YAML and documents that are not objects
  'yaml-unclosed-flow.yaml': [
    { at: '9:3', object: '-', field: '-', says: 'YAML syntax error: Flow sequence' },
  ],
  'yaml-bad-indentation.yaml': [
    {
      at: '8:4',
      object: '-',
      field: '-',
      says: 'YAML syntax error: All mapping items must start at the same column',
    },
  ],
  'yaml-duplicate-key.yaml': [
    { at: '8:5', object: '-', field: '-', says: 'Map keys must be unique' },
  ],
  'yaml-tab-indentation.yaml': [
    { at: '4:1', object: '-', field: '-', says: 'Tabs are not allowed as indentation' },
  ],
  'empty.yaml': [{ at: '1:1', object: '-', field: '-', says: 'file holds no Kubernetes objects' }],
  'comments-only.yaml': [
    { at: '1:1', object: '-', field: '-', says: 'file holds no Kubernetes objects' },
  ],
  'document-is-list.yaml': [
    { at: '1:1', object: '-', field: '-', says: 'document is not a Kubernetes object' },
  ],
  'document-is-scalar.yaml': [
    { at: '9:1', object: '-', field: '-', says: 'document is not a Kubernetes object' },
  ],
  'missing-apiversion.yaml': [
    { at: '1:1', object: '-', field: '.apiVersion', says: 'Required value' },
  ],
  'missing-kind.yaml': [{ at: '1:1', object: '-', field: '.kind', says: 'Required value' }],
  'wrong-version-v1.yaml': [
    {
      at: '1:13',
      object: 'Dataset/iris',
      field: '.apiVersion',
      says: 'Unsupported value: "ml.ferry.dev/v1": supported values: "ml.ferry.dev/v1alpha1"',
    },
  ],
  'unknown-ferry-kind.yaml': [
    {
      at: '2:7',
      object: 'Model/iris',
      field: '.kind',
      says: 'Unsupported value: "Model": supported kinds in ml.ferry.dev/v1alpha1 are Dataset',
    },
  ],
  'multi-document-later-problems.yaml': [
    {
      at: '26:17',
      object: 'TrainingJob/iris-logreg',
      field: '.spec.backoffLimit',
      says: '"many": must be an integer',
    },
    {
      at: '36:10',
      object: 'ModelVersion/iris-v1',
      field: '.spec.artifact.uri',
      says: '"s3://models/iris/model.onnx": must match',
    },
  ],
  // names that become names of other objects
  'name-too-long-for-canary.yaml': [
    {
      at: '4:9',
      object: 'InferenceService/iris-classifier-with-a-very-long-descriptive-name-for-prod',
      field: '.metadata.name',
      says: 'at most 56 characters',
    },
    {
      ...MV_WARNING,
      object: 'InferenceService/iris-classifier-with-a-very-long-descriptive-name-for-prod',
    },
  ],
  'name-with-dot-inferenceservice.yaml': [
    {
      at: '4:9',
      object: 'InferenceService/iris.prod',
      field: '.metadata.name',
      says: 'must be an RFC 1123 label',
    },
    { ...MV_WARNING, object: 'InferenceService/iris.prod' },
  ],
};

/** Cases that must pass (exit 0), with the warnings they still show. */
const VALID: Record<string, Expected[]> = {
  'non-ferry-kinds.yaml': [],
  'modelversion-only-in-cluster.yaml': [
    {
      ...MV_WARNING,
      says: 'ModelVersion "iris-v7" is not in these manifests; it must exist in the cluster',
    },
  ],
  'same-name-other-namespace-or-kind.yaml': [],
};

function withFile(name: string, expected: Expected[]): Expected[] {
  return expected.map((problem) =>
    name.endsWith('/') ? problem : { ...problem, at: `${name}:${problem.at}` },
  );
}

describe('the bad-manifest corpus', () => {
  it('has at least 35 cases and an expectation for every fixture', async () => {
    const entries = (await readdir(INVALID_DIR, { withFileTypes: true })).map((entry) =>
      entry.isDirectory() ? `${entry.name}/` : entry.name,
    );
    expect(entries.sort()).toEqual(Object.keys(INVALID).sort());
    expect(entries.length).toBeGreaterThanOrEqual(35);
  });

  it.each(Object.entries(INVALID))('%s', async (name, expected) => {
    const report = validateManifests(await readFixtures(INVALID_DIR, name));
    expect(observed(report.problems)).toEqual(withFile(name, expected).map(toMatcher));
    expect(report.problems.some((problem) => problem.severity === 'error')).toBe(true);
  });
});

describe('manifests that must pass', () => {
  it.each(Object.entries(VALID))('%s', async (name, expected) => {
    const report = validateManifests(await readFixtures(VALID_DIR, name));
    expect(observed(report.problems)).toEqual(withFile(name, expected).map(toMatcher));
  });

  it('passes objects of other kinds through unchecked and counts them', async () => {
    const report = validateManifests(await readFixtures(VALID_DIR, 'non-ferry-kinds.yaml'));
    expect(report).toMatchObject({ files: 1, objects: 0, otherObjects: 3, problems: [] });
  });
});

function toMatcher(problem: Expected): Expected {
  return {
    ...problem,
    severity: problem.severity ?? 'error',
    says: expect.stringContaining(problem.says) as string,
  };
}
