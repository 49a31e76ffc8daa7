/**
 * Two-sample statistics for bias probes, written to give SciPy's numbers:
 *   - welchTTest = scipy.stats.ttest_ind(a, b, equal_var=False) (t, df, two-sided p);
 *   - permutationTest = scipy.stats.permutation_test((a, b), mean(x) - mean(y),
 *     permutation_type="independent", alternative="two-sided", n_resamples=N): the exact test over
 *     every split of the pooled data when there are at most N distinct splits, a seeded Monte Carlo
 *     test otherwise.
 *
 * Means are summed in NumPy's order (pairwise summation, see `numpySum`), so the observed statistic
 * and the statistics of the exact null distribution are bit-identical to SciPy's and ties count the
 * same way. The Student t tail comes from the regularised incomplete beta function (a Lentz
 * continued fraction with a Lanczos log-beta), accurate to ~1e-14 relative for the df that two
 * samples give.
 */
import { Rng } from "../../train/random";

/**
 * NumPy's float64 sum of a contiguous array (pairwise_sum in numpy/_core/src/umath/loops_utils.h):
 * under 8 values a plain loop, up to 128 eight accumulators, above that two halves (split at a
 * multiple of 8) summed recursively. Matching it makes means bit-identical to np.mean.
 */
export function numpySum(values: ArrayLike<number>, from = 0, to = values.length): number {
  const n = to - from;
  if (n < 8) {
    let s = 0;
    for (let i = from; i < to; i++) s += values[i];
    return s;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[from + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += values[from + i + j];
    // ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), as NumPy adds them.
    const left = r[0] + r[1] + (r[2] + r[3]);
    const right = r[4] + r[5] + (r[6] + r[7]);
    let s = left + right;
    for (; i < n; i++) s += values[from + i];
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(values, from, from + half) + numpySum(values, from + half, to);
}

/** np.mean. */
export function mean(values: ArrayLike<number>): number {
  return numpySum(values) / values.length;
}

/** np.var(values, ddof=1): the unbiased sample variance. */
export function sampleVariance(values: ArrayLike<number>): number {
  const m = mean(values);
  const squares = Array.from(values, (v) => (v - m) * (v - m));
  return numpySum(squares) / (values.length - 1);
}

// Lanczos approximation, g = 7, n = 9 (Godfrey's coefficients): Γ(z) = √(2π) t^(z−½) e^(−t) A(z), t = z + g − ½.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function lanczosSum(z: number): number {
  let a = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (z - 1 + i);
  return a;
}

/** ln Γ(z) for z > 0. */
export function logGamma(z: number): number {
  if (!(z > 0)) return NaN;
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const t = z + LANCZOS_G - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z - 0.5) * Math.log(t) - t + Math.log(lanczosSum(z));
}

/**
 * ln B(a, b) for a, b ≥ ½, with the large power terms combined before they are added, so a large a
 * (many degrees of freedom) loses no digits to cancellation between ln Γ(a) and ln Γ(a + b).
 */
export function logBeta(a: number, b: number): number {
  if (!(a > 0 && b > 0)) return NaN;
  if (a < b) [a, b] = [b, a];
  if (b < 0.5) return logGamma(a) + logGamma(b) - logGamma(a + b);
  const c = a + b;
  const tb = b + LANCZOS_G - 0.5;
  const tc = c + LANCZOS_G - 0.5;
  return (
    0.5 * Math.log(2 * Math.PI) -
    (LANCZOS_G - 0.5) +
    (b - 0.5) * Math.log(tb) -
    b * Math.log(tc) +
    (a - 0.5) * Math.log1p(-b / tc) +
    Math.log((lanczosSum(a) * lanczosSum(b)) / lanczosSum(c))
  );
}

/** The continued fraction of I_x(a, b) (modified Lentz), for x < (a + 1) / (a + b + 2). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    // Even step.
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    // Odd step.
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) return f;
  }
  throw new Error(`incomplete beta: the continued fraction did not converge (a=${a}, b=${b}, x=${x})`);
}

/**
 * The regularised incomplete beta function I_x(a, b). `y` is 1 − x when the caller knows it more
 * precisely than 1 − x can be computed (x near 1).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (Number.isNaN(x) || Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (!(a > 0 && b > 0)) return NaN;
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const lx = x < 0.5 ? Math.log(x) : Math.log1p(-y);
  const ly = y < 0.5 ? Math.log(y) : Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) {
    return Math.exp(a * lx + b * ly - logBeta(a, b)) * betaFraction(a, b, x) / a;
  }
  return 1 - (Math.exp(a * lx + b * ly - logBeta(a, b)) * betaFraction(b, a, y)) / b;
}

/** P(|T| ≥ |t|) for Student's t with df degrees of freedom (df may be fractional, as Welch's is). */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  // I_x(df/2, 1/2) with x = df / (df + t²) and 1 − x = t² / (df + t²), each computed directly.
  return regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/** P(T ≤ t) for Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTwoSided(t, df) / 2;
  return t < 0 ? tail : 1 - tail;
}

export interface WelchResult {
  /** (mean a − mean b) / √(var a / n a + var b / n b), sample variances (ddof 1). */
  t: number;
  /** Welch–Satterthwaite degrees of freedom; 1 where it is 0/0 (both variances 0), as SciPy does. */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/** Welch's unequal-variance t-test, scipy.stats.ttest_ind(a, b, equal_var=False). */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>): WelchResult {
  if (a.length < 2 || b.length < 2) throw new Error(`Welch's t-test needs at least two values in each sample, got ${a.length} and ${b.length}`);
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  let df = (va + vb) ** 2 / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  if (Number.isNaN(df)) df = 1;
  const t = (mean(a) - mean(b)) / Math.sqrt(va + vb);
  return { t, df, p: studentTTwoSided(t, df) };
}

export interface PermutationOptions {
  /** Random splits to draw (SciPy's n_resamples; default 9999). At least this many distinct splits → exact test. */
  resamples?: number;
  /** Seed of the Monte Carlo draws (xoshiro128**, kernel/train/random.ts). */
  seed?: number;
}

export interface PermutationResult {
  /** mean(a) − mean(b). */
  statistic: number;
  /** Two-sided p-value: 2 · min(P(null ≤ observed), P(null ≥ observed)), at most 1. */
  p: number;
  /** True when every distinct split was enumerated (no randomness, no +1 correction). */
  exact: boolean;
  /** Splits in the null distribution: C(n a + n b, n a) when exact, else `resamples`. */
  resamples: number;
}

/** C(n, k) as a float (exact below 2^53, +Infinity when it overflows). */
export function binomial(n: number, k: number): number {
  k = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * The permutation test of the difference of means between two independent samples, counted as
 * SciPy counts: the null distribution is the statistic over every split of the pooled values into
 * samples of the original sizes (exact; the observed split is one of them) or over `resamples`
 * random splits (Monte Carlo, where the observed split is added: (count + 1) / (resamples + 1)).
 * Values within 100 machine epsilons (relative) of the observed statistic count as ties.
 */
export function permutationTest(a: ArrayLike<number>, b: ArrayLike<number>, options: PermutationOptions = {}): PermutationResult {
  const resamples = options.resamples ?? 9999;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`permutation test: resamples must be a positive integer, got ${resamples}`);
  if (a.length < 1 || b.length < 1) throw new Error(`permutation test: both samples need at least one value, got ${a.length} and ${b.length}`);
  const na = a.length;
  const n = na + b.length;
  const pooled = Float64Array.from([...Array.from(a), ...Array.from(b)]);
  const statistic = mean(a) - mean(b);
  const gamma = Math.abs(100 * Number.EPSILON * statistic);
  let below = 0;
  let above = 0;
  const bufA = new Float64Array(na);
  const bufB = new Float64Array(n - na);
  const count = (value: number) => {
    if (value <= statistic + gamma) below++;
    if (value >= statistic - gamma) above++;
  };
  const splits = binomial(n, na);
  const exact = splits <= resamples;
  if (exact) {
    // Every combination of na indices in lexicographic order; each sample keeps increasing index order.
    const chosen = Array.from({ length: na }, (_, i) => i);
    for (;;) {
      let ia = 0;
      let ib = 0;
      for (let i = 0, c = 0; i < n; i++) {
        if (c < na && chosen[c] === i) {
          bufA[ia++] = pooled[i];
          c++;
        } else bufB[ib++] = pooled[i];
      }
      count(mean(bufA) - mean(bufB));
      let k = na - 1;
      while (k >= 0 && chosen[k] === n - na + k) k--;
      if (k < 0) break;
      chosen[k]++;
      for (let j = k + 1; j < na; j++) chosen[j] = chosen[j - 1] + 1;
    }
  } else {
    const rng = new Rng(options.seed ?? 0);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let r = 0; r < resamples; r++) {
      for (let i = n - 1; i > 0; i--) {
        const j = rng.below(i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (let i = 0; i < na; i++) bufA[i] = pooled[order[i]];
      for (let i = na; i < n; i++) bufB[i - na] = pooled[order[i]];
      count(mean(bufA) - mean(bufB));
    }
  }
  const total = exact ? splits : resamples;
  const adjust = exact ? 0 : 1;
  const p = Math.min(1, Math.min((below + adjust) / (total + adjust), (above + adjust) / (total + adjust)) * 2);
  return { statistic, p, exact, resamples: total };
}
