/**
 * notebooks/thesis-questions.ipynb runs the analysis tools end to end on the tslab kernel: dataset
 * statistics, a small sweep, marked-up sentences run with attentions, attention statistics, the bias
 * probe, the runs embedded by PCA and the best run's misclassified examples. The checks read what the
 * cells printed and displayed and compare it with what the test works out on its own: the markup's
 * offsets from the sentences in the cell, the tables' layers and bins, the probe's group sizes from
 * the name files, and the number of misclassified examples from the best run's results.json.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers";
import type { CellOutput } from "./run-notebook";
import { notebookTest } from "./notebook-test";

const OUT = join(ROOT, "samples", "out", "thesis-questions");

/** The rows of an arquero toHTML() table: header names → cell text (entities decoded). */
function htmlRows(html: string): Record<string, string>[] {
  const decode = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  const cells = (row: string) => [...row.matchAll(/<t[hd][^>]*>([^]*?)<\/t[hd]>/g)].map((m) => decode(m[1]));
  const rows = [...html.matchAll(/<tr>([^]*?)<\/tr>/g)].map((m) => cells(m[1]));
  assert.ok(rows.length > 0, `not an HTML table: ${html.slice(0, 200)}`);
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** The HTML tables a cell displayed, in order. */
function tables(outputs: CellOutput[]): Record<string, string>[][] {
  return outputs.filter((o) => o.output_type === "display_data" && typeof o.data?.["text/html"] === "string").map((o) => htmlRows(String(o.data!["text/html"])));
}

const streamText = (outputs: CellOutput[]) => outputs.map((o) => o.text ?? "").join("");

/**
 * The examples of marked-up sentences, worked out here without lukelab: each `<mention|labels>` (no
 * escapes in these sentences) becomes its code-point span in the sentence with the markup removed.
 */
function referenceMarkup(sentences: string[]): { entity: string; start: number; end: number; labels: string[] }[] {
  const out: { entity: string; start: number; end: number; labels: string[] }[] = [];
  for (const s of sentences) {
    let plain = "";
    const spans: { start: number; end: number; labels: string[] }[] = [];
    for (const m of s.matchAll(/([^<]*)<([^>|]*)(?:\|([^>]*))?>|([^<]+)$/g)) {
      if (m[4] !== undefined) {
        plain += m[4];
        continue;
      }
      plain += m[1];
      const start = Array.from(plain).length;
      plain += m[2];
      spans.push({ start, end: Array.from(plain).length, labels: m[3] ? m[3].split(",").map((l) => l.trim()) : [] });
    }
    const cps = Array.from(plain);
    for (const sp of spans) out.push({ entity: cps.slice(sp.start, sp.end).join(""), ...sp });
  }
  return out;
}

/** Given names in a probe's name file: one per line, "#" comments and blank lines skipped. */
function names(file: string): string[] {
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean);
}

notebookTest("thesis-questions.ipynb", "answers the thesis's questions end to end", (run) => {
  const outputs = run.cells.flatMap((c) => c.outputs);
  const text = streamText(outputs);
  assert.ok(!outputs.some((o) => o.output_type === "error"), `a cell raised an error; printed:\n${text}`);
  assert.match(text, /TF\.js backend: (wasm|cpu|tensorflow)/, text);
  const cell = (needle: string) => {
    const c = run.cells.find((x) => x.source.includes(needle));
    assert.ok(c, `no cell with ${needle}`);
    return c;
  };

  // Every figure carries its static SVG (what GitHub and nbconvert draw).
  const figures = outputs.filter((o) => o.output_type === "display_data" && o.data?.["application/vnd.plotly.v1+json"] !== undefined);
  assert.equal(figures.length, 7, "dataset, two attention figures and a token pair, bias, PCA, errors");
  for (const f of figures) assert.match(String(f.data!["image/svg+xml"]), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^]*<\/svg>$/);

  // 1. Dataset statistics: the examples per split are the sample's files.
  const [examples] = tables(cell("datasetStatistics(").outputs);
  for (const split of ["train", "dev", "test"]) {
    const file = JSON.parse(readFileSync(join(ROOT, "samples", "typing-demo", `${split}.json`), "utf8")) as { labels: string[] }[];
    const row = examples.find((r) => r.split === split)!;
    assert.equal(Number(row.examples), file.length, `${split}: examples`);
    assert.equal(Number(row.no_label), file.filter((e) => e.labels.length === 0).length, `${split}: no_label`);
  }

  // 2. The sweep: four runs, and the best one is the one with the highest dev F1 in its results.json.
  const sweep = cell("trainEntityTyping(");
  const sweepText = streamText(sweep.outputs);
  const lines = [...sweepText.matchAll(/^lr ([\d.e-]+), seed (\d): dev F1 ([\d.]+) before training, ([\d.]+) after/gm)];
  assert.equal(lines.length, 4, sweepText);
  const best = /best run by dev F1: (lr_[\d.e-]+\/seed_\d)/.exec(sweepText)?.[1];
  assert.ok(best, sweepText);
  const devF1 = (folder: string) => (JSON.parse(readFileSync(join(OUT, "runs", folder, "results.json"), "utf8")) as { dev_f1: number }).dev_f1;
  const folders = lines.map((m) => `lr_${m[1]}/seed_${m[2]}`);
  assert.equal(devF1(best), Math.max(...folders.map(devF1)), "the best run has the highest dev F1");
  const baseline = Number(/majority-label baseline: dev F1 ([\d.]+)/.exec(sweepText)?.[1]);
  assert.ok(devF1(best) > baseline, `the best run (dev F1 ${devF1(best)}) beats the majority-label baseline (${baseline}): it has learned something`);

  // 3. Marked-up sentences: the printed offsets are the reference's, and the dataset file holds them.
  const markup = cell("markupExamples(");
  const sentences = [...markup.source.slice(markup.source.indexOf("markupExamples(")).split("]);")[0].matchAll(/^\s*"((?:[^"\\]|\\.)*)",?$/gm)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  assert.ok(sentences.length >= 5, `sentences found in the cell: ${JSON.stringify(sentences)}`);
  const expected = referenceMarkup(sentences);
  const printed = [...streamText(markup.outputs).matchAll(/^(".*?")\s+\[(\d+), (\d+)\)  (.*)$/gm)].map((m) => ({
    entity: JSON.parse(m[1]) as string,
    start: Number(m[2]),
    end: Number(m[3]),
    labels: m[4].split(", ").filter(Boolean),
  }));
  assert.deepEqual(printed, expected);
  const written = JSON.parse(readFileSync(join(OUT, "marked", "test.json"), "utf8")) as { sent: string; start: number; end: number; entity: string }[];
  assert.deepEqual(written.map((e) => ({ entity: e.entity, start: e.start, end: e.end })), expected.map((e) => ({ entity: e.entity, start: e.start, end: e.end })));
  for (const e of written) assert.equal(Array.from(e.sent).slice(e.start, e.end).join(""), e.entity);
  const tokenLines = [...streamText(markup.outputs).matchAll(/^(\d+) tokens: (.*)$/gm)];
  assert.equal(tokenLines.length, expected.length, "one attention record per marked mention");
  for (const m of tokenLines) {
    assert.equal(m[2].split(" ").length, Number(m[1]));
    assert.match(m[2], /^<s> (.* )?<ent> .* <ent> (.* )?<\/s> \[MASK\]$/);
  }

  // 4. Attention statistics: every layer of the model × every bin (or target), n within the examples;
  // the six targets hold all of the [MASK] entity's attention, so their means add up to 1 per layer.
  const layers = (JSON.parse(readFileSync(join(OUT, "runs", best, "config.json"), "utf8")) as { num_hidden_layers: number }).num_hidden_layers;
  const [positions, targets, pair] = tables(cell("attentionStatistics(").outputs);
  const bins = ["<=-3", "-2", "-1", "mention", "+1", "+2", ">=+3"];
  assert.deepEqual(
    positions.map((r) => `${r.layer} ${r.bin}`),
    Array.from({ length: layers }, (_, l) => bins.map((b) => `${l} ${b}`)).flat(),
  );
  for (const r of positions) assert.ok(Number(r.n) >= 0 && Number(r.n) <= expected.length, `n ${r.n}`);
  assert.equal(Number(positions.find((r) => r.bin === "mention")!.n), expected.length, "every example has its mention");
  const categories = ["entity markers", "mention words", "<s>", "</s>", "other words", "entity tokens"];
  assert.deepEqual(
    targets.map((r) => `${r.layer} ${r.target}`),
    Array.from({ length: layers }, (_, l) => categories.map((c) => `${l} ${c}`)).flat(),
  );
  for (let l = 0; l < layers; l++) {
    const rows = targets.filter((r) => Number(r.layer) === l);
    for (const r of rows) assert.equal(Number(r.n), expected.length, `layer ${l} ${r.target}: every example`);
    const sum = rows.reduce((s, r) => s + Number(r.mean), 0);
    assert.ok(Math.abs(sum - 1) < 5e-3, `layer ${l}: the targets' means add up to ${sum}, not 1`);
  }
  const withPair = expected.filter((_, i) => /(^| )Ġnurse( |$)/.test(tokenLines[i][2]) && / Ġdoct /.test(tokenLines[i][2])).length;
  assert.ok(withPair >= 2, "the pair is in at least two records");
  assert.deepEqual(pair.map((r) => [r.from, r.to, Number(r.layer), Number(r.n)]), Array.from({ length: layers }, (_, l) => ["nurse", "doct", l, withPair]));

  // 5. The bias probe: one row per measure over all templates; both groups are every name of their
  // file in both templates; p-values are probabilities.
  const [comparisons] = tables(cell("analyseBiasProbe(").outputs);
  assert.equal(comparisons.length, 7, "the person score, four attention measures and two contrasts");
  const female = names(join(ROOT, "samples", "bias", "names", "female-coded.txt"));
  const male = names(join(ROOT, "samples", "bias", "names", "male-coded.txt"));
  for (const r of comparisons) {
    assert.deepEqual([r.group_a, r.group_b, Number(r.n_a), Number(r.n_b)], ["female_coded", "male_coded", 2 * female.length, 2 * male.length]);
    for (const p of [Number(r.p_welch), Number(r.p_permutation)]) assert.ok(p >= 0 && p <= 1, `${r.measure}: p = ${p}`);
    assert.ok(Math.abs(Number(r.mean_a) - Number(r.mean_b) - Number(r.difference)) < 2e-4, `${r.measure}: difference`);
  }

  // 6. PCA: two components whose explained-variance ratios are shares of the total.
  const [variance] = tables(cell("embedRuns(").outputs);
  assert.deepEqual(variance.map((r) => r.component), ["PC1", "PC2"]);
  const ratios = variance.map((r) => Number(r.explained_variance_ratio));
  for (const r of ratios) assert.ok(r >= 0 && r <= 1, `ratio ${r}`);
  assert.ok(ratios[0] >= ratios[1]);
  assert.ok(ratios[0] + ratios[1] <= 1 + 1e-4, `ratios sum to ${ratios[0] + ratios[1]}`);

  // 7. Errors: as many misclassified test examples as the best run's results.json implies (a
  // predicted label set, logit > 0, that differs from the gold set).
  const errors = cell("misclassifiedExamples(");
  const count = /^(\d+) of (\d+) test examples misclassified$/m.exec(streamText(errors.outputs));
  assert.ok(count, streamText(errors.outputs));
  const results = JSON.parse(readFileSync(join(OUT, "runs", best, "results.json"), "utf8")) as {
    evaluation_predict_label: { test: { predict_logits: number[][]; true_labels: number[][] } };
  };
  const { predict_logits: logits, true_labels: gold } = results.evaluation_predict_label.test;
  const wrong = logits.filter((row, i) => row.some((v, j) => v > 0 !== gold[i][j] > 0)).length;
  assert.deepEqual([Number(count[1]), Number(count[2])], [wrong, logits.length]);
  const [shown] = tables(errors.outputs);
  assert.equal(shown.length, Math.min(10, wrong));
  for (const r of shown) {
    const p = [r.top1_probability, r.top2_probability, r.top3_probability].map(Number);
    assert.ok(p[0] >= p[1] && p[1] >= p[2] && p[2] >= 0 && p[0] <= 1, `top-3 probabilities ${p}`);
    assert.notEqual(r.gold, r.predicted);
  }
});
