/**
 * The distribution of the two-sided one-sample Kolmogorov–Smirnov statistic D_n, as
 * P(D_n ≥ x): the survival function SciPy calls `kstwo.sf(x, n)`. The regimes follow Simard
 * and L'Ecuyer (2011), "Computing the Two-Sided Kolmogorov–Smirnov Distribution":
 *
 * - nx ≤ 1 and nx ≥ n − 1: Ruben and Gambino's closed forms;
 * - x ≥ 0.5, or a large n·x²: twice the one-sided Smirnov tail (the two one-sided events
 *   cannot both happen, or almost never do);
 * - otherwise Durbin's exact matrix method (as Marsaglia, Tsang and Wang evaluate it), or
 *   for large n the Pelz–Good asymptotic series.
 *
 * Simard and L'Ecuyer use Pomeranz's recursion for n ≤ 140 and 0.754693 < n·x² ≤ 4; Durbin's
 * matrix is exact there too and stays small (at most 47 × 47), so it serves both ranges.
 */
import { HALF_LOG_TWO_PI, logGamma, stirlingSeries } from './special.js';

const SCALE_BITS = 128;
const SCALE = 2 ** SCALE_BITS;
const INVERSE_SCALE = 2 ** -SCALE_BITS;
/** ln of the smallest normal double: below it exp() underflows. */
const MIN_LOG = -708.3964185322641;
/** Above this n, SciPy's one-sided Smirnov tail switches to its closed approximation. */
const SMIRNOV_MAX_EXACT_N = 1_000_000;

/** P(D_n ≥ x) for the two-sided statistic of a sample of n, in [0, 1]. */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    return clip(1 - rubenGambinoCdf(n, t));
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 4) return clip(1 - durbinCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip(2 * smirnovSf(n, x));
  if (n <= 100_000 && n * x ** 1.5 <= 1.4) return clip(1 - durbinCdf(n, x));
  return clip(1 - pelzGoodCdf(n, x));
}

/** P(D_n ≤ x) = n!/nⁿ (2nx − 1)ⁿ for 1/(2n) ≤ x ≤ 1/n. */
function rubenGambinoCdf(n: number, t: number): number {
  if (n > 140) return Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
  let product = 1;
  for (let i = 1; i <= n; i++) product *= i * (1 / n) * (2 * t - 1);
  return product;
}

/** ln(n! / nⁿ) by Stirling's series with the n ln n terms cancelled exactly. */
function logFactorialOverPower(n: number): number {
  return Math.log(n) / 2 - n + HALF_LOG_TWO_PI + stirlingSeries(n);
}

/**
 * The one-sided Smirnov tail P(D_n⁺ ≥ x) for 1/n < x < 1, by Birnbaum and Tingey's sum
 * x Σ_{v < n(1−x)} C(n, v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1), each term in logarithms.
 */
export function smirnovSf(n: number, x: number): number {
  if (n === 1) return 1 - x;
  if (-2 * n * x * x < MIN_LOG) return 0;
  const nx = n * x;
  if (Math.floor(nx) >= n - 1) return (1 - x) ** n;
  if (n > SMIRNOV_MAX_EXACT_N) {
    const logP = -((6 * nx + 1) ** 2) / 18 / n;
    // Below ln ½ the tail itself is the precise quantity; above it, its complement.
    return logP < -Math.LN2 ? Math.exp(logP) : 1 + Math.expm1(logP);
  }
  const logNFactorial = logGamma(n + 1);
  const terms = Math.ceil(n - nx);
  let sum = 0;
  for (let v = 0; v < terms; v++) {
    const below = (n - v) / n - x;
    if (!(below > 0)) break;
    const logTerm =
      logNFactorial -
      logGamma(v + 1) -
      logGamma(n - v + 1) +
      (n - v) * Math.log(below) +
      (v - 1) * Math.log(x + v / n);
    const term = Math.exp(logTerm);
    sum += term;
    // The terms fall away geometrically past their peak: stop once the rest cannot matter.
    if (term > 0 && 4 * (terms - v) * term < Number.EPSILON * sum) break;
  }
  return clip(x * sum);
}

/**
 * P(D_n ≤ d), exactly, by Durbin's matrix method: with d = (k − h)/n, k a positive integer
 * and 0 ≤ h < 1, it is n!/nⁿ times the (k, k) entry of Hⁿ for a (2k−1)-square matrix H.
 * Powers are taken by squaring, with exponents kept aside so nothing overflows.
 */
export function durbinCdf(n: number, d: number): number {
  const nd = n * d;
  if (nd <= 0.5) return 0;
  if (d >= 1) return 1;
  const k = Math.ceil(nd);
  const h = k - nd;
  const size = 2 * k - 1;
  let base = durbinMatrix(size, h);
  let baseExponent = 0;
  let result: Float64Array | undefined;
  let resultExponent = 0;
  for (let power = n; power > 0; power = Math.floor(power / 2)) {
    if (power % 2 === 1) {
      result = result === undefined ? base.slice() : multiply(result, base, size);
      resultExponent += baseExponent + rescale(result);
    }
    if (power > 1) {
      base = multiply(base, base, size);
      baseExponent = 2 * baseExponent + rescale(base);
    }
  }
  let p = result?.[(k - 1) * size + (k - 1)] ?? 0;
  let exponent = resultExponent;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < INVERSE_SCALE) {
      p *= SCALE;
      exponent -= SCALE_BITS;
    }
  }
  return clip(p * 2 ** exponent);
}

/** Durbin's H, row-major: 1/(i−j+1)! on and below the superdiagonal, boundary terms in h. */
function durbinMatrix(size: number, h: number): Float64Array {
  const inverseFactorial = new Float64Array(size + 1);
  inverseFactorial[0] = 1;
  for (let i = 1; i <= size; i++) inverseFactorial[i] = (inverseFactorial[i - 1] ?? 0) / i;
  const matrix = new Float64Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let column = 1; column < size; column++) {
      const gap = row - column + 1;
      if (gap >= 0) matrix[row * size + column] = inverseFactorial[gap] ?? 0;
    }
  }
  for (let i = 0; i < size; i++) {
    const edge = (1 - h ** (i + 1)) * (inverseFactorial[i + 1] ?? 0);
    matrix[i * size] = edge; // first column
    matrix[(size - 1) * size + (size - 1 - i)] = edge; // last row, mirrored
  }
  const corner = 1 - 2 * h ** size + Math.max(0, 2 * h - 1) ** size;
  matrix[(size - 1) * size] = corner * (inverseFactorial[size] ?? 0);
  return matrix;
}

function multiply(left: Float64Array, right: Float64Array, size: number): Float64Array {
  const product = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < size; k++) {
      const factor = left[i * size + k] ?? 0;
      if (factor === 0) continue;
      for (let j = 0; j < size; j++) {
        product[i * size + j] = (product[i * size + j] ?? 0) + factor * (right[k * size + j] ?? 0);
      }
    }
  }
  return product;
}

/** Divides the matrix by 2^128 while its largest entry exceeds that; returns the bits taken. */
function rescale(matrix: Float64Array): number {
  let largest = 0;
  for (const value of matrix) largest = Math.max(largest, Math.abs(value));
  let bits = 0;
  while (largest > SCALE) {
    for (let i = 0; i < matrix.length; i++) matrix[i] = (matrix[i] ?? 0) * INVERSE_SCALE;
    largest *= INVERSE_SCALE;
    bits += SCALE_BITS;
  }
  return bits;
}

const PI_SQUARED = Math.PI ** 2;
const PI_FOURTH = Math.PI ** 4;
const PI_SIXTH = Math.PI ** 6;
const SQRT_TWO_PI = Math.sqrt(2 * Math.PI);

/**
 * P(D_n ≤ x) by Pelz and Good's (1976) expansion K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5
 * with z = x√n, each K written with Jacobi theta functions so it converges for small z.
 */
export function pelzGoodCdf(n: number, x: number): number {
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const logQ = -PI_SQUARED / 8 / z2;
  if (logQ < -708) return 0;
  const q = Math.exp(logQ);
  const k1a = -z2;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI_SQUARED) / 4;
  const k2c = (PI_FOURTH * (1 - 2 * z2)) / 16;
  const k3d = (PI_SIXTH * (5 - 30 * z2)) / 64;
  const k3c = (PI_FOURTH * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI_SQUARED * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  // Σ c(m) q^(m²) over odd m = 2k − 1, by Horner's rule in q^(8k).
  const terms = Math.ceil((16 * z) / Math.PI);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = terms; k >= 1; k--) {
    const m2 = (2 * k - 1) ** 2;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const power = q ** (8 * k);
    s0 = s0 * power + 1;
    s1 = s1 * power + (k1a + k1b * m2);
    s2 = s2 * power + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * power + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const common = q * SQRT_TWO_PI;
  const k0 = (s0 * common) / z;
  let k1 = (s1 * common) / (6 * z4);
  let k2 = (s2 * common) / (72 * z6 * z);
  let k3 = (s3 * common) / (6480 * z6 * z4);
  // The remaining sums over all integers k, where no cancellation is expected.
  const qWhole = Math.exp(-PI_SQUARED / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let extra2 = 0;
  let extra3 = 0;
  for (let k = terms; k >= 1; k--) {
    const k2 = k * k;
    const weight = k2 * qWhole ** k2;
    extra2 += weight;
    extra3 += (sqrt3z + Math.PI * k) * (sqrt3z - Math.PI * k) * weight;
  }
  k2 += (extra2 * PI_SQUARED * SQRT_TWO_PI) / (-36 * z2 * z);
  k3 += (extra3 * PI_SQUARED * SQRT_TWO_PI) / (216 * z6);
  k1 /= Math.sqrt(n);
  k2 /= n;
  k3 /= n ** 1.5;
  return k0 + k1 + k2 + k3;
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}
