/** `fieldPath` and `validateManifests` called in-process, with their inputs written inline. */

import { describe, expect, it } from 'vitest';
import { fieldPath } from '../../operator/src/manifests/problem.js';
import { validateManifests } from '../../operator/src/manifests/validate.js';
import { observed } from './fixtures.js';

describe('fieldPath', () => {
  it.each<[(string | number)[], string]>([
    [[], ''],
    [['spec'], '.spec'],
    [['spec', 'source', 'uri'], '.spec.source.uri'],
    [['spec', 'features', 2, 'type'], '.spec.features[2].type'],
    [['spec', 'features', 0], '.spec.features[0]'],
    [['spec', 'rollout', 'steps', 10, 'duration'], '.spec.rollout.steps[10].duration'],
    [['metadata', 'labels', 'ferry.dev/model'], '.metadata.labels["ferry.dev/model"]'],
    [['metadata', 'labels', 'team'], '.metadata.labels.team'],
    [['spec', 'metrics', 'f1_macro'], '.spec.metrics.f1_macro'],
    [['spec', 'hyperparameters', 'max-iter'], '.spec.hyperparameters.max-iter'],
    [['spec', 'metrics', 'top 5'], '.spec.metrics["top 5"]'],
    [['spec', 'metrics', '5xx'], '.spec.metrics["5xx"]'],
    [['spec', 'metrics', ''], '.spec.metrics[""]'],
    [['spec', 'x', 'say "hi"'], '.spec.x["say \\"hi\\""]'],
    [[0, 'name'], '[0].name'],
  ])('%j → %s', (path, expected) => {
    expect(fieldPath(path)).toBe(expected);
  });
});

describe('validateManifests', () => {
  it('accepts a clean set and counts its objects', () => {
    const report = validateManifests([
      {
        path: 'data.yaml',
        text: 'apiVersion: ml.ferry.dev/v1alpha1\nkind: Dataset\nmetadata: { name: iris }\nspec:\n  source: { uri: "file:///iris.csv" }\n',
      },
      {
        path: 'train.yaml',
        text: 'apiVersion: ml.ferry.dev/v1alpha1\nkind: TrainingJob\nmetadata: { name: t }\nspec: { datasetRef: { name: iris }, model: iris, image: x }\n',
      },
    ]);
    expect(report).toEqual({ files: 2, objects: 2, otherObjects: 0, problems: [] });
  });

  it('resolves references across files in either order', () => {
    const training = {
      path: 'a-train.yaml',
      text: 'apiVersion: ml.ferry.dev/v1alpha1\nkind: TrainingJob\nmetadata: { name: t }\nspec: { datasetRef: { name: iris }, model: iris, image: x }\n',
    };
    const dataset = {
      path: 'z-data.yaml',
      text: 'apiVersion: ml.ferry.dev/v1alpha1\nkind: Dataset\nmetadata: { name: iris }\nspec:\n  source: { uri: "file:///iris.csv" }\n',
    };
    expect(validateManifests([training, dataset]).problems).toEqual([]);
    expect(observed(validateManifests([training]).problems)).toEqual([
      {
        at: 'a-train.yaml:4:29',
        object: 'TrainingJob/t',
        field: '.spec.datasetRef.name',
        says: 'Not found: Dataset "iris" is not defined in these manifests',
        severity: 'error',
      },
    ]);
  });

  it('does not resolve a reference to an object in another namespace', () => {
    const report = validateManifests([
      {
        path: 'all.yaml',
        text: [
          'apiVersion: ml.ferry.dev/v1alpha1',
          'kind: Dataset',
          'metadata: { name: iris, namespace: a }',
          'spec: { source: { uri: "file:///iris.csv" } }',
          '---',
          'apiVersion: ml.ferry.dev/v1alpha1',
          'kind: TrainingJob',
          'metadata: { name: t, namespace: b }',
          'spec: { datasetRef: { name: iris }, model: iris, image: x }',
        ].join('\n'),
      },
    ]);
    expect(observed(report.problems)).toEqual([
      {
        at: 'all.yaml:9:29',
        object: 'TrainingJob/t',
        field: '.spec.datasetRef.name',
        says: 'Not found: Dataset "iris" in namespace "b" is not defined in these manifests',
        severity: 'error',
      },
    ]);
  });

  it('orders problems by file, then line, then column, whatever found them', () => {
    const report = validateManifests([
      { path: 'b.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n' },
      {
        path: 'a.yaml',
        text: 'apiVersion: ml.ferry.dev/v1alpha1\nkind: TrainingJob\nmetadata: { name: t }\nspec: { datasetRef: { name: nope }, model: Iris, image: x, extra: 1 }\n',
      },
      { path: 'c.yaml', text: '' },
    ]);
    expect(observed(report.problems).map((p) => `${p.at} ${p.field}`)).toEqual([
      'a.yaml:4:29 .spec.datasetRef.name',
      'a.yaml:4:44 .spec.model',
      'a.yaml:4:60 .spec.extra',
      'c.yaml:1:1 -',
    ]);
    expect(report).toMatchObject({ files: 3, objects: 1, otherObjects: 1 });
  });
});
