import { describe, expect, it } from 'vitest';
import { StalledError, WaitingError } from '../../operator/src/runtime/errors.js';
import {
  applyQueueAction,
  queueActionFor,
  type QueueAction,
  type ReconcileOutcome,
} from '../../operator/src/runtime/requeue.js';

const stalled = new StalledError('digest mismatch', { reason: 'DigestMismatch' });
const waiting = new WaitingError('job running', { reason: 'JobRunning', requeueAfterMs: 30_000 });
const transient = new Error('ECONNRESET');

describe('queueActionFor', () => {
  const cases: [string, ReconcileOutcome, string, number | undefined][] = [
    ['success, no requeue', { ok: true, result: {} }, 'Forget', undefined],
    [
      'success, requeue after 60 s',
      { ok: true, result: { requeueAfterMs: 60_000 } },
      'RequeueAfter',
      60_000,
    ],
    [
      'success, requeue after 0 = none',
      { ok: true, result: { requeueAfterMs: 0 } },
      'Forget',
      undefined,
    ],
    [
      'success, negative requeue = none',
      { ok: true, result: { requeueAfterMs: -1 } },
      'Forget',
      undefined,
    ],
    [
      'success, NaN requeue = none',
      { ok: true, result: { requeueAfterMs: Number.NaN } },
      'Forget',
      undefined,
    ],
    [
      'success, infinite requeue = none',
      { ok: true, result: { requeueAfterMs: Infinity } },
      'Forget',
      undefined,
    ],
    ['stalled', { ok: false, error: stalled }, 'Stall', undefined],
    [
      'stalled as a cause',
      { ok: false, error: new Error('apply failed', { cause: stalled }) },
      'Stall',
      undefined,
    ],
    ['waiting', { ok: false, error: waiting }, 'RequeueAfter', 30_000],
    [
      'waiting as a cause',
      { ok: false, error: new Error('outer', { cause: waiting }) },
      'RequeueAfter',
      30_000,
    ],
    [
      'waiting with a zero delay backs off instead of spinning',
      { ok: false, error: new WaitingError('x', { reason: 'X', requeueAfterMs: 0 }) },
      'RateLimited',
      undefined,
    ],
    [
      'outermost kind wins: waiting wrapping stalled',
      {
        ok: false,
        error: new WaitingError('w', { reason: 'W', requeueAfterMs: 5, cause: stalled }),
      },
      'RequeueAfter',
      5,
    ],
    ['plain Error', { ok: false, error: transient }, 'RateLimited', undefined],
    ['thrown string', { ok: false, error: 'boom' }, 'RateLimited', undefined],
    ['thrown undefined', { ok: false, error: undefined }, 'RateLimited', undefined],
  ];

  it.each(cases)('%s → %s', (_name, outcome, kind, delayMs) => {
    const action = queueActionFor(outcome);
    expect(action.kind).toBe(kind);
    if (delayMs !== undefined) expect(action).toEqual({ kind, delayMs });
  });

  it('carries the stalled error itself, even when it was a cause', () => {
    const action = queueActionFor({ ok: false, error: new Error('outer', { cause: stalled }) });
    expect(action).toEqual({ kind: 'Stall', error: stalled });
  });

  it('tolerates a cycle in the cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(queueActionFor({ ok: false, error: a }).kind).toBe('RateLimited');
  });
});

describe('applyQueueAction', () => {
  const cases: [string, QueueAction, string[]][] = [
    ['Forget', { kind: 'Forget' }, ['forget k']],
    ['Stall', { kind: 'Stall', error: stalled }, ['forget k']],
    ['RequeueAfter', { kind: 'RequeueAfter', delayMs: 250 }, ['forget k', 'addAfter k 250']],
    ['RateLimited', { kind: 'RateLimited', error: transient }, ['addRateLimited k']],
  ];
  it.each(cases)('%s', (_name, action, expected) => {
    const calls: string[] = [];
    applyQueueAction(
      {
        forget: (key) => calls.push(`forget ${key}`),
        addAfter: (key, delay) => calls.push(`addAfter ${key} ${delay}`),
        addRateLimited: (key) => calls.push(`addRateLimited ${key}`),
      },
      'k',
      action,
    );
    expect(calls).toEqual(expected);
  });
});
