/**
 * Folders of runs for the runs dashboard's tests: a sweep (run folders, state files, one broken
 * results.json, a planned run still queued, one running) written with test/analysis/synthetic-runs,
 * the contents of a folder as the dashboard's Source from the local disk, and a small CSV reader for
 * `lukelab analyze`'s tables/runs.csv.
 */
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { RUNS_INDEX_FILE } from "../../kernel/tasks/entity-typing/runs-index";
import { join, relative } from "node:path";
import type { Entry, Source } from "../../extension/dashboard/data";
import assert from "node:assert/strict";
import { analyzeCommand } from "../../kernel/analysis/cli-command";
import { writeSyntheticRun } from "../analysis/synthetic-runs";

export const LEARNING_RATES = [1e-3, 1e-1];
export const SEEDS = [10, 11, 12];
/** A string parameter that looks like HTML: the dashboard must show it as text. */
export const HTML_TEXT = `<img src=x onerror="globalThis.__lukelabInjected=1">`;

export const runName = (lr: number, seed: number) => `lr_${lr}-seed_${seed}`;

function stateFile(dir: string, run: string, index: number, status: string): void {
  mkdirSync(join(dir, "state"), { recursive: true });
  const owner = { runner: "slurm", host: "node-1", slurmArrayJob: "77", slurmTask: index };
  const state = {
    format: "lukelab-sweep-state/1",
    run,
    index,
    status,
    attempts: status === "queued" ? 0 : 1,
    exitCode: status === "done" ? 0 : null,
    signal: null,
    started: status === "queued" ? null : "2026-01-01T00:00:00.000Z",
    ended: status === "done" ? "2026-01-01T00:10:00.000Z" : null,
    log: join(dir, "logs", `${run}.log`),
    owner,
    history: [],
  };
  writeFileSync(join(dir, "state", `${run}.json`), JSON.stringify(state));
}

/**
 * A sweep in `dir`: 2 learning rates × 3 seeds finished (one with an HTML-like parameter), a run whose
 * results.json is cut short, one queued and one running without results.
 */
export function writeDashboardSweep(dir: string): { finished: string[]; broken: string; queued: string; running: string } {
  const finished: string[] = [];
  let index = 0;
  for (const lr of LEARNING_RATES) {
    for (const seed of SEEDS) {
      const run = runName(lr, seed);
      const results = writeSyntheticRun(join(dir, run), { learningRate: lr, seed, skill: lr > 0.01 ? 2 : 0.5 });
      if (finished.length === 0) {
        (results.experimental_configurations as { log_parameters: Record<string, unknown> }).log_parameters.note = HTML_TEXT;
        writeFileSync(join(dir, run, "results.json"), JSON.stringify(results));
      }
      stateFile(dir, run, index++, "done");
      finished.push(run);
    }
  }
  const broken = "lr_0.01-seed_10";
  mkdirSync(join(dir, broken), { recursive: true });
  writeFileSync(join(dir, broken, "results.json"), '{\n  "dev_f1": 0.5,\n  "experimental_configurations": {');
  stateFile(dir, broken, index++, "done");
  const queued = "lr_0.01-seed_11";
  stateFile(dir, queued, index++, "queued");
  const running = "lr_0.01-seed_12";
  stateFile(dir, running, index++, "running");
  return { finished, broken, queued, running };
}

/** The local disk as the dashboard's Source, with paths relative to `root` as the server gives them. */
/**
 * A time as the Jupyter server (2.x) lists it: rounded to the microsecond, "Z", the fraction left
 * out when it is zero ("2026-12-06T19:02:20.948905Z").
 */
export function listedTime(mtimeMs: number): string {
  const us = Math.round(mtimeMs * 1000);
  const fraction = us % 1_000_000;
  const whole = new Date(Math.floor(us / 1_000_000) * 1000).toISOString().slice(0, 19);
  return `${whole}${fraction ? `.${String(fraction).padStart(6, "0")}` : ""}Z`;
}

export function diskSource(root: string, reads: string[] = [], lists: string[] = []): Source {
  const entry = (path: string): Entry => {
    const s = statSync(join(root, path));
    return { name: path.split("/").pop()!, path, type: s.isDirectory() ? "directory" : "file", modified: listedTime(s.mtimeMs), size: s.isDirectory() ? null : s.size };
  };
  return {
    async list(path) {
      lists.push(path);
      return readdirSync(join(root, path)).map((n) => entry(relative(root, join(root, path, n)).split("\\").join("/")));
    },
    async read(path) {
      reads.push(path);
      return readFileSync(join(root, path), "utf8");
    },
  };
}

/** RFC 4180 CSV (quotes, doubled quotes, commas and newlines inside quotes) as rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\n") row.push(cell), rows.push(row), (row = []), (cell = "");
    else cell += c;
  }
  if (cell !== "" || row.length) row.push(cell), rows.push(row);
  return rows;
}

/** `lukelab analyze` on `dir` (quietly), as rows of its tables/runs.csv (the header first). */
export async function cliCsv(dir: string, out: string, options: { keepIndex?: boolean } = {}): Promise<string[][]> {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    assert.equal(await analyzeCommand(["--data-dir", dir, "--output-dir", out, "--no-html", "--no-png", "--no-tensorboard"]), 0);
  } finally {
    process.stdout.write = write;
  }
  // `lukelab analyze` leaves RUNS/runs-index.json for the dashboard; the tests that read the folders
  // themselves take it away (the index has its own test).
  if (!options.keepIndex) rmSync(join(dir, RUNS_INDEX_FILE), { force: true });
  return parseCsv(readFileSync(join(out, "tables", "runs.csv"), "utf8"));
}
