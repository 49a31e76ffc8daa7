/**
 * The bias probes' statistics against SciPy, computed at test time through the project venv
 * (scipy_reference.py): Welch's t-test (t, df and p to 1e-10 relative on 300 seeded random cases,
 * from two values per group with df near 1 to p-values near 1e-60), the regularised incomplete beta
 * and the Student t CDF, and the permutation test: equal to scipy.stats.permutation_test exactly when
 * every split is enumerated (ties included), and within Monte Carlo error of SciPy's exact p-value
 * when splits are drawn.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { numpySum, permutationTest, regularizedIncompleteBeta, studentTCdf, welchTTest } from "../../../kernel/analysis/bias/stats";
import { Rng } from "../../../kernel/train/random";
import { ROOT, runPython } from "../../helpers";

const REFERENCE = join(ROOT, "test", "analysis", "bias", "scipy_reference.py");

type Num = number | "NaN" | "Infinity" | "-Infinity";
const num = (v: Num): number => (typeof v === "number" ? v : Number(v));

interface Reference {
  welch: [Num, Num, Num][];
  betainc: Num[];
  tcdf: Num[];
  permutation: [Num, Num, boolean][];
}

function normal(rng: Rng): number {
  const u = 1 - rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

function sample(rng: Rng, n: number, centre: number, scale: number): number[] {
  return Array.from({ length: n }, () => centre + scale * normal(rng));
}

/** Relative difference, with exact agreement required for zeros, infinities and NaN. */
function close(actual: number, expected: number, rel: number, what: string): void {
  if (!Number.isFinite(expected) || expected === 0) {
    assert.ok(Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected)), `${what}: ${actual} vs SciPy ${expected}`);
    return;
  }
  const r = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(r <= rel, `${what}: ${actual} vs SciPy ${expected} (relative difference ${r.toExponential(2)} > ${rel})`);
}

function welchCases(): [number[], number[]][] {
  const rng = new Rng(20261203);
  const cases: [number[], number[]][] = [];
  for (let i = 0; i < 300; i++) {
    const tiny = i % 10 === 0;
    const na = tiny ? 2 : 2 + rng.below(40);
    const nb = tiny ? 2 + rng.below(2) : 2 + rng.below(40);
    const scaleA = 10 ** (rng.uniform() * 6 - 3);
    const scaleB = i % 7 === 0 ? scaleA * 10 ** (rng.uniform() * 8 - 4) : scaleA * (0.5 + rng.uniform());
    // Shifts from none (p near 1) to many standard errors (p down to ~1e-60).
    const shift = scaleA * (i % 3 === 0 ? 0 : (rng.uniform() * 12) ** 1.5 / Math.sqrt(Math.min(na, nb)));
    cases.push([sample(rng, na, 0, scaleA), sample(rng, nb, shift, scaleB)]);
  }
  // Large samples (df in the hundreds), one huge t, exact ties of the means.
  cases.push([sample(rng, 400, 0, 1), sample(rng, 300, 0.2, 2)]);
  cases.push([sample(rng, 30, 0, 1), sample(rng, 25, 9, 1)]);
  cases.push([[1, 2, 3], [3, 2, 1, 2]]);
  return cases;
}

function betaCases(): [number, number, number][] {
  const rng = new Rng(5);
  const cases: [number, number, number][] = [];
  for (const a of [0.5, 1, 2.5, 7, 40, 300, 2000]) {
    for (const b of [0.5, 1, 3.5, 20, 500]) {
      for (let k = 0; k < 4; k++) cases.push([rng.uniform() ** 3, a, b]);
      cases.push([1 - 1e-9, a, b], [1e-9, a, b], [a / (a + b), a, b]);
    }
  }
  return cases;
}

function tCases(): [number, number][] {
  const cases: [number, number][] = [];
  for (const df of [1, 1.3, 2, 4.7, 10, 55.5, 1000]) for (const t of [-40, -5, -1.5, -1e-3, 0, 0.3, 2, 12]) cases.push([t, df]);
  return cases;
}

const WELCH_EDGE: [number[], number[]][] = [
  [[1, 1, 1], [2, 2, 2]], // both variances 0, means differ: t = -inf, df = 1 (SciPy's fill), p = 0
  [[1, 1, 1], [1, 1, 1]], // identical constants: t and p NaN
];

test("welchTTest equals scipy.stats.ttest_ind(equal_var=False) to 1e-10 relative; constant groups as SciPy treats them", () => {
  const cases = welchCases();
  const edge = WELCH_EDGE;
  const ref = reference();
  let smallest = 1;
  let tiniestDf = Infinity;
  [...cases, ...edge].forEach(([a, b], i) => {
    const got = welchTTest(a, b);
    const [t, df, p] = ref.welch[i].map(num);
    close(got.t, t, 1e-12, `case ${i} t`);
    close(got.df, df, 1e-12, `case ${i} df`);
    close(got.p, p, 1e-10, `case ${i} p (t=${t}, df=${df})`);
    if (p > 0) smallest = Math.min(smallest, p);
    tiniestDf = Math.min(tiniestDf, df);
  });
  // The cases reach where an approximation would show.
  assert.ok(smallest < 1e-30, `smallest p ${smallest}`);
  assert.ok(tiniestDf < 1.2, `smallest df ${tiniestDf}`);
  assert.throws(() => welchTTest([1], [1, 2]), /at least two values/);
});

test("regularizedIncompleteBeta and studentTCdf equal scipy.special.betainc and scipy.stats.t.cdf", () => {
  const ref = reference();
  betaCases().forEach(([x, a, b], i) => close(regularizedIncompleteBeta(x, a, b), num(ref.betainc[i]), 1e-11, `I_${x}(${a}, ${b})`));
  tCases().forEach(([t, df], i) => close(studentTCdf(t, df), num(ref.tcdf[i]), 1e-11, `t.cdf(${t}, ${df})`));
});

test("numpySum adds in NumPy's pairwise order (differs from a plain loop, equal to np.sum)", () => {
  // 1e16 + 1 + ... : the order decides which ones survive rounding.
  const values = [1e16, ...Array.from({ length: 20 }, () => 1), -1e16, 3, 3, 3, 3, 3, 3, 3];
  const loop = values.reduce((s, v) => s + v, 0);
  const numpy = runPython<number>(join(ROOT, "test", "analysis", "bias", "numpy_sum.py"), [], values);
  assert.equal(numpySum(values), numpy);
  assert.notEqual(loop, numpy, "the case should tell the two orders apart");
});

function permutationCases(): [number[], number[]][] {
  const rng = new Rng(99);
  const cases: [number[], number[]][] = [];
  for (const [na, nb] of [[2, 2], [3, 4], [5, 5], [2, 9], [6, 7], [7, 7], [4, 11]]) {
    cases.push([sample(rng, na, 0, 1), sample(rng, nb, rng.uniform(), 1 + rng.uniform())]);
  }
  // Ties: small integers, so many splits equal the observed difference exactly.
  cases.push([[1, 2, 2, 3], [2, 3, 3, 4, 4]]);
  cases.push([[0, 1, 0, 1, 1], [1, 0, 1, 0, 0, 1]]);
  // Scores in (0, 1) with 9 decimals, as model scores are, and identical groups (p = 1).
  cases.push([[0.123456789, 0.5, 0.987654321, 0.25], [0.75, 0.333333333, 0.1, 0.6, 0.9]]);
  cases.push([[0.2, 0.4, 0.6], [0.2, 0.4, 0.6]]);
  // Groups of 8 and more (NumPy's eight-accumulator order) from four decimals: many splits equal the
  // observed difference in exact arithmetic but round differently, so the tie tolerance and the
  // summation order both decide the count.
  // (Here SciPy's p is 0.728 with its tolerance and would be 0.640 without it.)
  cases.push([[0.2, 0.3, 0.7, 0.7, 0.1, 0.1, 0.7, 0.7, 0.1], [0.2, 0.7, 0.2, 0.2, 0.7, 0.2, 0.2, 0.3]]);
  return cases;
}

const binom = (n: number, k: number) => {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
};

function monteCarloCases(): [number[], number[]][] {
  const rng = new Rng(1234);
  return [
    [sample(rng, 9, 0, 1), sample(rng, 9, 0.9, 1)],
    [sample(rng, 8, 0, 1), sample(rng, 10, 0.3, 2)],
    [sample(rng, 9, 0, 1), sample(rng, 9, 1.8, 1)],
  ];
}

/** Each case with n_resamples = its number of splits (SciPy switches to the exact test at n_resamples >= splits). */
const exactRequests = (cases: [number[], number[]][]) => cases.map(([a, b]) => [a, b, binom(a.length + b.length, a.length)] as const);

let cached: Reference | undefined;
/** SciPy's numbers for every case of this file, from one Python process (SciPy takes seconds to import). */
function reference(): Reference {
  cached ??= runPython<Reference>(REFERENCE, [], {
    welch: [...welchCases(), ...WELCH_EDGE],
    betainc: betaCases(),
    tcdf: tCases(),
    permutation: exactRequests([...permutationCases(), ...monteCarloCases()]),
  });
  return cached;
}

test("permutationTest equals scipy.stats.permutation_test exactly when every split is enumerated", () => {
  const cases = permutationCases();
  const requests = exactRequests(cases);
  const ref = reference();
  requests.forEach(([a, b, n], i) => {
    const got = permutationTest(a, b, { resamples: n, seed: 3 });
    const [statistic, p, exact] = ref.permutation[i];
    assert.equal(exact, true);
    assert.equal(got.exact, true, `case ${i}: ${n} splits should be enumerated`);
    assert.equal(got.resamples, n);
    assert.equal(got.statistic, num(statistic), `case ${i} statistic`);
    assert.equal(got.p, num(p), `case ${i} p (${n} splits)`);
  });
  // A different seed changes nothing in the exact test.
  const [a, b] = cases[4];
  assert.equal(permutationTest(a, b, { resamples: 10_000, seed: 1 }).p, permutationTest(a, b, { resamples: 10_000, seed: 2 }).p);
});

test("permutationTest draws seeded random splits when there are more splits than resamples, within Monte Carlo error of SciPy's exact p", () => {
  const rng = new Rng(4321);
  const cases = monteCarloCases();
  const ref = reference();
  const offset = permutationCases().length;
  const N = 4000;
  cases.forEach(([a, b], i) => {
    assert.equal(ref.permutation[offset + i][2], true, "SciPy's reference is its exact test");
    const exactP = num(ref.permutation[offset + i][1]);
    const got = permutationTest(a, b, { resamples: N, seed: 7 });
    assert.equal(got.exact, false);
    assert.equal(got.resamples, N);
    // p = 2·min(count+1)/(N+1): the one-sided share q = p/2 is a binomial proportion over N draws, so
    // p has standard error 2·√(q(1−q)/N); allow 5 of them, plus the +1 correction's 2/(N+1).
    const q = exactP / 2;
    const tolerance = 5 * 2 * Math.sqrt((q * (1 - q)) / N) + 2 / (N + 1);
    assert.ok(Math.abs(got.p - exactP) <= tolerance, `case ${i}: Monte Carlo p ${got.p} vs exact ${exactP} (tolerance ${tolerance.toFixed(4)})`);
    // Seeded: the same seed gives the same p, another seed (almost surely) another.
    assert.equal(permutationTest(a, b, { resamples: N, seed: 7 }).p, got.p);
  });
  const [a, b] = cases[0];
  assert.notEqual(permutationTest(a, b, { resamples: N, seed: 8 }).p, permutationTest(a, b, { resamples: N, seed: 7 }).p);
  // Never below SciPy's smallest Monte Carlo p-value, 2/(N+1).
  const far = permutationTest(sample(rng, 10, 0, 1), sample(rng, 10, 50, 1), { resamples: 999, seed: 1 });
  assert.equal(far.p, 2 / 1000);
});
