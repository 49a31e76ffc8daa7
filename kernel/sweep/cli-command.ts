/**
 * `lukelab sweep plan|run|status|cancel|exec`: sweeps of `entity-typing run` from a YAML or JSON
 * file, run on this machine or as a Slurm job array (or scripted for LSF). The work is in
 * plan.ts and runner.ts; this parses the command line and prints.
 */
import { parseArgs } from "node:util";
import { executeRun } from "./exec";
import { planSweep, readPlan, writePlan, type SweepPlan } from "./plan";
import { parseMemoryMb, checkWalltime } from "./resources";
import { RUNNERS, cancelSweep, runSweep, sweepStatus, waitForSlurm, type RunnerName } from "./runner";
import type { RunView } from "./state";

/** A command-line mistake: printed with a pointer to the usage, exit code 2. */
export class SweepUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_SWEEP";
}

export function sweepUsage(): string {
  return `lukelab sweep — many entity-typing (or NER) runs from one sweep file, on this machine or on Slurm

Usage:
  lukelab sweep plan   SWEEP.yaml --output-dir DIR [--resume-steps N]
      Checks the sweep file and writes DIR/plan.json and DIR/plan.txt (every run: index, folder
      name, swept values, command). Nothing runs.
  lukelab sweep run    [SWEEP.yaml] --output-dir DIR [--runner local|slurm|lsf] [--retry-failed]
                       [--max-parallel N] [--mem-per-run SIZE] [--resume-steps N] [Slurm options]
      Plans (when SWEEP.yaml is given) and runs what is left: finished runs (a valid results.json)
      are skipped, interrupted ones resume from their checkpoints, failed ones run again only with
      --retry-failed. local: child processes, at most --max-parallel (default the cores) and no more
      than free memory / --mem-per-run; Ctrl-C stops them cleanly. slurm: one job array
      (sbatch --array=…%N), returns once submitted unless --wait. lsf: writes DIR/lsf/<sweep>.bsub
      for \`bsub <\` (untested).
  lukelab sweep status [SWEEP.yaml] --output-dir DIR [--json]
      One line per run: status, attempts, exit, dev and test F1, log (squeue/sacct for Slurm runs).
  lukelab sweep cancel [SWEEP.yaml] --output-dir DIR
      scancel of the sweep's Slurm array jobs; SIGTERM to its local runs in progress.
  lukelab sweep exec --output-dir DIR --index N
      Runs run N of DIR/plan.json and records it (what each job-array task runs).

Options:
  --output-dir DIR          the sweep folder: plan, state/, logs/, slurm/, and one folder per run
  --runner local|slurm|lsf  where the runs go [default: local]
  --retry-failed            run failed runs again too
  --max-parallel N          most runs at once (local: default the cores; slurm: the array's %N)
  --mem-per-run SIZE        memory estimate of one run, e.g. 2G or 500M [default: 2048M]
  --resume-steps N          each run commits a resume checkpoint every N optimiser steps (and at
                            every epoch end) [default: the run's own, 200]
  --wait                    slurm: wait until the array has left the queue, then print the status
  --poll-seconds S          slurm --wait: seconds between squeue calls [default: 5]
  --json                    status: JSON instead of a table

Slurm (and LSF) options:
  --partition P             partition (LSF: queue) [default: the cluster's default]
  --cpus-per-run N          CPUs of each run (--cpus-per-task) [default: 1]
  --time T                  walltime of each run, e.g. 2:00:00 or 1-00:00:00 [default: 24:00:00]
  --gpus N                  GPUs of each run [default: none]
  --job-name NAME           [default: lukelab-<sweep name>]
  --account A               account to charge
  --sbatch-arg ARG          a further #SBATCH line, e.g. --sbatch-arg=--qos=short (repeatable)

Sweep file (YAML or JSON):
  name: lr-and-seed               # default: the file name
  task: entity-typing             # entity-typing (default) or ner: runs \`lukelab ner run\`
  kind: grid                      # grid | one-at-a-time (each parameter alone around base)
  preset: original                # optional: the original sweep's base setting
  base: { data_dir: ../samples/open-entity-sample, num_train_epochs: 2 }   # paths: relative to the file
  parameters:
    learning_rate: [1e-3, 2e-3]
    train_batch_size: { values: [2, 4], set: { gradient_accumulation_steps: 1 } }
Keys are options of the task's run (see \`lukelab entity-typing --help\`, \`lukelab ner --help\`), as learning_rate,
learning-rate or learningRate. Folders: robust_<param>_<value> (one-at-a-time, as the original
named them) or grid_<p1>_<v1>__<p2>_<v2>.
`;
}

const SUBCOMMANDS = ["plan", "run", "status", "cancel", "exec"] as const;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new SweepUsageError(`${flag} must be a positive integer, got ${value}`);
  return n;
}

function table(views: RunView[]): string {
  const f1 = (v?: number) => (v === undefined ? "-" : v.toFixed(4));
  const header = ["index", "run", "status", "attempts", "exit", "dev_f1", "test_f1", "log"];
  const rows = views.map((v) => [
    String(v.index),
    v.name,
    v.status + (v.scheduler ? ` (${v.scheduler})` : ""),
    String(v.attempts),
    v.signal ?? (v.exitCode === null ? "-" : String(v.exitCode)),
    f1(v.devF1),
    f1(v.testF1),
    v.log,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const counts = new Map<string, number>();
  for (const v of views) counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
  const notes = views.filter((v) => v.message && v.status !== "done").map((v) => `  ${v.name}: ${v.message}`);
  return [line(header), ...rows.map(line), "", [...counts].map(([s, n]) => `${n} ${s}`).join(", "), ...notes, ""].join("\n");
}

/** Runs `lukelab sweep …`; returns the exit code. */
export async function sweepCommand(argv: readonly string[]): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(sweepUsage());
    return sub === undefined ? 1 : 0;
  }
  if (!SUBCOMMANDS.includes(sub as (typeof SUBCOMMANDS)[number])) throw new SweepUsageError(`unknown sweep command "${sub}" (commands: ${SUBCOMMANDS.join(", ")})`);
  const { values, positionals } = parseArgs({
    args: argv.slice(1) as string[],
    allowPositionals: true,
    options: {
      "output-dir": { type: "string" },
      runner: { type: "string", default: "local" },
      "retry-failed": { type: "boolean", default: false },
      "max-parallel": { type: "string" },
      "mem-per-run": { type: "string" },
      "resume-steps": { type: "string" },
      wait: { type: "boolean", default: false },
      "poll-seconds": { type: "string" },
      json: { type: "boolean", default: false },
      partition: { type: "string" },
      "cpus-per-run": { type: "string" },
      time: { type: "string" },
      gpus: { type: "string" },
      "job-name": { type: "string" },
      account: { type: "string" },
      "sbatch-arg": { type: "string", multiple: true },
      index: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(sweepUsage());
    return 0;
  }
  const outputDir = values["output-dir"];
  if (!outputDir) throw new SweepUsageError("--output-dir is required (the sweep folder)");
  if (positionals.length > 1) throw new SweepUsageError(`one sweep file, got ${positionals.join(", ")}`);
  const sweepFile = positionals[0];
  const say = (line: string) => process.stderr.write(`[sweep] ${line}\n`);

  if (sub === "exec") {
    if (values.index === undefined || !/^\d+$/.test(values.index)) throw new SweepUsageError(`--index must be a run index (a whole number), got ${values.index ?? "nothing"}`);
    return executeRun(outputDir, Number(values.index), say);
  }
  const resumeSteps = values["resume-steps"] === undefined ? undefined : Number(values["resume-steps"]);
  if (resumeSteps !== undefined && !(Number.isInteger(resumeSteps) && resumeSteps >= 0)) throw new SweepUsageError(`--resume-steps must be a non-negative integer, got ${values["resume-steps"]}`);
  const plan = (): SweepPlan => (sweepFile ? planSweep(sweepFile, { outputDir, resumeSteps }) : readPlan(outputDir));

  switch (sub) {
    case "plan": {
      if (!sweepFile) throw new SweepUsageError("sweep plan needs the sweep file");
      const p = plan();
      writePlan(p);
      process.stdout.write(`${p.runs.length} runs planned: ${outputDir}/plan.json, ${outputDir}/plan.txt\n`);
      for (const r of p.runs) process.stdout.write(`  [${r.index}] ${r.name}\n`);
      return 0;
    }
    case "status": {
      const views = sweepStatus(plan());
      process.stdout.write(values.json ? JSON.stringify(views, null, 2) + "\n" : table(views));
      return 0;
    }
    case "cancel": {
      const { slurmJobs, localPids } = cancelSweep(plan());
      process.stdout.write(
        slurmJobs.length || localPids.length
          ? `cancelled${slurmJobs.length ? ` Slurm array jobs ${slurmJobs.join(", ")}` : ""}${localPids.length ? ` local runs (pids ${localPids.join(", ")})` : ""}\n`
          : "nothing of this sweep is queued or running\n",
      );
      return 0;
    }
  }
  // run
  const runner = values.runner as RunnerName;
  if (!RUNNERS.includes(runner)) throw new SweepUsageError(`--runner must be one of ${RUNNERS.join(", ")}, got ${values.runner}`);
  let memPerRunMb: number | undefined;
  try {
    memPerRunMb = values["mem-per-run"] === undefined ? undefined : parseMemoryMb(values["mem-per-run"], "--mem-per-run");
    if (values.time !== undefined) checkWalltime(values.time);
  } catch (err) {
    throw new SweepUsageError((err as Error).message);
  }
  const resources = {
    partition: values.partition,
    cpusPerRun: positiveInt(values["cpus-per-run"], "--cpus-per-run"),
    time: values.time,
    gpus: positiveInt(values.gpus, "--gpus"),
    jobName: values["job-name"],
  };
  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the runs (state is kept; run the sweep again to resume)`);
    stoppedBy ??= signal;
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const report = await runSweep(plan(), {
      runner,
      retryFailed: values["retry-failed"],
      maxParallel: positiveInt(values["max-parallel"], "--max-parallel"),
      memPerRunMb,
      signal: stop.signal,
      slurm: { ...resources, account: values.account, extra: values["sbatch-arg"] },
      lsf: { ...resources, queue: values.partition },
      wait: values.wait,
      pollSeconds: values["poll-seconds"] === undefined ? undefined : Number(values["poll-seconds"]),
      log: say,
    });
    if (runner === "slurm" && report.submission && !values.wait) {
      process.stdout.write(`submitted array job ${report.submission.arrayJob} (--array=${report.submission.array}): \`lukelab sweep status --output-dir ${outputDir}\` follows it\n`);
      return 0;
    }
    if (runner === "lsf") {
      if (report.lsfScript) process.stdout.write(`wrote ${report.lsfScript}; submit with: bsub < ${report.lsfScript}\n`);
      return 0;
    }
    if (runner === "slurm" && values.wait && !report.submission) await waitForSlurm(report.plan, { signal: stop.signal });
    process.stdout.write(table(report.runs));
    if (stoppedBy) return stoppedBy === "SIGINT" ? 130 : 143;
    return report.runs.every((v) => v.status === "done") ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
