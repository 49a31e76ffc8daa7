/**
 * Principal component analysis in float64, equal to scikit-learn's `PCA(n_components=k)` (its exact
 * solvers): the data are centred; the components are the eigenvectors of the covariance with the
 * largest eigenvalues; explained_variance = eigenvalue (the covariance divided by n - 1), and
 * explained_variance_ratio = explained_variance / the total variance of all features. Each
 * component's sign follows scikit-learn's svd_flip (1.5 and later): its entry of largest magnitude
 * is positive.
 *
 * The eigenproblem is solved on the smaller side: the d×d covariance when there are no more features
 * than runs, else the n×n Gram matrix of the centred runs (whose eigenvectors u give the components
 * Xcᵀu / |Xcᵀu|). Both with the cyclic Jacobi method below: a few runs and a few hundred features are
 * small, and Jacobi is simple, accurate to rounding, and needs no TF.js (no tensors to dispose).
 */

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: number[];
  /** vectors[i] is the unit eigenvector of values[i]. */
  vectors: number[][];
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations: each rotation zeroes
 * one off-diagonal entry; sweeps repeat until every off-diagonal entry is negligible against its two
 * diagonal entries (quadratic convergence: a handful of sweeps).
 */
export function symmetricEigen(matrix: readonly (readonly number[])[]): SymmetricEigen {
  const n = matrix.length;
  matrix.forEach((row, i) => {
    if (row.length !== n) throw new Error(`symmetricEigen: row ${i} has ${row.length} entries; the matrix must be ${n}×${n}`);
  });
  const a = matrix.map((row) => Float64Array.from(row));
  const v = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    row[i] = 1;
    return row;
  });
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p][q];
        if (apq === 0) continue;
        const app = a[p][p];
        const aqq = a[q][q];
        const g = 100 * Math.abs(apq);
        // After a few sweeps, an entry below rounding of both diagonal entries is set to zero.
        if (sweep > 3 && Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)) {
          a[p][q] = 0;
          a[q][p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = theta === 0 ? 1 : Math.sign(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        a[p][q] = 0;
        a[q][p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

export interface PcaResult {
  /** Per-feature mean that was subtracted. */
  mean: number[];
  /** k unit vectors over the features (scikit-learn's components_). */
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  /** The runs' coordinates, (x - mean) · component, one row per run, k numbers each. */
  scores: number[][];
  /** The sum of every feature's variance (divided by n - 1). */
  totalVariance: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Unit vectors orthogonal to `basis`, from the standard basis (Gram–Schmidt), until there are `k`. */
function completeBasis(basis: number[][], k: number, d: number): number[][] {
  const out = basis.map((b) => [...b]);
  for (let j = 0; j < d && out.length < k; j++) {
    const e = new Array<number>(d).fill(0);
    e[j] = 1;
    for (const b of out) {
      const p = dot(e, b);
      for (let i = 0; i < d; i++) e[i] -= p * b[i];
    }
    const norm = Math.sqrt(dot(e, e));
    if (norm > 1e-8) out.push(e.map((x) => x / norm));
  }
  return out;
}

/**
 * PCA of `data` (one row per run) with `k` components. Throws when there are too few rows for k
 * components (n runs' centred vectors span at most n - 1 dimensions, so k ≤ n - 1 and k ≤ features),
 * when rows differ in length, or when every row is the same (no variance to explain).
 */
export function pca(data: readonly (readonly number[])[], k: number): PcaResult {
  const n = data.length;
  const d = data[0]?.length ?? 0;
  if (!Number.isInteger(k) || k < 1) throw new Error(`PCA: the number of components must be a whole number ≥ 1, found ${k}`);
  if (n < 2) throw new Error(`PCA needs at least 2 runs, found ${n}`);
  if (k > n - 1) throw new Error(`PCA with ${k} components needs at least ${k + 1} runs (the centred vectors of ${n} runs span at most ${n - 1} dimension${n - 1 === 1 ? "" : "s"}); found ${n}`);
  if (k > d) throw new Error(`PCA with ${k} components needs at least ${k} features; the vectors have ${d}`);
  data.forEach((row, i) => {
    if (row.length !== d) throw new Error(`PCA: row ${i} has ${row.length} values, row 0 has ${d}`);
    row.forEach((x, j) => {
      if (!Number.isFinite(x)) throw new Error(`PCA: row ${i}, feature ${j} is ${x}, not a finite number`);
    });
  });
  const mean = new Array<number>(d).fill(0);
  for (const row of data) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  const centred = data.map((row) => row.map((x, j) => x - mean[j]));
  let sumSquares = 0;
  for (const row of centred) sumSquares += dot(row, row);
  const totalVariance = sumSquares / (n - 1);
  if (!(totalVariance > 0)) throw new Error(`PCA: all ${n} runs have the same vector; there is no variance to explain`);

  let components: number[][];
  let variances: number[];
  if (d <= n) {
    const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const row of centred) {
      for (let i = 0; i < d; i++) {
        const ri = row[i];
        if (ri === 0) continue;
        for (let j = i; j < d; j++) cov[i][j] += ri * row[j];
      }
    }
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[j][i] = cov[i][j] = cov[i][j] / (n - 1);
    const eig = symmetricEigen(cov);
    components = eig.vectors.slice(0, k);
    variances = eig.values.slice(0, k);
  } else {
    const gram = centred.map((a) => centred.map((b) => dot(a, b)));
    const eig = symmetricEigen(gram);
    components = [];
    variances = [];
    const floor = Math.max(eig.values[0], 0) * 1e-12;
    for (let c = 0; c < k; c++) {
      const mu = eig.values[c];
      if (!(mu > floor)) break; // the rest has no variance: any orthogonal directions will do
      const u = eig.vectors[c];
      const w = new Array<number>(d).fill(0);
      centred.forEach((row, r) => {
        for (let j = 0; j < d; j++) w[j] += row[j] * u[r];
      });
      const norm = Math.sqrt(dot(w, w));
      components.push(w.map((x) => x / norm));
      variances.push(mu / (n - 1));
    }
    if (components.length < k) {
      components = completeBasis(components, k, d);
      while (variances.length < k) variances.push(0);
    }
  }
  variances = variances.map((x) => Math.max(x, 0));
  // svd_flip: the largest-magnitude entry of each component is positive.
  components = components.map((c) => {
    let big = 0;
    for (let j = 1; j < c.length; j++) if (Math.abs(c[j]) > Math.abs(c[big])) big = j;
    return c[big] < 0 ? c.map((x) => -x) : c;
  });
  return {
    mean,
    components,
    explainedVariance: variances,
    explainedVarianceRatio: variances.map((x) => x / totalVariance),
    scores: centred.map((row) => components.map((c) => dot(row, c))),
    totalVariance,
  };
}
