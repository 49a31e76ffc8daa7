/**
 * Loading a folder of runs into one table (broken results.json files named and skipped), the
 * summaries over seeds, the best runs, and the figures built from them (drill-down cells traced back
 * to the dataset's sentences).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { analyseRuns } from "../../kernel/analysis/report";
import { confusionFigure, devProgressFigure, parameterFigure } from "../../kernel/analysis/figures";
import { checkPlotlyPayload } from "../../kernel/portable/plotly-payload";
import { splitExamples, splitPredictions } from "../../kernel/analysis/predictions";
import { loadRuns, SWEEP_PARAMETERS, varyingParameters } from "../../kernel/analysis/runs";
import { bestRuns, summariseBy } from "../../kernel/analysis/summaries";
import { readOpenEntityFile } from "../../kernel/data/open-entity";
import { tmpDir } from "../helpers";
import { SAMPLE_DATA, writeSweep } from "./synthetic-runs";

function sweepWithBrokenRuns(): { root: string; learningRates: number[]; seeds: number[] } {
  const root = tmpDir("lukelab-analysis-");
  const sweep = writeSweep(root);
  mkdirSync(join(root, "broken"));
  writeFileSync(join(root, "broken", "results.json"), '{"dev_f1": 0.5,');
  mkdirSync(join(root, "foreign", "deeper"), { recursive: true });
  writeFileSync(join(root, "foreign", "deeper", "results.json"), JSON.stringify({ accuracy: 0.9, epochs: [1, 2] }));
  return { root, ...sweep };
}

test("loadRuns reads every run at any depth into one table and names the broken files", () => {
  const { root, learningRates, seeds } = sweepWithBrokenRuns();
  const c = loadRuns(root);
  assert.equal(c.runs.length, learningRates.length * seeds.length);
  assert.equal(c.table.numRows(), c.runs.length);
  assert.deepEqual(
    c.skipped.map((s) => s.file),
    [join(root, "broken", "results.json"), join(root, "foreign", "deeper", "results.json")],
  );
  assert.match(c.skipped[0].reason, /not valid JSON/);
  assert.match(c.skipped[1].reason, /not a valid entity-typing results\.json.*accuracy: unknown key.*experimental_configurations: required/s);

  const names = c.table.columnNames();
  assert.deepEqual(names.slice(0, 9), ["folder", ...SWEEP_PARAMETERS]);
  for (const col of ["dev_precision", "dev_recall", "dev_f1", "test_precision", "test_recall", "test_f1", "best_epoch", "lr_schedule"]) assert.ok(names.includes(col), col);
  assert.deepEqual(c.table.array("folder"), ["lr_0.001/seed_10", "lr_0.001/seed_11", "lr_0.001/seed_12", "lr_0.1/seed_10", "lr_0.1/seed_11", "lr_0.1/seed_12"]);
  assert.deepEqual(c.table.array("learning_rate"), [1e-3, 1e-3, 1e-3, 0.1, 0.1, 0.1]);
  assert.deepEqual(c.table.array("test_f1"), c.runs.map((r) => r.results.test_f1));
  assert.deepEqual(varyingParameters(c), ["learning_rate", "seed"]);
  assert.throws(() => loadRuns(join(root, "missing")), /missing: not a folder/);
});

test("summariseBy: mean and sample standard deviation over seeds, and the count", () => {
  const { root, learningRates } = sweepWithBrokenRuns();
  const c = loadRuns(root);
  const summary = summariseBy(c.table, "learning_rate").objects() as Record<string, number>[];
  assert.deepEqual(summary.map((r) => r.learning_rate), learningRates);
  for (const row of summary) {
    for (const metric of ["dev_f1", "test_f1", "test_precision"] as const) {
      const values = c.runs.filter((r) => r.parameters.learning_rate === row.learning_rate).map((r) => r.results[metric] as number);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
      assert.ok(Math.abs(row[`${metric}_mean`] - mean) < 1e-12, `${metric} mean at ${row.learning_rate}`);
      assert.ok(Math.abs(row[`${metric}_std`] - sd) < 1e-12, `${metric} SD at ${row.learning_rate}`);
      assert.ok(sd > 0, "the seeds differ");
    }
    assert.equal(row.n, 3);
  }
  // One run per value: the deviation is null, not 0 or NaN.
  const bySeedAndRate = summariseBy(c.table.filter((d: { seed: number }) => d.seed === 10), "learning_rate").objects() as Record<string, unknown>[];
  assert.equal(bySeedAndRate[0].dev_f1_std, null);
  assert.throws(() => summariseBy(c.table, "batch"), /no column "batch"/);

  const best = bestRuns(c.table, "test_f1").array("test_f1") as number[];
  assert.deepEqual(best, [...best].sort((a, b) => b - a));
  assert.equal(bestRuns(c.table, "dev_f1", 2).numRows(), 2);
});

test("figures: error bars are the SDs, progression starts before training, payloads pass the checks", () => {
  const { root } = sweepWithBrokenRuns();
  const c = loadRuns(root);
  const summary = summariseBy(c.table, "learning_rate");
  const fig = parameterFigure(summary, "learning_rate");
  checkPlotlyPayload(fig);
  assert.equal(fig.data.length, 2);
  assert.deepEqual((fig.data[0].error_y as { array: number[] }).array, summary.array("dev_f1_std"));
  assert.equal((fig.layout!.xaxis as { type: string }).type, "log", "learning rates two decades apart get a log axis");

  const progress = devProgressFigure(c.runs);
  assert.equal(progress.data.length, c.runs.length);
  assert.deepEqual(progress.data[0].x, [0, 1, 2, 3]);
  assert.equal((progress.layout!.xaxis as { ticktext: string[] }).ticktext[0], "0 (no train)");
});

test("confusion-matrix drill-down: every counted example is in its cell, with the dataset's text", () => {
  const { root } = sweepWithBrokenRuns();
  const run = loadRuns(root).runs[4];
  const predictions = splitPredictions(run, "test")!;
  const { examples, file } = splitExamples(run, predictions);
  assert.equal(file, join(SAMPLE_DATA, "test.json"));
  const fig = checkPlotlyPayload(confusionFigure(predictions, { examples, source: run.folder }));
  const z = fig.data[0].z as number[][];
  const cells = fig.lukelab!.drillDown!.cells;
  let total = 0;
  z.forEach((row, r) => row.forEach((count, col) => {
    assert.equal((cells[`${r},${col}`] ?? []).length, count, `cell ${r},${col}`);
    total += count;
  }));
  assert.ok(total > 0);
  const sentences = readOpenEntityFile(join(SAMPLE_DATA, "test.json"));
  const classes = fig.data[0].y as string[];
  for (const [key, list] of Object.entries(cells)) {
    const [r, col] = key.split(",").map(Number);
    for (const ex of list) {
      const i = Number(/test example (\d+)/.exec(ex.source!)![1]);
      assert.equal(ex.text, sentences[i].text);
      assert.deepEqual([ex.start, ex.end], [sentences[i].start, sentences[i].end]);
      assert.deepEqual(ex.gold.length ? ex.gold : ["reject"], [classes[r]]);
      assert.deepEqual(ex.predicted.length ? ex.predicted : ["reject"], [(fig.data[0].x as string[])[col]]);
      assert.equal(Object.keys(ex.probabilities).length, 9);
    }
  }

  // Per-label figures list the examples of each outcome (capped per cell).
  const perLabel = checkPlotlyPayload(confusionFigure(predictions, { kind: "multi-label-all", examples, maxExamplesPerCell: 5 }));
  const zz = perLabel.data[0].z as number[][];
  for (const [key, list] of Object.entries(perLabel.lukelab!.drillDown!.cells)) {
    const [r, col] = key.split(",").map(Number);
    assert.equal(list.length, Math.min(5, zz[r][col]), key);
  }
  assert.deepEqual(zz.map((row) => row.reduce((a, b) => a + b, 0)), zz.map(() => predictions.gold.length));
});

test("analyseRuns collects tables and figures; a dataset that does not match is a note, not a crash", () => {
  const { root } = sweepWithBrokenRuns();
  const a = analyseRuns(root);
  assert.equal(a.skipped.length, 2);
  for (const name of ["runs", "best_runs", "summary_learning_rate", "summary_seed", "calibration_dev", "calibration_test", "confusion/lr_0.1__seed_10/test_single_label_only"]) assert.ok(a.tables[name], name);
  for (const name of ["summary_learning_rate", "dev_test_scatter", "dev_f1_progress", "training_loss", "calibration_dev", "calibration_test_per_label", "confusion_test_single_label_only", "confusion_dev_multi_label_all"]) {
    assert.ok(a.figures[name], name);
    checkPlotlyPayload(a.figures[name]);
  }
  assert.ok(a.figures.confusion_test_single_label_only.lukelab?.drillDown);
  assert.deepEqual(a.notes, []);

  const wrong = tmpDir("lukelab-dataset-");
  mkdirSync(join(wrong, "x"));
  writeFileSync(join(wrong, "dev.json"), JSON.stringify([{ sent: "Ada wrote .", start: 0, end: 3, labels: ["person"] }]));
  writeFileSync(join(wrong, "test.json"), JSON.stringify([{ sent: "Ada wrote .", start: 0, end: 3, labels: ["person"] }]));
  const b = analyseRuns(root, { datasetDir: wrong });
  assert.match(b.notes.join("\n"), new RegExp(`${join(wrong, "dev.json")}: holds 1 examples, but lr_0.1/seed_\\d+ has 20 dev predictions`));
  assert.equal(b.figures.confusion_dev_single_label_only.lukelab?.drillDown, undefined);
});
