/**
 * An LSF job-array script for clusters that use LSF (`bsub`), as the original's jobscript_luke.sh
 * did (seed-features §1.2). UNTESTED: lukelab's tests run Slurm only; the script is written, not
 * submitted, and `bsub < lsf/<sweep>.bsub` submits it. LSF array indices start at 1, so task i runs
 * the plan's run i − 1. Each task runs `lukelab sweep exec` like a Slurm task.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import type { PlannedRun, SweepPlan } from "./plan";
import { DEFAULT_MEM_PER_RUN_MB, LUKELAB_BIN, checkWalltime, walltimeToLsf } from "./resources";
import { arraySpec, type SlurmOptions } from "./slurm";
import { LOG_DIR } from "./state";

export const LSF_DIR = "lsf";

/** The Slurm runner's resources, and LSF's queue in place of the partition. */
export interface LsfOptions extends Pick<SlurmOptions, "cpusPerRun" | "memPerRunMb" | "time" | "gpus" | "maxParallel" | "jobName"> {
  /** Queue (-q), e.g. gpuv100 as the original. */
  queue?: string;
}

const word = (w: string) => (/^[A-Za-z0-9_./=:,+@%-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

export function lsfScript(plan: SweepPlan, runs: readonly PlannedRun[], opts: LsfOptions = {}): string {
  const name = opts.jobName ?? `lukelab-${plan.name}`;
  const mem = opts.memPerRunMb ?? DEFAULT_MEM_PER_RUN_MB;
  const width = Math.max(5, ...runs.map((r) => String(r.index + 1).length));
  const lines = [
    "#!/bin/bash",
    `# lukelab sweep "${plan.name}" as an LSF job array. UNTESTED: lukelab is tested on Slurm only.`,
    `# Submit with: bsub < ${join(plan.outputDir, LSF_DIR, `${plan.name}.bsub`)}`,
    "# LSF array indices start at 1: task i runs the run with index i - 1 in plan.json:",
    `#   ${"task".padEnd(width)}  run`,
    ...runs.map((r) => `#   ${String(r.index + 1).padEnd(width)}  ${r.name}`),
    `#BSUB -J "${name}[${arraySpec(runs.map((r) => r.index + 1), opts.maxParallel)}]"`,
  ];
  if (opts.queue) lines.push(`#BSUB -q ${opts.queue}`);
  lines.push(
    `#BSUB -n ${opts.cpusPerRun ?? 1}`,
    `#BSUB -R "span[hosts=1]"`,
    `#BSUB -R "rusage[mem=${mem}MB]"`,
    `#BSUB -M ${mem}MB`,
    `#BSUB -W ${walltimeToLsf(checkWalltime(opts.time ?? "24:00:00"))}`,
  );
  if (opts.gpus) lines.push(`#BSUB -gpu "num=${opts.gpus}:mode=exclusive_process"`);
  lines.push(
    `#BSUB -o ${join(plan.outputDir, LOG_DIR, "lsf_%J_%I.out")}`,
    `#BSUB -e ${join(plan.outputDir, LOG_DIR, "lsf_%J_%I.err")}`,
    "",
    "set -euo pipefail",
    `cd ${word(plan.outputDir)}`,
    `export TF_NUM_INTRAOP_THREADS="${opts.cpusPerRun ?? 1}"`,
    `exec ${word(process.execPath)} ${word(LUKELAB_BIN)} sweep exec --output-dir ${word(plan.outputDir)} --index "$((LSB_JOBINDEX - 1))"`,
    "",
  );
  return lines.join("\n");
}

/** Writes lsf/<sweep>.bsub for these runs; returns its path. */
export function writeLsfScript(plan: SweepPlan, runs: readonly PlannedRun[], opts: LsfOptions = {}): string {
  const path = join(plan.outputDir, LSF_DIR, `${plan.name}.bsub`);
  writeFileAtomic(path, lsfScript(plan, runs, opts));
  mkdirSync(join(plan.outputDir, LOG_DIR), { recursive: true });
  return path;
}
