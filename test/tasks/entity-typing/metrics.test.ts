/**
 * Micro precision, recall and F1 as the original computes them, checked on fixed logits against a
 * direct computation written the original's way (sets of predicted and gold indices) and against
 * scikit-learn's micro and per-label figures; and the zero-division rules.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { constantAnswerPrf, microPrf, perLabelPrf } from "../../../kernel/tasks/entity-typing/metrics";
import { OPEN_ENTITY_LABELS } from "../../../kernel/data/open-entity";
import { Rng } from "../../../kernel/train/random";
import { ROOT, runPython } from "../../helpers";

/** The original's evaluate(): logit > 0 → predicted; sums over examples; its division rules. */
function originalEvaluate(logits: number[][], labels: number[][]) {
  let predicted = 0;
  let gold = 0;
  let correct = 0;
  logits.forEach((row, i) => {
    const p = new Set(row.flatMap((v, j) => (v > 0 ? [j] : [])));
    const g = new Set(labels[i].flatMap((v, j) => (v > 0 ? [j] : [])));
    predicted += p.size;
    gold += g.size;
    correct += [...p].filter((j) => g.has(j)).length;
  });
  const precision = predicted > 0 ? correct / predicted : 0;
  const recall = correct / gold; // the original does not guard this one
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** 300 examples × 9 labels: gaussian-ish logits, about 1 gold label per row, a fifth with none. */
function fixedLogits(seed: number) {
  const rng = new Rng(seed);
  const logits: number[][] = [];
  const targets: number[][] = [];
  for (let i = 0; i < 300; i++) {
    const gold = new Array(9).fill(0);
    if (rng.uniform() > 0.2) gold[rng.below(9)] = 1;
    if (rng.uniform() > 0.85) gold[rng.below(9)] = 1;
    targets.push(gold);
    logits.push(gold.map((g) => (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 3 + (g ? 1.2 : -1.2)));
  }
  // Exactly zero is not "above 0".
  logits[0][0] = 0;
  return { logits, targets };
}

test("micro P/R/F1 equal the original's computation and scikit-learn's", () => {
  for (const seed of [1, 2, 3]) {
    const { logits, targets } = fixedLogits(seed);
    const ours = microPrf(logits, targets);
    const direct = originalEvaluate(logits, targets);
    const sk = runPython<{ micro: { precision: number; recall: number; f1: number }; per_label: { precision: number; recall: number; f1: number; support: number }[] }>(
      join(ROOT, "test", "tasks", "entity-typing", "sklearn_metrics.py"),
      [],
      { logits, targets },
    );
    for (const k of ["precision", "recall", "f1"] as const) {
      assert.equal(ours[k], direct[k], `${k} vs the original's computation`);
      assert.ok(Math.abs(ours[k] - sk.micro[k]) < 1e-12, `${k}: ${ours[k]} vs scikit-learn ${sk.micro[k]}`);
    }
    const perLabel = perLabelPrf(logits, targets, OPEN_ENTITY_LABELS);
    OPEN_ENTITY_LABELS.forEach((label, j) => {
      for (const k of ["precision", "recall", "f1"] as const) {
        assert.ok(Math.abs(perLabel[label][k] - sk.per_label[j][k]) < 1e-12, `${label} ${k}`);
      }
      assert.equal(perLabel[label].support, sk.per_label[j].support);
    });
  }
});

test("zero-division rules: nothing predicted → P = 0, no gold → R = 0, P + R = 0 → F1 = 0", () => {
  const none = microPrf([[-1, -2]], [[1, 0]]);
  assert.deepEqual([none.precision, none.recall, none.f1], [0, 0, 0]);
  const noGold = microPrf([[1, -2]], [[0, 0]]);
  assert.deepEqual([noGold.precision, noGold.recall, noGold.f1], [0, 0, 0]);
  const perfect = microPrf([[1, -2], [-1, 3]], [[1, 0], [0, 1]]);
  assert.deepEqual([perfect.precision, perfect.recall, perfect.f1], [1, 1, 1]);
  assert.throws(() => microPrf([[1, 2]], [[1]]), /row 0 has 2 logits but 1 labels/);
});

test("always answering one label: the trivial baseline", () => {
  const targets = [
    [0, 1],
    [1, 0],
    [0, 0],
    [0, 1],
  ];
  const b = constantAnswerPrf(targets, 1);
  assert.equal(b.precision, 2 / 4);
  assert.equal(b.recall, 2 / 3);
});
