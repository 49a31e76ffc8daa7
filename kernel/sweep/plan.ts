/**
 * A sweep's plan: the list of runs, each with a stable folder name, the options it sets and the
 * `entity-typing run` (or `ner run`, the sweep's task) command that does it. The plan lives in the sweep folder as plan.json (read by
 * the runners and by every job-array task, which finds its run by index) and plan.txt (for people).
 *
 * Layout of a sweep folder (--output-dir):
 *   plan.json, plan.txt     the plan
 *   <run name>/             each run's entity-typing output folder (results.json, model, .resume/, …)
 *   state/<run name>.json   each run's state (state.ts)
 *   logs/<run name>.log     each run's output, every attempt appended
 *   slurm/, lsf/            job-array scripts and submissions (slurm.ts, lsf.ts)
 *
 * Indices are stable: planning again keeps the index of every run already planned and gives new
 * runs new indices, so a queued array task never finds another run at its index.
 */
import { existsSync } from "node:fs";
import { readJsonObject } from "../io/read";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { fingerprintDifferences } from "../train/resume";
import type { EntityTypingOptions } from "../tasks/entity-typing/options";
import { checkSweep, objectSource, readSweepFile, sweepKeyOf, type CheckedSweep, type SweepDefinition } from "./definition";
import { gridName, oneAtATimeName, pythonStr } from "./naming";
import { sweepTask, type SweepTask } from "./tasks";

export const PLAN_FILE = "plan.json";
export const PLAN_TEXT = "plan.txt";
const FORMAT = "lukelab-sweep-plan/1";
/** Names the sweep folder uses itself; no run may be called so. */
const RESERVED = new Set(["state", "logs", "slurm", "lsf", PLAN_FILE, PLAN_TEXT]);

export interface PlannedRun {
  /** Stable index: the job-array task index of this run. */
  index: number;
  /** Folder name, e.g. robust_learning_rate_1e-05. */
  name: string;
  /** The run's output folder (absolute). */
  outputDir: string;
  /** The swept values of this run, by sweep key, e.g. { learning_rate: 1e-5 }. */
  vary: Record<string, unknown>;
  /** Every option of the run, defaults filled in, by sweep key (snake_case). */
  options: Record<string, unknown>;
  /** The arguments of `lukelab <task> run` (only what differs from the defaults is spelled out, and the output folder). */
  argv: string[];
}

export interface SweepPlan {
  format: string;
  name: string;
  /** The task of every run; absent: entity-typing (plans written before NER sweeps). */
  task?: SweepTask;
  kind: CheckedSweep["kind"];
  /** The sweep file, or "sweep definition" for an object. */
  source: string;
  /** The sweep folder (absolute). */
  outputDir: string;
  /** Swept keys in definition order. */
  parameters: string[];
  /** The next unused index (indices of runs dropped from the definition are not reused). */
  nextIndex: number;
  runs: PlannedRun[];
}

export interface PlanOptions {
  /** The sweep folder. */
  outputDir: string;
  /** --resume-steps for every run (how often a run commits a resume checkpoint); default the run's own. */
  resumeSteps?: number;
  /** Folder for relative paths of an object definition (default: the working directory). */
  baseDir?: string;
}

/** The command-line arguments that give a run of the task these options (defaults left out). */
export function optionsToArgv(options: Partial<EntityTypingOptions>, task?: SweepTask): string[] {
  const { specs, defaults } = sweepTask(task);
  const argv: string[] = [];
  for (const spec of specs) {
    const value = (options as Record<string, unknown>)[spec.key];
    if (value === undefined) continue;
    if (spec.kind === "switch") {
      if (value !== defaults[spec.key]) argv.push(value ? spec.flags[0] : spec.flags[1]);
    } else if (spec.kind === "flag") {
      if (value) argv.push(spec.flags[0]);
    } else argv.push(spec.flags[0], String(value));
  }
  return argv;
}

function fullOptions(options: Record<string, unknown>, task: SweepTask): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of sweepTask(task).specs) {
    if (spec.key === "restart" || spec.key === "overwriteOutputDir") continue;
    out[sweepKeyOf(spec)] = options[spec.key] ?? null;
  }
  return out;
}

/** Expands a checked sweep into its runs (indices from 0 in order; planSweep makes them stable). */
function expand(sweep: CheckedSweep, opts: PlanOptions): PlannedRun[] {
  const outputDir = resolve(opts.outputDir);
  type Point = { param: string; key: keyof EntityTypingOptions; value: unknown; text: string; set: Partial<EntityTypingOptions> }[];
  const points: { name: string; point: Point }[] = [];
  const entry = (p: CheckedSweep["parameters"][number], v: CheckedSweep["parameters"][number]["values"][number]) => ({
    param: p.key,
    key: p.spec.key,
    value: v.value,
    text: pythonStr(v.value, v.literal),
    set: p.set,
  });
  if (sweep.kind === "one-at-a-time") {
    for (const p of sweep.parameters) for (const v of p.values) points.push({ name: oneAtATimeName(sweep.prefix, p.key, entry(p, v).text), point: [entry(p, v)] });
  } else {
    let grid: Point[] = [[]];
    for (const p of sweep.parameters) grid = grid.flatMap((point) => p.values.map((v) => [...point, entry(p, v)]));
    for (const point of grid) points.push({ name: gridName(sweep.prefix, point), point });
  }
  const names = new Map<string, number>();
  return points.map(({ name, point }, index) => {
    const where = `${sweep.source.where}: run ${name}`;
    if (RESERVED.has(name)) throw new Error(`${where}: the name is used by the sweep folder itself; choose another prefix`);
    if (names.has(name)) throw new Error(`${where}: two runs get this folder name (runs ${names.get(name)} and ${index}); give values that print differently`);
    names.set(name, index);
    const set: Partial<EntityTypingOptions> = { ...sweep.base };
    for (const p of point) Object.assign(set, p.set);
    for (const p of point) (set as Record<string, unknown>)[p.key] = p.value;
    if (opts.resumeSteps !== undefined) set.resumeSteps = opts.resumeSteps;
    const runDir = join(outputDir, name);
    let resolved: Record<string, unknown>;
    try {
      resolved = sweepTask(sweep.task).resolve({ ...set, outputDir: runDir });
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    return {
      index,
      name,
      outputDir: runDir,
      vary: Object.fromEntries(point.map((p) => [p.param, p.value])),
      options: fullOptions(resolved, sweep.task),
      argv: ["--output-dir", runDir, ...optionsToArgv(set, sweep.task)],
    };
  });
}

/** The resume fingerprint of a planned run of the task: what must not change once it has started. */
export function runIdentity(run: PlannedRun, task?: SweepTask): Record<string, unknown> {
  const { specs, fingerprint } = sweepTask(task);
  const options: Record<string, unknown> = {};
  for (const spec of specs) if (sweepKeyOf(spec) in run.options) options[spec.key] = run.options[sweepKeyOf(spec)] ?? undefined;
  return fingerprint(options);
}

/**
 * Plans a sweep: from a sweep file path, a definition object (a notebook), or an already checked
 * sweep. When the sweep folder already holds a plan, runs keep their indices, and a run whose
 * options changed is refused (its folder would resume with other options).
 */
export function planSweep(def: string | SweepDefinition | CheckedSweep, opts: PlanOptions): SweepPlan {
  const sweep = typeof def === "string" ? readSweepFile(def) : "source" in def ? def : checkSweep(def, objectSource(opts.baseDir));
  const runs = expand(sweep, opts);
  const outputDir = resolve(opts.outputDir);
  const previous = existsSync(join(outputDir, PLAN_FILE)) ? readPlan(outputDir) : undefined;
  let nextIndex = 0;
  if (previous) {
    const before = new Map(previous.runs.map((r) => [r.name, r]));
    nextIndex = previous.nextIndex;
    if ((previous.task ?? "entity-typing") !== sweep.task) {
      throw new Error(`${join(outputDir, PLAN_FILE)}: the sweep folder holds ${previous.task ?? "entity-typing"} runs, this sweep's task is ${sweep.task}; use another --output-dir`);
    }
    for (const run of runs) {
      const old = before.get(run.name);
      if (!old) continue;
      const differences = fingerprintDifferences(runIdentity(old, sweep.task), runIdentity(run, sweep.task));
      if (differences.length) {
        throw new Error(
          `${join(outputDir, PLAN_FILE)}: run ${run.name} was planned with other options:\n  ${differences.join("\n  ")}\n` +
            `Use another --output-dir for the changed sweep, or delete ${join(outputDir, run.name)} and ${join(outputDir, "state", run.name + ".json")}.`,
        );
      }
    }
    for (const run of runs) run.index = before.get(run.name)?.index ?? nextIndex++;
    runs.sort((a, b) => a.index - b.index);
  } else nextIndex = runs.length;
  return {
    format: FORMAT,
    name: sweep.name,
    ...(sweep.task === "entity-typing" ? {} : { task: sweep.task }),
    kind: sweep.kind,
    source: sweep.source.where === "sweep definition" ? "sweep definition" : resolve(sweep.source.where),
    outputDir,
    parameters: sweep.parameters.map((p) => p.key),
    nextIndex,
    runs,
  };
}

/** Writes plan.json and plan.txt into the sweep folder (atomically). */
export function writePlan(plan: SweepPlan): void {
  writeFileAtomic(join(plan.outputDir, PLAN_FILE), JSON.stringify(plan, null, 2) + "\n");
  writeFileAtomic(join(plan.outputDir, PLAN_TEXT), planText(plan));
}

/** Reads a sweep folder's plan.json; errors name the file. */
export function readPlan(sweepDir: string): SweepPlan {
  const path = join(resolve(sweepDir), PLAN_FILE);
  if (!existsSync(path)) throw new Error(`${path}: no plan here (run \`lukelab sweep plan\` or \`sweep run\` first)`);
  const plan = readJsonObject(path) as unknown as SweepPlan;
  if (plan.format !== FORMAT) throw new Error(`${path}: format ${JSON.stringify(plan.format)}, expected "${FORMAT}"`);
  if (!Array.isArray(plan.runs)) throw new Error(`${path}: runs: expected a list`);
  return plan;
}

/** The plan for people: one line per run, the swept values in columns, then the commands. */
export function planText(plan: SweepPlan): string {
  const header = ["index", "run", ...plan.parameters];
  const rows = plan.runs.map((r) => [String(r.index), r.name, ...plan.parameters.map((p) => (p in r.vary ? JSON.stringify(r.vary[p]) : "-"))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const command = sweepTask(plan.task).command.join(" ");
  const commands = plan.runs.map((r) => `[${r.index}] lukelab ${command} ${r.argv.map(shellQuote).join(" ")}`);
  return [
    `sweep ${plan.name}: ${plan.kind}, ${plan.runs.length} runs, from ${plan.source}`,
    `folder: ${plan.outputDir}`,
    "",
    line(header),
    ...rows.map(line),
    "",
    "commands:",
    ...commands,
    "",
  ].join("\n");
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
