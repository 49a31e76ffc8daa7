/**
 * results-summary.json: a run's results.json without its per-example data (evaluation_predict_label,
 * training_loss), written by the run loop right before results.json, with the size and modification
 * time results.json has once renamed into place. Whoever needs only the run's metrics and options (the
 * JupyterLab runs dashboard's table) reads this small file instead of a results.json that can hold
 * megabytes of logits; a summary whose recorded size and time do not match the results.json beside it
 * (results.json rewritten or edited since, or no results.json) is stale and must be ignored.
 * File-system free: shared by the run loop (which writes it) and the dashboard (which reads it).
 */
import { parseJsonText } from "../../io/json-text";
import { validateResults, type EntityTypingResults } from "./results-schema";

export const SUMMARY_FILE = "results-summary.json";
export const SUMMARY_FORMAT = "lukelab-results-summary/1";

/** The entries of results.json a summary leaves out: per example or per step, possibly megabytes. */
const PER_EXAMPLE = ["evaluation_predict_label", "training_loss"] as const;

export interface ResultsSummary {
  format: typeof SUMMARY_FORMAT;
  /** results.json's size in bytes. */
  results_bytes: number;
  /** results.json's modification time, milliseconds since 1970 (as the file system gives it). */
  results_mtime_ms: number;
  /** results.json without its per-example entries. */
  results: EntityTypingResults;
}

/** The summary of `results` (a checked results.json) whose file has `bytes` bytes and modification time `mtimeMs`. */
export function resultsSummary(results: EntityTypingResults, bytes: number, mtimeMs: number): ResultsSummary {
  const kept = Object.fromEntries(Object.entries(results).filter(([k]) => !(PER_EXAMPLE as readonly string[]).includes(k))) as EntityTypingResults;
  return { format: SUMMARY_FORMAT, results_bytes: bytes, results_mtime_ms: mtimeMs, results: kept };
}

/** Parses and checks a summary's text; errors name `file`. */
export function parseSummary(text: string, file: string): ResultsSummary {
  return checkSummary(parseJsonText(text, file), file);
}

/** Checks a summary's parsed value; errors name `file`. */
export function checkSummary(parsed: unknown, file: string): ResultsSummary {
  const value = parsed as Partial<ResultsSummary> | null;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${file}: not a results summary (not an object)`);
  if (value.format !== SUMMARY_FORMAT) throw new Error(`${file}: format must be "${SUMMARY_FORMAT}", found ${JSON.stringify(value.format)}`);
  for (const k of ["results_bytes", "results_mtime_ms"] as const) {
    if (typeof value[k] !== "number" || !Number.isFinite(value[k])) throw new Error(`${file}: ${k} must be a number, found ${JSON.stringify(value[k])}`);
  }
  const results = validateResults(value.results, `${file}: results`);
  for (const k of PER_EXAMPLE) if (k in results) throw new Error(`${file}: results must not hold ${k}`);
  return { format: SUMMARY_FORMAT, results_bytes: value.results_bytes!, results_mtime_ms: value.results_mtime_ms!, results };
}

/**
 * Whether `summary` describes the results.json listed with `bytes` and `modified` (an ISO time, as the
 * Jupyter server lists it): same size, and the same time to the millisecond (one either way, for the
 * rounding of a time given in microseconds).
 */
export function summaryMatches(summary: ResultsSummary, bytes: number | null | undefined, modified: string): boolean {
  const time = Date.parse(modified);
  return bytes === summary.results_bytes && Number.isFinite(time) && Math.abs(time - summary.results_mtime_ms) <= 1;
}
