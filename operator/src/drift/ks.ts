/**
 * The two-sample Kolmogorov–Smirnov test, two-sided, with SciPy's `ks_2samp(method='auto')`
 * semantics so its statistic and p-value can be checked against SciPy's:
 *
 * - D = sup |F₁ − F₂| over the pooled values, each ECDF taken after all tied values, so ties
 *   are exact;
 * - when max(n₁, n₂) ≤ 10,000 the p-value is exact: D is snapped to the lattice h/lcm(n₁, n₂)
 *   it must lie on, and the probability of a path leaving the band |x/n₁ − y/n₂| < D is
 *   computed by Hodges' lattice-path recursion in Viehmann's form, which carries 1 − p so
 *   small p-values keep their precision (for n₁ = n₂, a closed alternating sum);
 * - otherwise, or when the exact sum cannot be computed, the asymptotic p-value is the
 *   one-sample Kolmogorov distribution's tail at D for n = round(n₁n₂ / (n₁ + n₂)).
 */
import { kolmogorovSf } from './kolmogorov.js';

/** Sample sizes up to which the p-value is exact. */
export const KS_EXACT_MAX_N = 10_000;

export interface KsResult {
  statistic: number;
  pValue: number;
  /** How the p-value was computed. */
  pValueMethod: 'exact' | 'asymptotic';
}

/** The test on two ascending samples without NaN, each of at least one value. */
export function ksTwoSample(first: Float64Array, second: Float64Array): KsResult {
  const n1 = first.length;
  const n2 = second.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('the KS test needs two non-empty samples');
  let d = ecdfDistance(first, second);
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, pValueMethod: 'exact' };
    const p = n1 === n2 ? outsideSquare(n1, h) : outsideBand(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, pValueMethod: 'exact' };
  }
  const larger = Math.max(n1, n2);
  const smaller = Math.min(n1, n2);
  const effective = roundHalfEven((larger * smaller) / (larger + smaller));
  const p = kolmogorovSf(effective, d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), pValueMethod: 'asymptotic' };
}

/**
 * max(D⁺, D⁻) where D⁺ = max(F₁ − F₂) and D⁻ = max(F₂ − F₁), each ECDF value computed as
 * count / n in floating point, exactly as SciPy computes it.
 */
function ecdfDistance(first: Float64Array, second: Float64Array): number {
  const n1 = first.length;
  const n2 = second.length;
  let i = 0;
  let j = 0;
  let largest = -Infinity;
  let smallest = Infinity;
  while (i < n1 || j < n2) {
    // Never read past either end: out-of-bounds reads are slow in V8.
    const a = i < n1 ? (first[i] ?? 0) : Infinity;
    const b = j < n2 ? (second[j] ?? 0) : Infinity;
    const value = a <= b ? a : b;
    while (i < n1 && (first[i] ?? 0) <= value) i++;
    while (j < n2 && (second[j] ?? 0) <= value) j++;
    const difference = i / n1 - j / n2;
    if (difference > largest) largest = difference;
    if (difference < smallest) smallest = difference;
  }
  const minus = Math.min(1, Math.max(0, -smallest));
  return minus > largest ? minus : largest;
}

/**
 * P(D ≥ h/n) for two samples of n: 2 Σ_k (−1)^(k+1) C(2n, n − kh) / C(2n, n), evaluated
 * from the innermost term outwards so the alternating sum does not cancel.
 */
function outsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * The share of monotone lattice paths from (0, 0) to (m, n) that touch or leave the band
 * |n'x − m'y| < h, where m' = m/g and n' = n/g. `outside[y]` holds, for the current column
 * x, the share of paths to (x, y) that have already left the band: 1 outside it, and inside
 * it the weighted mean of the two predecessors, (x·left + y·below) / (x + y). Only the band's
 * window of each column is recomputed.
 */
function outsideBand(first: number, second: number, g: number, h: number): number {
  const m = Math.max(first, second);
  const n = Math.min(first, second);
  const mg = m / g;
  const ng = n / g;
  const outside = new Float64Array(n + 1).fill(1);
  let low = 0;
  let high = Math.min(Math.ceil(h / mg), n + 1);
  outside.fill(0, low, high);
  for (let x = 1; x <= m; x++) {
    const previousLow = low;
    low = Math.min(Math.max(Math.floor((ng * x - h) / mg) + 1, 0), n);
    high = Math.min(Math.ceil((ng * x + h) / mg), n + 1);
    if (high <= low) return 1;
    outside.fill(1, previousLow, low);
    let below = low === 0 ? 0 : 1;
    for (let y = low; y < high; y++) {
      below = ((outside[y] ?? 1) * x + below * y) / (x + y);
      outside[y] = below;
    }
  }
  return outside[n] ?? 1;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Rounds to the nearest integer, ties to even, as NumPy's `round` does. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
