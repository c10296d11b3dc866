import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../operator/src/devcluster/core/json.js';
import { podStatus } from '../../../operator/src/devcluster/registry/columns.js';

const running = { ready: true, state: { running: { startedAt: '2026-11-22T10:00:00Z' } } };
const crashLooping = {
  ready: false,
  state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
};

function pod(
  phase: string,
  containerStatuses: JsonObject[],
  extra: { deleting?: boolean; ready?: boolean } = {},
): JsonObject {
  return {
    metadata: {
      name: 'p',
      ...(extra.deleting === true ? { deletionTimestamp: '2026-11-22T10:00:00Z' } : {}),
    },
    status: {
      phase,
      containerStatuses,
      conditions: [{ type: 'Ready', status: extra.ready === true ? 'True' : 'False' }],
    },
  };
}

describe('the STATUS column of kubectl get pods', () => {
  it.each<[string, JsonObject, string]>([
    ['a pod with no status yet', { metadata: { name: 'p' } }, 'Pending'],
    ['a running pod', pod('Running', [running], { ready: true }), 'Running'],
    ['a crash-looping container', pod('Running', [crashLooping]), 'CrashLoopBackOff'],
    [
      'an image the node cannot run',
      pod('Pending', [{ ready: false, state: { waiting: { reason: 'ErrImageNeverPull' } } }]),
      'ErrImageNeverPull',
    ],
    [
      'a container killed for memory',
      pod('Failed', [
        { ready: false, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
      ]),
      'OOMKilled',
    ],
    [
      'an exit without a reason',
      pod('Failed', [{ ready: false, state: { terminated: { exitCode: 3 } } }]),
      'ExitCode:3',
    ],
    [
      'a kill by signal without a reason',
      pod('Failed', [{ ready: false, state: { terminated: { exitCode: 0, signal: 9 } } }]),
      'Signal:9',
    ],
    [
      'the first container decides when several are not running',
      pod('Running', [
        crashLooping,
        { ready: false, state: { terminated: { exitCode: 1, reason: 'Error' } } },
      ]),
      'CrashLoopBackOff',
    ],
    [
      'a completed sidecar beside a running, ready container',
      pod(
        'Running',
        [{ ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }, running],
        { ready: true },
      ),
      'Running',
    ],
    [
      'a completed sidecar beside a running container that is not ready',
      pod('Running', [
        { ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        running,
      ]),
      'NotReady',
    ],
    ['a pod being deleted', pod('Running', [running], { deleting: true }), 'Terminating'],
  ])('%s: %s', (_, object, expected) => {
    expect(podStatus(object)).toBe(expected);
  });
});
