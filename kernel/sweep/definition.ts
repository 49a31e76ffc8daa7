/**
 * Sweep definitions: what a sweep file (YAML or JSON) or a notebook object says, checked against the
 * options of its task's run (`entity-typing run`, or `ner run` with `task: ner`) before anything runs. Every error names the file, the line and
 * column when there is a file, and the key, e.g.
 *   sweeps/lr.yaml:7:5: parameters.learning_rate[2]: --learning-rate must be a number, got "fast"
 *
 *   name: lr-and-seed            # optional; default: the file name
 *   task: entity-typing          # optional: entity-typing (default) or ner (tasks.ts)
 *   kind: grid                   # grid (cartesian product) | one-at-a-time (each parameter alone around base)
 *   preset: original             # optional: the original sweep's base setting (presets.ts)
 *   prefix: grid                 # optional folder prefix; default grid, or robust for one-at-a-time
 *   base:                        # options of every run: any option of the task's run
 *     data_dir: ../samples/open-entity-sample     # paths are relative to the sweep file
 *     num_train_epochs: 2
 *   parameters:
 *     learning_rate: [1e-3, 2e-3]
 *     train_batch_size: { values: [2, 4], set: { gradient_accumulation_steps: 1 } }
 *
 * Option keys may be spelled as in results.json's log_parameters (learning_rate), as the flag
 * (learning-rate) or in camelCase (learningRate).
 */
import { existsSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, resolve } from "node:path";
import { isScalar } from "yaml";
import type { EntityTypingOptions, OptionSpec } from "../tasks/entity-typing/options";
import { parseHubId } from "../hub/id";
import { FileFormatError, parseJsonText, readText } from "../io/read";
import { parseYamlWithPositions } from "../io/yaml-source";
import { ORIGINAL_BASE, ORIGINAL_PARAMETER_SETS } from "./presets";
import { SWEEP_TASKS, sweepTask, type SweepTask } from "./tasks";

export const SWEEP_KINDS = ["grid", "one-at-a-time"] as const;
export type SweepKind = (typeof SWEEP_KINDS)[number];
export const SWEEP_PRESETS = ["original"] as const;

/** One swept parameter: its values, and options set alongside it (the original's batch-size sweep set accumulation 1). */
export interface SweepParameter {
  values: readonly unknown[];
  set?: Record<string, unknown>;
}

/** A sweep as a notebook writes it (or as a sweep file holds it). */
export interface SweepDefinition {
  name?: string;
  /** The task of every run (default entity-typing). */
  task?: SweepTask;
  kind?: SweepKind;
  preset?: (typeof SWEEP_PRESETS)[number];
  prefix?: string;
  base?: Record<string, unknown>;
  parameters: Record<string, readonly unknown[] | SweepParameter>;
}

/** Where a definition came from: locates keys for error messages and keeps number literals. */
export interface SweepSource {
  /** The sweep file, or a description ("sweep definition") for an object. */
  where: string;
  /** Relative paths in the definition are resolved against this folder. */
  baseDir: string;
  /** "file:line:col" of a key path (of its value, or of the key itself), when known. */
  locate(path: readonly (string | number)[], at?: "key" | "value"): string;
  /** The source text of a scalar (e.g. "1.0", "1e-5"), when the definition came from a file. */
  literal(path: readonly (string | number)[]): string | undefined;
}

/** A sweep definition that cannot be used; the message names the file and key. */
export class SweepDefinitionError extends Error {}

const TOP_KEYS = new Set(["name", "task", "kind", "preset", "prefix", "base", "parameters"]);
/** Options a sweep may not set: it owns the run folders, and a restart would discard resume checkpoints. */
const NOT_IN_SWEEPS: Partial<Record<keyof EntityTypingOptions, string>> = {
  outputDir: "each run's folder is <sweep output dir>/<run name>, chosen by the sweep",
  restart: "a sweep resumes interrupted runs; delete a run's folder to start it over",
  overwriteOutputDir: "a sweep skips finished runs; delete a run's folder to run it again",
};
/** Options holding paths, resolved against the sweep file's folder. */
const PATH_OPTIONS = new Set<keyof EntityTypingOptions>(["dataDir", "modelFile", "checkpointFile", "modelConfig", "tokenizer"]);

/** A model option whose value is a Hub id (org/name[@revision]) and no folder beside the sweep file: kept as written. */
function isHubIdHere(key: keyof EntityTypingOptions, value: string, baseDir: string): boolean {
  return (key === "modelFile" || key === "checkpointFile" || key === "tokenizer") && parseHubId(value) !== undefined && !existsSync(resolve(baseDir, value));
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const keyIndex = new Map<SweepTask, Map<string, OptionSpec>>();
/** Every accepted spelling of every option of the task's run. */
function optionIndex(task: SweepTask): Map<string, OptionSpec> {
  const known = keyIndex.get(task);
  if (known) return known;
  const index = new Map<string, OptionSpec>();
  for (const spec of sweepTask(task).specs) {
    const names = [spec.key, snake(spec.key), spec.log, spec.flags[0].slice(2), spec.flags[0].slice(2).replace(/-/g, "_")];
    for (const n of names) if (n) index.set(n, spec);
  }
  keyIndex.set(task, index);
  return index;
}

/** The option a sweep key names; the sweep's canonical key is the snake_case of the option. */
export function sweepKeyOf(spec: OptionSpec): string {
  return snake(spec.key);
}

/** Looks up a sweep key of the task's options; throws a message (without location) when it names no option. */
export function optionForKey(key: string, task: SweepTask = "entity-typing"): OptionSpec {
  const spec = optionIndex(task).get(key);
  if (!spec) {
    const wanted = key.replace(/-/g, "_").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const close = [...new Set(sweepTask(task).specs.map(sweepKeyOf))]
      .map((k) => ({ k, d: editDistance(k, wanted) }))
      .filter(({ k, d }) => d <= Math.max(2, Math.floor(wanted.length / 4)) || (wanted.length > 3 && k.includes(wanted)))
      .sort((a, b) => a.d - b.d)
      .slice(0, 3)
      .map(({ k }) => k);
    throw new Error(`unknown option "${key}": not ${task === "ner" ? "a ner" : "an entity-typing"} run option${close.length ? ` (did you mean ${close.join(", ")}?)` : ""}; see \`lukelab ${task} --help\``);
  }
  const why = NOT_IN_SWEEPS[spec.key];
  if (why) throw new Error(`"${key}" cannot be set in a sweep: ${why}`);
  return spec;
}

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * Checks one option value and returns it as the task's run takes it (numbers from numeric strings,
 * relative paths made absolute). Throws a message naming the flag.
 */
export function coerceOptionValue(spec: OptionSpec, value: unknown, baseDir: string, task: SweepTask = "entity-typing"): unknown {
  const flag = spec.flags[0];
  let out: unknown;
  switch (spec.kind) {
    case "int":
    case "number": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw new Error(`${flag} must be a number, got ${show(value)}`);
      if (spec.kind === "int" && !Number.isInteger(n)) throw new Error(`${flag} must be an integer, got ${show(value)}`);
      out = n;
      break;
    }
    case "flag":
    case "switch":
      if (typeof value !== "boolean") throw new Error(`${flag} is on or off: use true or false, got ${show(value)}`);
      out = value;
      break;
    case "choice":
      if (typeof value !== "string" || !spec.choices!.includes(value)) throw new Error(`${flag} must be one of ${spec.choices!.join(", ")}, got ${show(value)}`);
      out = value;
      break;
    default:
      if (typeof value !== "string" || value === "") throw new Error(`${flag} must be a non-empty string, got ${show(value)}`);
      out = PATH_OPTIONS.has(spec.key) && !isAbsolute(value) && !isHubIdHere(spec.key, value, baseDir) ? resolve(baseDir, value) : value;
  }
  // Ranges (dropout in [0, 1), positive batch sizes, …) exactly as the run itself checks them.
  sweepTask(task).resolve({ [spec.key]: out });
  return out;
}

/** A definition checked and normalised: canonical keys, coerced values, literals kept for folder names. */
export interface CheckedSweep {
  name: string;
  task: SweepTask;
  kind: SweepKind;
  prefix: string;
  /** Options of every run, by option key. */
  base: Partial<EntityTypingOptions>;
  parameters: CheckedParameter[];
  source: SweepSource;
}

export interface CheckedParameter {
  /** The canonical sweep key (snake_case), used in folder names. */
  key: string;
  spec: OptionSpec;
  values: { value: unknown; literal?: string }[];
  set: Partial<EntityTypingOptions>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Checks a definition (from a file or an object). */
export function checkSweep(def: unknown, source: SweepSource): CheckedSweep {
  const fail = (path: (string | number)[], message: string, at: "key" | "value" = "value"): never => {
    const key = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("");
    throw new SweepDefinitionError(`${source.locate(path, at)}: ${key ? `${key}: ` : ""}${message}`);
  };
  if (!isObject(def)) fail([], `a sweep is a mapping with "parameters" (and optionally name, task, kind, preset, prefix, base), got ${show(def)}`);
  const d = def as Record<string, unknown>;
  for (const key of Object.keys(d)) if (!TOP_KEYS.has(key)) fail([key], `unknown key; a sweep has ${[...TOP_KEYS].join(", ")}`, "key");

  const task = (d.task ?? "entity-typing") as SweepTask;
  if (!SWEEP_TASKS.includes(task)) fail(["task"], `must be one of ${SWEEP_TASKS.join(", ")}, got ${show(d.task)}`);
  const kind = (d.kind ?? "grid") as SweepKind;
  if (!SWEEP_KINDS.includes(kind)) fail(["kind"], `must be one of ${SWEEP_KINDS.join(", ")}, got ${show(d.kind)}`);
  if (d.preset !== undefined && !SWEEP_PRESETS.includes(d.preset as "original")) fail(["preset"], `must be one of ${SWEEP_PRESETS.join(", ")}, got ${show(d.preset)}`);
  const defaultName = source.where.includes("/") || /\.(ya?ml|json)$/.test(source.where) ? basename(source.where, extname(source.where)) : "sweep";
  const name = d.name ?? defaultName;
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name)) fail(["name"], `must be letters, digits, ".", "_" or "-", got ${show(d.name)}`);
  const prefix = d.prefix ?? (kind === "one-at-a-time" ? "robust" : "grid");
  if (typeof prefix !== "string" || !/^[A-Za-z0-9._-]+$/.test(prefix)) fail(["prefix"], `must be letters, digits, ".", "_" or "-", got ${show(d.prefix)}`);

  const option = (path: (string | number)[], key: string, value: unknown): [OptionSpec, unknown] => {
    let spec: OptionSpec;
    try {
      spec = optionForKey(key, task);
    } catch (err) {
      return fail(path, (err as Error).message, typeof path[path.length - 1] === "string" ? "key" : "value");
    }
    try {
      return [spec, coerceOptionValue(spec, value, source.baseDir, task)];
    } catch (err) {
      return fail(path, (err as Error).message);
    }
  };
  const options = (path: (string | number)[], value: unknown): Partial<EntityTypingOptions> => {
    if (value === undefined || value === null) return {};
    if (!isObject(value)) return fail(path, `must be a mapping of ${task} run options to values, got ${show(value)}`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const [spec, coerced] = option([...path, k], k, v);
      if (spec.key in out) fail([...path, k], `sets ${spec.flags[0]} a second time`);
      out[spec.key] = coerced;
    }
    return out as Partial<EntityTypingOptions>;
  };

  const presetBase = d.preset === "original" ? options([], ORIGINAL_BASE) : {};
  const base = { ...presetBase, ...options(["base"], d.base) };

  if (!isObject(d.parameters) || Object.keys(d.parameters).length === 0) {
    fail(["parameters"], `needs at least one parameter with a list of values, e.g. parameters: { learning_rate: [1e-3, 2e-3] }`);
  }
  const parameters: CheckedParameter[] = [];
  const seen = new Set<string>();
  for (const [key, raw] of Object.entries(d.parameters as Record<string, unknown>)) {
    const path = ["parameters", key];
    let spec: OptionSpec;
    try {
      spec = optionForKey(key, task);
    } catch (err) {
      return fail(path, (err as Error).message, "key");
    }
    if (seen.has(spec.key)) fail(path, `${spec.flags[0]} is swept twice`);
    seen.add(spec.key);
    const listed = Array.isArray(raw) ? { values: raw } : isObject(raw) ? raw : undefined;
    if (!listed || !Array.isArray(listed.values)) fail(path, `must be a list of values or { values: [...], set: {...} }, got ${show(raw)}`);
    for (const k of Object.keys(listed!)) if (k !== "values" && k !== "set") fail([...path, k], `unknown key; a parameter has values and set`, "key");
    const valuesPath = Array.isArray(raw) ? path : [...path, "values"];
    const values = listed!.values as unknown[];
    if (values.length === 0) fail(valuesPath, "has no values");
    const checkedValues: CheckedParameter["values"] = [];
    const texts = new Set<string>();
    values.forEach((v, i) => {
      const [, coerced] = option([...valuesPath, i], key, v);
      const literal = source.literal([...valuesPath, i]) ?? (typeof v === "string" && typeof coerced === "number" ? v : undefined);
      const text = JSON.stringify(coerced);
      if (texts.has(text)) fail([...valuesPath, i], `repeats the value ${show(v)}`);
      texts.add(text);
      checkedValues.push({ value: coerced, literal });
    });
    const presetSet = d.preset === "original" && listed!.set === undefined ? (ORIGINAL_PARAMETER_SETS[sweepKeyOf(spec)] ?? {}) : {};
    const set = { ...options([...path, "set"], presetSet), ...options([...path, "set"], listed!.set) };
    if (spec.key in set) fail([...path, "set"], `sets the swept option ${spec.flags[0]} itself`);
    parameters.push({ key: sweepKeyOf(spec), spec, values: checkedValues, set });
  }
  return { name: name as string, task, kind, prefix: prefix as string, base, parameters, source };
}

/** A source for a definition given as an object (a notebook): no lines, relative paths from baseDir. */
export function objectSource(baseDir = process.cwd(), where = "sweep definition"): SweepSource {
  return { where, baseDir, locate: () => where, literal: () => undefined };
}

/** Reads and checks a sweep file: .yaml/.yml as YAML, .json as JSON. */
export function readSweepFile(path: string): CheckedSweep {
  const ext = extname(path).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(ext)) throw new SweepDefinitionError(`${path}: a sweep file is .yaml, .yml or .json`);
  let text: string;
  try {
    text = readText(path, (message) => new SweepDefinitionError(message));
    // Strict JSON first (YAML would take trailing commas and the like): errors at file:line:column.
    if (ext === ".json") parseJsonText(text, path);
  } catch (err) {
    if (err instanceof FileFormatError) throw new SweepDefinitionError(err.message);
    throw err;
  }
  // JSON is YAML too: one parser for both keeps the source positions and the literals ("1.0").
  const doc = parseYamlWithPositions(text, path, (message) => new SweepDefinitionError(message));
  const source: SweepSource = {
    where: path,
    baseDir: dirname(resolve(path)),
    locate: doc.locate,
    // A plain scalar's source text ("1.0", "1e-5"): the literal a folder name keeps.
    literal: (p) => {
      const found = doc.node(p);
      if (!found?.exact || !isScalar(found.node)) return undefined;
      return (found.node as { type?: string }).type === "PLAIN" ? (found.node as { source?: string }).source : undefined;
    },
  };
  return checkSweep(doc.value, source);
}
