/**
 * t-SNE by its properties: the same seed gives the same layout, another seed another one; the
 * affinities it fits (the perplexity calibration) equal scikit-learn's, symmetrised from
 * `_binary_search_perplexity`'s conditional P on the same data; two clusters of points stay apart in
 * the layout, in 2-D and 3-D; a perplexity that does not fit the number of runs is refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPerplexity, tsne, tsneAffinities } from "../../../kernel/analysis/embedding/tsne";
import { Rng } from "../../../kernel/train/random";
import { runPython } from "../../helpers";
import { REFERENCE } from "./reference";

/** `perCluster` points around each of two centres `gap` apart in d dimensions, noise ±0.5. */
function twoClusters(seed: number, perCluster: number, d: number, gap: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: 2 * perCluster }, (_, i) => Array.from({ length: d }, () => (i < perCluster ? 0 : gap) + rng.uniform() - 0.5));
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt(a.reduce((s, x, k) => s + (x - b[k]) ** 2, 0));
}

test("the same seed gives the same layout; another seed gives another", () => {
  const data = twoClusters(1, 6, 10, 3);
  const a = tsne(data, { seed: 5, iterations: 300 });
  const b = tsne(data, { seed: 5, iterations: 300 });
  const c = tsne(data, { seed: 6, iterations: 300 });
  assert.deepEqual(a.coordinates, b.coordinates);
  assert.ok(a.coordinates.every((row) => row.length === 2 && row.every(Number.isFinite)));
  const moved = Math.max(...a.coordinates.map((row, i) => distance(row, c.coordinates[i])));
  assert.ok(moved > 1e-3, `seeds 5 and 6 gave the same layout (largest move ${moved})`);
});

test("the perplexity calibration matches scikit-learn's _binary_search_perplexity", () => {
  const rng = new Rng(3);
  const cases = [
    { X: twoClusters(2, 8, 6, 2), perplexity: 5 },
    { X: Array.from({ length: 12 }, () => Array.from({ length: 9 }, () => rng.below(40))), perplexity: 3 }, // raw counts
    { X: Array.from({ length: 7 }, () => Array.from({ length: 3 }, () => rng.uniform() * 1e-3)), perplexity: 2 }, // tiny scale
  ];
  const ref = runPython<{ affinities: { joint: number[][] }[] }>(REFERENCE, [], { affinities: cases });
  cases.forEach(({ X, perplexity }, c) => {
    const ours = tsneAffinities(X, perplexity);
    const want = ref.affinities[c].joint;
    const n = X.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        total += ours[i][j];
        if (i === j) continue;
        assert.ok(Math.abs(ours[i][j] - ours[j][i]) < 1e-15, `case ${c}: P is not symmetric at ${i},${j}`);
        // scikit-learn searches on float32 distances to entropy tolerance 1e-5, the library to 1e-4:
        // the two agree to about 1e-3 relative (measured: 2e-4 to 9e-4 on these cases).
        const tolerance = 2e-3 * want[i][j] + 1e-9;
        assert.ok(Math.abs(ours[i][j] - want[i][j]) <= tolerance, `case ${c}: P[${i}][${j}] = ${ours[i][j]}, scikit-learn ${want[i][j]}`);
      }
    }
    assert.ok(Math.abs(total - 1) < 1e-9, `case ${c}: P sums to ${total}`);
  });
});

for (const dims of [2, 3] as const) {
  test(`two clusters of runs stay apart in a ${dims}-D layout`, () => {
    const data = twoClusters(4, 10, 12, 3);
    const { coordinates } = tsne(data, { dims, seed: 1, perplexity: 5 });
    assert.ok(coordinates.every((row) => row.length === dims));
    const cluster = (i: number) => (i < 10 ? 0 : 1);
    let within = 0;
    let withinCount = 0;
    let between = 0;
    let betweenCount = 0;
    coordinates.forEach((p, i) => {
      let nearest = -1;
      coordinates.forEach((q, j) => {
        if (i === j) return;
        const dist = distance(p, q);
        if (nearest < 0 || dist < distance(p, coordinates[nearest])) nearest = j;
        if (j > i && cluster(i) === cluster(j)) (within += dist), withinCount++;
        else if (j > i) (between += dist), betweenCount++;
      });
      assert.equal(cluster(nearest), cluster(i), `point ${i}'s nearest neighbour in the layout is in the other cluster`);
    });
    const ratio = between / betweenCount / (within / withinCount);
    assert.ok(ratio > 2, `clusters are not apart: mean distance between / within = ${ratio}`);
  });
}

test("a perplexity that does not fit the number of runs is refused; the default fits", () => {
  const data = twoClusters(5, 3, 4, 2); // 6 runs
  assert.throws(() => tsne(data, { perplexity: 6 }), /perplexity 6 does not fit 6 runs: it must lie between 1 and n - 1 = 5/);
  assert.throws(() => tsne(data, { perplexity: 0.5 }), /perplexity 0.5 does not fit/);
  assert.equal(defaultPerplexity(6), 5 / 3);
  assert.equal(defaultPerplexity(400), 30);
  assert.equal(defaultPerplexity(2), 1);
  assert.equal(tsne(data).perplexity, 5 / 3);
  assert.throws(() => tsne([[1, 2]]), /t-SNE needs at least 2 runs, found 1/);
  assert.throws(() => tsne([[1, 2], [1, 2], [1, 2]]), /all 3 runs have the same vector/);
  assert.throws(() => tsne(data, { dims: 4 as 2 }), /dims must be 2 or 3/);
});
