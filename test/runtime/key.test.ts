import { describe, expect, it } from 'vitest';
import { objectKey, parseObjectKey, type ObjectRef } from '../../operator/src/runtime/key.js';

describe('object keys', () => {
  const cases: [ObjectRef, string][] = [
    [{ namespace: 'ml', name: 'iris' }, 'ml/iris'],
    [{ name: 'node-1' }, 'node-1'],
  ];
  it.each(cases)('%o ⇄ %s', (ref, key) => {
    expect(objectKey(ref)).toBe(key);
    expect(parseObjectKey(key)).toEqual(ref);
  });

  it('treats an empty namespace as cluster-scoped', () => {
    expect(objectKey({ namespace: '', name: 'n' })).toBe('n');
  });

  it.each(['', '/', 'a/', '/b', 'a/b/c'])('rejects %j', (key) => {
    expect(() => parseObjectKey(key)).toThrow(RangeError);
  });
});
