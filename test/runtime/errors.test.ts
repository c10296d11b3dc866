import { describe, expect, it } from 'vitest';
import {
  classifyError,
  errorMessage,
  StalledError,
  WaitingError,
} from '../../operator/src/runtime/errors.js';

describe('error kinds', () => {
  it('carry reason, delay and cause', () => {
    const cause = new Error('404');
    const stalled = new StalledError('dataset iris not found', {
      reason: 'DatasetNotFound',
      cause,
    });
    expect(stalled).toBeInstanceOf(Error);
    expect(stalled.name).toBe('StalledError');
    expect(stalled.reason).toBe('DatasetNotFound');
    expect(stalled.cause).toBe(cause);
    const waiting = new WaitingError('waiting for 2 GPUs', {
      reason: 'Queued',
      requeueAfterMs: 10_000,
    });
    expect(waiting.requeueAfterMs).toBe(10_000);
    expect(waiting.cause).toBeUndefined();
  });

  it('classifyError finds the outermost kind in the cause chain', () => {
    const stalled = new StalledError('s', { reason: 'S' });
    expect(classifyError(stalled)).toBe(stalled);
    expect(classifyError(new Error('x', { cause: new Error('y', { cause: stalled }) }))).toBe(
      stalled,
    );
    expect(classifyError(new Error('x'))).toBeUndefined();
    expect(classifyError({ cause: stalled })).toBeUndefined(); // not an Error: no chain
  });

  it.each([
    [new Error('boom'), 'boom'],
    ['plain text', 'plain text'],
    [{ code: 7 }, '{"code":7}'],
    [undefined, 'undefined'],
    [42, '42'],
  ])('errorMessage(%o) = %s', (value, expected) => {
    expect(errorMessage(value)).toBe(expected);
  });

  it('errorMessage survives values JSON cannot encode', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(errorMessage(circular)).toBe('[object Object]');
    expect(errorMessage(10n)).toBe('10');
  });
});
