/**
 * runs-index.json: the results-summary.json of every run folder under a folder of runs (a sweep's
 * output folder, or any folder of run folders), in one file at that folder's root, so a reader that
 * pays per request (the JupyterLab runs dashboard, through the Jupyter server's contents API) lists the
 * root once and reads one file instead of listing and reading in each of hundreds of run folders.
 *
 * Each entry records the modification time of its run folder when the entry was made. lukelab
 * replaces a run's files by renaming a finished temporary file (kernel/io/atomic.ts), which moves the
 * folder's time, so an entry is trusted only while the folder's time, as its parent's listing gives
 * it, is still the recorded one (to the microsecond; a listing less precise than that is never
 * trusted). A run missing from the index, or whose entry is stale or broken, is read as before (its
 * folder listed, its summary or results.json read): a missing, stale, partial or broken index makes a
 * reader slower, never wrong.
 *
 * In a sweep's folder the index also holds its state files (state/<run>.json, kernel/sweep/state.ts),
 * each with the time and size it had when it was read: a reader lists state/ once and trusts an entry
 * only while that file is listed with the recorded size and time (to the microsecond), else it reads
 * the file (a state file replaced since, running → done, no longer matches). Written by ./runs-index-write.ts. File-system free: shared by the
 * writers and the dashboard.
 */
import { parseJsonText } from "../../io/json-text";
import { checkSummary, type ResultsSummary } from "./results-summary";

export const RUNS_INDEX_FILE = "runs-index.json";
export const RUNS_INDEX_FORMAT = "lukelab-runs-index/1";
/** A sweep folder's folder of run state files (kernel/sweep/state.ts). */
export const STATE_FOLDER = "state";

export interface RunsIndexEntry {
  /** The run folder's modification time when the entry was made, milliseconds since 1970 (with the fraction the file system gives). */
  folder_mtime_ms: number;
  /** The run folder's subfolders then (a training run's tensorboard/): a reader still lists them, their times are not in the folder's. */
  subfolders: string[];
  /** The run's results-summary.json as it was then (what it records of results.json: size and time). */
  summary: ResultsSummary;
}

/** A sweep's state file as it was when the index was made. */
export interface StateFileEntry {
  /** The file's modification time then, milliseconds since 1970 (with the fraction the file system gives). */
  mtime_ms: number;
  /** Its size in bytes then. */
  bytes: number;
  /** Its contents then, parsed (a JSON object; the reader applies the sweep's status rule to it as to the file). */
  state: Record<string, unknown>;
}

export interface RunsIndex {
  format: typeof RUNS_INDEX_FORMAT;
  /** Entries by run folder, relative to the index's folder, with "/" between names ("run-0001", "lr/run-0001"). */
  runs: Record<string, RunsIndexEntry>;
  /** A sweep's state files (state/<name>), by file name ("run-0001.json"); absent when the folder is not a sweep. */
  state_files?: Record<string, StateFileEntry>;
}

/**
 * Parses an index's text: a file that is not JSON or not an index throws (errors name `file`); an
 * entry that is not valid is left out (its run is read from its folder), so one bad entry costs only
 * its own run.
 */
export function parseRunsIndex(text: string, file: string): RunsIndex {
  const value = parseJsonText(text, file) as Partial<RunsIndex> | null;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${file}: not a runs index (not an object)`);
  if (value.format !== RUNS_INDEX_FORMAT) throw new Error(`${file}: format must be "${RUNS_INDEX_FORMAT}", found ${JSON.stringify(value.format)}`);
  if (typeof value.runs !== "object" || value.runs === null || Array.isArray(value.runs)) throw new Error(`${file}: runs must be an object`);
  const runs: Record<string, RunsIndexEntry> = {};
  for (const [folder, entry] of Object.entries(value.runs)) {
    const e = entry as Partial<RunsIndexEntry> | null;
    if (!validFolder(folder) || typeof e !== "object" || e === null || typeof e.folder_mtime_ms !== "number" || !Number.isFinite(e.folder_mtime_ms)) continue;
    if (!Array.isArray(e.subfolders) || !e.subfolders.every((n) => typeof n === "string" && validFolder(n) && !n.includes("/"))) continue;
    try {
      runs[folder] = { folder_mtime_ms: e.folder_mtime_ms, subfolders: [...e.subfolders], summary: checkSummary(e.summary, `${file}: runs["${folder}"].summary`) };
    } catch {
      // Not a summary: this run is read from its folder.
    }
  }
  const index: RunsIndex = { format: RUNS_INDEX_FORMAT, runs };
  const states = (value as { state_files?: unknown }).state_files;
  if (typeof states === "object" && states !== null && !Array.isArray(states)) {
    index.state_files = {};
    for (const [name, entry] of Object.entries(states)) {
      const e = entry as Partial<StateFileEntry> | null;
      // An entry that is not valid is left out: that state file is read.
      if (!/^[^/\\]+\.json$/.test(name) || name.startsWith(".") || typeof e !== "object" || e === null) continue;
      if (typeof e.mtime_ms !== "number" || !Number.isFinite(e.mtime_ms) || !Number.isSafeInteger(e.bytes) || e.bytes! < 0) continue;
      if (typeof e.state !== "object" || e.state === null || Array.isArray(e.state)) continue;
      index.state_files[name] = { mtime_ms: e.mtime_ms, bytes: e.bytes!, state: e.state };
    }
  }
  return index;
}

/** A run folder's key: relative, "/"-separated, no "." or ".." parts. */
function validFolder(folder: string): boolean {
  return folder !== "" && folder.split("/").every((p) => p !== "" && p !== "." && p !== "..");
}

/**
 * A time as the Jupyter server lists it ("2026-12-06T19:02:20.948905Z": the file system's time rounded
 * to the microsecond; the fraction is left out when it is zero) in milliseconds since 1970, with the
 * precision the text gives (digits of the fraction); undefined if it is not such a time.
 */
export function listedTime(modified: string): { ms: number; resolutionMs: number } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(modified);
  if (!m) return undefined;
  const whole = Date.parse(m[1] + m[3]);
  if (!Number.isFinite(whole)) return undefined;
  const fraction = m[2] ?? "";
  return { ms: whole + (fraction ? Number(`0.${fraction}`) * 1000 : 0), resolutionMs: 1000 / 10 ** fraction.length };
}

/**
 * Whether `entry` still describes its run folder, listed with the time `modified`: the recorded time,
 * to the microsecond. A listing coarser than microseconds (another contents manager; or, one time in a
 * million, a time whose microseconds are zero and printed without a fraction) is not trusted: two
 * writes within its precision would look the same.
 */
export function indexEntryMatches(entry: RunsIndexEntry, modified: string): boolean {
  return sameListedTime(entry.folder_mtime_ms, modified);
}

/** Whether a state file listed with `modified` and `size` is still the one `entry` records (same size, same time to the microsecond). */
export function stateEntryMatches(entry: StateFileEntry, modified: string, size: number | null | undefined): boolean {
  return size === entry.bytes && sameListedTime(entry.mtime_ms, modified);
}

function sameListedTime(recordedMs: number, modified: string): boolean {
  const t = listedTime(modified);
  return t !== undefined && t.resolutionMs <= 0.001 && sameRecordedTime(t.ms, recordedMs);
}

/**
 * Whether two modification times in milliseconds are the same time as the index records it: within
 * 2 µs, the server's rounding to the microsecond and floating point on both sides.
 */
export function sameRecordedTime(a: number, b: number): boolean {
  return Math.abs(a - b) <= 0.002;
}
