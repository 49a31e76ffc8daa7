/**
 * Error analysis of one entity-typing run, the original's tests/from_missclassified_examples_to_json.py:
 * the examples of a split whose predicted label set differs from the gold set, each with its gold and
 * predicted labels, what was missed and what was spurious, and the three most probable labels
 * (sigmoid of the logits in results.json's evaluation_predict_label).
 *
 * As data (`misclassifiedExamples`), JSON lines (`misclassifiedJsonl`), a table (`misclassifiedTable`,
 * arquero, CSV through toCSV) and a figure (`misclassifiedFigure`): per class (the labels and
 * "reject", as the confusion matrices count them) the misclassified examples that missed it (a false
 * negative) and those that predicted it wrongly (a false positive), as a heatmap whose cells list
 * their examples in the lukelab extension's confusion-matrix drill-down, with the top probabilities.
 * The run's full confusion figures (report.ts runConfusionFigure) list the same examples in their
 * off-diagonal (single-label) and FP/FN (per-label) cells.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { aq, type ColumnTable } from "../arquero";
import { sigmoid } from "../../portable/maths";
import { REJECT, withReject } from "../confusion";
import type { TypingExample } from "../../data/open-entity";
import type { FigureExample, PlotlyPayload } from "../../portable/plotly-payload";
import { figureExample, splitExamples, splitPredictions, type EvalSplit, type SplitPredictions } from "../predictions";
import { taskOfRun, type ParameterValue, type RunRecord } from "../runs";
import { BLUES } from "../static-svg";
import { readResults } from "../../tasks/entity-typing/results";

/** A label and its sigmoid probability. */
export interface LabelProbability {
  label: string;
  probability: number;
}

export interface MisclassifiedExample {
  /** 0-based position in the split (and in its dataset file). */
  index: number;
  sent: string;
  /** Mention span in code points, end exclusive. */
  start: number;
  end: number;
  entity: string;
  gold: string[];
  predicted: string[];
  /** Gold labels not predicted (false negatives). */
  missed: string[];
  /** Predicted labels not gold (false positives). */
  spurious: string[];
  /** The three most probable labels, highest first (ties by name); empty when the run has no logits. */
  top: LabelProbability[];
}

export interface ErrorAnalysis {
  run: RunRecord;
  split: EvalSplit;
  labels: string[];
  /** The dataset file the examples came from. */
  file: string;
  /** Examples in the split. */
  total: number;
  misclassified: MisclassifiedExample[];
  predictions: SplitPredictions;
  examples: TypingExample[];
}

export interface ErrorOptions {
  /** The run's dataset folder, when log_parameters.data_dir does not lead to it. */
  datasetDir?: string;
  /** How many top probabilities each example carries (default 3, as the original). */
  top?: number;
}

/** One run folder (the folder holding results.json) as analysis.ts's RunRecord. */
export function readRunFolder(dir: string): RunRecord {
  const file = join(dir, "results.json");
  if (!existsSync(file)) throw new Error(`${dir}: no results.json here; give the output folder of an entity-typing run`);
  const results = readResults(file);
  const parameters: Record<string, ParameterValue> = {};
  for (const [k, v] of Object.entries(results.experimental_configurations.log_parameters)) {
    if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") parameters[k] = v;
  }
  return { folder: dir, dir: resolve(dir), results, task: taskOfRun(results), parameters };
}

/** The k most probable labels of one row of logits. */
export function topLabelProbabilities(logits: readonly number[], labels: readonly string[], k = 3): LabelProbability[] {
  return labels
    .map((label, j) => ({ label, probability: sigmoid(logits[j]) }))
    .sort((a, b) => b.probability - a.probability || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
    .slice(0, k);
}

/**
 * The misclassified examples of a run's split. Throws an Error naming the file when the run has no
 * predictions for the split, or when the dataset is not the run's (a different count, a label
 * outside the run's label list, or gold labels that differ from the run's for an example).
 */
export function misclassifiedExamples(run: RunRecord | string, split: EvalSplit = "test", options: ErrorOptions = {}): ErrorAnalysis {
  const record = typeof run === "string" ? readRunFolder(run) : run;
  if (record.task === "ner") {
    throw new Error(`${join(record.folder, "results.json")}: a NER run; error analysis is of entity-typing runs (a NER run's errors are its ${split}_predictions.txt, and \`lukelab analyze\` draws its span confusion)`);
  }
  const predictions = splitPredictions(record, split);
  if (!predictions) {
    throw new Error(`${join(record.folder, "results.json")}: has no ${split} predictions (evaluation_predict_label.${split}) and there is no ${split}_predictions.jsonl beside it`);
  }
  const { examples, file } = splitExamples(record, predictions, options.datasetDir);
  const { labels } = predictions;
  const names = (row: readonly number[]) => labels.filter((_, j) => row[j] > 0);
  examples.forEach((ex, i) => {
    const gold = names(predictions.gold[i]);
    if (gold.join(",") !== [...ex.labels].sort((a, b) => labels.indexOf(a) - labels.indexOf(b)).join(",")) {
      throw new Error(`${file}: example ${i} has the labels [${ex.labels.join(", ")}], but ${record.folder}'s results.json has [${gold.join(", ")}] for it; is this the run's dataset?`);
    }
  });
  const misclassified: MisclassifiedExample[] = [];
  examples.forEach((ex, i) => {
    const gold = predictions.gold[i];
    const pred = predictions.predicted[i];
    if (gold.every((g, j) => (g > 0) === (pred[j] > 0))) return;
    const cps = Array.from(ex.text);
    misclassified.push({
      index: i,
      sent: ex.text,
      start: ex.start,
      end: ex.end,
      entity: cps.slice(ex.start, ex.end).join(""),
      gold: names(gold),
      predicted: names(pred),
      missed: labels.filter((_, j) => gold[j] > 0 && !(pred[j] > 0)),
      spurious: labels.filter((_, j) => pred[j] > 0 && !(gold[j] > 0)),
      top: predictions.logits ? topLabelProbabilities(predictions.logits[i], labels, options.top ?? 3) : [],
    });
  });
  return { run: record, split, labels: [...labels], file, total: examples.length, misclassified, predictions, examples };
}

/** JSON lines, one misclassified example per line, probabilities rounded to 6 decimals. */
export function misclassifiedJsonl(analysis: Pick<ErrorAnalysis, "misclassified">): string {
  return analysis.misclassified
    .map((e) => JSON.stringify({ ...e, top: e.top.map((t) => ({ label: t.label, probability: Number(t.probability.toFixed(6)) })) }) + "\n")
    .join("");
}

/**
 * One row per misclassified example: index, sentence, mention, start, end, gold, predicted, missed,
 * spurious (label lists joined by "|"), then top1_label, top1_probability, … top3_probability.
 */
export function misclassifiedTable(analysis: Pick<ErrorAnalysis, "misclassified">, top = 3): ColumnTable {
  const join = (l: readonly string[]) => l.join("|");
  const rows = analysis.misclassified.map((e) => {
    const row: Record<string, unknown> = {
      index: e.index,
      sentence: e.sent,
      mention: e.entity,
      start: e.start,
      end: e.end,
      gold: join(e.gold),
      predicted: join(e.predicted),
      missed: join(e.missed),
      spurious: join(e.spurious),
    };
    for (let k = 0; k < top; k++) {
      row[`top${k + 1}_label`] = e.top[k]?.label ?? null;
      row[`top${k + 1}_probability`] = e.top[k] === undefined ? null : Number(e.top[k].probability.toFixed(6));
    }
    return row;
  });
  const columns = ["index", "sentence", "mention", "start", "end", "gold", "predicted", "missed", "spurious", ...Array.from({ length: top }, (_, k) => [`top${k + 1}_label`, `top${k + 1}_probability`]).flat()];
  return aq().table(Object.fromEntries(columns.map((c) => [c, rows.map((r) => r[c])])));
}

export const MISCLASSIFIED_COLUMNS = ["missed (false negative)", "spurious (false positive)"];

/**
 * Per class (labels, then "reject": no label), how many misclassified examples missed it and how
 * many predicted it wrongly, as a heatmap; with `lukelab.drillDown` (the extension's confusion-matrix
 * click-through) listing those examples per cell, at most `maxExamplesPerCell` (default 200).
 */
export function misclassifiedFigure(analysis: ErrorAnalysis, options: { maxExamplesPerCell?: number; title?: string } = {}): PlotlyPayload {
  const { predictions, split } = analysis;
  const classes = [...analysis.labels, REJECT];
  const gold = withReject(predictions.gold);
  const pred = withReject(predictions.predicted);
  const z = classes.map(() => [0, 0]);
  const cells: Record<string, FigureExample[]> = {};
  const cap = options.maxExamplesPerCell ?? 200;
  for (const e of analysis.misclassified) {
    const i = e.index;
    classes.forEach((_, c) => {
      const col = gold[i][c] && !pred[i][c] ? 0 : !gold[i][c] && pred[i][c] ? 1 : -1;
      if (col < 0) return;
      z[c][col]++;
      const list = (cells[`${c},${col}`] ??= []);
      if (list.length < cap) list.push(figureExample(predictions, analysis.examples[i], `${analysis.run.folder}, ${split} example ${i}`));
    });
  }
  const title = options.title ?? `${split}: ${analysis.misclassified.length} of ${analysis.total} examples misclassified, by class`;
  return {
    data: [
      {
        type: "heatmap",
        z,
        x: MISCLASSIFIED_COLUMNS,
        y: classes,
        colorscale: BLUES.map(([at, colour]) => [at, colour]),
        texttemplate: "%{z}",
        hovertemplate: "%{y}: %{x} in %{z} examples<extra></extra>",
        colorbar: { title: { text: "examples" } },
      },
    ],
    layout: {
      title: { text: title },
      hovermode: "closest",
      margin: { t: 60, l: 110, r: 30, b: 60 },
      xaxis: { title: { text: "error" }, type: "category", automargin: true },
      yaxis: { title: { text: "class" }, type: "category", autorange: "reversed", automargin: true },
    },
    lukelab: { title, drillDown: { kind: "confusion-matrix", trace: 0, cells } },
  };
}
