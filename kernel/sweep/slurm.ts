/**
 * The Slurm runner: the runs to do become one job array whose task index is the run's index in
 * plan.json (`--array=0,2-5%K`). The script (slurm/<sweep>.sbatch) is written to be read: it lists
 * which run each index is and runs `lukelab sweep exec`, which keeps the run's state file and log.
 *
 * Submission is `sbatch --parsable --hold`, then every run is marked queued, then `scontrol
 * release`: a task never starts before its run is marked, so its "running" is never overwritten.
 * Status comes from `squeue` (and `sacct` where accounting is kept; without slurmdbd it is not),
 * read against the state files; cancellation is `scancel` of the sweep's array jobs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { describeJson, readJson } from "../io/read";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import type { PlannedRun, SweepPlan } from "./plan";
import { DEFAULT_MEM_PER_RUN_MB, LUKELAB_BIN, checkWalltime } from "./resources";
import { LOG_DIR, markLost, markQueued, readState, type QueueView } from "./state";

export const SLURM_DIR = "slurm";
const SUBMISSIONS = "submissions.json";

export interface SlurmOptions {
  /** Partition (default: the cluster's default partition). */
  partition?: string;
  /** CPUs per run (--cpus-per-task; default 1). */
  cpusPerRun?: number;
  /** Memory per run in MB (--mem; default 2048). */
  memPerRunMb?: number;
  /** Walltime per run, as Slurm writes it (default 24:00:00, the original's LSF limit). */
  time?: string;
  /** GPUs per run (--gpus; default none). */
  gpus?: number;
  /** Most tasks of the array running at once (the %K of --array). */
  maxParallel?: number;
  /** Job name (default lukelab-<sweep name>). */
  jobName?: string;
  /** Account to charge (--account). */
  account?: string;
  /** Further #SBATCH lines, each an sbatch option, e.g. "--qos=short". */
  extra?: string[];
  /** Environment for sbatch, squeue, … (default this process's; e.g. SLURM_CONF). */
  env?: NodeJS.ProcessEnv;
}

export interface Submission {
  arrayJob: string;
  array: string;
  script: string;
  submitted: string;
  runs: string[];
}

/** "0-3,5,7-8" from indices, with "%K" when the array is throttled. */
export function arraySpec(indices: readonly number[], maxParallel?: number): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(",") + (maxParallel ? `%${maxParallel}` : "");
}

/** Runs a scheduler command; a missing command is a clear error. */
export function schedulerCommand(command: string, args: string[], env?: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: "utf8", env: env ?? process.env });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${command} is not installed or not on PATH: the Slurm runner needs the Slurm client commands` : `${command}: ${r.error.message}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const quoteLine = (text: string) => text.replace(/\n/g, " ");

/** The job-array script for these runs of the plan. */
export function slurmScript(plan: SweepPlan, runs: readonly PlannedRun[], opts: SlurmOptions = {}): string {
  const jobName = opts.jobName ?? `lukelab-${plan.name}`;
  const mem = opts.memPerRunMb ?? DEFAULT_MEM_PER_RUN_MB;
  const time = checkWalltime(opts.time ?? "24:00:00");
  const width = Math.max(5, ...runs.map((r) => String(r.index).length));
  const lines = [
    "#!/bin/bash",
    `# lukelab sweep "${plan.name}": one Slurm array task per run, written by \`lukelab sweep run --runner slurm\`.`,
    `# The array index is the run's index in ${join(plan.outputDir, "plan.json")}; this array runs`,
    `#   ${"index".padEnd(width)}  run (its output folder under ${plan.outputDir})`,
    ...runs.map((r) => `#   ${String(r.index).padEnd(width)}  ${r.name}`),
    "# Each task runs `lukelab sweep exec`, which records the run in state/<run>.json, appends its output",
    "# to logs/<run>.log and runs `lukelab entity-typing run` with the run's options (see plan.txt).",
    "# A cancelled or killed task resumes from the run's last checkpoint when the sweep is run again;",
    "# a finished run is never run twice. Submit with `lukelab sweep run` (it holds, records, releases).",
    `#SBATCH --job-name=${quoteLine(jobName)}`,
    `#SBATCH --array=${arraySpec(runs.map((r) => r.index), opts.maxParallel)}`,
    "#SBATCH --nodes=1",
    "#SBATCH --ntasks=1",
    `#SBATCH --cpus-per-task=${opts.cpusPerRun ?? 1}`,
    `#SBATCH --mem=${mem}M`,
    `#SBATCH --time=${time}`,
  ];
  if (opts.partition) lines.push(`#SBATCH --partition=${quoteLine(opts.partition)}`);
  if (opts.account) lines.push(`#SBATCH --account=${quoteLine(opts.account)}`);
  if (opts.gpus) lines.push(`#SBATCH --gpus=${opts.gpus}`);
  for (const extra of opts.extra ?? []) lines.push(`#SBATCH ${quoteLine(extra)}`);
  lines.push(
    `#SBATCH --output=${join(plan.outputDir, LOG_DIR, "slurm_%A_%a.out")}`,
    `#SBATCH --chdir=${plan.outputDir}`,
    "",
    "set -euo pipefail",
    `# TensorFlow's threads follow the CPUs given to the task.`,
    `export TF_NUM_INTRAOP_THREADS="\${SLURM_CPUS_PER_TASK:-1}"`,
    `exec ${shellWord(process.execPath)} ${shellWord(LUKELAB_BIN)} sweep exec --output-dir ${shellWord(plan.outputDir)} --index "$SLURM_ARRAY_TASK_ID"`,
    "",
  );
  return lines.join("\n");
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function readSubmissions(plan: SweepPlan): Submission[] {
  const path = join(plan.outputDir, SLURM_DIR, SUBMISSIONS);
  if (!existsSync(path)) return [];
  const submissions = readJson(path);
  if (!Array.isArray(submissions)) throw new Error(`${path}: expected a list of submissions, found ${describeJson(submissions)}`);
  return submissions as Submission[];
}

/** Writes the script, submits it held, marks the runs queued, releases it. */
export function submitSlurm(plan: SweepPlan, runs: readonly PlannedRun[], opts: SlurmOptions = {}): Submission {
  if (runs.length === 0) throw new Error("internal: nothing to submit");
  const script = join(plan.outputDir, SLURM_DIR, `${plan.name}.sbatch`);
  writeFileAtomic(script, slurmScript(plan, runs, opts));
  // Slurm opens --output itself and fails the task when its folder is missing.
  mkdirSync(join(plan.outputDir, LOG_DIR), { recursive: true });
  const r = schedulerCommand("sbatch", ["--parsable", "--hold", script], opts.env);
  if (r.status !== 0) throw new Error(`sbatch ${script} failed (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`);
  const arrayJob = r.stdout.trim().split(";")[0];
  if (!/^\d+$/.test(arrayJob)) throw new Error(`sbatch ${script}: unexpected answer ${JSON.stringify(r.stdout.trim())} (expected a job id)`);
  const submission: Submission = { arrayJob, array: arraySpec(runs.map((x) => x.index), opts.maxParallel), script, submitted: new Date().toISOString(), runs: runs.map((x) => x.name) };
  try {
    writeFileAtomic(join(plan.outputDir, SLURM_DIR, SUBMISSIONS), JSON.stringify([...readSubmissions(plan), submission], null, 2) + "\n");
    for (const run of runs) markQueued(plan, run, { runner: "slurm", host: "", slurmArrayJob: arrayJob, slurmTask: run.index });
  } catch (err) {
    schedulerCommand("scancel", [arrayJob], opts.env);
    throw err;
  }
  const release = schedulerCommand("scontrol", ["release", arrayJob], opts.env);
  if (release.status !== 0) throw new Error(`scontrol release ${arrayJob} failed: ${release.stderr.trim()}; the array is held (release it by hand or scancel ${arrayJob})`);
  return submission;
}

/**
 * The scheduler's tasks of these array jobs, "arrayJob_task" → state (PENDING, RUNNING, …), from
 * squeue; undefined when squeue is not there or does not answer.
 */
export function slurmQueue(env?: NodeJS.ProcessEnv): QueueView {
  let r: ReturnType<typeof schedulerCommand>;
  try {
    r = schedulerCommand("squeue", ["-h", "-r", "-o", "%F|%K|%T"], env);
  } catch {
    return undefined;
  }
  if (r.status !== 0) return undefined;
  const queue = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const [job, task, state] = line.trim().split("|");
    if (job && task && task !== "N/A") queue.set(`${job}_${task}`, state);
  }
  return queue;
}

/**
 * Final states of finished tasks from sacct ("arrayJob_task" → COMPLETED, CANCELLED, TIMEOUT, …);
 * undefined where accounting is not kept (no slurmdbd), which squeue and the state files make up for.
 */
export function slurmAccounting(arrayJobs: readonly string[], env?: NodeJS.ProcessEnv): Map<string, string> | undefined {
  if (arrayJobs.length === 0) return new Map();
  let r: ReturnType<typeof schedulerCommand>;
  try {
    r = schedulerCommand("sacct", ["-n", "-P", "-X", "-j", arrayJobs.join(","), "-o", "JobID,State"], env);
  } catch {
    return undefined;
  }
  if (r.status !== 0 || /disabled|not running|slurmdbd/i.test(r.stderr)) return undefined;
  const out = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (id && state && /^\d+_\d+$/.test(id)) out.set(id, state.split(" ")[0]);
  }
  return out;
}

/** Cancels the sweep's array jobs still in the queue; queued runs that never started become interrupted. */
export function cancelSlurm(plan: SweepPlan, env?: NodeJS.ProcessEnv): string[] {
  const queue = slurmQueue(env);
  const jobs = readSubmissions(plan)
    .map((s) => s.arrayJob)
    .filter((job) => !queue || [...queue.keys()].some((k) => k.startsWith(`${job}_`)));
  if (jobs.length === 0) return [];
  const r = schedulerCommand("scancel", jobs, env);
  if (r.status !== 0) throw new Error(`scancel ${jobs.join(" ")} failed (exit ${r.status}): ${r.stderr.trim()}`);
  for (const run of plan.runs) {
    const state = readState(plan, run);
    if (state?.status === "queued" && state.owner?.slurmArrayJob && jobs.includes(state.owner.slurmArrayJob)) {
      markLost(plan, run, `array job ${state.owner.slurmArrayJob} cancelled before the run started; the next sweep run starts it`);
    }
  }
  return jobs;
}
