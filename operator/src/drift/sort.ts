/**
 * Sorting float64 samples fast: an LSD radix sort on the IEEE-754 bit patterns, four passes
 * of 16 bits. Linear time, so sorting a million values costs a few tens of milliseconds where
 * a comparison sort costs several times that.
 */

const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;
const SMALL = 4096;

/**
 * Returns a new array holding the finite and infinite values of `values` in ascending order
 * (NaN is the caller's to remove: it must not be present). -0 sorts before +0; they compare
 * equal, so that never changes a statistic.
 */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const length = values.length;
  const sorted = new Float64Array(length);
  sorted.set(values);
  if (length < SMALL) return sorted.sort();
  const keys = new Uint32Array(sorted.buffer);
  toSortableBits(keys);
  const scratch = scratchFor(keys.length);
  const counts = histograms(keys);
  let source: Uint32Array = keys;
  let target: Uint32Array = scratch;
  for (let pass = 0; pass < 4; pass++) {
    const offsets = counts.subarray(pass * BUCKETS, (pass + 1) * BUCKETS);
    if (offsets[digitOf(source, 0, pass)] === length) continue; // every key shares this digit
    prefixSums(offsets);
    scatter(source, target, offsets, pass);
    const swap = source;
    source = target;
    target = swap;
  }
  if (source !== keys) keys.set(source);
  fromSortableBits(keys);
  return sorted;
}

let spare: WeakRef<Uint32Array> | undefined;

/**
 * Scratch space for one sort. The last one is reused while the garbage collector has not
 * reclaimed it (a WeakRef holds nothing alive), so sorting two samples in a row needs one
 * scratch buffer at a time, not two. It never leaves this module.
 */
function scratchFor(length: number): Uint32Array {
  const reusable = spare?.deref();
  if (reusable !== undefined && reusable.length >= length) return reusable.subarray(0, length);
  const fresh = new Uint32Array(length);
  spare = new WeakRef(fresh);
  return fresh;
}

/** Maps each float's bits (low word, high word) to an unsigned key with the same order. */
function toSortableBits(words: Uint32Array): void {
  for (let i = 0; i < words.length; i += 2) {
    const high = words[i + 1] ?? 0;
    if (high & 0x80000000) {
      words[i] = ~(words[i] ?? 0) >>> 0;
      words[i + 1] = ~high >>> 0;
    } else {
      words[i + 1] = (high | 0x80000000) >>> 0;
    }
  }
}

function fromSortableBits(words: Uint32Array): void {
  for (let i = 0; i < words.length; i += 2) {
    const high = words[i + 1] ?? 0;
    if (high & 0x80000000) {
      words[i + 1] = (high & 0x7fffffff) >>> 0;
    } else {
      words[i] = ~(words[i] ?? 0) >>> 0;
      words[i + 1] = ~high >>> 0;
    }
  }
}

function digitOf(words: Uint32Array, item: number, pass: number): number {
  const word = words[2 * item + (pass >> 1)] ?? 0;
  return pass & 1 ? word >>> DIGIT_BITS : word & (BUCKETS - 1);
}

/** The four digit histograms in one read of the keys. */
function histograms(words: Uint32Array): Uint32Array {
  const counts = new Uint32Array(4 * BUCKETS);
  for (let i = 0; i < words.length; i += 2) {
    const low = words[i] ?? 0;
    const high = words[i + 1] ?? 0;
    counts[low & 0xffff] = (counts[low & 0xffff] ?? 0) + 1;
    counts[BUCKETS + (low >>> 16)] = (counts[BUCKETS + (low >>> 16)] ?? 0) + 1;
    counts[2 * BUCKETS + (high & 0xffff)] = (counts[2 * BUCKETS + (high & 0xffff)] ?? 0) + 1;
    counts[3 * BUCKETS + (high >>> 16)] = (counts[3 * BUCKETS + (high >>> 16)] ?? 0) + 1;
  }
  return counts;
}

/** Turns counts into each bucket's first position. */
function prefixSums(counts: Uint32Array): void {
  let total = 0;
  for (let bucket = 0; bucket < counts.length; bucket++) {
    const count = counts[bucket] ?? 0;
    counts[bucket] = total;
    total += count;
  }
}

function scatter(
  source: Uint32Array,
  target: Uint32Array,
  offsets: Uint32Array,
  pass: number,
): void {
  const word = pass >> 1;
  const shift = pass & 1 ? DIGIT_BITS : 0;
  for (let i = 0; i < source.length; i += 2) {
    const digit = ((source[i + word] ?? 0) >>> shift) & (BUCKETS - 1);
    const position = 2 * (offsets[digit] ?? 0);
    offsets[digit] = (offsets[digit] ?? 0) + 1;
    target[position] = source[i] ?? 0;
    target[position + 1] = source[i + 1] ?? 0;
  }
}
