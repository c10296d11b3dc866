import { describe, expect, it } from 'vitest';
import { formatTimestamp, realClock } from '../../operator/src/runtime/clock.js';
import { ManualClock } from '../../operator/src/runtime/manual-clock.js';
import { flush, track } from './helpers.js';

describe('formatTimestamp', () => {
  it.each([
    [0, '1970-01-01T00:00:00Z'],
    [Date.UTC(2024, 4, 1, 12, 30, 5), '2024-05-01T12:30:05Z'],
    [Date.UTC(2024, 4, 1, 12, 30, 5) + 999, '2024-05-01T12:30:05Z'],
    [Date.UTC(2024, 11, 31, 23, 59, 59, 500), '2024-12-31T23:59:59Z'],
  ])('%d ms → %s (whole seconds, as metav1.Time)', (ms, expected) => {
    expect(formatTimestamp(ms)).toBe(expected);
  });
});

describe('ManualClock', () => {
  it('only moves when advanced', () => {
    const clock = new ManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(250);
    expect(clock.now()).toBe(1250);
    expect(() => {
      clock.advance(-1);
    }).toThrow(RangeError);
  });

  it('fires timers in due order, ties in the order set, each at its own due time', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const record = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimer(30, record('c'));
    clock.setTimer(10, record('a'));
    clock.setTimer(10, record('b'));
    clock.setTimer(31, record('late'));
    clock.advance(30);
    expect(fired).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(31);
  });

  it('never fires a zero-delay timer synchronously, and runs timers set by callbacks within the step', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimer(0, () => {
      fired.push(clock.now());
      clock.setTimer(5, () => fired.push(clock.now()));
    });
    expect(fired).toEqual([]);
    clock.advance(10);
    expect(fired).toEqual([0, 5]);
  });

  it('does not fire cancelled timers', () => {
    const clock = new ManualClock();
    let fired = false;
    clock
      .setTimer(5, () => {
        fired = true;
      })
      .cancel();
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('sleep resolves when time passes, and rejects on abort', async () => {
    const clock = new ManualClock();
    const slept = track(clock.sleep(100));
    clock.advance(99);
    await flush();
    expect(slept.settled).toBe(false);
    clock.advance(1);
    await flush();
    expect(slept.settled).toBe(true);

    const controller = new AbortController();
    const aborted = clock.sleep(100, controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('realClock', () => {
  it('sleeps for real and can be cancelled', async () => {
    const start = Date.now();
    await realClock.sleep(20);
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
    let fired = false;
    realClock
      .setTimer(5, () => {
        fired = true;
      })
      .cancel();
    await realClock.sleep(15);
    expect(fired).toBe(false);
  });

  it('does not fire a delay beyond setTimeout’s 32-bit limit early', async () => {
    let fired = false;
    const timer = realClock.setTimer(2 ** 31 + 10_000, () => {
      fired = true;
    });
    await realClock.sleep(20);
    timer.cancel();
    expect(fired).toBe(false);
  });
});
