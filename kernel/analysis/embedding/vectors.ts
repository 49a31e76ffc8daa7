/**
 * One vector per run: its confusion matrices (confusion.ts, as the original's confusion_matrix.py
 * computed them) flattened in a fixed, documented order, so that runs can be compared as points
 * (the original's meta_tsne_pca.py, seed-features §1.3).
 *
 * The order, for the chosen split:
 *   for each chosen kind, always in the order multi_label_all, single_label_only, multi_label_only
 *   (whatever order they were asked in):
 *     multi_label_all / multi_label_only: for each class (the labels in label_list order, then
 *       "reject"), the 2×2 cells TN, FP, FN, TP;
 *     single_label_only: row by row (gold class), each row's cells by predicted class, classes in
 *       the same order.
 * Feature names say where each number came from: "test/multi_label_all/person/tp",
 * "test/single_label_only/person>location".
 *
 * normalize "rows" divides each matrix row by its sum as the original's plots did (a 2×2 becomes
 * [TN/(TN+FP), FP/(TN+FP), FN/(FN+TP), TP/(FN+TP)]); a row with no examples is all 0 (the original
 * gave NaN). "none" keeps the counts.
 */
import { confusionMatrices, type BinaryConfusion } from "../confusion";
import { splitPredictions, type EvalSplit } from "../predictions";
import type { RunRecord } from "../runs";

export const MATRIX_KINDS = ["multi_label_all", "single_label_only", "multi_label_only"] as const;
export type MatrixKind = (typeof MATRIX_KINDS)[number];
export type Normalize = "none" | "rows";

export interface VectorOptions {
  /** Which split's predictions; default "test" (the split the original plotted). */
  split?: EvalSplit;
  /** Which matrices, default ["multi_label_all"]; flattened in MATRIX_KINDS order. */
  matrices?: readonly MatrixKind[];
  /** Default "none" (counts). */
  normalize?: Normalize;
}

export interface RunVectors {
  runs: RunRecord[];
  /** The labels shared by every run, then "reject". */
  classes: string[];
  /** One name per vector entry (see the module comment). */
  features: string[];
  /** One row per run, features.length numbers each. */
  vectors: number[][];
  split: EvalSplit;
  matrices: MatrixKind[];
  normalize: Normalize;
}

function normalizedRow(row: readonly number[], normalize: Normalize): number[] {
  if (normalize === "none") return [...row];
  const sum = row.reduce((s, v) => s + v, 0);
  return row.map((v) => (sum > 0 ? v / sum : 0));
}

function binaryEntries(matrices: readonly BinaryConfusion[], normalize: Normalize): number[] {
  return matrices.flatMap(([neg, pos]) => [...normalizedRow(neg, normalize), ...normalizedRow(pos, normalize)]);
}

/**
 * The runs' vectors. Throws an Error naming the run folder when a run has no predictions for the
 * split, or its labels differ from the first run's (vectors of different label sets do not compare).
 */
export function runVectors(runs: readonly RunRecord[], options: VectorOptions = {}): RunVectors {
  const split = options.split ?? "test";
  const normalize = options.normalize ?? "none";
  const asked = options.matrices ?? ["multi_label_all"];
  for (const m of asked) {
    if (!(MATRIX_KINDS as readonly string[]).includes(m)) throw new Error(`unknown confusion matrix kind ${JSON.stringify(m)}; use ${MATRIX_KINDS.join(", ")}`);
  }
  if (asked.length === 0) throw new Error(`no confusion matrix kind chosen; use one or more of ${MATRIX_KINDS.join(", ")}`);
  if (normalize !== "none" && normalize !== "rows") throw new Error(`normalize must be "none" or "rows", found ${JSON.stringify(normalize)}`);
  const matrices = MATRIX_KINDS.filter((m) => asked.includes(m));
  let classes: string[] | undefined;
  let first: RunRecord | undefined;
  const vectors: number[][] = [];
  for (const run of runs) {
    let predictions;
    try {
      predictions = splitPredictions(run, split);
    } catch (err) {
      throw new Error(`${run.dir}: its ${split} predictions could not be read: ${(err as Error).message}`);
    }
    if (!predictions) {
      throw new Error(`${run.dir}: has no ${split} predictions (neither evaluation_predict_label.${split} in results.json nor ${split}_predictions.jsonl); evaluate the run on ${split}, or leave it out of --data-dir`);
    }
    const cm = confusionMatrices(predictions.gold, predictions.predicted, predictions.labels);
    if (classes === undefined) {
      classes = cm.classes;
      first = run;
    } else if (cm.classes.length !== classes.length || cm.classes.some((c, i) => c !== classes![i])) {
      throw new Error(
        `${run.dir}: its labels [${predictions.labels.join(", ")}] differ from those of ${first!.dir} [${classes.slice(0, -1).join(", ")}]; runs embedded together must share one label set (in the same order)`,
      );
    }
    const v: number[] = [];
    for (const m of matrices) {
      if (m === "multi_label_all") v.push(...binaryEntries(cm.multiLabelAll, normalize));
      else if (m === "multi_label_only") v.push(...binaryEntries(cm.multiLabelOnly, normalize));
      else for (const row of cm.singleLabelOnly) v.push(...normalizedRow(row, normalize));
    }
    vectors.push(v);
  }
  const cls = classes ?? [];
  const features: string[] = [];
  for (const m of matrices) {
    if (m === "single_label_only") for (const g of cls) for (const p of cls) features.push(`${split}/${m}/${g}>${p}`);
    else for (const c of cls) for (const cell of ["tn", "fp", "fn", "tp"]) features.push(`${split}/${m}/${c}/${cell}`);
  }
  return { runs: [...runs], classes: cls, features, vectors, split, matrices, normalize };
}
