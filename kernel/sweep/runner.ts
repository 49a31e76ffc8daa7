/**
 * Running a sweep, for the CLI and notebooks alike:
 *
 *   const plan = planSweep("sweeps/lr.yaml", { outputDir: "runs/lr" });   // or planSweep({ … }, …)
 *   const report = await runSweep(plan, { runner: "local", maxParallel: 2 });
 *   report.runs;                       // one RunView per run: status, attempts, dev/test F1, log
 *   sweepStatus("runs/lr");            // the same, later, from the sweep folder
 *
 * Idempotent: finished runs (valid results.json) are skipped, interrupted ones started again (they
 * resume from their checkpoints), failed ones only with retryFailed, and runs that are queued or
 * running elsewhere are left alone.
 */
import { hostname } from "node:os";
import { runLocal } from "./local-runner";
import { writeLsfScript, type LsfOptions } from "./lsf";
import { readPlan, writePlan, type PlannedRun, type SweepPlan } from "./plan";
import { DEFAULT_MEM_PER_RUN_MB } from "./resources";
import { cancelSlurm, readSubmissions, slurmAccounting, slurmQueue, submitSlurm, type SlurmOptions, type Submission } from "./slurm";
import { localProcessAlive, observeRun, orphanedPid, readState, reconcileState, shouldStart, type QueueView, type RunView } from "./state";

export const RUNNERS = ["local", "slurm", "lsf"] as const;
export type RunnerName = (typeof RUNNERS)[number];

export interface RunSweepOptions {
  runner?: RunnerName;
  /** Start failed runs again too. */
  retryFailed?: boolean;
  /** Most runs at once (local: default the cores; Slurm: the array's %K, default unthrottled). */
  maxParallel?: number;
  /** Memory estimate per run in MB (local: bounds concurrency; Slurm/LSF: the request). Default 2048. */
  memPerRunMb?: number;
  /** Local runner: aborting stops the children cleanly. */
  signal?: AbortSignal;
  /** Slurm and LSF resources (partition, cpus, time, gpus, …). */
  slurm?: Omit<SlurmOptions, "maxParallel" | "memPerRunMb">;
  lsf?: Omit<LsfOptions, "maxParallel" | "memPerRunMb">;
  /** Slurm: wait until the submitted tasks have left the queue (polling every pollSeconds, default 5). */
  wait?: boolean;
  pollSeconds?: number;
  /** Progress lines (default none). */
  log?: (line: string) => void;
  /** Environment for the runs and the Slurm commands (default this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface SweepReport {
  plan: SweepPlan;
  /** Runs started (local), submitted (Slurm) or scripted (LSF) by this call. */
  started: string[];
  /** The Slurm submission, when one was made. */
  submission?: Submission;
  /** The LSF script, when one was written. */
  lsfScript?: string;
  /** Every run of the plan as it stands at the end. */
  runs: RunView[];
}

const planOf = (p: SweepPlan | string) => (typeof p === "string" ? readPlan(p) : p);

/** The scheduler's view when the sweep has Slurm submissions (undefined when it cannot be asked). */
function queueFor(plan: SweepPlan, env?: NodeJS.ProcessEnv): QueueView {
  return readSubmissions(plan).length ? slurmQueue(env) : undefined;
}

/** Every run's status now: results.json, the state files, and the Slurm queue (and sacct) when used. */
export function sweepStatus(planOrDir: SweepPlan | string, env?: NodeJS.ProcessEnv): RunView[] {
  const plan = planOf(planOrDir);
  const queue = queueFor(plan, env);
  const views = plan.runs.map((run) => observeRun(plan, run, queue));
  // The state files catch up with what was observed (runs that ended while no runner watched).
  plan.runs.forEach((run, i) => reconcileState(plan, run, views[i]));
  const jobs = readSubmissions(plan).map((s) => s.arrayJob);
  if (jobs.length) {
    const accounting = slurmAccounting(jobs, env);
    for (const v of views) {
      const key = v.owner?.slurmArrayJob !== undefined ? `${v.owner.slurmArrayJob}_${v.owner.slurmTask}` : undefined;
      if (key && v.scheduler === undefined && accounting?.has(key)) v.scheduler = accounting.get(key);
    }
  }
  return views;
}

/** Runs (or submits) what the sweep still needs; see the module comment for what is skipped. */
export async function runSweep(planOrDir: SweepPlan | string, opts: RunSweepOptions = {}): Promise<SweepReport> {
  const plan = planOf(planOrDir);
  const runner = opts.runner ?? "local";
  if (!RUNNERS.includes(runner)) throw new Error(`runner must be one of ${RUNNERS.join(", ")}, got ${runner}`);
  const say = opts.log ?? (() => undefined);
  writePlan(plan);
  const views = sweepStatus(plan, opts.env);
  const todo: PlannedRun[] = [];
  for (const [i, view] of views.entries()) {
    if (shouldStart(view, opts.retryFailed ?? false)) todo.push(plan.runs[i]);
    else if (view.status !== "done") say(`${view.name}: ${view.status}${view.status === "failed" ? " (not rerun without --retry-failed)" : ""}`);
  }
  const done = views.filter((v) => v.status === "done").length;
  say(`sweep ${plan.name}: ${plan.runs.length} runs, ${done} done, ${todo.length} to run${runner === "local" ? "" : ` on ${runner}`}`);
  const report: SweepReport = { plan, started: todo.map((r) => r.name), runs: views };
  if (todo.length === 0) return report;
  await stopOrphans(plan, todo, say);

  const memPerRunMb = opts.memPerRunMb ?? DEFAULT_MEM_PER_RUN_MB;
  if (runner === "local") {
    await runLocal(plan, todo, { maxParallel: opts.maxParallel, memPerRunMb, signal: opts.signal, env: opts.env, log: say });
  } else if (runner === "slurm") {
    const submission = submitSlurm(plan, todo, { ...opts.slurm, maxParallel: opts.maxParallel, memPerRunMb, env: opts.env });
    report.submission = submission;
    say(`submitted array job ${submission.arrayJob} (--array=${submission.array}); script ${submission.script}`);
    if (opts.wait) await waitForSlurm(plan, { pollSeconds: opts.pollSeconds, env: opts.env, signal: opts.signal, arrayJobs: [submission.arrayJob] });
  } else {
    report.lsfScript = writeLsfScript(plan, todo, { ...opts.lsf, maxParallel: opts.maxParallel, memPerRunMb });
    say(`wrote ${report.lsfScript} (LSF, untested); submit it with: bsub < ${report.lsfScript}`);
  }
  report.runs = sweepStatus(plan, opts.env);
  return report;
}

/**
 * Runs left by a runner killed with SIGKILL stop themselves within a second or two (runner-watch.ts);
 * before starting them again, make sure they have: SIGTERM, then wait (SIGKILL after 10 s), so two
 * processes never write one run folder.
 */
async function stopOrphans(plan: SweepPlan, runs: readonly PlannedRun[], say: (line: string) => void): Promise<void> {
  const pids = runs.map((r) => orphanedPid(plan, r)).filter((p): p is number => p !== undefined);
  if (pids.length === 0) return;
  say(`stopping ${pids.length} runs left by a runner that is gone (pids ${pids.join(", ")}); they resume from their checkpoints`);
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  };
  pids.forEach((pid) => signal(pid, "SIGTERM"));
  const t0 = Date.now();
  while (pids.some((pid) => localProcessAlive(pid))) {
    if (Date.now() - t0 > 10_000) pids.forEach((pid) => signal(pid, "SIGKILL"));
    if (Date.now() - t0 > 15_000) throw new Error(`runs of pids ${pids.filter((p) => localProcessAlive(p)).join(", ")} left by a gone runner do not stop; stop them and run again`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the sweep's array tasks (or the given array jobs) have all left the Slurm queue. */
export async function waitForSlurm(
  planOrDir: SweepPlan | string,
  opts: { pollSeconds?: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal; arrayJobs?: string[]; timeoutSeconds?: number } = {},
): Promise<RunView[]> {
  const plan = planOf(planOrDir);
  const jobs = opts.arrayJobs ?? readSubmissions(plan).map((s) => s.arrayJob);
  const t0 = Date.now();
  for (;;) {
    const queue = slurmQueue(opts.env);
    if (!queue) throw new Error("squeue does not answer: cannot wait for the Slurm tasks");
    if (![...queue.keys()].some((k) => jobs.includes(k.split("_")[0]))) break;
    if (opts.signal?.aborted) break;
    if (opts.timeoutSeconds !== undefined && Date.now() - t0 > opts.timeoutSeconds * 1000) {
      throw new Error(`the Slurm tasks of ${jobs.join(", ")} are still queued or running after ${opts.timeoutSeconds} s`);
    }
    await new Promise((r) => setTimeout(r, (opts.pollSeconds ?? 5) * 1000));
  }
  return sweepStatus(plan, opts.env);
}

/**
 * Cancels the sweep: scancel of its array jobs still queued (Slurm), and SIGTERM to its runs in
 * progress on this machine (local runner). Returns what was cancelled.
 */
export function cancelSweep(planOrDir: SweepPlan | string, env?: NodeJS.ProcessEnv): { slurmJobs: string[]; localPids: number[] } {
  const plan = planOf(planOrDir);
  const slurmJobs = readSubmissions(plan).length ? cancelSlurm(plan, env) : [];
  const localPids: number[] = [];
  for (const run of plan.runs) {
    const state = readState(plan, run);
    const owner = state?.owner;
    if (state?.status !== "running" || owner?.runner !== "local" || owner.host !== hostname() || owner.pid === undefined) continue;
    if (!localProcessAlive(owner.pid)) continue;
    try {
      process.kill(owner.pid, "SIGTERM");
      localPids.push(owner.pid);
    } catch {
      // gone meanwhile
    }
  }
  return { slurmJobs, localPids };
}
