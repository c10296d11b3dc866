import { sleepOn, type Clock, type Timer } from './clock.js';

interface Scheduled {
  due: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock that only moves when told to, for deterministic tests.
 *
 * Contract:
 * - `now()` starts at `startMs` and changes only in `advance`/`set`;
 * - `advance(ms)` runs every timer due within the step, in due-time order (ties in the
 *   order they were set), with `now()` equal to each timer's due time while it runs;
 *   timers set by those callbacks run in the same step if they fall due within it;
 * - callbacks run synchronously inside `advance`; promise continuations they trigger run
 *   only when the caller yields to the event loop afterwards.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<Scheduled>();

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const entry: Scheduled = {
      due: this.current + Math.max(0, delayMs),
      seq: this.seq++,
      callback,
    };
    this.timers.add(entry);
    return {
      cancel: () => {
        this.timers.delete(entry);
      },
    };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }

  /** Moves time forward by `ms` (≥ 0), running the timers that fall due. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    const target = this.current + ms;
    for (let next = this.nextDue(target); next !== undefined; next = this.nextDue(target)) {
      this.timers.delete(next);
      this.current = next.due;
      next.callback();
    }
    this.current = target;
  }

  /** Number of timers set and not yet run or cancelled. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.nextDue(Number.POSITIVE_INFINITY)?.due;
  }

  private nextDue(limit: number): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const timer of this.timers) {
      if (timer.due > limit) continue;
      if (
        best === undefined ||
        timer.due < best.due ||
        (timer.due === best.due && timer.seq < best.seq)
      ) {
        best = timer;
      }
    }
    return best;
  }
}
