/**
 * Calibration curves and confusion matrices against scikit-learn, computed at test time through the
 * project venv (sklearn_reference.py) on fixed inputs: seeded random probabilities with values exactly
 * on the bin edges, 0 and 1, empty bins and an all-negative label; logits with exact zeros (a zero
 * logit is not a prediction) and rows with no gold or no predicted label.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { calibrationCurve, calibrationFromLogits, uniformEdges } from "../../kernel/analysis/calibration";
import { sigmoid } from "../../kernel/portable/maths";
import { confusionFromLogits, REJECT } from "../../kernel/analysis/confusion";
import { OPEN_ENTITY_LABELS } from "../../kernel/data/open-entity";
import { Rng } from "../../kernel/train/random";
import { ROOT, runPython } from "../helpers";
import { syntheticLogits } from "./synthetic-runs";

const REFERENCE = join(ROOT, "test", "analysis", "sklearn_reference.py");

interface Reference {
  calibration: { prob_true: number[]; prob_pred: number[] }[];
  confusion: { multi_label_all: number[][][]; multi_label_only: number[][][]; single_label_only: number[][]; single_rows: number[] };
}

/** 300 examples × 9 labels of gold rows: 1 to 3 labels, some rows with none. */
function goldRows(seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: 300 }, () => {
    const row = new Array<number>(9).fill(0);
    const k = rng.below(4); // 0..3 labels
    for (let i = 0; i < k; i++) row[rng.below(9)] = 1;
    return row;
  });
}

function calibrationCases(): { y_true: number[]; y_prob: number[] }[] {
  const rng = new Rng(7);
  // Values exactly on every edge (computed as numpy's linspace computes them), 0 and 1.
  const edges = uniformEdges(10);
  const onEdges = { y_prob: [...edges, ...edges, 0, 1], y_true: [...edges, ...edges, 0, 1].map((_, i) => i % 3 === 0 ? 1 : 0) };
  // Bins 3 to 6 empty: probabilities in [0, 0.3] and [0.7, 1] only.
  const gapped = Array.from({ length: 400 }, () => (rng.uniform() < 0.5 ? rng.uniform() * 0.3 : 0.7 + rng.uniform() * 0.3));
  const withGap = { y_prob: gapped, y_true: gapped.map((p) => (rng.uniform() < p ? 1 : 0)) };
  // A label that never occurs.
  const never = Array.from({ length: 50 }, () => rng.uniform());
  const allNegative = { y_prob: never, y_true: never.map(() => 0) };
  return [onEdges, withGap, allNegative];
}

test("calibrationCurve equals scikit-learn's calibration_curve (10 uniform bins), ties and empty bins included", () => {
  const cases = calibrationCases();
  const gold = goldRows(3);
  const logits = syntheticLogits(gold, 5, 1.5);
  const pooled = { y_true: gold.flat(), y_prob: logits.flat().map(sigmoid) };
  const perLabel = OPEN_ENTITY_LABELS.map((_, j) => ({ y_true: gold.map((r) => r[j]), y_prob: logits.map((r) => sigmoid(r[j])) }));
  const all = [...cases, pooled, ...perLabel];
  const ref = runPython<Reference>(REFERENCE, [], { calibration: all, confusion: { gold, logits } });

  all.forEach((c, i) => {
    const ours = calibrationCurve(c.y_true, c.y_prob);
    assert.deepEqual(ours.probTrue, ref.calibration[i].prob_true, `case ${i}: prob_true`);
    assert.deepEqual(ours.probPred, ref.calibration[i].prob_pred, `case ${i}: prob_pred`);
    assert.equal(ours.counts.reduce((a, b) => a + b, 0), c.y_prob.length);
    assert.deepEqual(ours.histogram.filter((n) => n > 0), ours.counts, `case ${i}: the curve keeps exactly the non-empty bins`);
  });
  // The gapped case really has empty bins, and they are dropped as scikit-learn drops them.
  assert.equal(calibrationCurve(cases[1].y_true, cases[1].y_prob).probTrue.length, 6);
  // A value on an edge belongs to the bin below it (searchsorted, side "left"): 0.3 is in bin 2.
  const edge = calibrationCurve([1], [uniformEdges(10)[3]]);
  assert.deepEqual(edge.bins, [2]);

  // The run-level helper: pooled and per label from the logits.
  const run = calibrationFromLogits({ predict_logits: logits, true_labels: gold }, OPEN_ENTITY_LABELS);
  assert.deepEqual(run.pooled.probTrue, ref.calibration[cases.length].prob_true);
  assert.deepEqual(run.pooled.probPred, ref.calibration[cases.length].prob_pred);
  OPEN_ENTITY_LABELS.forEach((label, j) => assert.deepEqual(run.perLabel[label].probTrue, ref.calibration[cases.length + 1 + j].prob_true, label));
});

test("expected calibration error and histogram follow from the bins", () => {
  const c = calibrationCurve([0, 1, 1, 0, 1], [0.05, 0.05, 0.95, 0.95, 0.5]);
  // Bins: 0 → {0.05, 0.05} (1 of 2 positive), 4 → {0.5}, 9 → {0.95, 0.95} (1 of 2).
  assert.deepEqual(c.bins, [0, 4, 9]);
  assert.deepEqual(c.histogram, [2, 0, 0, 0, 1, 0, 0, 0, 0, 2]);
  const expected = (2 / 5) * Math.abs(0.5 - 0.05) + (1 / 5) * Math.abs(1 - 0.5) + (2 / 5) * Math.abs(0.5 - 0.95);
  assert.ok(Math.abs(c.ece - expected) < 1e-12, `ECE ${c.ece}, expected ${expected}`);
  assert.throws(() => calibrationCurve([0, 2], [0.1, 0.2]), /gold value 1 is 2/);
  assert.throws(() => calibrationCurve([0], [1.5]), /probability 0 is 1.5, outside \[0, 1\]/);
});

test("confusion matrices equal scikit-learn's multilabel_confusion_matrix, with the reject class", () => {
  const gold = goldRows(11);
  const logits = syntheticLogits(gold, 13, 1.2);
  const ref = runPython<Reference>(REFERENCE, [], { calibration: [], confusion: { gold, logits } });
  const cm = confusionFromLogits({ predict_logits: logits, true_labels: gold }, OPEN_ENTITY_LABELS);
  assert.deepEqual(cm.classes, [...OPEN_ENTITY_LABELS, REJECT]);
  assert.deepEqual(cm.multiLabelAll, ref.confusion.multi_label_all);
  assert.deepEqual(cm.multiLabelOnly, ref.confusion.multi_label_only);
  assert.deepEqual(cm.singleLabelRows, ref.confusion.single_rows);
  assert.deepEqual(cm.singleLabelOnly, ref.confusion.single_label_only);
  // The inputs exercise every part: rows without gold, rows without predictions, both kinds of rows.
  assert.ok(gold.some((r) => r.every((v) => v === 0)));
  assert.ok(logits.some((r) => r.every((v) => v <= 0)));
  assert.ok(logits.some((r) => r.some((v) => v === 0)), "some logits are exactly 0 (not predicted)");
  assert.ok(cm.singleLabelRows.length > 20 && cm.multiLabelRows.length > 20);
});

test("the single-label-only matrix is the definition: rows with exactly one gold and one predicted class", () => {
  const gold = goldRows(21);
  const logits = syntheticLogits(gold, 23, 2);
  const cm = confusionFromLogits({ predict_logits: logits, true_labels: gold }, OPEN_ENTITY_LABELS);
  const n = OPEN_ENTITY_LABELS.length + 1;
  const expected = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let counted = 0;
  gold.forEach((row, i) => {
    const g = row.flatMap((v, j) => (v > 0 ? [j] : []));
    const p = logits[i].flatMap((v, j) => (v > 0 ? [j] : []));
    const goldClasses = g.length === 0 ? [n - 1] : g;
    const predictedClasses = p.length === 0 ? [n - 1] : p;
    if (goldClasses.length === 1 && predictedClasses.length === 1) {
      expected[goldClasses[0]][predictedClasses[0]]++;
      counted++;
    }
  });
  assert.deepEqual(cm.singleLabelOnly, expected);
  assert.equal(cm.singleLabelRows.length, counted);
  assert.ok(expected[n - 1].some((v) => v > 0) && expected.some((r) => r[n - 1] > 0), "reject occurs as gold and as prediction");
  // multiLabelOnly + the single-label rows' counts = multiLabelAll, per class.
  const singleAll = cm.multiLabelAll.map((m, c) => m.map((row, a) => row.map((v, b) => v - cm.multiLabelOnly[c][a][b])));
  singleAll.forEach((m) => assert.equal(m.flat().reduce((s, v) => s + v, 0), counted));
});
