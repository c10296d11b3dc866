/** Seeded samples for the drift tests: normal, integer (tied) and constant values. */
import { seededRandom } from '../../operator/src/data/random.js';

export type Random = () => number;

export function randomFrom(seed: number): Random {
  return seededRandom(seed);
}

/** Normal values by Box–Muller. */
export function normal(random: Random, n: number, mean = 0, sd = 1): Float64Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - random();
    const v = random();
    values[i] = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return values;
}

/** Integers in [low, high], so many values tie. */
export function integers(random: Random, n: number, low: number, high: number): Float64Array {
  return Float64Array.from({ length: n }, () => low + Math.floor(random() * (high - low + 1)));
}

/** Normal values rounded to `decimals`, so neighbours tie. */
export function rounded(random: Random, n: number, decimals: number, mean = 0): Float64Array {
  const scale = 10 ** decimals;
  return normal(random, n, mean).map((value) => Math.round(value * scale) / scale);
}

export function constant(n: number, value: number): Float64Array {
  return new Float64Array(n).fill(value);
}

/** Category counts drawn with the given weights (categories named c0, c1, …). */
export function categories(
  random: Random,
  n: number,
  weights: readonly number[],
): Map<string, number> {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    let pick = random() * total;
    let index = 0;
    while (index < weights.length - 1 && pick >= (weights[index] ?? 0)) {
      pick -= weights[index] ?? 0;
      index++;
    }
    counts.set(`c${index}`, (counts.get(`c${index}`) ?? 0) + 1);
  }
  return counts;
}
