/**
 * The local runner: each run is a `node bin/lukelab.js entity-typing run …` (or `ner run …`, the
 * plan's task) child process, as many
 * at once as the cores and the free memory allow (resources.ts), each writing to its own log.
 *
 * Stopping (an AbortSignal; the CLI ties it to SIGINT and SIGTERM) starts nothing more, sends
 * SIGTERM to every child, waits for them (SIGKILL after a grace period) and records each as
 * interrupted, so every state file is consistent when the runner returns; the next `sweep run`
 * resumes those runs from their checkpoints.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { freemem, hostname } from "node:os";
import { dirname } from "node:path";
import type { PlannedRun, SweepPlan } from "./plan";
import { DEFAULT_MEM_PER_RUN_MB, LUKELAB_BIN, localConcurrency } from "./resources";
import { RUNNER_PID_ENV } from "./runner-watch";
import { sweepTask } from "./tasks";
import { beginAttempt, endAttempt, finishedResults, logPath, writeState, type RunState } from "./state";

export interface LocalRunnerOptions {
  /** Most runs at once (default: the cores). */
  maxParallel?: number;
  /** Memory estimate of one run in MB: bounds how many start at once (default 2048). */
  memPerRunMb?: number;
  /** Aborting stops the children cleanly and records them as interrupted. */
  signal?: AbortSignal;
  /** Environment of the children (default: this process's; LUKELAB_BACKEND passes through). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Seconds between SIGTERM and SIGKILL when stopping (default 10). */
  graceSeconds?: number;
}

/** Appends a line to a run's log, e.g. the attempt header. */
export function appendLog(path: string, line: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a");
  try {
    writeSync(fd, line.endsWith("\n") ? line : line + "\n");
  } finally {
    closeSync(fd);
  }
}

/**
 * Starts `lukelab <task> run` for a run of the plan with its output appended to `log`; the caller
 * records the attempt. The child inherits nothing but the log file.
 */
export function spawnRun(plan: Pick<SweepPlan, "task">, run: PlannedRun, log: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, "a");
  try {
    // The run stops itself when this process dies without stopping it (runner-watch.ts).
    return spawn(process.execPath, [LUKELAB_BIN, ...sweepTask(plan.task).command, ...run.argv], { stdio: ["ignore", fd, fd], env: { ...env, [RUNNER_PID_ENV]: String(process.pid) } });
  } finally {
    closeSync(fd);
  }
}

/** Runs the given runs of the plan on this machine; resolves with their final states. */
export function runLocal(plan: SweepPlan, runs: readonly PlannedRun[], opts: LocalRunnerOptions = {}): Promise<RunState[]> {
  const memPerRun = opts.memPerRunMb ?? DEFAULT_MEM_PER_RUN_MB;
  const { limit, why } = localConcurrency(opts.maxParallel, memPerRun);
  const say = opts.log ?? (() => undefined);
  say(`local runner: ${runs.length} runs, ${why}`);
  const waiting = [...runs];
  const active = new Map<ChildProcess, PlannedRun>();
  const finished: RunState[] = [];
  let stopping = opts.signal?.aborted ?? false;
  let killTimer: NodeJS.Timeout | undefined;

  return new Promise((resolve) => {
    const done = () => {
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener("abort", stop);
      resolve(finished);
    };
    const startMore = () => {
      while (!stopping && waiting.length && active.size < limit) {
        // Beyond the first run, wait for a run to end when free memory is short of the estimate.
        if (active.size > 0 && freemem() / (1024 * 1024) < memPerRun) break;
        start(waiting.shift()!);
      }
      if (active.size === 0) done();
    };
    const start = (run: PlannedRun) => {
      if (finishedResults(run).results) return; // finished meanwhile (another runner)
      const log = logPath(plan, run);
      const attempt = beginAttempt(plan, run, { runner: "local", host: hostname(), pid: process.pid });
      appendLog(log, `\n=== ${run.name}: attempt ${attempt.attempts}, started ${attempt.started} on ${hostname()} (local runner) ===`);
      const child = spawnRun(plan, run, log, opts.env);
      active.set(child, run);
      if (child.pid !== undefined) beginOwner(plan, run, attempt, child.pid);
      say(`started ${run.name} (attempt ${attempt.attempts}, pid ${child.pid})`);
      let ended = false;
      const end = (code: number | null, signal: string | null, error?: Error) => {
        if (ended) return;
        ended = true;
        active.delete(child);
        const state = endAttempt(plan, run, { code: error ? 127 : code, signal, stopped: stopping });
        if (error) appendLog(log, `lukelab sweep: could not start the run: ${error.message}`);
        appendLog(log, `=== ${run.name}: attempt ${state.attempts} ended ${state.ended}: ${state.status}${signal ? ` (${signal})` : code !== null ? ` (exit ${code})` : ""} ===`);
        say(`${state.status} ${run.name}${state.message ? `: ${state.message}` : ""}`);
        finished.push(state);
        startMore();
      };
      child.on("exit", (code, signal) => end(code, signal));
      child.on("error", (err) => end(null, null, err));
    };
    function stop() {
      if (stopping && killTimer) return;
      stopping = true;
      say(`stopping: ${active.size} running runs get SIGTERM; they resume on the next sweep run`);
      for (const child of active.keys()) child.kill("SIGTERM");
      killTimer = setTimeout(() => {
        for (const child of active.keys()) child.kill("SIGKILL");
      }, (opts.graceSeconds ?? 10) * 1000);
      if (active.size === 0) done();
    }
    opts.signal?.addEventListener("abort", stop);
    if (stopping) return done();
    startMore();
  });
}

/** The attempt's owner becomes the child process, so liveness checks look at the run itself (and at its runner). */
function beginOwner(plan: SweepPlan, run: PlannedRun, state: RunState, pid: number): void {
  state.owner = { runner: "local", host: hostname(), pid, runnerPid: process.pid };
  const last = state.history[state.history.length - 1];
  if (last) last.owner = state.owner;
  writeState(plan, state);
}
