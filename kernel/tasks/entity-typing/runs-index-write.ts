/**
 * Writes a folder's runs-index.json (./runs-index.ts): `updateRunsIndex(root)` indexes every run
 * folder under `root`, `updateRunsIndex(root, ["lr-1e-05_seed-0"])` only the ones named (the sweep
 * runner, as runs end); entries already there are kept while their folder's time is unchanged and
 * dropped otherwise. Written atomically (kernel/io/atomic.ts).
 *
 * Two writers at once (runs of a local sweep or a Slurm array ending together) each read the index,
 * add their runs and rename their file into place: the last rename wins and the other's new entries
 * are lost. That makes a reader slower (those runs are read from their folders), never wrong, since
 * every entry carries the folder time it is checked against; the next update puts them back (an
 * update for some runs also adds every run folder that has a results-summary.json and no entry).
 *
 * An entry is made from the run's results-summary.json when it describes the results.json beside it,
 * else from results.json itself (runs of older versions); the folder's time is taken before and after
 * reading and the entry kept only if they agree, and only once the time is old enough that a later
 * change could not share it (file-system clocks tick in milliseconds). A sweep folder's state files
 * are recorded with their size and time under the same rule (an entry kept while its file is unchanged).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { writeFileAtomic } from "../../io/atomic";
import { readResults } from "./results";
import { parseSummary, resultsSummary, summaryMatches, SUMMARY_FILE, type ResultsSummary } from "./results-summary";
import { parseJsonText } from "../../io/json-text";
import { parseRunsIndex, RUNS_INDEX_FILE, RUNS_INDEX_FORMAT, sameRecordedTime, STATE_FOLDER, type RunsIndex, type RunsIndexEntry, type StateFileEntry } from "./runs-index";

const RESULTS_FILE = "results.json";
/** A folder changed less than this long ago is waited for before it is indexed (a coarse clock could give a later change the same time). */
const SETTLE_MS = 30;

export interface RunsIndexUpdate {
  file: string;
  /** Run folders in the index now. */
  runs: number;
  /** A sweep's state files in the index now (0 when the folder has no state/ folder). */
  states: number;
  /** Run folders asked for that have no entry (no valid results.json, or changing while read), with why. */
  left: { folder: string; reason: string }[];
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Run folders (holding a results.json) under `root`, relative with "/"; symbolic links are not followed. */
export function findRunFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (dir !== root && entries.some((e) => e.isFile() && e.name === RESULTS_FILE)) out.push(relative(root, dir).split(sep).join("/"));
    for (const e of entries) if (e.isDirectory() && !e.isSymbolicLink()) walk(join(dir, e.name));
  };
  walk(root);
  return out;
}

/** The index at `file`, or an empty one when there is none or it cannot be read (it is rebuilt, not trusted). */
function readIndex(file: string): RunsIndex {
  try {
    return existsSync(file) ? parseRunsIndex(readFileSync(file, "utf8"), file) : { format: RUNS_INDEX_FORMAT, runs: {} };
  } catch {
    return { format: RUNS_INDEX_FORMAT, runs: {} };
  }
}

/** The time of the folder (or file) at `dir` once it is at least SETTLE_MS old (waiting for that), or undefined if it keeps changing. */
function settledTime(dir: string): number | undefined {
  for (let tries = 0; tries < 20; tries++) {
    const time = statSync(dir).mtimeMs;
    const age = Date.now() - time;
    if (age >= SETTLE_MS) return time;
    sleep(Math.ceil(SETTLE_MS - Math.max(age, 0)) + 1);
  }
  return undefined;
}

/**
 * The state files of the sweep folder `root` (state/*.json) as they are now, undefined when there is no
 * state/ folder: entries of `old` are kept while their file's size and time are unchanged, the others
 * read again; a file that keeps changing, changes while read or is not a JSON object is left out (a
 * reader reads it).
 */
function stateFileEntries(root: string, old: Record<string, StateFileEntry> | undefined): Record<string, StateFileEntry> | undefined {
  const dir = join(root, STATE_FOLDER);
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return undefined;
    names = readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
  } catch {
    return undefined;
  }
  const out: Record<string, StateFileEntry> = {};
  for (const name of names) {
    const file = join(dir, name);
    try {
      const stat = statSync(file);
      const prev = old?.[name];
      if (prev && prev.bytes === stat.size && sameRecordedTime(prev.mtime_ms, stat.mtimeMs)) {
        out[name] = prev;
        continue;
      }
      const before = settledTime(file);
      if (before === undefined || !statSync(file).isFile()) continue;
      const text = readFileSync(file, "utf8");
      const after = statSync(file);
      if (!sameRecordedTime(before, after.mtimeMs) || Buffer.byteLength(text) !== after.size) continue;
      const state = parseJsonText(text, file);
      if (typeof state === "object" && state !== null && !Array.isArray(state)) out[name] = { mtime_ms: before, bytes: after.size, state: state as Record<string, unknown> };
    } catch {
      // Gone, or not JSON: a reader reads it and says why.
    }
  }
  return out;
}

/** The entry of the run folder `dir` as it is now, or why there is none. */
export function indexEntry(dir: string): RunsIndexEntry | { reason: string } {
  const before = settledTime(dir);
  if (before === undefined) return { reason: "changing while it was read" };
  const results = join(dir, RESULTS_FILE);
  if (!existsSync(results)) return { reason: `no ${RESULTS_FILE}` };
  const stat = statSync(results);
  let summary: ResultsSummary | undefined;
  try {
    const s = parseSummary(readFileSync(join(dir, SUMMARY_FILE), "utf8"), join(dir, SUMMARY_FILE));
    if (summaryMatches(s, stat.size, new Date(stat.mtimeMs).toISOString())) summary = s;
  } catch {
    // No summary, or a stale or broken one: results.json decides.
  }
  if (!summary) {
    try {
      summary = resultsSummary(readResults(results), stat.size, stat.mtimeMs);
    } catch (err) {
      return { reason: (err as Error).message };
    }
  }
  // What a listing of the folder shows as folders (the Jupyter server hides names starting with ".").
  const subfolders = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith(".") && (e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, e.name), { throwIfNoEntry: false })?.isDirectory())))
    .map((e) => e.name)
    .sort();
  const after = statSync(dir).mtimeMs;
  if (!sameRecordedTime(before, after)) return { reason: "changed while it was read" };
  return { folder_mtime_ms: before, subfolders, summary };
}

/**
 * Brings `root`/runs-index.json up to date: the entries of `folders` (relative to `root`) are made
 * again, or of every run folder under `root` when `folders` is omitted; the other entries stay while
 * their folder's time is unchanged. Returns what the index holds and the runs it could not index.
 */
export function updateRunsIndex(root: string, folders?: readonly string[]): RunsIndexUpdate {
  const file = join(root, RUNS_INDEX_FILE);
  const targets = folders ?? findRunFolders(root);
  const previous = folders ? readIndex(file) : undefined;
  const old = previous?.runs ?? {};
  const runs: Record<string, RunsIndexEntry> = {};
  for (const [folder, entry] of Object.entries(old)) {
    if (targets.includes(folder)) continue;
    try {
      if (sameRecordedTime(statSync(join(root, folder)).mtimeMs, entry.folder_mtime_ms)) runs[folder] = entry;
    } catch {
      // The folder is gone.
    }
  }
  const left: RunsIndexUpdate["left"] = [];
  for (const folder of targets) {
    const entry = existsSync(join(root, folder)) ? indexEntry(join(root, folder)) : { reason: "no such folder" };
    if ("reason" in entry) left.push({ folder, reason: entry.reason });
    else runs[folder] = entry;
  }
  // Runs with a summary but no entry (lost to another writer's update, or rewritten since) are put back.
  if (folders) {
    for (const folder of findRunFolders(root)) {
      if (runs[folder] || targets.includes(folder) || !existsSync(join(root, folder, SUMMARY_FILE))) continue;
      const entry = indexEntry(join(root, folder));
      if (!("reason" in entry)) runs[folder] = entry;
    }
  }
  const sorted = Object.fromEntries(Object.keys(runs).sort().map((k) => [k, runs[k]]));
  const states = stateFileEntries(root, previous?.state_files);
  const count = { runs: Object.keys(sorted).length, states: Object.keys(states ?? {}).length };
  // No runs, no state files and no index yet (a single run's folder, an empty folder): nothing to write.
  if (count.runs === 0 && count.states === 0 && !existsSync(file)) return { file, ...count, left };
  const index: RunsIndex = { format: RUNS_INDEX_FORMAT, runs: sorted, ...(states ? { state_files: states } : {}) };
  writeFileAtomic(file, JSON.stringify(index) + "\n");
  return { file, ...count, left };
}
