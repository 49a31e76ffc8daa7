/**
 * The majority-label baseline of an entity-typing run: the best constant answer, the one label set
 * that, predicted for every example, scores the highest micro-F1 on the training examples. It is
 * what a model that ignores its input can reach, so a trained model is worth something only above
 * it. runEntityTyping records it in results.json under `lukelab.baseline`; the CLI prints it in
 * its summary beside dev F1 before and after training.
 *
 * Why the k most frequent labels: a constant set S of size k predicts k labels per example and gets
 * the gold occurrences of its labels right, so micro-F1 = 2·Σ_{j∈S} count_j / (k·N + G), N the
 * examples and G the gold labels. For a given k the k most frequent labels maximise it, so trying
 * k = 1 … L finds the best constant set exactly (each scored with the project's microPrf). Ties go
 * to the smaller set. Chosen on train, as a model would be, then scored on dev and test.
 */
import { microPrf, type Counts, type Prf } from "./metrics";

export interface ConstantBaseline {
  /** The label names always answered, most frequent in train first. */
  labels: string[];
  /** Micro figures of that answer on the examples it was chosen on. */
  train: Prf & Counts;
}

/** Micro P/R/F1 (and counts) of answering `labelIndices` for every row of `targets`. */
export function constantSetPrf(targets: readonly (readonly number[])[], labelIndices: readonly number[]): Prf & Counts {
  const chosen = new Set(labelIndices);
  return microPrf(
    targets.map((row) => row.map((_, j) => (chosen.has(j) ? 1 : -1))),
    targets,
  );
}

/** The constant label set with the best micro-F1 on `trainTargets` (multi-hot rows over `labels`). */
export function majorityBaseline(trainTargets: readonly (readonly number[])[], labels: readonly string[]): ConstantBaseline {
  const counts = labels.map((_, j) => trainTargets.reduce((n, row) => n + (row[j] > 0 ? 1 : 0), 0));
  // Most frequent first; equal counts in label order, so the choice is deterministic.
  const order = labels.map((_, j) => j).sort((a, b) => counts[b] - counts[a] || a - b);
  let best: ConstantBaseline | undefined;
  for (let k = 1; k <= labels.length; k++) {
    const indices = order.slice(0, k);
    const prf = constantSetPrf(trainTargets, indices);
    if (!best || prf.f1 > best.train.f1) best = { labels: indices.map((j) => labels[j]), train: prf };
  }
  if (!best) throw new Error("majorityBaseline: there are no labels");
  return best;
}

/** The baseline as results.json keeps it (`lukelab.baseline`). */
export interface BaselineRecord {
  /** The constant answer: label names. */
  labels: string[];
  /** How it was chosen. */
  chosen_on: "train";
  train: Prf;
  dev: Prf;
  test: Prf;
}

const figures = (p: Prf): Prf => ({ precision: p.precision, recall: p.recall, f1: p.f1 });

/**
 * The baseline chosen on `train` and scored on each split, for results.json. Splits are lists of
 * examples with label names.
 */
export function baselineRecord(
  splits: { train: readonly { labels: readonly string[] }[]; dev: readonly { labels: readonly string[] }[]; test: readonly { labels: readonly string[] }[] },
  labels: readonly string[],
): BaselineRecord {
  const targets = (examples: readonly { labels: readonly string[] }[]) => examples.map((e) => labels.map((l) => (e.labels.includes(l) ? 1 : 0)));
  const chosen = majorityBaseline(targets(splits.train), labels);
  const indices = chosen.labels.map((l) => labels.indexOf(l));
  return {
    labels: chosen.labels,
    chosen_on: "train",
    train: figures(chosen.train),
    dev: figures(constantSetPrf(targets(splits.dev), indices)),
    test: figures(constantSetPrf(targets(splits.test), indices)),
  };
}

/** `lukelab.baseline` of a results.json, checked; undefined for runs made before it was recorded. */
export function readBaseline(results: { lukelab?: Record<string, unknown> }, where = "results.json"): BaselineRecord | undefined {
  const b = results.lukelab?.baseline as Record<string, unknown> | undefined;
  if (b === undefined) return undefined;
  const isPrf = (p: unknown) => p !== null && typeof p === "object" && ["precision", "recall", "f1"].every((k) => typeof (p as Record<string, unknown>)[k] === "number");
  if (typeof b !== "object" || b === null || !Array.isArray(b.labels) || !isPrf(b.train) || !isPrf(b.dev) || !isPrf(b.test)) {
    throw new Error(`${where}: lukelab.baseline must be {labels, chosen_on, train, dev, test} with precision, recall and f1 for each split, found ${JSON.stringify(b).slice(0, 80)}`);
  }
  return b as unknown as BaselineRecord;
}
