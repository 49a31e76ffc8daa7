/**
 * PCA and its Jacobi eigensolver against scikit-learn's PCA (svd_solver="full") and numpy.linalg.eigh,
 * run through the project venv on seeded random matrices of both shapes (more runs than features,
 * which takes the covariance path, and fewer, which takes the Gram path), with 1 to 3 components,
 * features of very different scales and a constant feature. Components are compared up to sign and
 * also checked to follow scikit-learn's sign rule.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pca, symmetricEigen } from "../../../kernel/analysis/embedding/pca";
import { Rng } from "../../../kernel/train/random";
import { runPython } from "../../helpers";
import { REFERENCE } from "./reference";

interface PcaReference {
  mean: number[];
  components: number[][];
  explained_variance: number[];
  explained_variance_ratio: number[];
  scores: number[][];
}

/** n×d values: feature j scaled by scales[j] (default 1), a normal-ish sum of uniforms. */
function randomMatrix(seed: number, n: number, d: number, scales: number[] = []): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * (scales[j] ?? 1)));
}

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs scikit-learn ${expected} (tolerance ${tolerance})`);
}

const CASES: { name: string; X: number[][]; k: number }[] = [
  { name: "20 runs × 5 features, 2 components (covariance path)", X: randomMatrix(1, 20, 5), k: 2 },
  { name: "30 runs × 4 features of scales 1e-3…1e3, 3 components", X: randomMatrix(2, 30, 4, [1e-3, 1, 10, 1e3]), k: 3 },
  { name: "6 runs × 40 features, 2 components (Gram path)", X: randomMatrix(3, 6, 40), k: 2 },
  { name: "9 runs × 121 counts, 3 components", X: randomMatrix(4, 9, 121).map((r) => r.map((x) => Math.round(20 * (x + 1.5)))), k: 3 },
  { name: "12 runs × 12 features with a constant one, 1 component", X: randomMatrix(5, 12, 12).map((r) => [...r.slice(0, 11), 7]), k: 1 },
  { name: "4 runs × 3 features, 3 components (k = n - 1)", X: randomMatrix(6, 4, 3), k: 3 },
];

const sym = (m: number[][]) => m.map((row, i) => row.map((_, j) => (m[i][j] + m[j][i]) / 2));
const EIGEN_CASES = [
  sym(randomMatrix(11, 7, 7)),
  sym(randomMatrix(12, 25, 25).map((r) => r.map((x) => x * 100))),
  // Two (nearly) equal eigenvalues.
  [
    [2, 0, 0],
    [0, 2, 1e-9],
    [0, 1e-9, -3],
  ],
];

interface Reference {
  pca: PcaReference[];
  eigh: { values: number[]; vectors: number[][] }[];
}
let cached: Reference | undefined;
/** Every reference number of this file from one Python start (importing scikit-learn is slow). */
function reference(): Reference {
  if (!cached) cached = runPython<Reference>(REFERENCE, [], { pca: CASES.map(({ X, k }) => ({ X, k })), eigh: EIGEN_CASES });
  return cached;
}

test("PCA equals scikit-learn's: mean, components (up to sign), explained variance and ratio, coordinates", () => {
  const ref = reference();
  CASES.forEach(({ name, X, k }, c) => {
    const ours = pca(X, k);
    const want = ref.pca[c];
    const scale = Math.max(...X.flat().map(Math.abs));
    ours.mean.forEach((m, j) => close(m, want.mean[j], 1e-12 * scale, `${name}: mean[${j}]`));
    assert.equal(ours.components.length, k, name);
    for (let i = 0; i < k; i++) {
      const sign = Math.sign(ours.components[i].reduce((s, v, j) => s + v * want.components[i][j], 0));
      assert.notEqual(sign, 0, `${name}: component ${i} is orthogonal to scikit-learn's`);
      ours.components[i].forEach((v, j) => close(v, sign * want.components[i][j], 1e-9, `${name}: component ${i}[${j}]`));
      close(ours.explainedVariance[i], want.explained_variance[i], 1e-10 * want.explained_variance[0], `${name}: explained variance ${i}`);
      close(ours.explainedVarianceRatio[i], want.explained_variance_ratio[i], 1e-10, `${name}: explained variance ratio ${i}`);
      ours.scores.forEach((row, r) => close(row[i], sign * want.scores[r][i], 1e-9 * scale, `${name}: coordinate of run ${r} on component ${i}`));
      // scikit-learn's svd_flip: the entry of largest magnitude is positive.
      const big = ours.components[i].reduce((b, v, j, a) => (Math.abs(v) > Math.abs(a[b]) ? j : b), 0);
      assert.ok(ours.components[i][big] > 0, `${name}: component ${i}'s largest entry is negative`);
    }
  });
});

test("the Jacobi eigensolver matches numpy.linalg.eigh on symmetric matrices, nearly equal eigenvalues included", () => {
  const ref = reference();
  EIGEN_CASES.forEach((m, c) => {
    const ours = symmetricEigen(m);
    const scale = Math.max(...m.flat().map(Math.abs));
    ours.values.forEach((v, i) => close(v, ref.eigh[c].values[i], 1e-12 * scale, `matrix ${c}: eigenvalue ${i}`));
    // A v = λ v for every pair, and the vectors are orthonormal.
    ours.vectors.forEach((v, i) => {
      m.forEach((row, r) => close(row.reduce((s, x, j) => s + x * v[j], 0), ours.values[i] * v[r], 1e-11 * scale, `matrix ${c}: (A v - λ v)[${r}] of pair ${i}`));
      ours.vectors.forEach((w, j) => close(v.reduce((s, x, t) => s + x * w[t], 0), i === j ? 1 : 0, 1e-12, `matrix ${c}: v${i}·v${j}`));
    });
  });
});

test("PCA refuses what it cannot do, and says why", () => {
  assert.throws(() => pca([[1, 2, 3]], 1), /PCA needs at least 2 runs, found 1/);
  assert.throws(() => pca(randomMatrix(1, 3, 5), 3), /PCA with 3 components needs at least 4 runs .*found 3/);
  assert.throws(() => pca(randomMatrix(1, 10, 2), 3), /needs at least 3 features; the vectors have 2/);
  assert.throws(() => pca([[1, 2], [1, 2], [1, 2]], 1), /all 3 runs have the same vector/);
  assert.throws(() => pca([[1, 2], [3]], 1), /row 1 has 1 values, row 0 has 2/);
  assert.throws(() => pca([[1, NaN], [3, 4]], 1), /row 0, feature 1 is NaN/);
});

test("PCA of runs that span fewer dimensions than asked still returns orthonormal components, with zero variance", () => {
  // Five runs on one line in 8 dimensions: one real component, the second has no variance.
  const X = [0, 1, 2, 3, 4].map((t) => Array.from({ length: 8 }, (_, j) => t * (j + 1)));
  const { components, explainedVarianceRatio } = pca(X, 2);
  close(explainedVarianceRatio[0], 1, 1e-12, "ratio of the line's component");
  close(explainedVarianceRatio[1], 0, 1e-12, "ratio of the empty component");
  const d = (u: number[], v: number[]) => u.reduce((s, x, j) => s + x * v[j], 0);
  close(d(components[0], components[0]), 1, 1e-12, "|c0|");
  close(d(components[1], components[1]), 1, 1e-12, "|c1|");
  close(d(components[0], components[1]), 0, 1e-12, "c0·c1");
});
