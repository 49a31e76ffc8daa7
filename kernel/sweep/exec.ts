/**
 * `lukelab sweep exec --output-dir DIR --index N`: what one job-array task runs (Slurm or LSF).
 * It finds run N in DIR/plan.json, records the attempt in the run's state file, runs
 * `lukelab entity-typing run` (or `ner run`, the plan's task) with the run's options as a child process (output appended to the
 * run's log) and records how it ended. A run already finished is not run again (a task submitted
 * twice does nothing the second time). SIGTERM (scancel, a walltime limit) is passed on to the run
 * and the attempt is recorded as interrupted; the next sweep run resumes it from its checkpoint.
 */
import { hostname } from "node:os";
import { readPlan } from "./plan";
import { appendLog, spawnRun } from "./local-runner";
import { beginAttempt, endAttempt, finishedResults, localProcessAlive, logPath, readState, type RunOwner } from "./state";

/** The scheduler's view of this process, from its environment. */
export function ownerFromEnvironment(env: NodeJS.ProcessEnv = process.env): RunOwner {
  if (env.SLURM_ARRAY_JOB_ID !== undefined && env.SLURM_ARRAY_TASK_ID !== undefined) {
    return { runner: "slurm", host: hostname(), pid: process.pid, slurmArrayJob: env.SLURM_ARRAY_JOB_ID, slurmTask: Number(env.SLURM_ARRAY_TASK_ID) };
  }
  return { runner: "local", host: hostname(), pid: process.pid };
}

/** Runs one run of a sweep folder's plan in this process's job; returns the exit code. */
export async function executeRun(sweepDir: string, index: number, log: (line: string) => void = () => undefined): Promise<number> {
  const plan = readPlan(sweepDir);
  const run = plan.runs.find((r) => r.index === index);
  if (!run) throw new Error(`${sweepDir}/plan.json: no run has index ${index} (indices ${plan.runs.map((r) => r.index).join(", ")})`);
  if (finishedResults(run).results) {
    log(`${run.name}: already finished (${run.outputDir}/results.json); nothing to do`);
    return 0;
  }
  const previous = readState(plan, run);
  const previousPid = previous?.owner?.pid;
  if (previous?.status === "running" && previous.owner?.host === hostname() && previousPid !== undefined && previousPid !== process.pid && localProcessAlive(previousPid)) {
    log(`${run.name}: already running (pid ${previousPid} on ${hostname()}); not started twice`);
    return 0;
  }
  const owner = ownerFromEnvironment();
  const state = beginAttempt(plan, run, owner);
  const logFile = logPath(plan, run);
  const where = owner.runner === "slurm" ? `array task ${owner.slurmArrayJob}_${owner.slurmTask}` : `pid ${process.pid}`;
  appendLog(logFile, `\n=== ${run.name}: attempt ${state.attempts}, started ${state.started} on ${hostname()} (${where}) ===`);
  log(`${run.name}: attempt ${state.attempts}, log ${logFile}`);

  const child = spawnRun(plan, run, logFile);
  let stopped: string | null = null;
  const forward = (signal: NodeJS.Signals) => {
    stopped = signal;
    child.kill(signal);
  };
  process.on("SIGTERM", forward);
  process.on("SIGINT", forward);
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
    child.on("error", (err) => {
      appendLog(logFile, `lukelab sweep: could not start the run: ${err.message}`);
      resolve({ code: 127, signal: null });
    });
  });
  process.off("SIGTERM", forward);
  process.off("SIGINT", forward);
  const end = endAttempt(plan, run, { ...exit, signal: exit.signal ?? stopped, stopped: stopped !== null });
  appendLog(logFile, `=== ${run.name}: attempt ${end.attempts} ended ${end.ended}: ${end.status}${exit.signal ? ` (${exit.signal})` : ` (exit ${exit.code})`} ===`);
  log(`${run.name}: ${end.status}${end.message ? ` (${end.message})` : ""}`);
  if (end.status === "done") return 0;
  return stopped === "SIGTERM" ? 143 : stopped === "SIGINT" ? 130 : exit.code && exit.code > 0 ? exit.code : 1;
}
