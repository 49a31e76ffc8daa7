/**
 * Error analysis of a run (synthetic results.json over samples/open-entity-sample): the misclassified
 * examples, their top-3 probabilities and the per-class counts against NumPy (reference_errors.py);
 * the JSON lines, CSV and figure (with its drill-down) that `lukelab analyze errors` writes; and
 * clear errors for a dataset or results file that is not the run's.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as aq from "arquero";
import { checkPlotlyPayload } from "../../../kernel/portable/plotly-payload";
import { misclassifiedExamples, misclassifiedFigure, misclassifiedJsonl, misclassifiedTable, readRunFolder } from "../../../kernel/analysis/errors";
import { ROOT, runPython, tmpDir } from "../../helpers";
import { SAMPLE_DATA, writeSyntheticRun } from "../synthetic-runs";

const REFERENCE = join(ROOT, "test", "analysis", "errors", "reference_errors.py");
const CLI = join(ROOT, "bin", "lukelab.js");

interface Reference {
  examples: { index: number; entity: string; gold: string[]; predicted: string[]; top: [string, number][] }[];
  counts: [number, number][];
  total: number;
}

function lukelab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const root = tmpDir("lukelab-errors-");
const runDir = join(root, "run");
writeSyntheticRun(runDir, { learningRate: 0.01, seed: 3, skill: 1.5 });

test("misclassified examples and top-3 probabilities match NumPy; JSON lines, table and figure agree", () => {
  for (const split of ["dev", "test"] as const) {
    const ref = runPython<Reference>(REFERENCE, [join(runDir, "results.json"), join(SAMPLE_DATA, `${split}.json`), split]);
    const a = misclassifiedExamples(runDir, split);
    assert.equal(a.total, ref.total);
    assert.ok(ref.examples.length > 3 && ref.examples.length < ref.total, `a useful mix: ${ref.examples.length} of ${ref.total} wrong`);
    assert.deepEqual(
      a.misclassified.map((e) => [e.index, e.entity, e.gold, e.predicted]),
      ref.examples.map((e) => [e.index, e.entity, e.gold, e.predicted]),
    );
    a.misclassified.forEach((e, k) => {
      assert.deepEqual(e.top.map((t) => t.label), ref.examples[k].top.map(([l]) => l), `example ${e.index}`);
      e.top.forEach((t, j) => assert.ok(Math.abs(t.probability - ref.examples[k].top[j][1]) < 1e-12));
      assert.deepEqual(e.missed, e.gold.filter((l) => !e.predicted.includes(l)));
      assert.deepEqual(e.spurious, e.predicted.filter((l) => !e.gold.includes(l)));
      assert.equal(Array.from(e.sent).slice(e.start, e.end).join(""), e.entity);
    });

    // JSON lines: one per example, the same content.
    const lines = misclassifiedJsonl(a).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.index), ref.examples.map((e) => e.index));
    assert.ok(lines.every((l, k) => Math.abs(l.top[0].probability - ref.examples[k].top[0][1]) < 1e-6));

    // The table survives CSV.
    const table = aq.fromCSV(misclassifiedTable(a).toCSV());
    assert.equal(table.numRows(), ref.examples.length);
    assert.deepEqual(table.array("top2_label"), ref.examples.map((e) => e.top[1][0]));
    assert.deepEqual(Array.from(table.array("gold"), (v) => v ?? ""), ref.examples.map((e) => e.gold.join("|")));

    // The figure: per-class counts as NumPy's, cells that list exactly their examples, a valid payload.
    const figure = checkPlotlyPayload(misclassifiedFigure(a));
    assert.deepEqual(figure.data[0].z, ref.counts);
    const cells = figure.lukelab!.drillDown!.cells;
    ref.counts.forEach(([fn, fp], c) => {
      assert.equal(cells[`${c},0`]?.length ?? 0, fn);
      assert.equal(cells[`${c},1`]?.length ?? 0, fp);
    });
    const someCell = Object.values(cells)[0];
    assert.ok(someCell[0].gold.join() !== someCell[0].predicted.join(), "every listed example is misclassified");
    assert.equal(Object.keys(someCell[0].probabilities).length, a.labels.length, "the drill-down has every label's probability");
  }
});

test("a dataset or results file that is not the run's gets an error naming the file and the example", () => {
  const dir = join(root, "other-data");
  mkdirSync(dir, { recursive: true });
  const dev = JSON.parse(readFileSync(join(SAMPLE_DATA, "dev.json"), "utf8"));
  const test_ = JSON.parse(readFileSync(join(SAMPLE_DATA, "test.json"), "utf8"));
  // Same size, one example's labels changed: the gold labels disagree with results.json.
  const changed = test_.map((e: { labels: string[] }, i: number) => (i === 4 ? { ...e, labels: e.labels.includes("time") ? ["event"] : ["time"] } : e));
  for (const [name, value] of [["train.json", dev], ["dev.json", dev], ["test.json", changed]] as const) writeFileSync(join(dir, name), JSON.stringify(value));
  assert.throws(() => misclassifiedExamples(runDir, "test", { datasetDir: dir }), /other-data\/test\.json: example 4 has the labels \[.*\], but .*results\.json has \[.*\] for it; is this the run's dataset\?/);
  // One example fewer.
  writeFileSync(join(dir, "test.json"), JSON.stringify(test_.slice(1)));
  assert.throws(() => misclassifiedExamples(runDir, "test", { datasetDir: dir }), /test\.json: holds \d+ examples, but .* has \d+ test predictions; is it the run's dataset\?/);
  // A run of another model: its label list is not Open Entity's.
  const foreign = join(root, "foreign");
  mkdirSync(foreign, { recursive: true });
  const results = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8"));
  results.evaluation_predict_label.label_list = results.evaluation_predict_label.label_list.map((l: string) => `PER-${l}`);
  writeFileSync(join(foreign, "results.json"), JSON.stringify(results));
  assert.throws(() => misclassifiedExamples(foreign, "dev"), /dev\.json: example 0: unknown label "\w+"; the labels are PER-entity/);
  // No logits: the predictions file gives the same examples without probabilities; a malformed line is named.
  delete results.evaluation_predict_label;
  writeFileSync(join(foreign, "results.json"), JSON.stringify(results));
  writeFileSync(join(foreign, "dev_predictions.jsonl"), readFileSync(join(runDir, "dev_predictions.jsonl")));
  const withLogits = misclassifiedExamples(runDir, "dev");
  const withoutLogits = misclassifiedExamples(foreign, "dev");
  assert.deepEqual(withoutLogits.misclassified.map((e) => ({ ...e, top: [] })), withLogits.misclassified.map((e) => ({ ...e, top: [] })));
  assert.ok(withoutLogits.misclassified.every((e) => e.top.length === 0));
  writeFileSync(join(foreign, "dev_predictions.jsonl"), '{"predictions": ["person"], "labels": []}\n{"predictions": ["mammal"], "labels": []}\n');
  assert.throws(() => misclassifiedExamples(foreign, "dev"), /foreign\/dev_predictions\.jsonl:2: "predictions" holds "mammal", not one of the labels/);
  // No predictions, not a run folder, a broken results.json.
  rmSync(join(foreign, "dev_predictions.jsonl"));
  assert.throws(() => misclassifiedExamples(foreign, "dev"), /foreign\/results\.json: has no dev predictions \(evaluation_predict_label\.dev\) and there is no dev_predictions\.jsonl beside it/);
  assert.throws(() => readRunFolder(root), /no results\.json here; give the output folder of an entity-typing run/);
  writeFileSync(join(foreign, "results.json"), JSON.stringify({ attentions: [] }));
  assert.throws(() => readRunFolder(foreign), /results\.json: not a valid entity-typing results\.json/);
});

test("lukelab analyze errors writes JSON lines, CSV, HTML and SVG per split; usage and input errors", () => {
  const out = join(root, "out");
  const r = lukelab(["analyze", "errors", "--run", runDir, "--output-dir", out]);
  assert.equal(r.status, 0, r.stderr);
  for (const split of ["dev", "test"] as const) {
    const a = misclassifiedExamples(runDir, split);
    assert.match(r.stdout, new RegExp(`${split}: ${a.misclassified.length} of ${a.total} examples misclassified`));
    assert.equal(readFileSync(join(out, `${split}_misclassified.jsonl`), "utf8"), misclassifiedJsonl(a));
    assert.equal(aq.fromCSV(readFileSync(join(out, `${split}_misclassified.csv`), "utf8")).numRows(), a.misclassified.length);
    assert.match(readFileSync(join(out, `${split}_misclassified.svg`), "utf8"), /^<svg[^>]*>.*class="mark cell"/s);
    const html = readFileSync(join(out, `${split}_misclassified.html`), "utf8");
    assert.ok(JSON.parse(/<script type="application\/json" id="figure-data">(.*?)<\/script>/s.exec(html)![1]).lukelab.drillDown.cells);
  }
  const only = lukelab(["analyze", "errors", "--run", runDir, "--output-dir", join(root, "out-dev"), "--split", "dev", "--no-html"]);
  assert.equal(only.status, 0, only.stderr);
  assert.ok(existsSync(join(root, "out-dev", "dev_misclassified.jsonl")) && !existsSync(join(root, "out-dev", "test_misclassified.jsonl")));
  assert.ok(!existsSync(join(root, "out-dev", "dev_misclassified.html")));

  assert.match(lukelab(["analyze", "errors", "--help"]).stdout, /lukelab analyze errors --run DIR/);
  for (const args of [["--output-dir", out], ["--run", runDir], ["--run", runDir, "--output-dir", out, "--split", "train"]]) {
    const u = lukelab(["analyze", "errors", ...args]);
    assert.equal(u.status, 2, `${args.join(" ")}: ${u.stderr}`);
  }
  const missing = lukelab(["analyze", "errors", "--run", join(root, "nothing"), "--output-dir", join(root, "out-missing")]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nothing: no results\.json here/);
  assert.ok(!existsSync(join(root, "out-missing")));
});
