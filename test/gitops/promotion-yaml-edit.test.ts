import { describe, expect, it } from 'vitest';
import {
  ManifestEditError,
  setModelVersion,
  type DocumentLocator,
} from '../../operator/src/gitops/promotion/yaml-edit.js';

const ISVC = { kind: 'InferenceService', name: 'iris', namespace: 'ml' } as const;

interface Case {
  name: string;
  before: string;
  locator: DocumentLocator;
  value: string;
  after: string;
}

const MULTI = `---
kind: Dataset
metadata: {name: iris, namespace: ml}
spec:
  modelVersion: not-this-one
---
# another service
kind: InferenceService
metadata: {name: wine, namespace: ml}
spec:
  modelVersion: wine-v1
---
kind: InferenceService
metadata: {name: iris, namespace: ml}
spec:
    modelVersion:    iris-v1
    replicas: 1
...
`;

const cases: Case[] = [
  {
    name: 'plain scalar with comments around it',
    before: `# the iris service
apiVersion: ml.ferry.dev/v1alpha1
kind: InferenceService
metadata:
  name: iris   # keep me
  namespace: ml
spec:
  # promoted by hand last week
  modelVersion: iris-v1  # the line Ferry edits
  replicas:    2
`,
    locator: ISVC,
    value: 'iris-v2',
    after: `# the iris service
apiVersion: ml.ferry.dev/v1alpha1
kind: InferenceService
metadata:
  name: iris   # keep me
  namespace: ml
spec:
  # promoted by hand last week
  modelVersion: iris-v2  # the line Ferry edits
  replicas:    2
`,
  },
  {
    name: 'double-quoted scalar stays double-quoted',
    before:
      'kind: InferenceService\nmetadata: {name: iris, namespace: ml}\nspec:\n  modelVersion: "iris-v1"\n',
    locator: ISVC,
    value: 'iris-v2',
    after:
      'kind: InferenceService\nmetadata: {name: iris, namespace: ml}\nspec:\n  modelVersion: "iris-v2"\n',
  },
  {
    name: 'single-quoted scalar stays single-quoted',
    before: "kind: InferenceService\nmetadata:\n  name: iris\nspec:\n  modelVersion: 'iris-v1'\n",
    locator: 0,
    value: 'iris-v10',
    after: "kind: InferenceService\nmetadata:\n  name: iris\nspec:\n  modelVersion: 'iris-v10'\n",
  },
  {
    name: 'flow mapping keeps its layout',
    before:
      'kind: InferenceService\nmetadata: {name: iris}\nspec: {modelVersion: iris-v1, replicas: 3}   # flow\n',
    locator: 0,
    value: 'iris-v2',
    after:
      'kind: InferenceService\nmetadata: {name: iris}\nspec: {modelVersion: iris-v2, replicas: 3}   # flow\n',
  },
  {
    name: 'a value that would read as a number is quoted',
    before: 'kind: InferenceService\nmetadata:\n  name: iris\nspec:\n  modelVersion: iris-v1\n',
    locator: 0,
    value: '2026',
    after: 'kind: InferenceService\nmetadata:\n  name: iris\nspec:\n  modelVersion: "2026"\n',
  },
  {
    name: 'the third document of a multi-document file, found by name',
    before: MULTI,
    locator: ISVC,
    value: 'iris-v2',
    after: MULTI.replace('modelVersion:    iris-v1', 'modelVersion:    iris-v2'),
  },
  {
    name: 'a document found by index, with CRLF line ends',
    before: 'kind: A\r\n---\r\nkind: InferenceService\r\nspec:\r\n  modelVersion: v1 # c\r\n',
    locator: 1,
    value: 'v2',
    after: 'kind: A\r\n---\r\nkind: InferenceService\r\nspec:\r\n  modelVersion: v2 # c\r\n',
  },
];

function changedLines(before: string, after: string): number {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b).toHaveLength(a.length);
  return a.filter((line, index) => line !== b[index]).length;
}

describe('setModelVersion', () => {
  it.each(cases)('$name', ({ before, locator, value, after }) => {
    const edited = setModelVersion(before, locator, value);
    expect(edited).toBe(after);
    expect(changedLines(before, edited)).toBe(1);
  });

  it('returns the text unchanged when the version is already set', () => {
    const text = 'kind: InferenceService\nspec:\n  modelVersion: iris-v2\n';
    expect(setModelVersion(text, 0, 'iris-v2')).toBe(text);
  });

  it.each([
    {
      name: 'no such document',
      text: 'kind: InferenceService\nmetadata: {name: wine}\nspec: {modelVersion: a}\n',
      locator: ISVC,
      message: /declares InferenceService\/iris 0 times/,
    },
    { name: 'index past the end', text: 'kind: A\n', locator: 3, message: /1 documents, not 4/ },
    {
      name: 'no spec.modelVersion',
      text: 'kind: InferenceService\nspec: {}\n',
      locator: 0,
      message: /no spec.modelVersion/,
    },
    {
      name: 'a block scalar',
      text: 'kind: InferenceService\nspec:\n  modelVersion: |\n    iris-v1\n',
      locator: 0,
      message: /BLOCK_LITERAL scalar/,
    },
    {
      name: 'a syntax error',
      text: 'kind: InferenceService\nspec:\n  modelVersion: [a\n',
      locator: 0,
      message: /./,
    },
  ])('refuses $name', ({ text, locator, message }) => {
    expect(() => setModelVersion(text, locator, 'iris-v2')).toThrow(ManifestEditError);
    expect(() => setModelVersion(text, locator, 'iris-v2')).toThrow(message);
  });
});
