/**
 * progress.json: what a training run has done so far, rewritten (atomically) after every dev
 * evaluation and removed once results.json is written. It lets a watcher (the JupyterLab runs
 * dashboard) follow the epochs of a run still training without reading its resume checkpoint:
 *
 *   { "format": "lukelab-progress/1", "step": 120, "total_steps": 330, "num_train_epochs": 3,
 *     "dev": { "dev_precision_epoch0": …, "dev_recall_epoch0": …, "dev_f1_epoch0": …, … },
 *     "best_epoch": 0, "updated": "2026-…Z" }
 *
 * No file system here: run.ts writes it, the dashboard parses the text it fetched.
 */
export const PROGRESS_FILE = "progress.json";
export const PROGRESS_FORMAT = "lukelab-progress/1";

export interface RunProgress {
  format: string;
  step: number;
  total_steps: number;
  num_train_epochs: number;
  /** dev metrics per epoch, with results.json's keys (dev_f1_epoch0, …, dev_f1_epoch_no_training). */
  dev: Record<string, number>;
  best_epoch: number | null;
  updated: string;
}

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** Checks a parsed progress.json; throws naming `where` and the key. */
export function validateProgress(value: unknown, where = PROGRESS_FILE): RunProgress {
  const v = value as Partial<RunProgress> | null;
  const fail = (key: string, what: string) => {
    throw new Error(`${where}: ${key}: ${what}`);
  };
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${where}: must hold a JSON object`);
  if (v.format !== PROGRESS_FORMAT) fail("format", `expected "${PROGRESS_FORMAT}", found ${JSON.stringify(v.format)}`);
  for (const k of ["step", "total_steps"] as const) if (!isCount(v[k])) fail(k, `must be a non-negative integer, found ${JSON.stringify(v[k])}`);
  if (typeof v.num_train_epochs !== "number" || !(v.num_train_epochs >= 0)) fail("num_train_epochs", `must be a non-negative number, found ${JSON.stringify(v.num_train_epochs)}`);
  if (v.dev === null || typeof v.dev !== "object") fail("dev", "must be an object of dev metrics");
  for (const [k, x] of Object.entries(v.dev!)) {
    if (!/^dev_(precision|recall|f1)_epoch(\d+|_no_training)$/.test(k)) fail(`dev.${k}`, "unknown key");
    if (typeof x !== "number" || !(x >= 0 && x <= 1)) fail(`dev.${k}`, `must be a number in [0, 1], found ${JSON.stringify(x)}`);
  }
  if (v.best_epoch !== null && !isCount(v.best_epoch)) fail("best_epoch", `must be an epoch number or null, found ${JSON.stringify(v.best_epoch)}`);
  return v as RunProgress;
}

/** Epochs evaluated so far and the latest one's dev F1 (the prior evaluation does not count as an epoch). */
export function progressSummary(p: RunProgress): { epochs: number; lastF1?: number } {
  let epochs = 0;
  while (p.dev[`dev_f1_epoch${epochs}`] !== undefined) epochs++;
  const last = epochs > 0 ? p.dev[`dev_f1_epoch${epochs - 1}`] : p.dev.dev_f1_epoch_no_training;
  return { epochs, lastF1: last };
}
