import { describe, expect, it } from 'vitest';
import type { Condition } from '../../operator/src/api/common.js';
import {
  getCondition,
  setCondition,
  type ConditionInput,
} from '../../operator/src/runtime/conditions.js';

const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
const T0_TEXT = '2024-01-01T00:00:00Z';
const T1 = Date.UTC(2024, 0, 1, 0, 5, 0, 750);
const T1_TEXT = '2024-01-01T00:05:00Z';

function cond(
  type: string,
  status: Condition['status'],
  extra: Partial<Condition> = {},
): Condition {
  return {
    type,
    status,
    lastTransitionTime: T0_TEXT,
    reason: `${type}${status}`,
    message: '',
    ...extra,
  };
}

describe('setCondition', () => {
  const cases: [string, Condition[] | undefined, ConditionInput, Condition[]][] = [
    [
      'adds to an absent list, stamping now',
      undefined,
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok', observedGeneration: 2 },
      [
        {
          type: 'Ready',
          status: 'True',
          observedGeneration: 2,
          lastTransitionTime: T1_TEXT,
          reason: 'Succeeded',
          message: 'ok',
        },
      ],
    ],
    [
      'appends a new type after the existing ones',
      [cond('Ready', 'True')],
      { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: 'bad' },
      [
        cond('Ready', 'True'),
        {
          type: 'Stalled',
          status: 'True',
          lastTransitionTime: T1_TEXT,
          reason: 'InvalidSpec',
          message: 'bad',
        },
      ],
    ],
    [
      'same status: keeps lastTransitionTime, updates reason, message, observedGeneration',
      [cond('Ready', 'False', { observedGeneration: 1, reason: 'Old', message: 'old' })],
      { type: 'Ready', status: 'False', reason: 'New', message: 'new', observedGeneration: 2 },
      [
        {
          type: 'Ready',
          status: 'False',
          observedGeneration: 2,
          lastTransitionTime: T0_TEXT,
          reason: 'New',
          message: 'new',
        },
      ],
    ],
    [
      'status change: new lastTransitionTime, replaced in place',
      [cond('Reconciling', 'True'), cond('Ready', 'Unknown'), cond('Drifted', 'False')],
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: '' },
      [
        cond('Reconciling', 'True'),
        {
          type: 'Ready',
          status: 'True',
          lastTransitionTime: T1_TEXT,
          reason: 'Succeeded',
          message: '',
        },
        cond('Drifted', 'False'),
      ],
    ],
    [
      'omitting observedGeneration removes it',
      [cond('Ready', 'True', { observedGeneration: 4 })],
      { type: 'Ready', status: 'True', reason: 'ReadyTrue', message: '' },
      [cond('Ready', 'True')],
    ],
  ];

  it.each(cases)('%s', (_name, before, input, expected) => {
    const snapshot = structuredClone(before);
    const after = setCondition(before, input, T1);
    expect(after).toEqual(expected);
    expect(before).toEqual(snapshot); // input untouched
    expect(after).not.toBe(before);
  });

  it('re-stating a condition yields an equal list (no spurious transition)', () => {
    const once = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'm' },
      T0,
    );
    const again = setCondition(
      once,
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'm' },
      T1,
    );
    expect(again).toEqual(once);
  });
});

describe('getCondition', () => {
  const list = [cond('Ready', 'True'), cond('Stalled', 'False'), cond('Reconciling', 'Unknown')];
  it('gets by type, and handles an absent list', () => {
    expect(getCondition(list, 'Stalled')).toEqual(cond('Stalled', 'False'));
    expect(getCondition(list, 'Missing')).toBeUndefined();
    expect(getCondition(undefined, 'Ready')).toBeUndefined();
  });
});
