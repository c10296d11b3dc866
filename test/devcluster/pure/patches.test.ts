import { describe, expect, it } from 'vitest';
import type { Json } from '../../../operator/src/devcluster/core/json.js';
import { jsonPatch } from '../../../operator/src/devcluster/patch/json-patch.js';
import { mergePatch } from '../../../operator/src/devcluster/patch/merge.js';
import { strategicMergePatch } from '../../../operator/src/devcluster/patch/strategic.js';

describe('merge patch (RFC 7386 appendix A)', () => {
  it.each<[Json, Json, Json]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { spec: { list: [1, 2], name: 'a/b' }, metadata: { 'x~y': 1 } };
  it.each<[Json, Json]>([
    [
      [{ op: 'add', path: '/spec/list/1', value: 9 }],
      { spec: { list: [1, 9, 2], name: 'a/b' }, metadata: { 'x~y': 1 } },
    ],
    [
      [{ op: 'add', path: '/spec/list/-', value: 3 }],
      { spec: { list: [1, 2, 3], name: 'a/b' }, metadata: { 'x~y': 1 } },
    ],
    [
      [{ op: 'remove', path: '/spec/list/0' }],
      { spec: { list: [2], name: 'a/b' }, metadata: { 'x~y': 1 } },
    ],
    [
      [{ op: 'replace', path: '/spec/name', value: 'c' }],
      { spec: { list: [1, 2], name: 'c' }, metadata: { 'x~y': 1 } },
    ],
    [
      [{ op: 'move', from: '/spec/name', path: '/name' }],
      { spec: { list: [1, 2] }, metadata: { 'x~y': 1 }, name: 'a/b' },
    ],
    [
      [{ op: 'copy', from: '/metadata/x~0y', path: '/spec/copy' }],
      { spec: { list: [1, 2], name: 'a/b', copy: 1 }, metadata: { 'x~y': 1 } },
    ],
    [
      [
        { op: 'test', path: '/spec/name', value: 'a/b' },
        { op: 'remove', path: '/metadata' },
      ],
      { spec: { list: [1, 2], name: 'a/b' } },
    ],
  ])('%j', (operations, expected) => {
    expect(jsonPatch(doc, operations)).toEqual(expected);
    expect(doc.spec.list).toEqual([1, 2]);
  });

  it.each<[string, Json]>([
    ['a failing test', [{ op: 'test', path: '/spec/name', value: 'x' }]],
    ['removing a missing path', [{ op: 'remove', path: '/spec/nope' }]],
    ['an index past the end', [{ op: 'add', path: '/spec/list/5', value: 1 }]],
    ['an unknown op', [{ op: 'frobnicate', path: '/spec' }]],
    ['a non-array patch', { op: 'add' }],
  ])('rejects %s', (_name, operations) => {
    expect(() => jsonPatch(doc, operations)).toThrow();
  });
});

describe('strategic merge patch (approximation for built-ins)', () => {
  const pod = {
    metadata: { finalizers: ['a'], labels: { x: '1' } },
    spec: {
      containers: [
        { name: 'main', image: 'v1', env: [{ name: 'A', value: '1' }] },
        { name: 'side', image: 's1' },
      ],
      tolerations: [{ key: 'k' }],
    },
  };
  it('merges containers by name and env by name', () => {
    const result = strategicMergePatch(pod, {
      spec: { containers: [{ name: 'main', image: 'v2', env: [{ name: 'B', value: '2' }] }] },
    });
    expect(result).toEqual({
      metadata: pod.metadata,
      spec: {
        containers: [
          {
            name: 'main',
            image: 'v2',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'side', image: 's1' },
        ],
        tolerations: [{ key: 'k' }],
      },
    });
  });
  it('deletes list elements with $patch: delete and replaces lists without a merge key', () => {
    const result = strategicMergePatch(pod, {
      spec: { containers: [{ name: 'side', $patch: 'delete' }], tolerations: [{ key: 'j' }] },
      '$setElementOrder/spec': [],
    }) as { spec: { containers: unknown[]; tolerations: unknown[] } };
    expect(result.spec.containers).toEqual([pod.spec.containers[0]]);
    expect(result.spec.tolerations).toEqual([{ key: 'j' }]);
  });
  it('merges finalizers as a set and honours $deleteFromPrimitiveList and $retainKeys', () => {
    const result = strategicMergePatch(pod, {
      metadata: { finalizers: ['a', 'b'], labels: { $retainKeys: ['y'], y: '2' } },
    }) as { metadata: Json };
    expect(result.metadata).toEqual({ finalizers: ['a', 'b'], labels: { y: '2' } });
    const removed = strategicMergePatch(pod, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
    });
    expect((removed as { metadata: { finalizers: string[] } }).metadata.finalizers).toEqual([]);
  });
});
