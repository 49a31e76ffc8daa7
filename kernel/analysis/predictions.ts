/**
 * The predictions of one split of a run, and the examples behind them.
 *
 * Predictions come from results.json's evaluation_predict_label (logits, so probabilities too) or,
 * when a run lacks it, from `<split>_predictions.jsonl` (label names only). Examples come from the
 * run's dataset: `<data dir>/<split>.json`, in the order of the predictions.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { readJsonl } from "../data/jsonl";
import { OPEN_ENTITY_LABELS, readOpenEntityFile, type TypingExample } from "../data/open-entity";
import { logitsPredictions, type EvalSplit, type SplitPredictions } from "./split-predictions";
import type { RunRecord } from "./runs";

export { figureExample, logitsPredictions, type EvalSplit, type SplitPredictions } from "./split-predictions";

function fromJsonl(file: string, labels: readonly string[]): { gold: number[][]; predicted: number[][] } {
  const index = new Map(labels.map((l, i) => [l, i]));
  const hot = (names: unknown, key: string): number[] => {
    if (!Array.isArray(names)) throw new Error(`"${key}" must be a list of label names, found ${JSON.stringify(names)}`);
    const row = new Array<number>(labels.length).fill(0);
    for (const n of names) {
      const i = index.get(n as string);
      if (i === undefined) throw new Error(`"${key}" holds ${JSON.stringify(n)}, not one of the labels ${labels.join(", ")}`);
      row[i] = 1;
    }
    return row;
  };
  const rows = readJsonl(file, (v) => {
    const r = v as Record<string, unknown>;
    if (r === null || typeof r !== "object" || Array.isArray(r)) throw new Error('expected {"predictions": [labels], "labels": [labels]}');
    return { gold: hot(r.labels, "labels"), predicted: hot(r.predictions, "predictions") };
  });
  return { gold: rows.map((r) => r.value.gold), predicted: rows.map((r) => r.value.predicted) };
}

/** The split's predictions, or undefined when the run has neither logits nor a predictions file. */
export function splitPredictions(run: RunRecord, split: EvalSplit): SplitPredictions | undefined {
  const fromLogits = logitsPredictions(run, split);
  if (fromLogits) return fromLogits;
  const e = run.results.evaluation_predict_label;
  const file = join(run.dir, `${split}_predictions.jsonl`);
  if (!existsSync(file)) return undefined;
  const labels = e?.label_list ? [...e.label_list] : [...OPEN_ENTITY_LABELS];
  return { split, labels, ...fromJsonl(file, labels) };
}

/**
 * Where a run's dataset is: `datasetDir` when given, else log_parameters.data_dir, tried as given
 * (from the working folder) and then from the run folder and each folder above it (a run started
 * from the repository root records "samples/…").
 */
export function findDatasetDir(run: RunRecord, datasetDir?: string): string | undefined {
  if (datasetDir !== undefined) return resolve(datasetDir);
  const recorded = run.parameters.data_dir;
  if (typeof recorded !== "string" || recorded === "") return undefined;
  if (isAbsolute(recorded)) return existsSync(recorded) ? recorded : undefined;
  const candidates = [resolve(recorded)];
  for (let d = run.dir; ; d = resolve(d, "..")) {
    candidates.push(resolve(d, recorded));
    if (resolve(d, "..") === d) break;
  }
  return candidates.find((c) => existsSync(join(c, "dev.json")) && existsSync(join(c, "test.json")));
}

export interface ExampleSource {
  examples: TypingExample[];
  file: string;
}

/**
 * The split's examples for `predictions`; throws an Error naming the file when the dataset is
 * missing or does not match the predictions (a different count).
 */
export function splitExamples(run: RunRecord, predictions: SplitPredictions, datasetDir?: string): ExampleSource {
  const dir = findDatasetDir(run, datasetDir);
  if (dir === undefined) {
    throw new Error(`${run.folder}: the dataset (log_parameters.data_dir ${JSON.stringify(run.parameters.data_dir ?? null)}) was not found; give its folder (--dataset-dir)`);
  }
  const file = join(dir, `${predictions.split}.json`);
  const examples = readOpenEntityFile(file, { labels: predictions.labels });
  if (examples.length !== predictions.gold.length) {
    throw new Error(`${file}: holds ${examples.length} examples, but ${run.folder} has ${predictions.gold.length} ${predictions.split} predictions; is it the run's dataset?`);
  }
  return { examples, file };
}
