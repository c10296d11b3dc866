/**
 * Special functions for p-values: the log-gamma function and the regularized upper
 * incomplete gamma function, which gives the chi-square survival function.
 */

const LANCZOS_G = 7;
/** Godfrey's coefficients for the Lanczos approximation with g = 7, n = 9. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
] as const;
export const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
/** Stirling's series coefficients B_{2k} / (2k (2k-1)) for k = 1..6. */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360] as const;
const STIRLING_DESCENDING = [...STIRLING].reverse();
const EPSILON = Number.EPSILON;
const MAX_ITERATIONS = 10_000;

/** ln Γ(x) for x ≥ 0.5, to about 1e-15 relative (absolute near the zeros at 1 and 2). */
export function logGamma(x: number): number {
  if (!(x >= 0.5)) return NaN;
  if (x >= 15) {
    // Stirling's series: accurate and free of the Lanczos sum's rounding for large x.
    return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + stirlingSeries(x);
  }
  const shifted = x - 1;
  let sum = 0;
  LANCZOS.forEach((coefficient, i) => {
    sum += i === 0 ? coefficient : coefficient / (shifted + i);
  });
  const t = shifted + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], Stirling's correction term, for x ≥ 15: what
 * remains of ln Γ once its large, cancelling parts are taken out.
 */
export function stirlingSeries(x: number): number {
  const inverseSquared = 1 / (x * x);
  let series = 0;
  for (const coefficient of STIRLING_DESCENDING) series = series * inverseSquared + coefficient;
  return series / x;
}

/**
 * Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function, for a > 0 and
 * x ≥ 0: by its power series below x = a + 1 and by its continued fraction (modified Lentz)
 * above, so neither tail loses precision to cancellation.
 */
export function upperRegularizedGamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) return 1 - lowerSeries(a, x, logPrefactor);
  return upperContinuedFraction(a, x, logPrefactor);
}

/** P(a, x) by the series x^a e^-x / Γ(a+1) · Σ x^k / ((a+1)…(a+k)). */
function lowerSeries(a: number, x: number, logPrefactor: number): number {
  let term = 1 / a;
  let sum = term;
  for (let k = 1; k < MAX_ITERATIONS; k++) {
    term *= x / (a + k);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return Math.min(1, sum * Math.exp(logPrefactor));
}

/** Q(a, x) by Legendre's continued fraction, evaluated with the modified Lentz method. */
function upperContinuedFraction(a: number, x: number, logPrefactor: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let fraction = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(logPrefactor) * fraction;
}

/** The chi-square distribution's survival function P(X ≥ x) with `dof` degrees of freedom. */
export function chiSquareSf(x: number, dof: number): number {
  return upperRegularizedGamma(dof / 2, x / 2);
}
