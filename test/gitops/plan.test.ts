import { describe, expect, it } from 'vitest';
import { desiredObject, type DesiredObject } from '../../operator/src/gitops/desired.js';
import { planSync, type LiveObject } from '../../operator/src/gitops/plan.js';
import { parseManifestFile } from '../../operator/src/manifests/parse.js';

/** Desired objects from YAML documents, one `kind/name[/namespace]` a line with an apiVersion. */
function declared(file: string, ...objects: string[]): DesiredObject[] {
  const text = objects
    .map((line) => {
      const [apiVersion, kind, name, namespace] = line.split(' ');
      return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${namespace === undefined ? '' : `  namespace: ${namespace}\n`}`;
    })
    .join('---\n');
  return parseManifestFile({ path: file, text }).documents.map(desiredObject);
}

const managed = { 'ferry.dev/managed-by': 'gitops' };

function live(
  line: string,
  labels: Record<string, string> = managed,
  appliedHash?: string,
): LiveObject {
  const [apiVersion = '', kind = '', name = '', namespace] = line.split(' ');
  return {
    apiVersion,
    kind,
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels,
    ...(appliedHash === undefined ? {} : { appliedHash }),
  };
}

const names = (objects: readonly { kind: string; name: string }[]): string[] =>
  objects.map((object) => `${object.kind}/${object.name}`);

describe('planSync', () => {
  it('applies in dependency order, keeping file and document order within a kind', () => {
    const desired = [
      ...declared(
        'a.yaml',
        'v1 ConfigMap settings',
        'ml.ferry.dev/v1alpha1 DriftMonitor watch',
        'ml.ferry.dev/v1alpha1 InferenceService iris',
        'ml.ferry.dev/v1alpha1 TrainingJob train-b',
      ),
      ...declared(
        'b.yaml',
        'ml.ferry.dev/v1alpha1 TrainingJob train-a',
        'ml.ferry.dev/v1alpha1 ModelVersion iris-v1',
        'ml.ferry.dev/v1alpha1 Dataset iris',
        'v1 Namespace ml',
        'apiextensions.k8s.io/v1 CustomResourceDefinition widgets.example.com',
        'apps/v1 Deployment web',
      ),
    ];
    expect(names(planSync([], desired, 'default').apply)).toEqual([
      'Namespace/ml',
      'CustomResourceDefinition/widgets.example.com',
      'Dataset/iris',
      'ModelVersion/iris-v1',
      'TrainingJob/train-b',
      'TrainingJob/train-a',
      'InferenceService/iris',
      'DriftMonitor/watch',
      'ConfigMap/settings',
      'Deployment/web',
    ]);
  });

  const cases: {
    name: string;
    live: LiveObject[];
    desired: DesiredObject[];
    apply: string[];
    prune: string[];
  }[] = [
    {
      name: 'prunes labelled objects gone from git, dependants first',
      live: [
        live('v1 Namespace old'),
        live('ml.ferry.dev/v1alpha1 Dataset old-data default'),
        live('ml.ferry.dev/v1alpha1 TrainingJob old-job default'),
        live('v1 ConfigMap old-settings default'),
        live('ml.ferry.dev/v1alpha1 Dataset iris default'),
      ],
      desired: declared('x.yaml', 'ml.ferry.dev/v1alpha1 Dataset iris'),
      apply: ['Dataset/iris'],
      prune: ['ConfigMap/old-settings', 'TrainingJob/old-job', 'Dataset/old-data', 'Namespace/old'],
    },
    {
      name: 'never prunes an object without the managed-by label',
      live: [
        live('ml.ferry.dev/v1alpha1 ModelVersion registered default', {}),
        live('v1 ConfigMap by-hand default', { 'ferry.dev/managed-by': 'someone-else' }),
      ],
      desired: [],
      apply: [],
      prune: [],
    },
    {
      name: 'a manifest without a namespace is the default namespace',
      live: [live('v1 ConfigMap settings default'), live('v1 ConfigMap settings other')],
      desired: declared('x.yaml', 'v1 ConfigMap settings'),
      apply: ['ConfigMap/settings'],
      prune: ['ConfigMap/settings'],
    },
    {
      name: 'a cluster-scoped live object matches on its name, whatever namespace the manifest says',
      live: [live('v1 Namespace ml')],
      desired: declared('x.yaml', 'v1 Namespace ml stray'),
      apply: ['Namespace/ml'],
      prune: [],
    },
    {
      name: 'objects are matched across API versions of their kind',
      live: [live('autoscaling/v1 HorizontalPodAutoscaler web default')],
      desired: declared('x.yaml', 'autoscaling/v2 HorizontalPodAutoscaler web'),
      apply: ['HorizontalPodAutoscaler/web'],
      prune: [],
    },
  ];
  it.each(cases)('$name', ({ live: current, desired, apply, prune }) => {
    const plan = planSync(current, desired, 'default');
    expect(names(plan.apply)).toEqual(apply);
    expect(plan.prune.map((object) => `${object.kind}/${object.name}`)).toEqual(prune);
  });

  it('leaves an object alone when its live copy carries the hash of the same manifest', () => {
    const [same, edited] = declared('x.yaml', 'v1 ConfigMap same', 'v1 ConfigMap edited');
    if (same === undefined || edited === undefined) throw new Error('fixture');
    const plan = planSync(
      [
        live('v1 ConfigMap same default', managed, same.hash),
        live('v1 ConfigMap edited default', managed, 'an older hash'),
      ],
      [same, edited],
      'default',
    );
    expect(names(plan.unchanged)).toEqual(['ConfigMap/same']);
    expect(names(plan.apply)).toEqual(['ConfigMap/edited']);
    expect(plan.prune).toEqual([]);
  });
});

describe('desiredObject', () => {
  it('labels the object and records its file and document index, keeping its own metadata', () => {
    const [document] = parseManifestFile({
      path: 'deploy/app.yaml',
      text: '---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {team: ml}\n  annotations: {note: kept}\ndata: {k: v}\n',
    }).documents;
    if (document === undefined) throw new Error('fixture');
    const object = desiredObject(document);
    expect(object.body).toMatchObject({
      metadata: {
        name: 'a',
        labels: { team: 'ml', 'ferry.dev/managed-by': 'gitops' },
        annotations: { note: 'kept', 'ferry.dev/git-path': 'deploy/app.yaml#1' },
      },
      data: { k: 'v' },
    });
  });

  it('hashes what is declared: a changed field changes the hash, key order does not', () => {
    const hash = (text: string): string | undefined =>
      parseManifestFile({ path: 'x.yaml', text }).documents.map(desiredObject)[0]?.hash;
    const base = hash('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v, l: w}\n');
    expect(hash('kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\ndata: {l: w, k: v}\n')).toBe(
      base,
    );
    expect(
      hash('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v, l: x}\n'),
    ).not.toBe(base);
  });
});
