/**
 * The majority-label baseline (kernel/tasks/entity-typing/baseline.ts) on random label matrices,
 * against scikit-learn trying every non-empty label subset as the constant answer: the k most
 * frequent labels for the best k must be the best subset, with the same figures. And the run
 * summary's lines for runs with and without training and with no baseline recorded.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { baselineRecord, majorityBaseline } from "../../kernel/tasks/entity-typing/baseline";
import { validateResults } from "../../kernel/tasks/entity-typing/results";
import { SUMMARY_TITLE, summaryLines } from "../../kernel/tasks/entity-typing/summary";
import { ROOT, runPython } from "../helpers";

interface Figures {
  precision: number;
  recall: number;
  f1: number;
}

const LABELS = ["a", "b", "c", "d", "e", "f"];

/** A seeded multi-hot matrix whose label frequencies differ (label j present with probability p[j]). */
function matrix(rows: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const p = LABELS.map(() => 0.05 + 0.6 * next());
  return Array.from({ length: rows }, () => p.map((pj) => (next() < pj ? 1 : 0)));
}

test("the k most frequent labels are the best constant answer: scikit-learn over every label subset agrees", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const train = matrix(200, seed);
    const dev = matrix(60, seed + 100);
    const ref = runPython<{ best: { labels: number[]; train: Figures; dev: Figures } }>(join(ROOT, "test", "main-job", "best_constant.py"), [], {
      train,
      dev,
      dev_logits: dev.map((row) => row.map(() => -1)),
    });
    const ours = majorityBaseline(train, LABELS);
    assert.deepEqual([...ours.labels].sort(), ref.best.labels.map((j) => LABELS[j]).sort(), `seed ${seed}`);
    for (const m of ["precision", "recall", "f1"] as const) {
      assert.ok(Math.abs(ours.train[m] - ref.best.train[m]) < 1e-12, `seed ${seed} train ${m}: ${ours.train[m]} vs ${ref.best.train[m]}`);
    }
    const toExamples = (rows: number[][]) => rows.map((row) => ({ labels: LABELS.filter((_, j) => row[j] === 1) }));
    const record = baselineRecord({ train: toExamples(train), dev: toExamples(dev), test: toExamples(dev) }, LABELS);
    for (const m of ["precision", "recall", "f1"] as const) {
      assert.ok(Math.abs(record.dev[m] - ref.best.dev[m]) < 1e-12, `seed ${seed} dev ${m}: ${record.dev[m]} vs ${ref.best.dev[m]}`);
    }
    assert.equal(record.chosen_on, "train");
  }
});

test("the summary: before, after and baseline; only the lines a run has figures for", () => {
  const base = {
    experimental_configurations: { log_parameters: { do_train: true }, model_config: {} },
    dev_precision: 0.9, dev_recall: 0.8, dev_f1: 0.84712,
    dev_precision_epoch_no_training: 0.1, dev_recall_epoch_no_training: 0.5, dev_f1_epoch_no_training: 0.16667,
    dev_precision_epoch0: 0.9, dev_recall_epoch0: 0.8, dev_f1_epoch0: 0.84712,
    best_epoch: 0,
    lukelab: { baseline: { labels: ["person", "place"], chosen_on: "train", train: { precision: 0.2, recall: 0.5, f1: 0.28 }, dev: { precision: 0.2, recall: 0.6, f1: 0.3 }, test: { precision: 0.2, recall: 0.6, f1: 0.3 } } },
  };
  assert.deepEqual(summaryLines(validateResults(base)), [
    SUMMARY_TITLE,
    "  before training          0.1667",
    "  after training           0.8471  (best epoch 0)",
    "  majority-label baseline  0.3000  (always: person, place)",
  ]);

  // --no-train: no prior evaluation, no epochs; the model as loaded.
  const evaluated = { experimental_configurations: { log_parameters: { do_train: false }, model_config: {} }, dev_precision: 0.5, dev_recall: 0.5, dev_f1: 0.5, lukelab: base.lukelab };
  assert.deepEqual(summaryLines(validateResults(evaluated)), [SUMMARY_TITLE, "  model evaluated          0.5000", "  majority-label baseline  0.3000  (always: person, place)"]);

  // A results.json from before the baseline was recorded.
  const old = { ...base, lukelab: { version: "0.1.0" } };
  assert.equal(summaryLines(validateResults(old)).length, 3);
  assert.throws(() => summaryLines(validateResults({ ...base, lukelab: { baseline: { labels: ["person"] } } })), /lukelab\.baseline must be/);
});
