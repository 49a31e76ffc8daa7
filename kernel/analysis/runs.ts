/**
 * A folder of runs (entity typing's and NER's) as one table: every `results.json` under the folder
 * (at any depth) is a run, read and checked by readResults. One row per run holds its folder, its
 * hyperparameters (experimental_configurations.log_parameters: the original's eight sweep
 * parameters), its final dev/test metrics and best epoch, its task ("entity-typing" or "ner"), then
 * every other scalar entry of log_parameters.
 *
 * A results.json that cannot be read, is not JSON or is not an entity-typing results.json is skipped
 * and reported (file and reason), so one broken run does not hide the others.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { aq, type ColumnTable } from "./arquero";
import { readResults, type EntityTypingResults } from "../tasks/entity-typing/results";

export type RunTask = "entity-typing" | "ner";

/** The task a run folder is: results.json's lukelab.task ("ner"), else entity typing. */
export function taskOfRun(results: { lukelab?: Record<string, unknown> }): RunTask {
  return results.lukelab?.task === "ner" ? "ner" : "entity-typing";
}

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

export interface RunRecord {
  /** The run folder relative to the analysed folder ("." for the folder itself), with "/" separators. */
  folder: string;
  /** Absolute path of the run folder. */
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

export interface RunCollection {
  /** The analysed folder, absolute. */
  root: string;
  /** Runs in folder order. */
  runs: RunRecord[];
  /** One row per run: folder, the sweep parameters, metrics, best_epoch, the other parameters. */
  table: ColumnTable;
  /** Parameter columns in table order (the eight sweep parameters first). */
  parameters: string[];
  skipped: SkippedRun[];
}

/** Every results.json under `dir`, sorted; symbolic links are not followed (no cycles). */
export function findResultsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.isFile() && e.name === "results.json") out.push(join(d, e.name));
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.isSymbolicLink()) walk(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

function scalarParameters(results: EntityTypingResults): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const [k, v] of Object.entries(results.experimental_configurations.log_parameters)) {
    if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

/** Reads every run under `dir`; broken results.json files are listed in `skipped`, not thrown. */
export function loadRuns(dir: string): RunCollection {
  const root = resolve(dir);
  let isDir = false;
  try {
    isDir = lstatSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new Error(`${dir}: not a folder; give the folder that holds the run folders (each with a results.json)`);
  const runs: RunRecord[] = [];
  const skipped: SkippedRun[] = [];
  for (const file of findResultsFiles(root)) {
    let results: EntityTypingResults;
    try {
      results = readResults(file);
    } catch (err) {
      // readResults names the file first; the reason is what follows it.
      const message = (err as Error).message;
      // A JSON syntax error's place ("file:3:7: …") becomes "line 3, column 7: …".
      const place = message.startsWith(file) ? message.slice(file.length).replace(/^:(\d+):(\d+): /, ": line $1, column $2: ") : undefined;
      skipped.push({ file, reason: place?.startsWith(": ") ? place.slice(2) : message });
      continue;
    }
    const runDir = resolve(file, "..");
    runs.push({ folder: relative(root, runDir).split("\\").join("/") || ".", dir: runDir, results, task: taskOfRun(results), parameters: scalarParameters(results) });
  }
  return { root, runs, skipped, ...runTable(runs) };
}

/** The one-row-per-run table of `runs`; a parameter a run lacks is null. */
export function runTable(runs: readonly RunRecord[]): { table: ColumnTable; parameters: string[] } {
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
  return { table: aq().table(columns), parameters };
}

/** log_parameters entries that record what happened rather than what was asked for. */
const OUTCOME_ENTRIES = new Set(["output_dir", "global_step", "average_loss", "training_samples", "dev_samples", "test_samples", "train_constructed"]);

/** Options that take more than one value across the runs (what a sweep varied). */
export function varyingParameters(collection: Pick<RunCollection, "runs" | "parameters">): string[] {
  return collection.parameters.filter((p) => !OUTCOME_ENTRIES.has(p) && new Set(collection.runs.map((r) => JSON.stringify(r.parameters[p] ?? null))).size > 1);
}
