import { describe, expect, it } from 'vitest';
import { jsonContains, statusChanged } from '../../operator/src/runtime/status-changed.js';

describe('statusChanged', () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ['identical primitives', 'a', 'a', false],
    ['different primitives', 1, 2, true],
    ['number vs string', 1, '1', true],
    ['null vs undefined', null, undefined, true],
    ['0 and -0', 0, -0, false],
    ['NaN and NaN', Number.NaN, Number.NaN, false],
    ['key order ignored', { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }, false],
    ['nested value differs', { a: { b: [1, 2] } }, { a: { b: [1, 3] } }, true],
    ['array order matters', [1, 2], [2, 1], true],
    ['array length differs', [1], [1, 1], true],
    ['undefined property counts as absent', { a: 1, b: undefined }, { a: 1 }, false],
    ['absent vs null', { a: null }, {}, true],
    ['extra key', { a: 1 }, { a: 1, b: 2 }, true],
    ['array vs object with index keys', [1], { 0: 1 }, true],
    ['empty object vs empty array', {}, [], true],
    [
      'converged status with conditions reordered keys',
      {
        observedGeneration: 2,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: '',
            lastTransitionTime: 't',
          },
        ],
      },
      {
        conditions: [
          {
            lastTransitionTime: 't',
            message: '',
            reason: 'Succeeded',
            status: 'True',
            type: 'Ready',
          },
        ],
        observedGeneration: 2,
      },
      false,
    ],
    [
      'a condition reason changed',
      { conditions: [{ type: 'Ready', reason: 'A' }] },
      { conditions: [{ type: 'Ready', reason: 'B' }] },
      true,
    ],
  ];

  it.each(cases)('%s → %s', (_name, before, after, expected) => {
    expect(statusChanged(before, after)).toBe(expected);
    expect(statusChanged(after, before)).toBe(expected); // symmetric
  });

  it('compares non-plain objects by identity', () => {
    const date = new Date(0);
    expect(statusChanged(date, date)).toBe(false);
    expect(statusChanged(new Date(0), new Date(0))).toBe(true);
  });
});

describe('jsonContains', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equal primitives', 'a', 'a', true],
    ['different primitives', 1, 2, false],
    ['fields the server added', { a: 1, b: 2, status: {} }, { a: 1 }, true],
    ['a desired field missing', { a: 1 }, { a: 1, b: 2 }, false],
    ['a desired field changed', { a: { b: 1, c: 2 } }, { a: { b: 3 } }, false],
    ['arrays element by element', [{ a: 1, x: 9 }, { b: 2 }], [{ a: 1 }, { b: 2 }], true],
    ['an array of another length', [{ a: 1 }, { b: 2 }], [{ a: 1 }], false],
    ['array order', [1, 2], [2, 1], false],
    ['undefined desired fields ignored', { a: 1 }, { a: 1, b: undefined }, true],
    ['an object where an array is desired', { 0: 1 }, [1], false],
  ])('%s', (_, actual, desired, expected) => {
    expect(jsonContains(actual, desired)).toBe(expected);
  });
});
