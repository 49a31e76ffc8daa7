/**
 * The file-system-free half of runs.ts: a run's results.json text to a run record, the reason a broken
 * one is skipped, the order runs are found in, and the columns of the one-row-per-run table. Shared by
 * `lukelab analyze` (runs.ts reads the files with node:fs) and the JupyterLab runs dashboard (which
 * reads them through the Jupyter server's contents API), so both show the same rows and numbers.
 */
import { parseJsonText } from "../io/json-text";
import { validateResults, type EntityTypingResults } from "../tasks/entity-typing/results-schema";

/** The hyperparameters the original's sweeps vary (seed-features §1.2), in its order. */
export const SWEEP_PARAMETERS = [
  "train_batch_size",
  "gradient_accumulation_steps",
  "learning_rate",
  "num_train_epochs",
  "seed",
  "train_frac_size",
  "weight_decay",
  "hidden_dropout_prob",
] as const;

/** The final metrics of a run (of the kept weights), as table columns. */
export const METRIC_COLUMNS = ["dev_precision", "dev_recall", "dev_f1", "test_precision", "test_recall", "test_f1"] as const;
export type MetricColumn = (typeof METRIC_COLUMNS)[number];

export type ParameterValue = number | string | boolean | null;

export type RunTask = "entity-typing" | "ner";

/** The task a run folder is: results.json's lukelab.task ("ner"), else entity typing. */
export function taskOfRun(results: { lukelab?: Record<string, unknown> }): RunTask {
  return results.lukelab?.task === "ner" ? "ner" : "entity-typing";
}

export interface RunRecord {
  /** The run folder relative to the analysed folder ("." for the folder itself), with "/" separators. */
  folder: string;
  /** The run folder: an absolute path for the CLI, a server path for the dashboard. */
  dir: string;
  results: EntityTypingResults;
  /** Which task the run is (results.json's lukelab.task; entity typing when absent). */
  task: RunTask;
  /** The scalar entries of log_parameters (nested values are left out). */
  parameters: Record<string, ParameterValue>;
}

export interface SkippedRun {
  file: string;
  reason: string;
}

/** The file every run folder holds when the run has finished. */
export const RESULTS_FILE = "results.json";

/** Entries of a folder in the order runs are looked for: by name (code units), files before folders. */
export function byName<T extends { name: string }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The scalar entries of a run's log_parameters. */
export function scalarParameters(results: EntityTypingResults): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const [k, v] of Object.entries(results.experimental_configurations.log_parameters)) {
    if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

/** A run record from a checked results.json; `folder` is relative to the analysed folder. */
export function runRecord(results: EntityTypingResults, folder: string, dir: string): RunRecord {
  return { folder, dir, results, task: taskOfRun(results), parameters: scalarParameters(results) };
}

/** Parses and checks the text of a results.json; errors name `file` (and the line and column of a JSON error). */
export function parseResults(text: string, file: string): EntityTypingResults {
  return validateResults(parseJsonText(text, file), file);
}

/** Why a results.json was skipped: its error without the file name in front ("line 3, column 7: …" for JSON). */
export function skipReason(file: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const place = message.startsWith(file) ? message.slice(file.length).replace(/^:(\d+):(\d+): /, ": line $1, column $2: ") : undefined;
  return place?.startsWith(": ") ? place.slice(2) : message;
}

/** The run folder of a results.json path relative to the analysed folder ("." for the folder itself). */
export function runFolder(relativeFile: string): string {
  const parts = relativeFile.split("\\").join("/").split("/");
  parts.pop();
  return parts.filter((p) => p !== "" && p !== ".").join("/") || ".";
}

/**
 * The columns of the one-row-per-run table of `runs`: folder, the sweep parameters present, the six
 * metrics, best_epoch, task, then the other parameters (sorted); a parameter a run lacks is null.
 */
export function runColumns(runs: readonly RunRecord[]): { columns: Record<string, unknown[]>; parameters: string[] } {
  const seen = new Set(runs.flatMap((r) => Object.keys(r.parameters)));
  const sweep = SWEEP_PARAMETERS.filter((p) => seen.has(p));
  const others = [...seen].filter((p) => !(SWEEP_PARAMETERS as readonly string[]).includes(p) && !(METRIC_COLUMNS as readonly string[]).includes(p) && p !== "folder" && p !== "best_epoch" && p !== "task").sort();
  const parameters = [...sweep, ...others];
  const columns: Record<string, unknown[]> = { folder: runs.map((r) => r.folder) };
  const parameter = (p: string) => runs.map((r) => (p in r.parameters ? r.parameters[p] : null));
  for (const p of sweep) columns[p] = parameter(p);
  for (const m of METRIC_COLUMNS) columns[m] = runs.map((r) => r.results[m] ?? null);
  columns.best_epoch = runs.map((r) => r.results.best_epoch ?? null);
  columns.task = runs.map((r) => r.task);
  for (const p of others) columns[p] = parameter(p);
  return { columns, parameters };
}

/** log_parameters entries that record what happened rather than what was asked for. */
const OUTCOME_ENTRIES = new Set(["output_dir", "global_step", "average_loss", "training_samples", "dev_samples", "test_samples", "train_constructed"]);

/** Options that take more than one value across the runs (what a sweep varied). */
export function varyingParameters(collection: { runs: readonly RunRecord[]; parameters: readonly string[] }): string[] {
  return collection.parameters.filter((p) => !OUTCOME_ENTRIES.has(p) && new Set(collection.runs.map((r) => JSON.stringify(r.parameters[p] ?? null))).size > 1);
}
