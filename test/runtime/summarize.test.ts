import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Condition } from '../../operator/src/api/common.js';
import { ApiError } from '../../operator/src/runtime/client.js';
import { StalledError, WaitingError } from '../../operator/src/runtime/errors.js';
import { queueActionFor } from '../../operator/src/runtime/requeue.js';
import {
  restatedSummary,
  summarizeStatus,
  type StepResult,
  type SummarizedStatus,
} from '../../operator/src/runtime/summarize.js';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const LATER = T0 + 60_000;

interface Status extends SummarizedStatus {
  phase?: string;
}

function condition(type: string, status: Condition['status'], reason: string): Condition {
  return {
    type,
    status,
    reason,
    message: `${type} ${reason}`,
    lastTransitionTime: '2026-11-22T10:00:00Z',
    observedGeneration: 1,
  };
}

/** The conditions as `status reason` by type. */
function byType(status: Status): Record<string, string> {
  return Object.fromEntries(
    (status.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]),
  );
}

const READY: Status = { phase: 'Done', conditions: [condition('Ready', 'True', 'Succeeded')] };

/** A 422 from the API server as the client reports it. */
function invalid(): ApiError {
  const body = JSON.stringify({
    kind: 'Status',
    reason: 'Invalid',
    message: 'ConfigMap "x" is invalid: metadata.labels: Invalid value',
    code: 422,
  });
  return new ApiError(
    'apply ConfigMap ml/x',
    422,
    'Invalid',
    'ConfigMap "x" is invalid: metadata.labels: Invalid value',
    { kind: 'ConfigMap', namespace: 'ml', name: 'x' },
    { cause: new ApiException(422, 'Unprocessable', body, {}) },
  );
}

describe('summarizeStatus', () => {
  it.each<{ name: string; result: StepResult<Status>; expected: Record<string, string> }>([
    {
      name: 'a success states Ready and drops Reconciling and Stalled',
      result: {
        ok: true,
        outcome: { status: { phase: 'Done' }, summary: { ready: succeeded() } },
      },
      expected: { Ready: 'True Succeeded' },
    },
    {
      name: 'work in progress adds Reconciling',
      result: {
        ok: true,
        outcome: {
          status: {},
          summary: {
            ready: { status: 'False', reason: 'Running', message: 'm' },
            reconciling: { reason: 'Progressing', message: 'm' },
          },
        },
      },
      expected: { Ready: 'False Running', Reconciling: 'True Progressing' },
    },
    {
      name: 'a rejected write is Ready=False and Stalled with the API reason',
      result: { ok: false, error: invalid() },
      expected: { Ready: 'False Invalid', Stalled: 'True Invalid' },
    },
    {
      name: 'a StalledError is Stalled with its own reason',
      result: { ok: false, error: new StalledError('bad', { reason: 'DigestMismatch' }) },
      expected: { Ready: 'False DigestMismatch', Stalled: 'True DigestMismatch' },
    },
    {
      name: 'a WaitingError is Reconciling with its reason',
      result: {
        ok: false,
        error: new WaitingError('held', { reason: 'DeletionBlocked', requeueAfterMs: 1000 }),
      },
      expected: { Ready: 'False DeletionBlocked', Reconciling: 'True DeletionBlocked' },
    },
    {
      name: 'a transient API error keeps its reason and is retried',
      result: {
        ok: false,
        error: new ApiError('apply Deployment ml/d', 409, 'Conflict', 'the object changed', {
          kind: 'Deployment',
          namespace: 'ml',
          name: 'd',
        }),
      },
      expected: { Ready: 'False Conflict', Reconciling: 'True ProgressingWithRetry' },
    },
    {
      name: 'a network failure reads ConnectionFailed',
      result: {
        ok: false,
        error: new ApiError('list pods', undefined, 'ConnectionFailed', 'ECONNREFUSED', undefined),
      },
      expected: { Ready: 'False ConnectionFailed', Reconciling: 'True ProgressingWithRetry' },
    },
    {
      name: 'anything else thrown reads ReconcileError',
      result: { ok: false, error: new Error('boom') },
      expected: { Ready: 'False ReconcileError', Reconciling: 'True ProgressingWithRetry' },
    },
  ])('$name', ({ result, expected }) => {
    const status = summarizeStatus(READY, 2, result, LATER);
    expect(byType(status)).toEqual(expected);
    expect(status.observedGeneration).toBe(2);
    expect(status.conditions?.every((c) => c.observedGeneration === 2)).toBe(true);
  });

  it('keeps the status body on a failure, and takes the new one on success', () => {
    expect(summarizeStatus(READY, 1, { ok: false, error: new Error('x') }, LATER).phase).toBe(
      'Done',
    );
    const next = summarizeStatus(
      READY,
      1,
      { ok: true, outcome: { status: { phase: 'Next' }, summary: { ready: succeeded() } } },
      LATER,
    );
    expect(next.phase).toBe('Next');
  });

  it('moves lastTransitionTime only when a condition changes its status', () => {
    const same = summarizeStatus(
      READY,
      1,
      { ok: true, outcome: { status: {}, summary: { ready: succeeded('other words') } } },
      LATER,
    );
    expect(same.conditions?.[0]).toMatchObject({
      message: 'other words',
      lastTransitionTime: '2026-11-22T10:00:00Z',
    });
    const failed = summarizeStatus(READY, 1, { ok: false, error: new Error('x') }, LATER);
    expect(failed.conditions?.[0]?.lastTransitionTime).toBe('2026-11-22T10:01:00Z');
  });

  it("sets and removes the kind's own conditions, and keeps those it does not name", () => {
    const previous: Status = {
      conditions: [
        condition('Ready', 'True', 'Serving'),
        condition('Degraded', 'True', 'RolledBack'),
        condition('Custom', 'True', 'Kept'),
      ],
    };
    const status = summarizeStatus(
      previous,
      1,
      {
        ok: true,
        outcome: {
          status: {},
          summary: {
            ready: { status: 'True', reason: 'Serving', message: '' },
            conditions: {
              Degraded: undefined,
              Progressing: { status: 'True', reason: 'CanaryAnalysis', message: '' },
            },
          },
        },
      },
      LATER,
    );
    expect(byType(status)).toEqual({
      Ready: 'True Serving',
      Custom: 'True Kept',
      Progressing: 'True CanaryAnalysis',
    });
  });

  it('agrees with the queue: a stalled summary is never retried, a transient one is', () => {
    expect(queueActionFor({ ok: false, error: invalid() }).kind).toBe('Stall');
    const conflict = new ApiError('apply x', 409, 'Conflict', 'changed', undefined);
    expect(queueActionFor({ ok: false, error: conflict }).kind).toBe('RateLimited');
  });
});

describe('restatedSummary', () => {
  it('states again what the conditions say', () => {
    const summary = restatedSummary([
      condition('Ready', 'False', 'Failed'),
      condition('Stalled', 'True', 'Failed'),
      condition('Reconciling', 'False', 'Failed'),
    ]);
    expect(summary).toEqual({
      ready: { status: 'False', reason: 'Failed', message: 'Ready Failed' },
      stalled: { reason: 'Failed', message: 'Stalled Failed' },
    });
  });
});

function succeeded(message = 'done') {
  return { status: 'True' as const, reason: 'Succeeded', message };
}
