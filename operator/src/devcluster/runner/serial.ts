/**
 * A level-triggered pass run on demand, one at a time.
 *
 * Contract: `trigger` runs the pass soon (triggers within one tick make one pass); a trigger
 * while a pass runs, even from inside the pass, makes exactly one more pass after it. A
 * pass that throws is reported to `onError` and run again after a back-off, from 1 s
 * doubling to 30 s while passes keep failing. After `stop` resolves no pass is running and
 * none will start.
 */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export class SerialTask {
  private pending = false;
  /** True from the moment a loop of passes is decided until it has ended. */
  private active = false;
  private running: Promise<void> = Promise.resolve();
  private scheduled: NodeJS.Immediate | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  trigger(): void {
    if (this.stopped) return;
    this.pending = true;
    if (!this.active)
      this.scheduled ??= setImmediate(() => {
        this.begin();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    if (this.retry !== undefined) clearTimeout(this.retry);
    await this.running;
  }

  private begin(): void {
    this.scheduled = undefined;
    if (this.stopped || this.active) return;
    this.active = true;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.pending && !this.stopped) {
      this.pending = false;
      try {
        await this.pass();
        this.failures = 0;
      } catch (error) {
        this.onError(error);
        const delay = Math.min(FIRST_RETRY_MS * 2 ** this.failures, MAX_RETRY_MS);
        this.failures++;
        if (this.retry !== undefined) clearTimeout(this.retry);
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.trigger();
        }, delay);
      }
    }
    // Synchronous with the last check of `pending`, so no trigger falls in between.
    this.active = false;
  }
}
