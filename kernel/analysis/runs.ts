/**
 * A folder of entity-typing runs as one table: every `results.json` under the folder (at any depth)
 * is a run, read and checked by readResults. One row per run holds its folder, its hyperparameters
 * (experimental_configurations.log_parameters: the original's eight sweep parameters), its final
 * dev/test metrics and best epoch, then every other scalar entry of log_parameters.
 *
 * A results.json that cannot be read, is not JSON or is not an entity-typing results.json is skipped
 * and reported (file and reason), so one broken run does not hide the others.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { aq, type ColumnTable } from "./arquero";
import { readResults, type EntityTypingResults } from "../tasks/entity-typing/results";
import { byName, RESULTS_FILE, runColumns, runFolder, runRecord, skipReason, type RunRecord, type SkippedRun } from "./run-table";

// The pure half (records, skip reasons, the table's columns) is shared with the JupyterLab dashboard.
export * from "./run-table";

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
    const entries = byName(readdirSync(d, { withFileTypes: true }));
    for (const e of entries) {
      if (e.isFile() && e.name === RESULTS_FILE) out.push(join(d, e.name));
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.isSymbolicLink()) walk(join(d, e.name));
    }
  };
  walk(dir);
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
      skipped.push({ file, reason: skipReason(file, err) });
      continue;
    }
    runs.push(runRecord(results, runFolder(relative(root, file)), resolve(file, "..")));
  }
  return { root, runs, skipped, ...runTable(runs) };
}

/** The one-row-per-run table of `runs`; a parameter a run lacks is null. */
export function runTable(runs: readonly RunRecord[]): { table: ColumnTable; parameters: string[] } {
  const { columns, parameters } = runColumns(runs);
  return { table: aq().table(columns), parameters };
}
