/**
 * Entity-typing metrics, as the original's evaluate() computes them: a label is predicted when its
 * logit is above 0 (σ > 0.5), a gold label is one whose target is above 0, and micro precision,
 * recall and F1 sum over every example:
 *
 *   P  = |pred ∩ gold| / |pred|     (0 when nothing is predicted, as the original)
 *   R  = |pred ∩ gold| / |gold|     (0 when there is no gold label; the original divided by zero)
 *   F1 = 2PR / (P + R)              (0 when P + R = 0, as the original)
 *
 * Per-label figures use the same rules restricted to one label (scikit-learn's
 * precision_recall_fscore_support(average=None, zero_division=0) gives the same numbers).
 */

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

export interface Counts {
  predicted: number;
  gold: number;
  correct: number;
}

export interface LabelFigures extends Prf, Counts {
  /** Gold occurrences of the label (scikit-learn's support). */
  support: number;
}

/** Indices of the labels predicted for one example: logit > 0. */
export function predictedLabels(logits: readonly number[]): number[] {
  const out: number[] = [];
  logits.forEach((v, i) => {
    if (v > 0) out.push(i);
  });
  return out;
}

/** Indices of the gold labels of one example: target > 0. */
export function goldLabels(targets: readonly number[]): number[] {
  return predictedLabels(targets);
}

export function prfFromCounts(c: Counts): Prf {
  const precision = c.predicted > 0 ? c.correct / c.predicted : 0;
  const recall = c.gold > 0 ? c.correct / c.gold : 0;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function checkShapes(logits: readonly (readonly number[])[], targets: readonly (readonly number[])[]): void {
  if (logits.length !== targets.length) throw new Error(`metrics: ${logits.length} rows of logits but ${targets.length} rows of labels`);
  logits.forEach((row, i) => {
    if (row.length !== targets[i].length) throw new Error(`metrics: row ${i} has ${row.length} logits but ${targets[i].length} labels`);
  });
}

/** Micro P/R/F1 over all examples, with the counts behind them. */
export function microPrf(logits: readonly (readonly number[])[], targets: readonly (readonly number[])[]): Prf & Counts {
  checkShapes(logits, targets);
  const counts: Counts = { predicted: 0, gold: 0, correct: 0 };
  logits.forEach((row, i) => {
    const predicted = predictedLabels(row);
    const gold = new Set(goldLabels(targets[i]));
    counts.predicted += predicted.length;
    counts.gold += gold.size;
    counts.correct += predicted.filter((p) => gold.has(p)).length;
  });
  return { ...prfFromCounts(counts), ...counts };
}

/** P/R/F1 of each label on its own, keyed by label name. */
export function perLabelPrf(
  logits: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  labels: readonly string[],
): Record<string, LabelFigures> {
  checkShapes(logits, targets);
  const out: Record<string, LabelFigures> = {};
  labels.forEach((label, j) => {
    const c: Counts = { predicted: 0, gold: 0, correct: 0 };
    logits.forEach((row, i) => {
      const p = row[j] > 0;
      const g = targets[i][j] > 0;
      if (p) c.predicted++;
      if (g) c.gold++;
      if (p && g) c.correct++;
    });
    out[label] = { ...prfFromCounts(c), ...c, support: c.gold };
  });
  return out;
}

/** Multi-hot targets (0/1) of the given label names. */
export function multiHot(names: readonly string[], labels: readonly string[]): number[] {
  const row = new Array<number>(labels.length).fill(0);
  for (const name of names) {
    const j = labels.indexOf(name);
    if (j < 0) throw new Error(`unknown label "${name}"; the labels are ${labels.join(", ")}`);
    row[j] = 1;
  }
  return row;
}

/** The label always answered by the trivial baseline: its micro figures on `targets`. */
export function constantAnswerPrf(targets: readonly (readonly number[])[], labelIndex: number): Prf & Counts {
  const logits = targets.map((row) => row.map((_, j) => (j === labelIndex ? 1 : -1)));
  return microPrf(logits, targets);
}
