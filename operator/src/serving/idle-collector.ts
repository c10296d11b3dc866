/**
 * Gives memory back once a burst of requests is over: after `idleMs` with no request, one
 * call of `collect` (V8's full collection, where `--expose-gc` provides it), then nothing
 * until requests come again.
 *
 * Why: V8 grows its heap under load and shrinks it only during a collection, which an idle
 * server does not run until V8's memory reducer gets to it, sometimes more than a minute
 * later, sometimes not at all. A pod's memory would stay at its peak meanwhile.
 *
 * Contract: `touch()` marks a request; the first `idleMs` without one runs `collect` once.
 * The timer never keeps the process alive, and `stop()` cancels it.
 */
export class IdleCollector {
  readonly #collect: () => void;
  readonly #idleMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(collect: () => void, idleMs: number) {
    this.#collect = collect;
    this.#idleMs = idleMs;
  }

  touch(): void {
    if (this.#timer !== undefined) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#collect();
    }, this.#idleMs);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
