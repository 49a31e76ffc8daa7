/**
 * `lukelab analyze` end to end on a folder of run folders (written by synthetic-runs.ts, plus broken
 * ones): CSV tables that parse, HTML pages holding the figures with plotly.js beside them, PNG images
 * (headless Chromium, where it is installed), TensorBoard event files that TensorBoard's own
 * EventAccumulator reads, the --no-* switches, and clear errors for bad input.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as aq from "arquero";
import { CHROMIUM_PATH } from "../../kernel/analysis/png";
import { devCurve, readResults } from "../../kernel/tasks/entity-typing/results";
import { parseRunsIndex, RUNS_INDEX_FILE } from "../../kernel/tasks/entity-typing/runs-index";
import { ROOT, runPython, tmpDir } from "../helpers";
import { writeSweep, writeSyntheticRun } from "./synthetic-runs";

const CLI = join(ROOT, "bin", "lukelab.js");
const READ_EVENTS = join(ROOT, "test", "train", "read_events.py");

function analyze(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "analyze", ...args], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runsFolder(): string {
  const root = tmpDir("lukelab-analyze-");
  writeSweep(join(root, "runs"));
  mkdirSync(join(root, "runs", "broken"));
  writeFileSync(join(root, "runs", "broken", "results.json"), "{not json");
  mkdirSync(join(root, "runs", "foreign"));
  writeFileSync(join(root, "runs", "foreign", "results.json"), JSON.stringify([1, 2, 3]));
  return root;
}

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

test("lukelab analyze writes CSV, HTML and TensorBoard outputs and names the skipped files", { timeout: 120_000 }, () => {
  const root = runsFolder();
  const out = join(root, "out");
  const r = analyze(["--data-dir", join(root, "runs"), "--output-dir", out, "--no-png"]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, new RegExp(`skipped ${join(root, "runs", "broken", "results.json")}: line 1, column 2: not valid JSON: `));
  assert.match(r.stdout, new RegExp(`skipped ${join(root, "runs", "foreign", "results.json")}: must hold a JSON object`));
  assert.match(r.stdout, /analysed 6 runs under .* \(2 skipped\)/);
  assert.match(r.stdout, /PNG images: off/);

  // CSV: the run table parses back with every run and the summary has the seeds' statistics.
  const runs = aq.fromCSV(readFileSync(join(out, "tables", "runs.csv"), "utf8"));
  assert.equal(runs.numRows(), 6);
  assert.deepEqual(runs.array("seed"), [10, 11, 12, 10, 11, 12]);
  const summary = aq.fromCSV(readFileSync(join(out, "tables", "summary_learning_rate.csv"), "utf8"));
  assert.deepEqual(summary.array("n"), [3, 3]);
  const cm = aq.fromCSV(readFileSync(join(out, "tables", "confusion", "lr_0.1__seed_10", "test_multi_label_all.csv"), "utf8"));
  assert.deepEqual(cm.columnNames(), ["class", "tn", "fp", "fn", "tp"]);
  assert.deepEqual((cm.objects() as { tn: number; fp: number; fn: number; tp: number }[]).map((x) => x.tn + x.fp + x.fn + x.tp), new Array(10).fill(20));

  // HTML: the figure JSON inline, plotly.js beside it.
  const figures = join(out, "figures");
  assert.ok(existsSync(join(figures, "plotly.min.js")));
  const html = readFileSync(join(figures, "confusion_test_single_label_only.html"), "utf8");
  const json = JSON.parse(/<script type="application\/json" id="figure-data">(.*?)<\/script>/s.exec(html)![1]);
  assert.equal(json.data[0].type, "heatmap");
  assert.ok(json.lukelab.drillDown.cells, "drill-down examples are in the page");
  assert.match(html, /<script src="plotly\.min\.js"><\/script>/);
  for (const name of ["summary_learning_rate", "summary_seed", "dev_test_scatter", "dev_f1_progress", "training_loss", "calibration_dev", "calibration_test"]) {
    assert.ok(existsSync(join(figures, `${name}.html`)), name);
  }
  assert.deepEqual(list(figures).filter((f) => f.endsWith(".png")), []);

  // TensorBoard: one folder per run, read by TensorBoard itself.
  const tb = join(out, "tensorboard");
  assert.equal(list(tb).length, 6);
  const runDir = join(tb, "lr_0.1__seed_11");
  const events = runPython<{ tags: string[]; scalars: Record<string, [number, number][]>; records: number }>(READ_EVENTS, [runDir]);
  const results = readResults(join(root, "runs", "lr_0.1", "seed_11", "results.json"));
  assert.deepEqual(events.tags, ["00.loss/Train", "01.f1/development", "02.precision/development", "03.recall/development", "04.f1/test", "05.precision/test", "06.recall/test"]);
  const curve = devCurve(results);
  assert.deepEqual(events.scalars["01.f1/development"].map(([s]) => s), curve.map((_, i) => i));
  events.scalars["01.f1/development"].forEach(([, v], i) => assert.ok(Math.abs(v - curve[i].f1) < 1e-6));
  assert.equal(events.scalars["00.loss/Train"].length, results.training_loss!.length);
  assert.deepEqual(events.scalars["04.f1/test"].map(([s]) => s), [results.best_epoch! + 1]);
  assert.ok(Math.abs(events.scalars["04.f1/test"][0][1] - results.test_f1!) < 1e-6);

  // A second analysis replaces the event files rather than adding to them.
  assert.equal(analyze(["--data-dir", join(root, "runs"), "--output-dir", out, "--no-png", "--no-html", "--no-csv"]).status, 0);
  assert.equal(list(runDir).filter((f) => f.startsWith("events.out.tfevents.")).length, 1);
});

test("lukelab analyze --no-* switches leave their outputs out; PNG images come from Chromium", { timeout: 180_000 }, () => {
  const root = runsFolder();
  const out = join(root, "out");
  const r = analyze(["--data-dir", join(root, "runs"), "--output-dir", out, "--no-html", "--no-csv", "--no-tensorboard"]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /CSV tables: off/);
  assert.match(r.stdout, /HTML figures: off/);
  assert.match(r.stdout, /TensorBoard event files: off/);
  assert.deepEqual(list(join(out, "tables")), []);
  assert.deepEqual(list(join(out, "tensorboard")), []);
  const files = list(join(out, "figures"));
  assert.deepEqual(files.filter((f) => !f.endsWith(".png")), [], "no HTML pages (nor plotly.js) are left with --no-html");
  if (existsSync(CHROMIUM_PATH)) {
    assert.ok(files.includes("confusion_test_single_label_only.png") && files.includes("calibration_dev.png"), files.join(", "));
    const png = readFileSync(join(out, "figures", "calibration_dev.png"));
    assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    assert.ok(png.readUInt32BE(16) >= 600, "a real rendering, not an empty image");
    assert.match(r.stdout, /PNG images: 1\d in /);
  } else {
    assert.deepEqual(files, []);
    assert.match(r.stdout, /note: .* is not installed, so no PNG images were written/);
  }
});

test("lukelab analyze: bad input gets an error naming the file", () => {
  const root = tmpDir("lukelab-analyze-bad-");
  const missing = analyze(["--data-dir", join(root, "nope"), "--output-dir", join(root, "out")]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, new RegExp(`lukelab: ${join(root, "nope")}: not a folder`));

  const usage = analyze(["--data-dir", root]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--output-dir is required/);

  // Only broken runs: each named, nothing written, a failing exit code.
  mkdirSync(join(root, "a"));
  writeFileSync(join(root, "a", "results.json"), JSON.stringify({ dev_f1: 2, experimental_configurations: { log_parameters: {}, model_config: {} } }));
  const none = analyze(["--data-dir", root, "--output-dir", join(root, "out")]);
  assert.equal(none.status, 1);
  assert.match(none.stdout, new RegExp(`skipped ${join(root, "a", "results.json")}: not a valid entity-typing results.json .*dev_f1: must be a number in \\[0, 1\\], found 2`, "s"));
  assert.match(none.stdout, /no runs found under .*; nothing written/);
  assert.ok(!existsSync(join(root, "out")));

  // A run without logits whose predictions file is broken: named with its line, the rest analysed.
  const good = join(root, "b");
  const results = writeSyntheticRun(good, { learningRate: 0.01, seed: 1 });
  delete results.evaluation_predict_label;
  writeFileSync(join(good, "results.json"), JSON.stringify(results));
  writeFileSync(join(good, "dev_predictions.jsonl"), '{"predictions": [], "labels": ["person"]}\n{"predictions": ["animal"], "labels": []}\n');
  const partial = analyze(["--data-dir", root, "--output-dir", join(root, "out"), "--no-png", "--no-html"]);
  assert.equal(partial.status, 0, partial.stderr);
  assert.match(partial.stdout, new RegExp(`note: b: no dev confusion matrices: ${join(good, "dev_predictions.jsonl")}:2: "predictions" holds "animal"`));
  assert.ok(existsSync(join(root, "out", "tables", "confusion", "b", "test_single_label_only.csv")), "test predictions are still analysed");
});

test("lukelab analyze index writes the runs dashboard's index of a folder and names the runs it left out", () => {
  const root = runsFolder();
  const runs = join(root, "runs");
  const r = analyze(["index", "--data-dir", runs]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^not indexed broken: .*not valid JSON/m);
  assert.match(r.stdout, /^not indexed foreign: .*must hold a JSON object/m);
  assert.match(r.stdout, new RegExp(`^indexed 6 runs in ${join(runs, RUNS_INDEX_FILE)}$`, "m"));
  const index = parseRunsIndex(readFileSync(join(runs, RUNS_INDEX_FILE), "utf8"), RUNS_INDEX_FILE);
  assert.equal(Object.keys(index.runs).length, 6);
  for (const [folder, entry] of Object.entries(index.runs)) {
    const results = readResults(join(runs, folder, "results.json"));
    assert.equal(entry.summary.results.dev_f1, results.dev_f1, folder);
    assert.equal(entry.summary.results.evaluation_predict_label, undefined);
  }
  const empty = tmpDir("lukelab-analyze-index-");
  const none = analyze(["index", "--data-dir", empty]);
  assert.equal(none.status, 1);
  assert.match(none.stdout, /indexed 0 runs/);
  assert.equal(existsSync(join(empty, RUNS_INDEX_FILE)), false);
  assert.equal(analyze(["index"]).status, 2);
});
