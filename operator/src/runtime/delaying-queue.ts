import type { Timer } from './clock.js';
import { WorkQueue } from './work-queue.js';

interface Waiting {
  readyAt: number;
  timer: Timer;
}

/**
 * A work queue that can also add a key later (client-go's `DelayingInterface`).
 *
 * Contract: `addAfter(key, ms)` adds `key` once `ms` have passed on the queue's clock
 * (immediately when `ms ≤ 0`). A key waits at most once: a second `addAfter` for a
 * waiting key keeps whichever ready time is earlier. Waiting is independent of being
 * pending or processing: when the time comes, `add`'s dedupe rules apply. Shutting down
 * cancels every wait. Each call counts as a retry in the queue's metrics, as in client-go.
 */
export class DelayingQueue extends WorkQueue {
  private readonly waiting = new Map<string, Waiting>();

  addAfter(key: string, delayMs: number): void {
    if (this.isShuttingDown) return;
    this.retries++;
    this.metrics.retried();
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.waiting.get(key);
    if (existing !== undefined) {
      if (existing.readyAt <= readyAt) return;
      existing.timer.cancel();
    }
    const timer = this.clock.setTimer(delayMs, () => {
      this.waiting.delete(key);
      this.add(key);
    });
    this.waiting.set(key, { readyAt, timer });
  }

  override shutDown(): void {
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    super.shutDown();
  }

  protected override waitingCount(): number {
    return this.waiting.size;
  }
}
