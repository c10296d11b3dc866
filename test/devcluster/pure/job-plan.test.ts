/** The Job controller's decisions, as tables: what 1.32's controller does in each case. */
import { describe, expect, it } from 'vitest';
import {
  formatIndexes,
  parseIndexes,
  planJob,
  type JobPod,
} from '../../../operator/src/devcluster/runner/job-plan.js';
import type { JsonObject } from '../../../operator/src/devcluster/core/json.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

function job(spec: JsonObject, status: JsonObject = {}): JsonObject {
  return {
    metadata: { name: 'j', namespace: 'default', uid: 'job-uid' },
    spec: { template: { spec: { restartPolicy: 'Never' } }, ...spec },
    status,
  };
}

let serial = 0;
function pod(state: Partial<JobPod> = {}): JobPod {
  serial++;
  return {
    name: `p${serial}`,
    uid: `u${serial}`,
    ended: undefined,
    deleting: false,
    ready: false,
    restarts: 0,
    index: undefined,
    created: `2026-12-01T11:00:${String(serial % 60).padStart(2, '0')}Z`,
    ...state,
  };
}

/** The status's conditions as `Type=Status`, in order. */
function types(status: JsonObject): string[] {
  return ((status['conditions'] ?? []) as { type: string; status: string }[]).map(
    (condition) => `${condition.type}=${condition.status}`,
  );
}

describe('planJob: pods', () => {
  it.each<[string, JsonObject, JobPod[], number]>([
    ['a new Job starts parallelism pods', { parallelism: 2, completions: 5 }, [], 2],
    [
      'no more than the completions left',
      { parallelism: 3, completions: 2 },
      [pod({ ended: 'Succeeded' })],
      1,
    ],
    [
      'a failed pod is replaced',
      { completions: 1, backoffLimit: 3 },
      [pod({ ended: 'Failed' })],
      1,
    ],
    ['a running pod is enough', { completions: 1 }, [pod()], 0],
    [
      'a work queue stops creating once one succeeded',
      { parallelism: 2 },
      [pod({ ended: 'Succeeded' }), pod()],
      0,
    ],
    ['a suspended Job has none', { suspend: true, completions: 3 }, [], 0],
  ])('%s', (_, spec, pods, created) => {
    const plan = planJob({ job: job(spec), pods, removedByController: new Set(), now: NOW });
    expect(plan.create).toHaveLength(created);
    expect(plan.remove).toEqual([]);
  });

  it('fills the lowest missing indexes of an Indexed Job, up to parallelism', () => {
    const plan = planJob({
      job: job(
        { completionMode: 'Indexed', completions: 5, parallelism: 2 },
        { completedIndexes: '0' },
      ),
      pods: [pod({ index: 1 }), pod({ index: 2, ended: 'Succeeded' })],
      removedByController: new Set(),
      now: NOW,
    });
    expect(plan.create).toEqual([3]);
    expect(plan.status['completedIndexes']).toBe('0,2');
    expect(plan.status['succeeded']).toBe(2);
  });

  it('deletes the active pods of a suspended Job and does not count them as failures', () => {
    const running = pod();
    const plan = planJob({
      job: job({ suspend: true }, { startTime: '2026-12-01T11:00:00Z', active: 1 }),
      pods: [running],
      removedByController: new Set(),
      now: NOW,
    });
    expect(plan.remove.map((entry) => entry.pod.uid)).toEqual([running.uid]);
    const after = planJob({
      job: job({ suspend: true }, plan.status),
      pods: [{ ...running, ended: 'Failed', deleting: true }],
      removedByController: new Set([running.uid]),
      now: NOW,
    });
    expect(after.status['failed']).toBeUndefined();
    expect(types(after.status)).toEqual(['Suspended=True']);
  });
});

describe('planJob: conditions', () => {
  it.each<[string, JsonObject, JobPod[], string[]]>([
    [
      'success waits for nothing running',
      { completions: 1 },
      [pod({ ended: 'Succeeded' })],
      ['SuccessCriteriaMet=True', 'Complete=True'],
    ],
    [
      'success with a pod still running',
      { completions: 1, parallelism: 2 },
      [pod({ ended: 'Succeeded' }), pod()],
      ['SuccessCriteriaMet=True'],
    ],
    [
      'failures past backoffLimit',
      { backoffLimit: 1 },
      [pod({ ended: 'Failed' }), pod({ ended: 'Failed' })],
      ['FailureTarget=True', 'Failed=True'],
    ],
    [
      'failures within backoffLimit',
      { backoffLimit: 2 },
      [pod({ ended: 'Failed' }), pod({ ended: 'Failed' })],
      [],
    ],
    [
      'restarts count for OnFailure',
      { backoffLimit: 1, template: { spec: { restartPolicy: 'OnFailure' } } },
      [pod({ restarts: 2 })],
      ['FailureTarget=True'],
    ],
  ])('%s', (_, spec, pods, expected) => {
    const plan = planJob({ job: job(spec), pods, removedByController: new Set(), now: NOW });
    expect(types(plan.status)).toEqual(expected);
  });

  it('fails at the deadline counted from startTime, and wakes up for it before', () => {
    const spec = { activeDeadlineSeconds: 60 };
    const early = planJob({
      job: job(spec, { startTime: '2026-12-01T11:59:30Z' }),
      pods: [pod()],
      removedByController: new Set(),
      now: NOW,
    });
    expect(types(early.status)).toEqual([]);
    expect(early.wakeAt).toBe(Date.parse('2026-12-01T12:00:30Z'));
    const late = planJob({
      job: job(spec, { startTime: '2026-12-01T11:58:00Z' }),
      pods: [pod()],
      removedByController: new Set(),
      now: NOW,
    });
    expect(types(late.status)).toEqual(['FailureTarget=True']);
    expect(late.remove).toHaveLength(1);
    expect(late.status['conditions']).toContainEqual(
      expect.objectContaining({ reason: 'DeadlineExceeded' }),
    );
  });

  it('resets startTime when a suspended Job resumes', () => {
    const plan = planJob({
      job: job(
        { suspend: false },
        {
          startTime: '2026-12-01T10:00:00Z',
          conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }],
        },
      ),
      pods: [],
      removedByController: new Set(),
      now: NOW,
    });
    expect(plan.status['startTime']).toBe('2026-12-01T12:00:00Z');
    expect(plan.status['conditions']).toContainEqual(
      expect.objectContaining({ type: 'Suspended', status: 'False', reason: 'JobResumed' }),
    );
  });
});

describe('completedIndexes', () => {
  it.each<[number[], string]>([
    [[], ''],
    [[0], '0'],
    [[0, 1, 2, 4], '0-2,4'],
    [[7, 3, 4, 5, 9, 10], '3-5,7,9-10'],
  ])('%j is "%s" and back', (indexes, text) => {
    expect(formatIndexes(indexes)).toBe(text);
    expect(parseIndexes(text)).toEqual([...indexes].sort((a, b) => a - b));
  });
});
