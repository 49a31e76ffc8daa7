/**
 * A large folder of runs for the runs dashboard's scale test and bench: `runs` run folders whose
 * results.json hold `rows` dev and test examples of 9 labels each (the default 9000 makes about 2 MB
 * of JSON per run, as a run on the full Open Entity dev and test sets writes), each with the
 * results-summary.json the run loop writes beside it (kernel/tasks/entity-typing/results.ts), unless
 * `summaries` is false (runs written by older versions). The per-example block is made once and shared
 * by every run (only its metrics and options differ), so writing 1 GB is bounded by the disk, not by
 * JSON.stringify; the first run is parsed back and checked as `lukelab analyze` checks it. With
 * writeSweepState the folder is a sweep's, with a state file per run.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OPEN_ENTITY_LABELS } from "../../kernel/data/open-entity";
import { readResults, validateResults, writeResults, type EntityTypingResults } from "../../kernel/tasks/entity-typing/results";
import { Rng } from "../../kernel/train/random";
import { writeFileAtomic } from "../../kernel/io/atomic";
import type { RunState, RunStatus } from "../../kernel/sweep/run-status";

export interface BigRuns {
  folders: string[];
  bytes: number;
  seconds: number;
}

export function writeBigRuns(dir: string, options: { runs: number; rows?: number; summaries?: boolean }): BigRuns {
  const t0 = Date.now();
  const rows = options.rows ?? 9000;
  const rng = new Rng(1);
  const labels = [...OPEN_ENTITY_LABELS];
  const block = () => {
    const true_labels = Array.from({ length: rows }, () => labels.map(() => (rng.uniform() < 0.2 ? 1 : 0)));
    const predict_logits = true_labels.map((r) => r.map((g) => Number((g * 2 - 1 + (rng.uniform() * 4 - 2)).toFixed(6))));
    return { predict_logits, true_labels };
  };
  const m = () => Number(rng.uniform().toFixed(6));
  const perExample = `"evaluation_predict_label":${JSON.stringify({ label_list: labels, dev: block(), test: block() })},"training_loss":${JSON.stringify(Array.from({ length: 300 }, m))}`;
  const folders: string[] = [];
  let bytes = 0;
  for (let index = 0; index < options.runs; index++) {
    const results: Record<string, unknown> = {};
    for (let k = 0; k < 3; k++) Object.assign(results, { [`dev_precision_epoch${k}`]: m(), [`dev_recall_epoch${k}`]: m(), [`dev_f1_epoch${k}`]: m() });
    Object.assign(results, { best_epoch: 2, dev_precision: m(), dev_recall: m(), dev_f1: m(), test_precision: m(), test_recall: m(), test_f1: m() });
    results.experimental_configurations = {
      log_parameters: { learning_rate: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3][index % 5], seed: Math.floor(index / 5), train_batch_size: 4, num_train_epochs: 3 },
      model_config: { hidden_size: 768 },
    };
    const folder = `run-${String(index).padStart(4, "0")}`;
    const runDir = join(dir, folder);
    mkdirSync(runDir, { recursive: true });
    const text = `${JSON.stringify(results).slice(0, -1)},${perExample}}\n`;
    if (options.summaries === false) writeFileSync(join(runDir, "results.json"), text);
    else writeResults(runDir, text, validateResults(results, runDir) as EntityTypingResults);
    if (index === 0) readResults(join(runDir, "results.json"));
    folders.push(folder);
    bytes += Buffer.byteLength(text);
  }
  return { folders, bytes, seconds: (Date.now() - t0) / 1000 };
}

/** Replaces a run's dev F1 (as a rerun would: results.json and its summary rewritten by the run loop's writer). */
export function rewriteRun(runDir: string, devF1: number, summaries = true): void {
  const file = join(runDir, "results.json");
  const results = JSON.parse(readFileSync(file, "utf8"));
  results.dev_f1 = devF1;
  if (summaries) writeResults(runDir, JSON.stringify(results) + "\n", results);
  else writeFileSync(file, JSON.stringify(results) + "\n");
}

/**
 * Makes `dir` a sweep's folder: a state file (state/<run>.json, as kernel/sweep/state.ts writes it,
 * renamed into place) for each run, saying `status` (done unless told).
 */
export function writeSweepState(dir: string, folders: readonly string[], status: (folder: string) => RunStatus = () => "done"): void {
  mkdirSync(join(dir, "state"), { recursive: true });
  folders.forEach((folder, index) => setRunState(dir, folder, status(folder), index));
}

/** Replaces a run's state file with one saying `status` (as the sweep does when an attempt starts or ends). */
export function setRunState(dir: string, folder: string, status: RunStatus, index = 0): void {
  const started = "2026-12-06T10:00:00.000Z";
  const ended = status === "done" ? "2026-12-06T10:20:00.000Z" : null;
  const owner = { runner: "local" as const, host: "node-1", pid: 1000 + index };
  const state: RunState = {
    format: "lukelab-sweep-state/1",
    run: folder,
    index,
    status,
    attempts: 1,
    exitCode: status === "done" ? 0 : null,
    signal: null,
    started,
    ended,
    log: join(dir, "logs", `${folder}.log`),
    owner,
    history: [{ attempt: 1, owner, started, ended, status, exitCode: status === "done" ? 0 : null, signal: null }],
  };
  writeFileAtomic(join(dir, "state", `${folder}.json`), JSON.stringify(state, null, 2) + "\n");
}
