/**
 * A split's predictions from the logits results.json holds, and a confusion-matrix example for the
 * figures: no file system, so the JupyterLab runs dashboard uses them as `lukelab analyze` does
 * (predictions.ts adds the predictions files and the datasets on disk).
 */
import type { TypingExample } from "../data/open-entity";
import { sigmoid } from "../portable/maths";
import type { FigureExample } from "../portable/plotly-payload";
import type { RunRecord } from "./run-table";

export type EvalSplit = "dev" | "test";

export interface SplitPredictions {
  split: EvalSplit;
  labels: string[];
  /** 0/1 per example and label. */
  gold: number[][];
  predicted: number[][];
  /** Logits per example and label, when results.json has them. */
  logits?: number[][];
}

/** The split's predictions from results.json's logits, or undefined when it has none for the split. */
export function logitsPredictions(run: Pick<RunRecord, "results">, split: EvalSplit): SplitPredictions | undefined {
  const e = run.results.evaluation_predict_label;
  const block = e?.[split];
  if (!e || !block) return undefined;
  return {
    split,
    labels: [...e.label_list],
    gold: block.true_labels.map((r) => r.map((v) => (v > 0 ? 1 : 0))),
    predicted: block.predict_logits.map((r) => r.map((v) => (v > 0 ? 1 : 0))),
    logits: block.predict_logits,
  };
}

/** One example as a figure shows it: text, span, gold and predicted names, probabilities. */
export function figureExample(predictions: SplitPredictions, example: TypingExample, source?: string): FigureExample {
  const i = example.index;
  const names = (row: number[]) => predictions.labels.filter((_, j) => row[j] > 0);
  const probabilities: Record<string, number> = {};
  if (predictions.logits) predictions.labels.forEach((l, j) => (probabilities[l] = Number(sigmoid(predictions.logits![i][j]).toFixed(4))));
  return {
    text: example.text,
    start: example.start,
    end: example.end,
    gold: names(predictions.gold[i]),
    predicted: names(predictions.predicted[i]),
    probabilities,
    ...(source === undefined ? {} : { source }),
  };
}
