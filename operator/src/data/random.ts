/** A small seeded PRNG (mulberry32), so samples drawn from the same data are the same. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform sample of at most `capacity` items from a stream of unknown length
 * (Vitter's algorithm R). Memory is O(capacity) whatever the stream's length.
 */
export class Reservoir<T> {
  private readonly items: T[] = [];
  private seen = 0;

  constructor(
    readonly capacity: number,
    private readonly random: () => number,
  ) {}

  add(item: T): void {
    this.seen += 1;
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    const slot = Math.floor(this.random() * this.seen);
    if (slot < this.capacity) this.items[slot] = item;
  }

  /** The sample, in no particular order. */
  values(): readonly T[] {
    return this.items;
  }
}
