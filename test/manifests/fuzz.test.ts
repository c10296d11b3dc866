/**
 * Fuzzing `ferry validate`'s checks with random YAML: generated values in every YAML
 * style, strings of YAML punctuation, real manifests with fragments spliced in, deep
 * nesting, repeated keys and alias bombs, each validated next to a good manifest. It must
 * never throw, every problem must point into its file, the good manifest must stay clean,
 * and memory must come back. Seeded and bounded in time.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../support/gc.js';
import type { SourceFile } from '../../operator/src/manifests/parse.js';
import { validateManifests } from '../../operator/src/manifests/validate.js';

const GOOD: SourceFile = {
  path: 'good.yaml',
  text: `apiVersion: ml.ferry.dev/v1alpha1
kind: Dataset
metadata:
  name: good
spec:
  source: { uri: "file:///data/iris.csv" }
  schema: { features: [{ name: a, type: numeric }] }
`,
};

const MANIFEST = `apiVersion: ml.ferry.dev/v1alpha1
kind: TrainingJob
metadata:
  name: job
spec:
  datasetRef: { name: good }
  model: iris
  image: ghcr.io/x/y:1
  command: [python3, train.py]
  hyperparameters: { C: 1.0 }
  resources: { gpus: 1, cpu: 500m }
`;

const styled = fc
  .record({
    value: fc.jsonValue({ maxDepth: 6 }),
    flow: fc.boolean(),
    apiVersion: fc.constantFrom('ml.ferry.dev/v1alpha1', 'v1', undefined),
    kind: fc.constantFrom(
      'Dataset',
      'TrainingJob',
      'ModelVersion',
      'InferenceService',
      'DriftMonitor',
      'X',
    ),
  })
  .map(({ value, flow, apiVersion, kind }) => {
    const object =
      apiVersion === undefined ? value : { apiVersion, kind, metadata: { name: 'x' }, spec: value };
    return stringify(object, flow ? { collectionStyle: 'flow' } : {});
  });

const punctuation = fc.string({
  unit: fc.constantFrom(
    ':',
    '- ',
    ' ',
    '  ',
    '\n',
    '[',
    ']',
    '{',
    '}',
    '&a ',
    '*a',
    '!!str ',
    '!!binary ',
    '"',
    "'",
    '#',
    '|',
    '>',
    'a',
    '1',
    '\t',
    '---\n',
    '? ',
    ',',
    '<<: *a',
    '%YAML 1.2\n',
    '\\',
    '\u0000',
    'é',
    '\r\n',
  ),
  maxLength: 200,
});

const spliced = fc
  .record({ at: fc.nat({ max: MANIFEST.length }), fragment: punctuation })
  .map(({ at, fragment }) => MANIFEST.slice(0, at) + fragment + MANIFEST.slice(at));

const deep = fc
  .record({
    depth: fc.integer({ min: 100, max: 20_000 }),
    style: fc.constantFrom('flow-seq', 'flow-map', 'block'),
  })
  .map(({ depth, style }) => {
    if (style === 'flow-seq') return `a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    if (style === 'flow-map') return `a: ${'{b: '.repeat(depth)}1${'}'.repeat(depth)}\n`;
    const lines = Array.from(
      { length: Math.min(depth, 2000) },
      (_, level) => `${' '.repeat(level)}k${level}:`,
    );
    return `${lines.join('\n')}\n`;
  });

const repeatedKeys = fc
  .record({
    keys: fc.array(fc.constantFrom('a', 'b', '1', '"1"', "'a'", '<<', 'spec', 'null'), {
      maxLength: 30,
    }),
  })
  .map(
    ({ keys }) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n${keys.map((key) => `  ${key}: v\n`).join('')}`,
  );

const aliasBomb = fc.integer({ min: 2, max: 12 }).map((levels) =>
  Array.from({ length: levels }, (_, level) =>
    level === 0
      ? 'l0: &l0 [x, x, x, x, x, x, x, x, x]'
      : `l${level}: &l${level} [${Array(9)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
  ).join('\n'),
);

const randomYaml = fc.oneof(
  { weight: 3, arbitrary: styled },
  { weight: 3, arbitrary: spliced },
  { weight: 2, arbitrary: punctuation },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: repeatedKeys },
  { weight: 1, arbitrary: aliasBomb },
);

describe('ferry validate on random YAML', () => {
  it('never throws, locates every problem in its file, and keeps a good file clean', () => {
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    let checked = 0;
    fc.assert(
      fc.property(fc.array(randomYaml, { minLength: 1, maxLength: 4 }), (texts) => {
        const files = [
          GOOD,
          ...texts.map((text, index) => ({ path: `random-${index}.yaml`, text })),
        ];
        const report = validateManifests(files);
        const lines = new Map(files.map((file) => [file.path, file.text.split('\n').length]));
        for (const problem of report.problems) {
          expect(problem.file).not.toBe('good.yaml');
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lines.get(problem.file) ?? 0);
          expect(problem.column).toBeGreaterThanOrEqual(1);
          expect(problem.message.length).toBeLessThan(1000);
        }
        checked += texts.length;
      }),
      {
        seed: 20_261_203,
        numRuns: 1000,
        interruptAfterTimeLimit: 30_000,
        markInterruptAsFailure: false,
      },
    );
    expect(checked).toBeGreaterThan(300);
    collectGarbage();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  }, 90_000);
});
