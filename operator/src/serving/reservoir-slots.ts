/**
 * Reservoir sampling (Vitter's Algorithm R) that picks slots for rows kept elsewhere (parallel
 * columns, say): after `seen` offers, the
 * held rows are a uniform sample of min(seen, capacity) of them. Pure given `random`.
 */
export class ReservoirSlots {
  #seen = 0;

  constructor(
    readonly capacity: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`reservoir capacity must be a positive integer, not ${capacity}`);
    }
  }

  /** Rows offered so far. */
  get seen(): number {
    return this.#seen;
  }

  /** Rows held: min(seen, capacity). */
  get size(): number {
    return Math.min(this.#seen, this.capacity);
  }

  /**
   * Offers one row: returns the slot (0 ≤ slot < capacity) to store it in, replacing whatever
   * was there, or undefined to drop it.
   */
  offer(): number | undefined {
    this.#seen += 1;
    if (this.#seen <= this.capacity) return this.#seen - 1;
    const slot = Math.floor(this.random() * this.#seen);
    return slot < this.capacity ? slot : undefined;
  }
}
