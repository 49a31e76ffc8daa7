/**
 * t-SNE of the run vectors, by DruidJS (@saehrimnir/druidjs): a maintained dimensionality-reduction
 * library whose TSNE is exact t-SNE (van der Maaten & Hinton 2008: per-point precision found by binary
 * search on the perplexity, early exaggeration, momentum, per-coordinate gains) and is seeded: its
 * start layout comes from its own seeded generator, so the same data, seed and options give the same
 * layout every time, on every machine. Runs are few (tens), so exact t-SNE is cheap.
 *
 * Why this library: of the t-SNE packages on npm, `tsne` and `@keckelt/tsne` (ports of tsnejs) and
 * `tsne-js` draw their start layout from Math.random, so they cannot be seeded, and are no longer
 * developed; DruidJS is (0.9.0), ships a CommonJS build next to its ES module (this project compiles
 * to CommonJS) and needs Node 20. Its licence is LGPL-3.0-or-later, which allows use as an unmodified
 * dependency of this MIT project.
 *
 * What is fixed here rather than left to the library's defaults:
 *   - perplexity: default min(30, (n - 1) / 3) (the usual bound 3·perplexity ≤ n - 1; scikit-learn's
 *     30 is meant for thousands of points); a given perplexity must lie in [1, n - 1], since a point's
 *     entropy over its n - 1 neighbours cannot exceed log(n - 1), else an Error says so.
 *   - the input is divided by its largest pairwise distance before the search: t-SNE's affinities do
 *     not change with the scale of the data, and unit-scale distances keep the library's search
 *     (which starts at precision 1 and has 50 steps) well inside its range for raw counts too.
 */
import { TSNE } from "@saehrimnir/druidjs";

export interface TsneOptions {
  /** Output dimensions, 2 or 3. */
  dims?: 2 | 3;
  perplexity?: number;
  /** Seed of the start layout; default 0. */
  seed?: number;
  /** Gradient steps; default 1000 (as scikit-learn). */
  iterations?: number;
  /** The library's learning rate (epsilon); default 10. */
  learningRate?: number;
}

export interface TsneResult {
  /** One row per run, dims numbers each. */
  coordinates: number[][];
  perplexity: number;
  seed: number;
  iterations: number;
  learningRate: number;
}

/** The default perplexity for n points: min(30, (n - 1) / 3), at least 1. */
export function defaultPerplexity(n: number): number {
  return Math.max(1, Math.min(30, (n - 1) / 3));
}

/** Checks the perplexity for n points; returns it. */
export function checkPerplexity(perplexity: number, n: number): number {
  if (!Number.isFinite(perplexity) || perplexity < 1 || perplexity > n - 1) {
    throw new Error(
      `t-SNE perplexity ${perplexity} does not fit ${n} runs: it must lie between 1 and n - 1 = ${n - 1} (a run has only ${n - 1} neighbours); the default for ${n} runs is ${Number(defaultPerplexity(n).toFixed(4))}`,
    );
  }
  return perplexity;
}

function checkData(data: readonly (readonly number[])[]): number[][] {
  const n = data.length;
  if (n < 2) throw new Error(`t-SNE needs at least 2 runs, found ${n}`);
  const d = data[0].length;
  data.forEach((row, i) => {
    if (row.length !== d) throw new Error(`t-SNE: row ${i} has ${row.length} values, row 0 has ${d}`);
    row.forEach((x, j) => {
      if (!Number.isFinite(x)) throw new Error(`t-SNE: row ${i}, feature ${j} is ${x}, not a finite number`);
    });
  });
  let largest = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (data[i][k] - data[j][k]) ** 2;
      largest = Math.max(largest, s);
    }
  }
  if (largest === 0) throw new Error(`t-SNE: all ${n} runs have the same vector; there is nothing to lay out`);
  const scale = Math.sqrt(largest);
  return data.map((row) => row.map((x) => x / scale));
}

function model(data: readonly (readonly number[])[], options: TsneOptions): { tsne: TSNE<number[][]>; resolved: Omit<TsneResult, "coordinates"> } {
  const scaled = checkData(data);
  const dims = options.dims ?? 2;
  if (dims !== 2 && dims !== 3) throw new Error(`t-SNE: dims must be 2 or 3, found ${String(dims)}`);
  const perplexity = checkPerplexity(options.perplexity ?? defaultPerplexity(data.length), data.length);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`t-SNE: the seed must be a whole number, found ${seed}`);
  const iterations = options.iterations ?? 1000;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`t-SNE: iterations must be a whole number ≥ 1, found ${iterations}`);
  const learningRate = options.learningRate ?? 10;
  if (!(learningRate > 0)) throw new Error(`t-SNE: the learning rate must be > 0, found ${learningRate}`);
  const tsne = new TSNE(scaled, { perplexity, d: dims, seed, epsilon: learningRate });
  return { tsne, resolved: { perplexity, seed, iterations, learningRate } };
}

/** The t-SNE layout of `data` (one row per run). */
export function tsne(data: readonly (readonly number[])[], options: TsneOptions = {}): TsneResult {
  const { tsne: t, resolved } = model(data, options);
  t.init();
  const y = t.transform(resolved.iterations) as unknown as ArrayLike<ArrayLike<number>>;
  const coordinates = Array.from({ length: data.length }, (_, i) => Array.from(y[i]));
  return { coordinates, ...resolved };
}

/**
 * The joint affinities P (n×n, symmetric, summing to 1) that the t-SNE above fits, read from the
 * library after its perplexity search (its `_P`), so that the calibration can be checked against
 * scikit-learn's.
 */
export function tsneAffinities(data: readonly (readonly number[])[], perplexity?: number): number[][] {
  const { tsne: t } = model(data, { perplexity });
  t.init();
  const p = t._P;
  if (!p) throw new Error("t-SNE: the library did not compute its affinities (its _P field is missing); has @saehrimnir/druidjs changed?");
  return p.to2dArray().map((row) => Array.from(row));
}
