/**
 * Confusion matrices of a multi-label run, as the original's confusion_matrix.py computed them
 * (seed-features §1.3), as numbers:
 *
 *   gold = true label > 0, predicted = logit > 0, and a pseudo-class "reject" is added to both,
 *   1 when the row has no other label. Over these N = labels + 1 classes:
 *
 *   multiLabelAll    per class, the 2×2 [[TN, FP], [FN, TP]] over every example
 *                    (scikit-learn's multilabel_confusion_matrix);
 *   singleLabelOnly  N×N, rows = gold class, columns = predicted class, over the examples with
 *                    exactly one gold and exactly one predicted class ("reject" counts as a class);
 *   multiLabelOnly   the per-class 2×2 matrices over all other examples.
 *
 * The original's single-label matrix covered only the classes that occur and was drawn with all
 * labels as ticks (misaligned when a class was missing); here it always has all N classes in order.
 */
import type { PredictionsBlock } from "../tasks/entity-typing/results";

export const REJECT = "reject";

/** [[TN, FP], [FN, TP]], as scikit-learn's multilabel_confusion_matrix. */
export type BinaryConfusion = [[number, number], [number, number]];

export interface ConfusionMatrices {
  /** The labels, then "reject". */
  classes: string[];
  multiLabelAll: BinaryConfusion[];
  singleLabelOnly: number[][];
  multiLabelOnly: BinaryConfusion[];
  /** Example indices counted in singleLabelOnly, and the others (multiLabelOnly). */
  singleLabelRows: number[];
  multiLabelRows: number[];
}

/** Adds the "reject" column: 1 when the row has no 1 elsewhere. */
export function withReject(rows: readonly (readonly number[])[]): number[][] {
  return rows.map((r) => [...r.map((v) => (v > 0 ? 1 : 0)), r.some((v) => v > 0) ? 0 : 1]);
}

/** Per class 2×2 counts over the given rows of 0/1 matrices (all rows by default). */
export function multilabelConfusion(gold: readonly (readonly number[])[], predicted: readonly (readonly number[])[], rows?: readonly number[]): BinaryConfusion[] {
  const width = gold[0]?.length ?? 0;
  const out: BinaryConfusion[] = Array.from({ length: width }, () => [
    [0, 0],
    [0, 0],
  ]);
  for (const i of rows ?? gold.keys()) {
    for (let c = 0; c < width; c++) out[c][gold[i][c] ? 1 : 0][predicted[i][c] ? 1 : 0]++;
  }
  return out;
}

function checkShapes(gold: readonly (readonly number[])[], predicted: readonly (readonly number[])[], labels: readonly string[]): void {
  if (gold.length !== predicted.length) throw new Error(`confusion matrix: ${gold.length} gold rows but ${predicted.length} predicted rows`);
  gold.forEach((g, i) => {
    if (g.length !== labels.length || predicted[i].length !== labels.length) {
      throw new Error(`confusion matrix: row ${i} has ${g.length} gold and ${predicted[i].length} predicted values for ${labels.length} labels`);
    }
  });
}

/** All three kinds from 0/1 gold and predicted rows (without the reject column; it is added here). */
export function confusionMatrices(gold: readonly (readonly number[])[], predicted: readonly (readonly number[])[], labels: readonly string[]): ConfusionMatrices {
  checkShapes(gold, predicted, labels);
  const g = withReject(gold);
  const p = withReject(predicted);
  const classes = [...labels, REJECT];
  const n = classes.length;
  const singleLabelRows: number[] = [];
  const multiLabelRows: number[] = [];
  const singleLabelOnly = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const ones = (row: number[]) => row.reduce((s, v) => s + v, 0);
  g.forEach((row, i) => {
    if (ones(row) === 1 && ones(p[i]) === 1) {
      singleLabelRows.push(i);
      singleLabelOnly[row.indexOf(1)][p[i].indexOf(1)]++;
    } else multiLabelRows.push(i);
  });
  return {
    classes,
    multiLabelAll: multilabelConfusion(g, p),
    singleLabelOnly,
    multiLabelOnly: multilabelConfusion(g, p, multiLabelRows),
    singleLabelRows,
    multiLabelRows,
  };
}

/** From a results.json block: gold = true_labels > 0, predicted = predict_logits > 0. */
export function confusionFromLogits(block: PredictionsBlock, labels: readonly string[]): ConfusionMatrices {
  return confusionMatrices(
    block.true_labels,
    block.predict_logits.map((row) => row.map((x) => (x > 0 ? 1 : 0))),
    labels,
  );
}

/** Which of the four 2×2 cells an example falls in for class c: [row, col] of [[TN, FP], [FN, TP]]. */
export function binaryCell(gold: number, predicted: number): [number, number] {
  return [gold > 0 ? 1 : 0, predicted > 0 ? 1 : 0];
}

/** The per-class 2×2 matrices as rows {class, tn, fp, fn, tp} (for a table or a CSV). */
export function binaryConfusionRows(classes: readonly string[], matrices: readonly BinaryConfusion[]): { class: string; tn: number; fp: number; fn: number; tp: number }[] {
  return matrices.map(([[tn, fp], [fn, tp]], i) => ({ class: classes[i], tn, fp, fn, tp }));
}

/** The N×N matrix as rows {gold, <predicted class>: count, …} (for a table or a CSV). */
export function squareConfusionRows(classes: readonly string[], matrix: readonly (readonly number[])[]): Record<string, string | number>[] {
  return matrix.map((row, i) => ({ gold: classes[i], ...Object.fromEntries(classes.map((c, j) => [c, row[j]])) }));
}
