/**
 * `lukelab entity-typing run` as a user runs it (a separate process, files in and out) on the
 * shipped sample: the run folder (results.json with the original's keys, predictions, attention
 * records, TensorBoard events, the best model as a Hugging Face folder), evaluation of a saved
 * model with --no-train, malformed data stopping the run before anything is written, and a run
 * killed with SIGKILL twice that ends with the same results as an uninterrupted one.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadLuke } from "../../../kernel/inference/luke";
import { readResults } from "../../../kernel/tasks/entity-typing/results";
import { parseSummary, SUMMARY_FILE, summaryMatches } from "../../../kernel/tasks/entity-typing/results-summary";
import { PROGRESS_FILE, validateProgress } from "../../../kernel/tasks/entity-typing/progress";
import { readJson } from "../../../kernel/io/read";
import { decodeAttentionRecord, type AttentionRecord } from "../../../kernel/tasks/entity-typing/attention-records";
import { toEncodeInput } from "../../../kernel/tasks/entity-typing/inputs";
import { readOpenEntityDir } from "../../../kernel/data/open-entity";
import { FIXTURES, ROOT, metricsOf, ready, runAndKill, runPython, tmpDir } from "../../helpers";

const CLI = join(ROOT, "bin", "lukelab.js");
const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const MICRO = join(FIXTURES, "training", "micro-config.json");

function lukelab(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
}

const lines = (path: string) => readFileSync(path, "utf8").trim().split("\n");

test("a training run writes the original's outputs, and they hang together", { timeout: 300_000 }, async () => {
  const out = join(tmpDir(), "run");
  const r = lukelab(
    "entity-typing", "run", "--data-dir", SAMPLE, "--output-dir", out, "--model-config", MICRO,
    "--num-train-epochs", "2", "--gradient-accumulation-steps", "2", "--learning-rate", "1e-3", "--output-attentions",
    "--save-steps", "11", "--max-grad-norm", "1.0",
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /dev: {2}precision [\d.]+ {2}recall [\d.]+ {2}f1 [\d.]+/);

  const results = readResults(join(out, "results.json"));
  const lp = results.experimental_configurations.log_parameters;
  // 43 examples in batches of 2 → 22 micro-batches → 11 steps per epoch with accumulation 2.
  assert.equal(lp.global_step, 22);
  assert.equal(results.training_loss!.length, 22);
  assert.equal(lp.average_loss, results.training_loss!.reduce((a, b) => a + b, 0) / 22);
  assert.deepEqual([lp.training_samples, lp.dev_samples, lp.test_samples, lp.train_constructed], [43, 20, 20, "without_replacement"]);
  for (const key of ["learning_rate", "lr_schedule", "weight_decay", "adam_b2", "warmup_proportion", "train_frac_size", "hidden_dropout_prob", "seed"]) {
    assert.ok(key in lp, `log_parameters.${key}`);
  }
  assert.equal(results.experimental_configurations.model_config.hidden_size, 32);
  assert.equal(results.experimental_configurations.model_config.entity_vocab_size, 4);
  for (const k of ["dev_f1_epoch_no_training", "dev_f1_epoch0", "dev_f1_epoch1", "dev_precision", "dev_recall", "dev_f1", "test_f1"]) {
    assert.equal(typeof results[k as `dev_${string}`], "number", k);
  }
  assert.ok(results.best_epoch === 0 || results.best_epoch === 1);
  const best = results[`dev_f1_epoch${results.best_epoch}` as `dev_${string}`];
  assert.equal(results.dev_f1, best, "the final dev F1 is the kept epoch's");
  assert.equal(results.evaluation_predict_label!.label_list.length, 9);

  // results-summary.json, written just before results.json: results.json without the per-example data,
  // with the size and time results.json has in the folder (what the runs dashboard checks).
  const summary = parseSummary(readFileSync(join(out, SUMMARY_FILE), "utf8"), SUMMARY_FILE);
  const stat = statSync(join(out, "results.json"));
  assert.equal(summary.results_bytes, stat.size);
  assert.ok(summaryMatches(summary, stat.size, stat.mtime.toISOString()));
  const { evaluation_predict_label: _e, training_loss: _t, ...small } = results;
  assert.deepEqual(summary.results, small);
  assert.equal(results.evaluation_predict_label!.dev!.predict_logits.length, 20);
  assert.ok(!existsSync(join(out, ".resume")), "a finished run leaves no resume checkpoint");
  for (const step of [11, 22]) assert.ok(existsSync(join(out, `checkpoint-${step}`, "model.safetensors")), `--save-steps: checkpoint-${step}`);

  // Predictions: the original's two keys, gold labels as in the data.
  const data = readOpenEntityDir(SAMPLE);
  const dev = lines(join(out, "dev_predictions.jsonl")).map((l) => JSON.parse(l));
  assert.equal(dev.length, 20);
  dev.forEach((p, i) => {
    assert.deepEqual(Object.keys(p), ["predictions", "labels"]);
    assert.deepEqual([...p.labels].sort(), [...data.dev[i].labels].sort());
  });
  assert.equal(lines(join(out, "test_predictions.jsonl")).length, 20);

  // Attention records: one per example, words + the [MASK] entity, rows summing to 1.
  const records = lines(join(out, "attentions_dev.jsonl")).map((l) => JSON.parse(l) as AttentionRecord);
  assert.equal(records.length, 20);
  const rec = records[3];
  const S = rec.word_count + rec.entity_count;
  assert.deepEqual(rec.shape, [2, 4, S, S]);
  assert.equal(rec.tokens.length, S);
  assert.equal(rec.tokens[S - 1], "[MASK]");
  assert.equal(rec.sentence, data.dev[3].text);
  const att = decodeAttentionRecord(rec);
  for (let q = 0; q < S; q++) {
    let sum = 0;
    for (let k = 0; k < S; k++) sum += att[q * S + k];
    assert.ok(Math.abs(sum - 1) < 5e-3, `row ${q} sums to ${sum}`);
  }

  // The saved model is the kept one: loaded again it gives the logits results.json holds.
  await ready();
  const luke = await loadLuke(out);
  try {
    assert.equal(luke.model.head, "entity_classification");
    assert.deepEqual(luke.labels, results.evaluation_predict_label!.label_list);
    const got = await luke.forward(data.dev.slice(0, 5).map((e) => toEncodeInput(e)));
    got.forEach((g, i) => {
      const want = results.evaluation_predict_label!.dev!.predict_logits[i];
      (g.logits as number[]).forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-4, `dev ${i} logit ${j}: ${v} vs ${want[j]}`));
    });
  } finally {
    luke.dispose();
  }

  // TensorBoard: the loss of every step, dev P/R/F1 before training and after each epoch.
  const events = runPython<{ tags: string[]; scalars: Record<string, [number, number][]> }>(join(ROOT, "test", "train", "read_events.py"), [join(out, "tensorboard")]);
  assert.deepEqual(events.tags, ["dev/f1", "dev/precision", "dev/recall", "train/learning_rate", "train/loss"]);
  assert.deepEqual(events.scalars["train/loss"].map(([s]) => s), Array.from({ length: 22 }, (_, i) => i + 1));
  events.scalars["train/loss"].forEach(([, v], i) => assert.ok(Math.abs(v - results.training_loss![i]) < 1e-6));
  assert.deepEqual(events.scalars["dev/f1"].map(([s]) => s), [0, 11, 22]);

  // The finished run is not run over: the same command again is refused, results.json untouched.
  const finished = readFileSync(join(out, "results.json"));
  const refused = lukelab("entity-typing", "run", "--data-dir", SAMPLE, "--output-dir", out, "--no-train", "--quiet");
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /holds a finished run; .*pass --overwrite-output-dir/);
  assert.deepEqual(readFileSync(join(out, "results.json")), finished);

  // --no-train evaluates the model saved in the output folder: the same dev figures.
  const again = lukelab("entity-typing", "run", "--data-dir", SAMPLE, "--output-dir", out, "--no-train", "--quiet", "--overwrite-output-dir");
  assert.equal(again.status, 0, again.stderr);
  const evalOnly = readResults(join(out, "results.json"));
  assert.equal(evalOnly.dev_f1, results.dev_f1);
  assert.equal(evalOnly.test_f1, results.test_f1);
  assert.equal(evalOnly.training_loss, undefined);
  assert.equal(evalOnly.best_epoch, undefined);
});

test("malformed data stops the run with file and example, before anything is written", () => {
  const data = join(tmpDir(), "data");
  mkdirSync(data);
  for (const s of ["train", "dev"]) copyFileSync(join(SAMPLE, `${s}.json`), join(data, `${s}.json`));
  const rows = JSON.parse(readFileSync(join(SAMPLE, "test.json"), "utf8"));
  rows[7].labels = ["person", "mammal"];
  writeFileSync(join(data, "test.json"), JSON.stringify(rows));
  const out = join(tmpDir(), "never");
  const r = lukelab("entity-typing", "run", "--data-dir", data, "--output-dir", out, "--model-config", MICRO);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${join(data, "test.json").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: example 7: unknown label "mammal"`));
  assert.ok(!existsSync(out), "no output folder was created");

  const usage = lukelab("entity-typing", "run", "--learning-rate", "fast");
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--learning-rate must be a number, got fast/);
});


test("a run killed with SIGKILL and started again ends with the uninterrupted run's results", { timeout: 300_000 }, async () => {
  const args = (out: string) => [
    "entity-typing", "run", "--data-dir", SAMPLE, "--output-dir", out, "--learning-rate", "1e-3",
    "--num-train-epochs", "3", "--resume-steps", "4", "--quiet",
  ];
  const base = tmpDir();
  const whole = join(base, "whole");
  const r = lukelab(...args(whole));
  assert.equal(r.status, 0, r.stderr);
  const expected = readResults(join(whole, "results.json"));

  const broken = join(base, "broken");
  const first = await runAndKill(args(broken), broken, 10);
  assert.ok(first.killed, "the first run was killed mid-training");
  const second = await runAndKill(args(broken), broken, 40);
  assert.ok(second.killed, "the resumed run was killed again");
  assert.ok(second.step! > first.step!, "the second run continued from the first one's checkpoint");
  // While it trained, progress.json held the dev metrics so far: those the whole run reports.
  const progress = validateProgress(readJson(join(broken, PROGRESS_FILE)), PROGRESS_FILE);
  assert.ok(Object.keys(progress.dev).length >= 3, `dev metrics in progress.json: ${Object.keys(progress.dev)}`);
  for (const [k, v] of Object.entries(progress.dev)) assert.equal(v, expected[k as `dev_${string}`], k);
  assert.ok(progress.step <= second.step! && progress.total_steps === expected.experimental_configurations.log_parameters.global_step);
  const last = lukelab(...args(broken));
  assert.equal(last.status, 0, last.stderr);
  assert.match(last.stdout, /resumed run/);
  const got = readResults(join(broken, "results.json"));

  assert.deepEqual(metricsOf(got), metricsOf(expected));
  assert.equal(got.training_loss!.length, expected.training_loss!.length);
  got.training_loss!.forEach((v, i) => assert.ok(Math.abs(v - expected.training_loss![i]) <= 1e-6, `loss of step ${i + 1}: ${v} vs ${expected.training_loss![i]}`));
  assert.deepEqual(got.evaluation_predict_label, expected.evaluation_predict_label);
  assert.ok(!existsSync(join(broken, ".resume")));
  assert.ok(!existsSync(join(broken, PROGRESS_FILE)), "progress.json is removed once results.json is written");
  // The resumed event file holds every step once.
  const files = readdirSync(join(broken, "tensorboard"));
  assert.equal(files.length, 1);
  const events = runPython<{ scalars: Record<string, [number, number][]> }>(join(ROOT, "test", "train", "read_events.py"), [join(broken, "tensorboard")]);
  assert.deepEqual(events.scalars["train/loss"].map(([s]) => s), Array.from({ length: expected.training_loss!.length }, (_, i) => i + 1));
  assert.equal(events.scalars["dev/f1"].length, 4);
});
