/**
 * Run embeddings end to end on synthetic run folders (synthetic-runs.ts): the run vectors against an
 * independent NumPy/scikit-learn computation from the results.json files (the documented order, the
 * three kinds, both splits, row normalisation); `lukelab analyze embed` writing CSV tables whose PCA
 * coordinates equal scikit-learn's PCA of the written vectors, HTML pages and SVG images with the
 * axes named after the method, the same t-SNE layout for the same seed, 3-D figures with a pair-plot
 * image; and clear errors, with nothing written, for bad input.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as aq from "arquero";
import { embedRuns, runVectors } from "../../../kernel/analysis/embedding";
import { figureBundle } from "../../../kernel/analysis/show";
import { loadRuns } from "../../../kernel/analysis/runs";
import { ROOT, runPython, tmpDir } from "../../helpers";
import { writeSweep, writeSyntheticRun } from "../synthetic-runs";
import { REFERENCE } from "./reference";

const CLI = join(ROOT, "bin", "lukelab.js");

function embed(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "analyze", "embed", ...args], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let sweepRoot: string | undefined;
/** One sweep (2 learning rates × 3 seeds) for the whole file. */
function sweep(): string {
  if (!sweepRoot) {
    sweepRoot = join(tmpDir("lukelab-embed-"), "runs");
    writeSweep(sweepRoot);
  }
  return sweepRoot;
}

function figureOf(html: string): { data: Record<string, unknown>[]; layout: Record<string, any> } {
  const m = /<script type="application\/json" id="figure-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "the page holds no figure JSON");
  return JSON.parse(m[1]);
}

test("run vectors equal NumPy's flattening of scikit-learn's confusion matrices, in the documented order", () => {
  const collection = loadRuns(sweep());
  const options = [
    { split: "test", matrices: ["multi_label_all", "single_label_only", "multi_label_only"], normalize: "none" },
    { split: "dev", matrices: ["multi_label_only", "multi_label_all"], normalize: "rows" },
  ] as const;
  const ours = options.map((o) => runVectors(collection.runs, { split: o.split, matrices: [...o.matrices], normalize: o.normalize }));
  const ref = runPython<{ vectors: number[][][] }>(REFERENCE, [], { vectors: options.map((o) => ({ dirs: collection.runs.map((r) => r.dir), ...o })) }).vectors;
  // Counts: exactly equal. 10 classes (9 labels and reject): 40 + 100 + 40 numbers.
  assert.equal(ours[0].features.length, 40 + 100 + 40);
  assert.deepEqual(ours[0].vectors, ref[0]);
  assert.equal(ours[0].features[0], "test/multi_label_all/entity/tn");
  assert.equal(ours[0].features[3], "test/multi_label_all/entity/tp");
  assert.equal(ours[0].features[40], "test/single_label_only/entity>entity");
  assert.equal(ours[0].features[40 + 9], "test/single_label_only/entity>reject");
  assert.equal(ours[0].features.at(-1), "test/multi_label_only/reject/tp");
  // Asked in the other order, flattened in the fixed one; rates within rounding.
  assert.deepEqual(ours[1].matrices, ["multi_label_all", "multi_label_only"]);
  assert.equal(ours[1].features[0], "dev/multi_label_all/entity/tn");
  ours[1].vectors.forEach((v, r) => v.forEach((x, j) => assert.ok(Math.abs(x - ref[1][r][j]) < 1e-12, `run ${r}, ${ours[1].features[j]}: ${x} vs ${ref[1][r][j]}`)));
});

test("lukelab analyze embed writes coordinates, explained variance, HTML and SVG figures; PCA equals scikit-learn's", { timeout: 120_000 }, () => {
  const runs = sweep();
  const out = join(runs, "..", "out");
  const r = embed(["--data-dir", runs, "--output-dir", out, "--seed", "3"]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /embedded 6 runs under .* by 40 numbers each \(test multi_label_all, counts\)/);
  assert.match(r.stdout, /PCA: PC1 \d+\.\d %, PC2 \d+\.\d % of the variance/);
  assert.match(r.stdout, /t-SNE: perplexity 1\.6667, seed 3, 1000 steps/);
  assert.match(r.stdout, /coloured by: learning_rate/);
  // The output folder is honoured: everything under it, nothing else.
  assert.deepEqual(readdirSync(join(out, "tables")).sort(), ["pca_coordinates.csv", "pca_explained_variance.csv", "run_vectors.csv", "tsne_coordinates.csv"]);
  assert.deepEqual(readdirSync(join(out, "figures")).sort(), ["pca.html", "pca.svg", "plotly.min.js", "tsne.html", "tsne.svg"]);

  // PCA of the written vectors by scikit-learn = the written coordinates and variances.
  const vectors = aq.fromCSV(readFileSync(join(out, "tables", "run_vectors.csv"), "utf8"));
  const features = vectors.columnNames().filter((c) => c !== "folder");
  const X = vectors.objects().map((row: any) => features.map((f) => row[f] as number));
  const [want] = runPython<{ pca: { explained_variance: number[]; explained_variance_ratio: number[]; scores: number[][] }[] }>(REFERENCE, [], { pca: [{ X, k: 2 }] }).pca;
  const coords = aq.fromCSV(readFileSync(join(out, "tables", "pca_coordinates.csv"), "utf8"));
  assert.deepEqual(coords.columnNames(), ["folder", "learning_rate", "seed", "pc1", "pc2"]);
  assert.deepEqual(coords.array("folder"), vectors.array("folder"));
  for (const [k, column] of ["pc1", "pc2"].entries()) {
    const ours = coords.array(column) as number[];
    const sign = Math.sign(ours.reduce((s, v, i) => s + v * want.scores[i][k], 0));
    ours.forEach((v, i) => assert.ok(Math.abs(v - sign * want.scores[i][k]) < 1e-9, `${column} of run ${i}: ${v} vs ${sign * want.scores[i][k]}`));
  }
  const variance = aq.fromCSV(readFileSync(join(out, "tables", "pca_explained_variance.csv"), "utf8")).objects() as any[];
  variance.forEach((row, k) => {
    assert.equal(row.component, `PC${k + 1}`);
    assert.ok(Math.abs(row.explained_variance - want.explained_variance[k]) < 1e-9 * want.explained_variance[0]);
    assert.ok(Math.abs(row.explained_variance_ratio - want.explained_variance_ratio[k]) < 1e-12);
  });

  // Figures: axes named after the method, one trace per learning rate, points named by run folder.
  const pcaFigure = figureOf(readFileSync(join(out, "figures", "pca.html"), "utf8"));
  const ratio = (want.explained_variance_ratio[0] * 100).toFixed(1);
  assert.equal(pcaFigure.layout.xaxis.title.text, `PC1 (${ratio} %)`);
  assert.match(pcaFigure.layout.yaxis.title.text, /^PC2 \(\d+\.\d %\)$/);
  assert.deepEqual(pcaFigure.data.map((t) => t.name), ["learning_rate = 0.001", "learning_rate = 0.1"]);
  assert.deepEqual(pcaFigure.data.map((t) => t.type), ["scatter", "scatter"]);
  assert.deepEqual((pcaFigure.data[0].text as string[]).sort(), ["lr_0.001/seed_10", "lr_0.001/seed_11", "lr_0.001/seed_12"]);
  const tsneFigure = figureOf(readFileSync(join(out, "figures", "tsne.html"), "utf8"));
  assert.equal(tsneFigure.layout.xaxis.title.text, "t-SNE 1");
  assert.equal(tsneFigure.layout.yaxis.title.text, "t-SNE 2");
  const svg = readFileSync(join(out, "figures", "pca.svg"), "utf8");
  assert.ok(svg.includes(`PC1 (${ratio} %)`), "the SVG names its x axis");
  assert.equal((svg.match(/class="mark point"/g) ?? []).length, 6);

  // The same seed writes the same t-SNE layout again.
  const again = join(runs, "..", "again");
  assert.equal(embed(["--data-dir", runs, "--output-dir", again, "--seed", "3", "--method", "tsne", "--no-html"]).status, 0);
  assert.equal(readFileSync(join(again, "tables", "tsne_coordinates.csv"), "utf8"), readFileSync(join(out, "tables", "tsne_coordinates.csv"), "utf8"));
  assert.ok(!existsSync(join(again, "figures", "tsne.html")) && !existsSync(join(again, "tables", "pca_coordinates.csv")));
});

test("3-D embeddings are scatter3d figures whose static image is the pair plot", () => {
  const e = embedRuns(sweep(), { dims: 3, colorBy: "seed", perplexity: 2, seed: 1, iterations: 300 });
  for (const [name, titles] of [
    ["pca", /^PC\d \(\d+\.\d %\)$/],
    ["tsne", /^t-SNE \d$/],
  ] as const) {
    const fig = e.figures[name];
    assert.deepEqual(fig.data.map((t) => t.type), ["scatter3d", "scatter3d", "scatter3d"]);
    assert.deepEqual(fig.data.map((t) => t.name), ["seed = 10", "seed = 11", "seed = 12"]);
    const scene = (fig.layout as any).scene;
    for (const a of ["xaxis", "yaxis", "zaxis"]) assert.match(scene[a].title.text, titles);
    // The notebook bundle: the 3-D figure for Plotly, its pair plot as the image.
    const bundle = figureBundle(fig);
    assert.equal(bundle.data["application/vnd.plotly.v1+json"], fig);
    const svg = bundle.data["image/svg+xml"] as string;
    assert.equal((svg.match(/class="mark point"/g) ?? []).length, 18, "6 runs in each of 3 panels");
    for (const title of ["xaxis", "yaxis", "zaxis"]) assert.ok(svg.includes(`>${scene[title].title.text}<`), `the pair plot names ${title}`);
    assert.ok(svg.includes("pair plot"));
  }
  assert.equal(e.tables.pca_coordinates.numCols(), 1 + 2 + 3);
});

test("bad input gets a clear error naming the folder, and nothing is written", { timeout: 60_000 }, () => {
  const root = tmpDir("lukelab-embed-bad-");
  const out = join(root, "out");
  // One run only.
  writeSyntheticRun(join(root, "one", "run_a"), { learningRate: 1e-3, seed: 1 });
  let r = embed(["--data-dir", join(root, "one"), "--output-dir", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${join(root, "one")}: 1 run found; embedding needs at least 2 run folders`));
  // Runs whose labels differ: the odd run's folder is named.
  writeSyntheticRun(join(root, "mixed", "run_a"), { learningRate: 1e-3, seed: 1 });
  const odd = join(root, "mixed", "run_b");
  const results = writeSyntheticRun(odd, { learningRate: 1e-3, seed: 2 }) as any;
  results.evaluation_predict_label.label_list[0] = "thing";
  writeFileSync(join(odd, "results.json"), JSON.stringify(results));
  r = embed(["--data-dir", join(root, "mixed"), "--output-dir", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${odd}: its labels \\[thing, event, .*\\] differ from those of ${join(root, "mixed", "run_a")} \\[entity, event`));
  // Three runs cannot give three principal components; a perplexity must fit the runs.
  writeSyntheticRun(join(root, "three", "run_c"), { learningRate: 1e-1, seed: 3 });
  writeSyntheticRun(join(root, "three", "run_a"), { learningRate: 1e-3, seed: 1 });
  writeSyntheticRun(join(root, "three", "run_b"), { learningRate: 1e-2, seed: 2 });
  r = embed(["--data-dir", join(root, "three"), "--output-dir", out, "--dims", "3"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /PCA with 3 components needs at least 4 runs .*found 3/);
  r = embed(["--data-dir", join(root, "three"), "--output-dir", out, "--perplexity", "3"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /perplexity 3 does not fit 3 runs: it must lie between 1 and n - 1 = 2/);
  r = embed(["--data-dir", join(root, "three"), "--output-dir", out, "--color-by", "warmup"]);
  assert.match(r.stderr, /--color-by warmup: no run under .* has log_parameters\.warmup; parameters that vary: learning_rate, seed/);
  assert.ok(!existsSync(out), "a failed run wrote files");
  // Usage mistakes exit 2 and point at the help; --help prints the usage.
  for (const args of [["--method", "umap"], ["--dims", "4"], ["--seed", "x"], ["--matrices", "all"], ["--bogus"], []]) {
    r = embed([...(args.length ? ["--data-dir", join(root, "three"), "--output-dir", out] : []), ...args]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /Run `lukelab help` for usage/);
  }
  assert.match(embed(["--method", "umap", "--data-dir", "x", "--output-dir", "y"]).stderr, /--method must be one of pca, tsne, both, found "umap"/);
  r = embed(["--help"]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^lukelab analyze embed --data-dir RUNS --output-dir OUT/);
  assert.ok(!existsSync(out));
});
