import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  gpuCapacity,
  planAdmission,
  type GpuDemand,
} from '../../../operator/src/controllers/training-job/admission.js';

function node(
  name: string,
  gpus: string | undefined,
  options: { product?: string; ready?: boolean; unschedulable?: boolean } = {},
): V1Node {
  return {
    metadata: {
      name,
      ...(options.product === undefined
        ? {}
        : { labels: { 'nvidia.com/gpu.product': options.product } }),
    },
    spec: { unschedulable: options.unschedulable ?? false },
    status: {
      allocatable: gpus === undefined ? { cpu: '8' } : { cpu: '8', 'nvidia.com/gpu': gpus },
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
    },
  };
}

function job(
  key: string,
  gpus: number,
  extra: { product?: string; priority?: number; queuedAt?: string } = {},
): GpuDemand {
  return {
    key,
    gpus,
    priority: extra.priority ?? 0,
    queuedAt: extra.queuedAt ?? '2026-01-01T00:00:00Z',
    ...(extra.product === undefined ? {} : { product: extra.product }),
  };
}

const A100 = 'NVIDIA-A100-SXM4-80GB';
const T4 = 'Tesla-T4';

describe('gpuCapacity', () => {
  it('sums allocatable GPUs of Ready, schedulable nodes per product', () => {
    const capacity = gpuCapacity([
      node('a1', '8', { product: A100 }),
      node('a2', '8', { product: A100 }),
      node('t1', '4', { product: T4 }),
      node('t2', '4', { product: T4, ready: false }),
      node('t3', '4', { product: T4, unschedulable: true }),
      node('cpu', undefined),
      node('plain', '2'),
    ]);
    expect(Object.fromEntries(capacity)).toEqual({ [A100]: 16, [T4]: 4, '': 2 });
  });
});

describe('planAdmission', () => {
  const capacity = new Map([
    [A100, 8],
    [T4, 4],
  ]);

  it.each<{
    name: string;
    running?: GpuDemand[];
    queued: GpuDemand[];
    admit: string[];
    wait?: Record<string, string>;
  }>([
    {
      name: 'admits jobs that fit, per product',
      queued: [
        job('a', 4, { product: A100 }),
        job('b', 4, { product: T4 }),
        job('c', 4, { product: A100 }),
      ],
      admit: ['a', 'b', 'c'],
    },
    {
      name: 'counts GPUs held by running jobs',
      running: [job('r', 6, { product: A100 })],
      queued: [job('a', 4, { product: A100 })],
      admit: [],
      wait: { a: `waiting for 4 nvidia.com/gpu (${A100}): 2 of 8 free` },
    },
    {
      name: 'admits higher priority first, then first come first served',
      queued: [
        job('late-high', 4, { product: A100, priority: 10, queuedAt: '2026-01-01T00:05:00Z' }),
        job('early-low', 4, { product: A100, priority: 0, queuedAt: '2026-01-01T00:00:00Z' }),
        job('early-high', 4, { product: A100, priority: 10, queuedAt: '2026-01-01T00:01:00Z' }),
      ],
      admit: ['early-high', 'late-high'],
      wait: { 'early-low': `waiting for 4 nvidia.com/gpu (${A100}): 0 of 8 free` },
    },
    {
      name: 'admits a gang job whole or not at all',
      running: [job('r', 2, { product: A100 })],
      queued: [job('gang', 8, { product: A100 })],
      admit: [],
      wait: { gang: `waiting for 8 nvidia.com/gpu (${A100}): 6 of 8 free` },
    },
    {
      name: 'never lets a small job overtake a blocked one of the same product',
      running: [job('r', 4, { product: A100 })],
      queued: [
        job('big', 8, { product: A100, queuedAt: '2026-01-01T00:00:00Z' }),
        job('small', 2, { product: A100, queuedAt: '2026-01-01T00:01:00Z' }),
        job('other-product', 2, { product: T4, queuedAt: '2026-01-01T00:02:00Z' }),
      ],
      admit: ['other-product'],
      wait: {
        big: `waiting for 8 nvidia.com/gpu (${A100}): 4 of 8 free`,
        small: `waiting for 2 nvidia.com/gpu (${A100}): 4 free, but jobs ahead in the queue come first`,
      },
    },
    {
      name: 'says when a job can never fit',
      queued: [job('huge', 16, { product: T4 })],
      admit: [],
      wait: { huge: `waiting for 16 nvidia.com/gpu (${T4}): the cluster has only 4 in all` },
    },
    {
      name: 'lets a job without a product use any product',
      running: [job('r', 8, { product: A100 })],
      queued: [job('any', 3)],
      admit: ['any'],
    },
    {
      name: 'admits CPU-only jobs whatever the GPU queue holds',
      running: [job('r', 8, { product: A100 })],
      queued: [job('blocked', 4, { product: A100 }), job('cpu', 0)],
      admit: ['cpu'],
      wait: { blocked: `waiting for 4 nvidia.com/gpu (${A100}): 0 of 8 free` },
    },
    {
      name: 'asks for a product the cluster lacks',
      queued: [job('h100', 1, { product: 'NVIDIA-H100' })],
      admit: [],
      wait: { h100: 'waiting for 1 nvidia.com/gpu (NVIDIA-H100): the cluster has only 0 in all' },
    },
  ])('$name', ({ running = [], queued, admit, wait = {} }) => {
    const plan = planAdmission(capacity, running, queued);
    expect(plan.admit).toEqual(admit);
    expect(Object.fromEntries(plan.wait)).toEqual(wait);
  });

  it('gives the same plan whatever order the queue arrives in', () => {
    const queued = [
      job('a', 4, { product: A100, priority: 1 }),
      job('b', 4, { product: A100, queuedAt: '2026-01-01T00:00:01Z' }),
      job('c', 4, { product: A100 }),
    ];
    const forward = planAdmission(capacity, [], queued);
    const backward = planAdmission(capacity, [], [...queued].reverse());
    expect(backward).toEqual(forward);
    expect(forward.admit).toEqual(['a', 'c']);
  });
});
