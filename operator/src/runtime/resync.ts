/**
 * Jittered periods, so objects (and operator replicas) that started together do not
 * resync or re-check in lockstep against the API server.
 */

export interface JitterOptions {
  /** Maximum extra fraction of the period, ≥ 0. Default 0.1 (up to 10 % longer). */
  jitter?: number;
  /** Uniform random number in [0, 1). Default `Math.random`; inject a fixed one in tests. */
  random?: () => number;
}

/**
 * `periodMs × (1 + jitter × random())`: never shorter than the period, at most
 * `jitter` longer (client-go's `wait.Jitter`). A jitter of 0 returns the period unchanged.
 * Throws on a period that is not a positive finite number or a negative jitter, and on a
 * `random` outside [0, 1), since either would silently break the bounds.
 */
export function jitteredPeriod(periodMs: number, options: JitterOptions = {}): number {
  const jitter = options.jitter ?? 0.1;
  if (!(Number.isFinite(periodMs) && periodMs > 0)) {
    throw new RangeError(`resync period must be a positive number of ms, got ${periodMs}`);
  }
  if (!(Number.isFinite(jitter) && jitter >= 0)) {
    throw new RangeError(`jitter must be a finite number ≥ 0, got ${jitter}`);
  }
  const random = (options.random ?? Math.random)();
  if (!(random >= 0 && random < 1)) {
    throw new RangeError(`random() must return a number in [0, 1), got ${random}`);
  }
  return periodMs * (1 + jitter * random);
}
