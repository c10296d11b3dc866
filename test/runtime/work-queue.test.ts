import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../operator/src/runtime/manual-clock.js';
import type { WorkQueueMetrics } from '../../operator/src/runtime/queue-metrics.js';
import { WorkQueue } from '../../operator/src/runtime/work-queue.js';
import { flush, track } from './helpers.js';

/** Takes every key currently pending, without waiting. */
async function drainPending(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

describe('WorkQueue', () => {
  it('hands keys out in FIFO order and dedupes pending keys', async () => {
    const queue = new WorkQueue();
    for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) queue.add(key);
    expect(queue.len()).toBe(3);
    expect(await drainPending(queue)).toEqual(['a', 'b', 'c']);
  });

  it('never hands out a key again while it is being processed', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    expect(queue.len()).toBe(0);
    const second = track(queue.get());
    await flush();
    expect(second.settled).toBe(false);
    queue.done('a');
    await flush();
    expect(second).toEqual({ settled: true, value: 'a' });
  });

  it('re-queues a key added while processing after done, once, behind keys added meanwhile', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.done('a');
    expect(await drainPending(queue)).toEqual(['b', 'a']);
  });

  it('does not re-queue a key that was not added again while processing', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    await queue.get();
    queue.done('a');
    expect(queue.len()).toBe(0);
    expect(queue.stats().depth).toBe(0);
  });

  it('serves waiting getters in the order they asked', async () => {
    const queue = new WorkQueue();
    const first = queue.get();
    const second = queue.get();
    queue.add('x');
    queue.add('y');
    expect([await first, await second]).toEqual(['x', 'y']);
  });

  it('shutDown wakes waiting getters with undefined, drops pending keys, ignores adds', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();

    const other = new WorkQueue();
    other.add('a');
    other.add('b');
    other.shutDown();
    other.add('c');
    expect(await other.get()).toBeUndefined();
    expect(other.len()).toBe(0);
  });

  it('shutDownWithDrain resolves only after every in-flight key is done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('b');
    queue.add('c');
    await queue.get(); // a
    await queue.get(); // b
    const drained = track(queue.shutDownWithDrain());
    queue.add('a'); // ignored: shutting down
    await flush();
    expect(drained.settled).toBe(false);
    queue.done('a');
    await flush();
    expect(drained.settled).toBe(false);
    queue.done('b');
    await flush();
    expect(drained.settled).toBe(true);
    expect(await queue.get()).toBeUndefined(); // c was dropped, a was not re-queued
  });

  it('shutDownWithDrain resolves at once when nothing is in flight', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    await expect(queue.shutDownWithDrain()).resolves.toBeUndefined();
  });

  it('reports depth, adds, latency, work duration and running time', async () => {
    const clock = new ManualClock();
    const events: string[] = [];
    const metrics: WorkQueueMetrics = {
      added: () => events.push('added'),
      depth: (depth) => events.push(`depth=${depth}`),
      retried: () => events.push('retried'),
      queueLatency: (seconds) => events.push(`latency=${seconds}`),
      workDuration: (seconds) => events.push(`work=${seconds}`),
    };
    const queue = new WorkQueue({ clock, metrics });
    queue.add('a');
    queue.add('a'); // deduped: no event
    queue.add('b');
    clock.advance(2000);
    await queue.get(); // a, waited 2 s
    clock.advance(1000);
    await queue.get(); // b, waited 3 s
    clock.advance(500);
    expect(queue.stats()).toEqual({
      depth: 0,
      processing: 2,
      waiting: 0,
      adds: 2,
      retries: 0,
      longestRunningProcessorSeconds: 1.5,
      unfinishedWorkSeconds: 2,
    });
    queue.done('a');
    expect(events).toEqual([
      'added',
      'depth=1',
      'added',
      'depth=2',
      'depth=1',
      'latency=2',
      'depth=0',
      'latency=3',
      'work=1.5',
    ]);
    expect(queue.stats().longestRunningProcessorSeconds).toBe(0.5);
  });

  it('counts a key added while processing in depth until it is handed out again', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    await queue.get();
    queue.add('a');
    expect(queue.stats().depth).toBe(1);
    expect(queue.len()).toBe(0);
    queue.done('a');
    expect(queue.len()).toBe(1);
    await queue.get();
    expect(queue.stats().depth).toBe(0);
  });

  it('stays FIFO across thousands of keys (internal compaction)', async () => {
    const queue = new WorkQueue();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    for (const key of keys.slice(0, 3000)) queue.add(key);
    const taken: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = await queue.get();
      if (key !== undefined) taken.push(key);
    }
    for (const key of keys.slice(3000)) queue.add(key);
    taken.push(...(await drainPending(queue)));
    expect(taken).toEqual(keys);
  });
});
