/**
 * The smaller pieces of training: seeded orders and subsampling, gradient clipping as
 * clip_grad_norm_, AdamW's decay groups and state round trip, the progress line, the SVG chart.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { tf } from "../../kernel/backend";
import { AdamW } from "../../kernel/train/adamw";
import { clipGradientsByGlobalNorm, globalNorm } from "../../kernel/train/gradients";
import { downsample, lineChartSvg, niceTicks } from "../../kernel/train/line-chart";
import { ProgressBar, formatDuration, formatProgress } from "../../kernel/train/progress";
import { Rng, deriveSeed, dropoutSeed, epochOrder, subsample } from "../../kernel/train/random";
import { ResumeStore } from "../../kernel/train/resume";
import { expectNoLeak, ready, tmpDir } from "../helpers";

test("epoch orders are permutations, repeatable, and differ between epochs and seeds", () => {
  const a = epochOrder(50, 12, 0);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(epochOrder(50, 12, 0), a);
  assert.notDeepEqual(epochOrder(50, 12, 1), a);
  assert.notDeepEqual(epochOrder(50, 13, 0), a);
});

test("subsampling: without replacement below 1, with replacement above 1", () => {
  const below = subsample(100, 0.25, 12);
  assert.equal(below.withReplacement, false);
  assert.equal(below.indices.length, 25);
  assert.equal(new Set(below.indices).size, 25);
  const above = subsample(100, 1.5, 12);
  assert.equal(above.withReplacement, true);
  assert.equal(above.indices.length, 150);
  assert.ok(new Set(above.indices).size < 100, "draws with replacement repeat some examples");
  assert.deepEqual(subsample(7, 1, 12).indices, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(subsample(100, 0.25, 12), below);
});

test("the generator is uniform enough and seeds are 31-bit", () => {
  const rng = new Rng(deriveSeed(1, 2, 3));
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 20000; i++) counts[rng.below(10)]++;
  for (const c of counts) assert.ok(c > 1800 && c < 2200, `bucket count ${c}`);
  for (let k = 0; k < 100; k++) {
    const s = dropoutSeed(12, k);
    assert.ok(Number.isInteger(s) && s > 0 && s < 2 ** 31);
  }
});

test("gradient clipping follows clip_grad_norm_", async () => {
  await ready();
  await expectNoLeak(() => {
    const grads = new Map<string, tf.Tensor>([
      ["a", tf.tensor1d([3, 4])],
      ["b", tf.tensor2d([[12]], [1, 1])],
    ]);
    assert.equal(globalNorm(grads), 13);
    const norm = clipGradientsByGlobalNorm(grads, 1.3);
    assert.equal(norm, 13);
    const coef = 1.3 / (13 + 1e-6);
    const a = grads.get("a")!.dataSync();
    assert.ok(Math.abs(a[0] - 3 * coef) < 1e-6 && Math.abs(a[1] - 4 * coef) < 1e-6);
    assert.equal(clipGradientsByGlobalNorm(grads, 0), undefined, "0 means no clipping");
    const before = grads.get("b")!.dataSync()[0];
    clipGradientsByGlobalNorm(grads, 100); // below the limit: unchanged
    assert.equal(grads.get("b")!.dataSync()[0], before);
    for (const g of grads.values()) g.dispose();
  });
});

test("AdamW: decay groups by name, parameters without gradient untouched, state round trip", async () => {
  await ready();
  const w = tf.variable(tf.tensor1d([1, -2]), true, "adamw-test/w");
  const bias = tf.variable(tf.tensor1d([0.5]), true, "adamw-test/b");
  const ln = tf.variable(tf.tensor1d([1]), true, "adamw-test/ln");
  const params = [
    { name: "x.dense.weight", variable: w },
    { name: "x.dense.bias", variable: bias },
    { name: "x.LayerNorm.weight", variable: ln },
  ];
  const opt = new AdamW(params, { weightDecay: 0.1 });
  assert.equal(opt.decayOf("x.dense.weight"), 0.1);
  assert.equal(opt.decayOf("x.dense.bias"), 0);
  assert.equal(opt.decayOf("x.LayerNorm.weight"), 0);
  assert.equal(opt.decayOf("x.layer_norm.weight"), 0.1, "the rule is the original's substring test");
  const g = tf.tensor1d([0.5, 0.5]);
  opt.step(new Map([["x.dense.weight", g]]), 0.01);
  // Step 1 without bias correction: m = 0.05, v = 0.02·0.25 → update = lr·0.05/(√0.005 + 1e-6).
  const update = (0.01 * 0.05) / (Math.sqrt(0.005) + 1e-6);
  const expect0 = (1 - update) * (1 - 0.01 * 0.1);
  assert.ok(Math.abs(w.dataSync()[0] - expect0) < 1e-6);
  assert.equal(bias.dataSync()[0], 0.5, "no gradient: no update, no decay");
  const state = opt.getState();
  assert.deepEqual(state.steps, { "x.dense.weight": 1 });
  const other = new AdamW(params, { weightDecay: 0.1 });
  other.setState(state);
  assert.deepEqual(other.getState().steps, state.steps);
  assert.deepEqual(Array.from(other.getState().moments.get("x.dense.weight.exp_avg")!.data), Array.from(state.moments.get("x.dense.weight.exp_avg")!.data));
  assert.throws(() => other.setState({ moments: new Map(), steps: { nope: 1 } }), /parameter "nope" that this model does not have/);
  for (const o of [opt, other]) o.dispose();
  tf.dispose([g, w, bias, ln]);
});

test("progress lines show count, rate and ETA", () => {
  assert.equal(formatDuration(75), "01:15");
  assert.equal(formatDuration(3725), "1:02:05");
  const line = formatProgress({ label: "train", done: 25, total: 100, elapsed: 10, note: "loss 0.5" }, 10);
  assert.equal(line, "train  25%|██▌       | 25/100 [00:10<00:30, 2.50 it/s] loss 0.5");
  const resumed = formatProgress({ label: "train", done: 60, total: 100, elapsed: 10, base: 50 }, 10);
  assert.match(resumed, /60\/100 \[00:10<00:40, 1\.00 it\/s\]/);

  let t = 0;
  const written: string[] = [];
  const stream = { write: (s: string) => void written.push(s), isTTY: false } as unknown as NodeJS.WritableStream;
  const bar = new ProgressBar("eval", 4, { stream, logEverySeconds: 5, now: () => t });
  bar.tick();
  t = 6;
  bar.tick();
  t = 7;
  bar.tick();
  bar.finish();
  assert.equal(written.length, 2, "not a TTY: a line every 5 s and one at the end");
  assert.ok(written.every((w) => w.endsWith("\n") && !w.includes("\r")));
  const tty: string[] = [];
  const ttyBar = new ProgressBar("eval", 2, { stream: { write: (s: string) => void tty.push(s), isTTY: true } as unknown as NodeJS.WritableStream, now: () => 0 });
  ttyBar.tick();
  ttyBar.finish();
  assert.ok(tty[0].startsWith("\r"), "a TTY redraws in place");
});

test("the SVG line chart: axes, one path per series, escaped text, empty data", () => {
  const svg = lineChartSvg(
    [
      { name: "loss <train>", points: [[1, 0.7], [2, 0.5], [3, 0.45], [4, NaN]] },
      { name: "dev F1", points: [[2, 0.2]] },
    ],
    { title: "a & b", xLabel: "step" },
  );
  assert.ok(svg.startsWith("<svg") && svg.endsWith("</svg>"));
  assert.equal((svg.match(/<path /g) ?? []).length, 1, "one line; the one-point series is a dot");
  assert.equal((svg.match(/<circle /g) ?? []).length, 1);
  assert.match(svg, /loss &lt;train&gt;/);
  assert.match(svg, /a &amp; b/);
  assert.ok(!svg.includes("NaN"));
  assert.match(lineChartSvg([{ name: "x", points: [] }]), /no data yet/);
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(downsample(Array.from({ length: 1000 }, (_, i) => i), 100).length, 100);
  assert.deepEqual(downsample([5, 6]), [[1, 5], [2, 6]]);
});

test("resume checkpoints: committed whole, refused for other options, cleared at the end", () => {
  const dir = tmpDir();
  const weights = new Map([["w", { dtype: "float32" as const, shape: [2], data: new Float32Array([1, 2]) }]]);
  const optimizer = { moments: new Map([["w.exp_avg", { dtype: "float32" as const, shape: [2], data: new Float32Array([0.5, 0.5]) }]]), steps: { w: 3 } };
  const store = new ResumeStore<{ note: string }>(dir, { learning_rate: 1e-5, seed: 12 });
  assert.equal(store.load(), undefined);
  store.save({ step: 3, meta: { note: "a" }, weights, optimizer, best: weights });
  store.save({ step: 6, meta: { note: "b" }, weights, optimizer, best: "unchanged" });
  const back = new ResumeStore<{ note: string }>(dir, { learning_rate: 1e-5, seed: 12 }).load()!;
  assert.equal(back.step, 6);
  assert.equal(back.meta.note, "b");
  assert.deepEqual(Array.from(back.best!.get("w")!.data), [1, 2], "the best weights of step 3 are still named");
  assert.deepEqual(back.optimizer.steps, { w: 3 });
  assert.deepEqual(readdirSync(store.dir).sort(), ["best-000003.safetensors", "state.json", "step-000006"]);
  assert.throws(() => new ResumeStore(dir, { learning_rate: 2e-5, seed: 12 }).load(), /other options:\n {2}learning_rate: 0\.00001 → 0\.00002/);
  store.clear();
  assert.ok(!existsSync(store.dir));
});
