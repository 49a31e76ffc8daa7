/**
 * The state of each run of a sweep, one small JSON file per run (`state/<run>.json`), each written
 * whole by an atomic rename, so a kill at any moment leaves the previous state or the new one.
 *
 * Statuses:
 *   pending      never started (or its results vanished)
 *   queued       handed to Slurm, not started yet
 *   running      an attempt is in progress (its owner, a local process or an array task, is alive)
 *   done         results.json is present and valid (readResults): the one test of a finished run
 *   failed       the run exited with an error of its own (bad data, a crash): rerun only on request
 *   interrupted  killed (a signal, scancel, a lost node or process): rerun, and it resumes itself
 * A state file saying running or queued whose owner is gone is read as interrupted.
 */
import { appendFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { readJsonObject } from "../io/read";
import { readResults, type EntityTypingResults } from "../tasks/entity-typing/results";
import { updateRunsIndex } from "../tasks/entity-typing/runs-index-write";
import type { PlannedRun, SweepPlan } from "./plan";
import { runStatus, type RunOwner, type RunState, type RunStatus } from "./run-status";

export const STATE_DIR = "state";
export const LOG_DIR = "logs";
const FORMAT = "lukelab-sweep-state/1";

export type { Attempt, RunOwner, RunState, RunStatus } from "./run-status";

export const statePath = (plan: SweepPlan, run: PlannedRun) => join(plan.outputDir, STATE_DIR, `${run.name}.json`);
export const logPath = (plan: SweepPlan, run: PlannedRun) => join(plan.outputDir, LOG_DIR, `${run.name}.log`);
export const resultsPath = (run: PlannedRun) => join(run.outputDir, "results.json");

export function readState(plan: SweepPlan, run: PlannedRun): RunState | undefined {
  const path = statePath(plan, run);
  if (!existsSync(path)) return undefined;
  let state: RunState;
  try {
    state = readJsonObject(path) as unknown as RunState;
  } catch (err) {
    throw new Error(`${(err as Error).message}: the run state cannot be read; delete it to let the sweep work the run out again`);
  }
  if (state.format !== FORMAT) throw new Error(`${path}: format ${JSON.stringify(state.format)}, expected "${FORMAT}"`);
  if (!Array.isArray(state.history)) throw new Error(`${path}: history: expected a list; delete the file to let the sweep work the run out again`);
  return state;
}

export function writeState(plan: SweepPlan, state: RunState): void {
  writeFileAtomic(join(plan.outputDir, STATE_DIR, `${state.run}.json`), JSON.stringify(state, null, 2) + "\n");
}

function freshState(plan: SweepPlan, run: PlannedRun): RunState {
  return {
    format: FORMAT,
    run: run.name,
    index: run.index,
    status: "pending",
    attempts: 0,
    exitCode: null,
    signal: null,
    started: null,
    ended: null,
    log: logPath(plan, run),
    owner: null,
    history: [],
  };
}

/** The run's results.json when present and valid, else why not (undefined: not there at all). */
export function finishedResults(run: PlannedRun): { results?: EntityTypingResults; problem?: string } {
  const path = resultsPath(run);
  if (!existsSync(path)) return {};
  try {
    return { results: readResults(path) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

const now = () => new Date().toISOString();

/** Records that an attempt starts now. */
export function beginAttempt(plan: SweepPlan, run: PlannedRun, owner: RunOwner): RunState {
  const state = readState(plan, run) ?? freshState(plan, run);
  state.attempts += 1;
  Object.assign(state, { status: "running", owner, started: now(), ended: null, exitCode: null, signal: null, message: undefined });
  state.history.push({ attempt: state.attempts, owner, started: state.started!, ended: null, status: "running", exitCode: null, signal: null });
  writeState(plan, state);
  return state;
}

/** Signals and exit codes that mean "stopped from outside", not "failed on its own". */
const INTERRUPT_SIGNALS = new Set(["SIGTERM", "SIGKILL", "SIGINT", "SIGHUP", "SIGQUIT", "SIGXCPU"]);
const INTERRUPT_CODES = new Set([128 + 1, 128 + 2, 128 + 9, 128 + 15]);

/** Records how an attempt ended; the status follows from the exit and from results.json. */
export function endAttempt(plan: SweepPlan, run: PlannedRun, exit: { code: number | null; signal: string | null; stopped?: boolean }): RunState {
  const state = readState(plan, run) ?? freshState(plan, run);
  const { results, problem } = finishedResults(run);
  let status: RunStatus;
  let message: string | undefined;
  if (exit.code === 0 && results) status = "done";
  else if (exit.code === 0) {
    status = "failed";
    message = problem ?? `the run exited with 0 but wrote no ${resultsPath(run)}`;
  } else if (exit.stopped || (exit.signal && INTERRUPT_SIGNALS.has(exit.signal)) || (exit.code !== null && INTERRUPT_CODES.has(exit.code))) {
    status = "interrupted";
    message = `stopped by ${exit.signal ?? `exit code ${exit.code}`}; the next sweep run resumes it`;
  } else {
    status = "failed";
    message = `exited with code ${exit.code}; see ${state.log} (rerun with --retry-failed)`;
  }
  Object.assign(state, { status, ended: now(), exitCode: exit.code, signal: exit.signal, message });
  const last = state.history[state.history.length - 1];
  if (last && last.ended === null) Object.assign(last, { ended: state.ended, status, exitCode: exit.code, signal: exit.signal });
  writeState(plan, state);
  indexRun(plan, run);
  return state;
}

/**
 * The run's entry in the sweep folder's runs-index.json made again (added when it has results, dropped
 * when not), for the runs dashboard. The index only speeds readers up: a failure to write it is
 * noted in the run's log and changes nothing else.
 */
function indexRun(plan: SweepPlan, run: PlannedRun): void {
  try {
    updateRunsIndex(plan.outputDir, [run.name]);
  } catch (err) {
    try {
      appendFileSync(logPath(plan, run), `lukelab sweep: runs-index.json not updated: ${(err as Error).message}\n`);
    } catch {
      // No log either: nothing more to do.
    }
  }
}

/** Records that the run was handed to Slurm as a task of an array job. */
export function markQueued(plan: SweepPlan, run: PlannedRun, owner: RunOwner): RunState {
  const state = readState(plan, run) ?? freshState(plan, run);
  Object.assign(state, { status: "queued", owner, message: undefined });
  writeState(plan, state);
  return state;
}

/** Records that the run went away without saying how (its process or job vanished). */
export function markLost(plan: SweepPlan, run: PlannedRun, why: string): RunState {
  const state = readState(plan, run) ?? freshState(plan, run);
  Object.assign(state, { status: "interrupted", ended: state.ended ?? now(), message: why });
  const last = state.history[state.history.length - 1];
  if (last && last.ended === null) Object.assign(last, { ended: state.ended, status: "interrupted" });
  writeState(plan, state);
  return state;
}

/** Whether a local process is alive and is a lukelab process (not a recycled pid). */
export function localProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes("lukelab") || cmdline.includes("sweep");
  } catch {
    return true;
  }
}

/**
 * What the scheduler knows about array tasks, keyed "arrayJob_task"; undefined when it cannot be
 * asked (no Slurm commands), in which case queued and running Slurm states are taken as they are.
 */
export type QueueView = Map<string, string> | undefined;

/** A run as the status command shows it: its state now, where it lives, and its F1 when done. */
export interface RunView
  extends Pick<RunState, "index" | "status" | "attempts" | "exitCode" | "signal" | "started" | "ended" | "log" | "owner" | "message"> {
  name: string;
  outputDir: string;
  /** The scheduler's word for a Slurm task (PENDING, RUNNING, …), when asked. */
  scheduler?: string;
  devF1?: number;
  testF1?: number;
}

function ownerAlive(owner: RunOwner | null, queue: QueueView): boolean | undefined {
  if (!owner) return false;
  if (owner.runner === "slurm" && owner.slurmArrayJob !== undefined) {
    if (!queue) return undefined;
    return queue.has(`${owner.slurmArrayJob}_${owner.slurmTask}`);
  }
  if (owner.host !== hostname()) return undefined;
  // A run whose runner is gone is stopping itself (runner-watch.ts): no longer owned.
  if (owner.runnerPid !== undefined && !localProcessAlive(owner.runnerPid)) return false;
  return owner.pid !== undefined && localProcessAlive(owner.pid);
}

/** The run's status now: results.json first, then the state file checked against its owner. */
export function observeRun(plan: SweepPlan, run: PlannedRun, queue?: QueueView): RunView {
  const state = readState(plan, run);
  const { results, problem } = finishedResults(run);
  const view: RunView = {
    index: run.index,
    name: run.name,
    status: state?.status ?? "pending",
    attempts: state?.attempts ?? 0,
    exitCode: state?.exitCode ?? null,
    signal: state?.signal ?? null,
    started: state?.started ?? null,
    ended: state?.ended ?? null,
    log: state?.log ?? logPath(plan, run),
    outputDir: run.outputDir,
    owner: state?.owner ?? null,
    message: state?.message,
  };
  if (state?.owner?.slurmArrayJob !== undefined && queue) view.scheduler = queue.get(`${state.owner.slurmArrayJob}_${state.owner.slurmTask}`);
  if (results) {
    view.devF1 = results.dev_f1;
    view.testF1 = results.test_f1;
  }
  // A run that wrote valid results is done even if its state file did not hear of it (killed after results.json).
  Object.assign(view, runStatus({ state, finished: !!results, problem, resultsFile: resultsPath(run), ownerAlive: () => ownerAlive(state!.owner, queue) }));
  return view;
}

/**
 * Writes back what observeRun worked out when the state file says otherwise: a run whose valid
 * results.json appeared while nobody was watching becomes done, a running or queued attempt whose
 * process or array task is gone becomes interrupted, a done run whose results vanished pending.
 * So state files tell the truth after any kill, not only the status views.
 */
export function reconcileState(plan: SweepPlan, run: PlannedRun, view: RunView): boolean {
  const state = readState(plan, run);
  if (!state || state.status === view.status) return false;
  const settles = (view.status === "done" || view.status === "interrupted") && (state.status === "running" || state.status === "queued");
  const reopens = view.status === "pending" && state.status === "done";
  if (!settles && !reopens) return false;
  Object.assign(state, { status: view.status, message: view.message, ended: state.ended ?? now() });
  const last = state.history[state.history.length - 1];
  if (settles && last && last.ended === null) Object.assign(last, { ended: state.ended, status: view.status });
  writeState(plan, state);
  return true;
}

/** Local runs still alive whose runner is gone (they stop themselves within a second or two). */
export function orphanedPid(plan: SweepPlan, run: PlannedRun): number | undefined {
  const owner = readState(plan, run)?.owner;
  if (!owner || owner.runner !== "local" || owner.host !== hostname() || owner.pid === undefined || owner.runnerPid === undefined) return undefined;
  return !localProcessAlive(owner.runnerPid) && localProcessAlive(owner.pid) ? owner.pid : undefined;
}

/** Whether `sweep run` starts this run. */
export function shouldStart(view: RunView, retryFailed: boolean): boolean {
  return view.status === "pending" || view.status === "interrupted" || (view.status === "failed" && retryFailed);
}

/** Run names with a state file in the sweep folder (runs dropped from the plan included). */
export function stateFiles(sweepDir: string): string[] {
  const dir = join(sweepDir, STATE_DIR);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)) : [];
}
