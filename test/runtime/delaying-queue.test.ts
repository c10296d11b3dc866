import { describe, expect, it } from 'vitest';
import { DelayingQueue } from '../../operator/src/runtime/delaying-queue.js';
import { ManualClock } from '../../operator/src/runtime/manual-clock.js';

function setup() {
  const clock = new ManualClock();
  const queue = new DelayingQueue({ clock });
  return { clock, queue };
}

async function pending(queue: DelayingQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

describe('DelayingQueue.addAfter', () => {
  it('adds the key only once the delay has passed', async () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 100);
    expect(queue.len()).toBe(0);
    expect(queue.stats().waiting).toBe(1);
    clock.advance(99);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(await pending(queue)).toEqual(['a']);
    expect(queue.stats().waiting).toBe(0);
  });

  it('releases keys in ready-time order, not call order', async () => {
    const { clock, queue } = setup();
    queue.addAfter('slow', 300);
    queue.addAfter('fast', 100);
    queue.addAfter('middle', 200);
    queue.addAfter('also-fast', 100);
    clock.advance(1000);
    expect(await pending(queue)).toEqual(['fast', 'also-fast', 'middle', 'slow']);
  });

  it('adds at once for zero, negative and NaN delays', async () => {
    const { queue } = setup();
    queue.addAfter('zero', 0);
    queue.addAfter('negative', -5);
    queue.addAfter('nan', Number.NaN);
    expect(await pending(queue)).toEqual(['zero', 'negative', 'nan']);
  });

  it('keeps the earlier ready time when a waiting key is added again', async () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 500);
    queue.addAfter('a', 100); // earlier: wins
    queue.addAfter('a', 900); // later: ignored
    expect(queue.stats().waiting).toBe(1);
    clock.advance(100);
    expect(await pending(queue)).toEqual(['a']);
    queue.done('a');
    clock.advance(1000);
    expect(queue.len()).toBe(0); // the 500 and 900 ms waits are gone, not fired later
  });

  it('dedupes against a key that is already pending when the wait ends', async () => {
    const { clock, queue } = setup();
    queue.add('a');
    queue.addAfter('a', 10);
    clock.advance(10);
    expect(await pending(queue)).toEqual(['a']);
  });

  it('counts every addAfter as a retry', () => {
    const { queue } = setup();
    queue.addAfter('a', 10);
    queue.addAfter('b', 0);
    expect(queue.stats().retries).toBe(2);
  });

  it('cancels every wait on shutdown and ignores later addAfter', async () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 100);
    queue.addAfter('b', 200);
    queue.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    queue.addAfter('c', 10);
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(1000);
    expect(await queue.get()).toBeUndefined();
  });
});
