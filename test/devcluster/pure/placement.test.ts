/** Scheduling onto the runner's one node, and env references, as tables. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../operator/src/devcluster/core/json.js';
import { expandReferences } from '../../../operator/src/devcluster/runner/launch.js';
import { gpuRequest, placement } from '../../../operator/src/devcluster/runner/placement.js';

function pod(resources: JsonObject[], nodeSelector?: Record<string, string>): JsonObject {
  return {
    spec: {
      ...(nodeSelector === undefined ? {} : { nodeSelector }),
      containers: resources.map((entry, index) => ({ name: `c${index}`, resources: entry })),
    },
  };
}

const gpu = (count: string, key: 'limits' | 'requests' = 'limits'): JsonObject => ({
  [key]: { 'nvidia.com/gpu': count },
});

describe('placement', () => {
  it.each<[string, JsonObject, number, number, boolean]>([
    ['no GPU asked, none offered', pod([{}]), 0, 0, true],
    ['a GPU asked, none offered', pod([gpu('1')]), 0, 0, false],
    ['a GPU asked, one free', pod([gpu('1')]), 1, 0, true],
    ['a GPU asked, the only one in use', pod([gpu('1')]), 1, 1, false],
    ['two containers add up', pod([gpu('1'), gpu('1', 'requests')]), 2, 0, true],
    ['two containers, one GPU', pod([gpu('1'), gpu('1')]), 1, 0, false],
  ])('%s', (_, candidate, gpus, inUse, fits) => {
    expect(placement(candidate, { labels: {}, gpus }, inUse).fits).toBe(fits);
  });

  it("says why, in the scheduler's words", () => {
    expect(placement(pod([gpu('2')]), { labels: {}, gpus: 1 }, 0)).toEqual({
      fits: false,
      message:
        '0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    });
    const other = placement(
      pod([gpu('1')], { 'nvidia.com/gpu.product': 'H100' }),
      {
        labels: { 'nvidia.com/gpu.product': 'A100' },
        gpus: 1,
      },
      0,
    );
    expect(other.fits).toBe(false);
    expect(!other.fits && other.message).toContain("didn't match Pod's node affinity/selector");
  });

  it('counts a limit as the request', () => {
    expect(gpuRequest(pod([gpu('2'), gpu('1', 'requests'), {}]))).toBe(3);
  });
});

describe('expandReferences', () => {
  it.each<[string, string]>([
    ['$(A)/x', 'one/x'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['a$(A)b$(B)', 'aonebtwo'],
    ['plain', 'plain'],
  ])('%s → %s', (value, expected) => {
    expect(expandReferences(value, { A: 'one', B: 'two' })).toBe(expected);
  });
});
