/**
 * `lukelab entity-typing run [options]`: the original's option names (click style, with
 * --do-x/--no-x switches), parsed from the table in options.ts; the work is runEntityTyping.
 */
import { EntityTypingUsageError, OPTION_SPECS, DEFAULT_OPTIONS, type EntityTypingOptions, type OptionSpec } from "./options";
import { exitWithRunner } from "../../sweep/runner-watch";
import type { EntityTypingResults } from "./results";
import { runEntityTyping } from "./run";
import { summaryLines } from "./summary";

export { EntityTypingUsageError };

/** Comet options of the original's global CLI: accepted and ignored (comet is not supported). */
const COMET_WITH_VALUE = new Set(["--comet-project-name", "--comet-offline-dir"]);

export interface ParsedCommand {
  options: Partial<EntityTypingOptions>;
  /** Accepted but ignored options (comet). */
  ignored: string[];
  help: boolean;
}

function flagIndex(specs: readonly OptionSpec[] = OPTION_SPECS): Map<string, { spec: OptionSpec; value?: boolean }> {
  const index = new Map<string, { spec: OptionSpec; value?: boolean }>();
  for (const spec of specs) {
    if (spec.kind === "switch") {
      index.set(spec.flags[0], { spec, value: true });
      index.set(spec.flags[1], { spec, value: false });
    } else for (const f of spec.flags) index.set(f, { spec });
  }
  return index;
}

/** Parses options of the table `specs` (entity typing's by default; NER passes its own). */
export function parseEntityTypingArgs(argv: readonly string[], specs: readonly OptionSpec[] = OPTION_SPECS): ParsedCommand {
  const index = flagIndex(specs);
  const options: Record<string, unknown> = {};
  const ignored: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new EntityTypingUsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    let inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (name.startsWith("--comet-") || name.startsWith("--no-comet-")) {
      if (inline === undefined && COMET_WITH_VALUE.has(name) && i + 1 < argv.length && !argv[i + 1].startsWith("--")) inline = argv[++i];
      ignored.push(`${name}: not applicable (comet is not supported; TensorBoard event files are written instead)`);
      continue;
    }
    const found = index.get(name);
    if (!found) {
      const close = [...index.keys()].filter((f) => f.includes(name.slice(2).split("-")[0]));
      throw new EntityTypingUsageError(`unknown option ${name}${close.length ? ` (did you mean ${close.slice(0, 3).join(", ")}?)` : ""}`);
    }
    const { spec } = found;
    if (spec.kind === "switch" || spec.kind === "flag") {
      if (inline !== undefined) throw new EntityTypingUsageError(`${name} takes no value`);
      options[spec.key] = found.value ?? true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith("--"))) throw new EntityTypingUsageError(`${name} needs a value`);
    if (spec.kind === "int") {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new EntityTypingUsageError(`${name} must be an integer, got ${raw}`);
      options[spec.key] = n;
    } else if (spec.kind === "number") {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new EntityTypingUsageError(`${name} must be a number, got ${raw}`);
      options[spec.key] = n;
    } else if (spec.kind === "choice") {
      if (!spec.choices!.includes(raw)) throw new EntityTypingUsageError(`${name} must be one of ${spec.choices!.join(", ")}, got ${raw}`);
      options[spec.key] = raw;
    } else options[spec.key] = raw;
  }
  return { options: options as Partial<EntityTypingOptions>, ignored, help };
}

/** The usage lines of one group of an option table, each with its default. */
export function usageSection(specs: readonly OptionSpec[], defaults: object, group: OptionSpec["group"]): string {
  const given = defaults as Record<string, unknown>;
  return specs
    .filter((s) => s.group === group)
    .map((s) => {
      const flags = s.kind === "switch" ? `${s.flags[0]}/${s.flags[1]}` : s.flags.join(", ");
      const value = s.kind === "switch" || s.kind === "flag" ? "" : s.kind === "choice" ? ` ${s.choices!.join("|")}` : s.kind === "string" ? " TEXT" : " N";
      const d = given[s.key];
      const def = d === undefined ? "" : s.kind === "switch" ? ` [default: ${d ? s.flags[0] : s.flags[1]}]` : s.kind === "flag" ? "" : ` [default: ${d}]`;
      return `  ${(flags + value).padEnd(52)} ${s.help}${def}`;
    })
    .join("\n");
}

/** What a finished run prints: where results.json is, the best epoch, dev and test figures. */
export function outcomeLines(outcome: { outputDir: string; resumed: boolean; results: EntityTypingResults }): string[] {
  const r = outcome.results;
  const fmt = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(4));
  const lines = [`results: ${outcome.outputDir}/results.json${outcome.resumed ? " (resumed run)" : ""}`];
  if (r.best_epoch !== undefined) lines.push(`best epoch: ${r.best_epoch}`);
  if (r.dev_f1 !== undefined) lines.push(`dev:  precision ${fmt(r.dev_precision)}  recall ${fmt(r.dev_recall)}  f1 ${fmt(r.dev_f1)}`);
  if (r.test_f1 !== undefined) lines.push(`test: precision ${fmt(r.test_precision)}  recall ${fmt(r.test_recall)}  f1 ${fmt(r.test_f1)}`);
  return lines;
}

/** The usage text, generated from the option table. */
export function entityTypingUsage(): string {
  const section = (group: OptionSpec["group"]) => usageSection(OPTION_SPECS, DEFAULT_OPTIONS, group);
  return `lukelab entity-typing run — fine-tune and evaluate LUKE on Open Entity, as the original's
\`python -m examples.cli entity-typing run\` (global options may come before or after "run").

Usage:
  lukelab entity-typing run --output-dir DIR --data-dir DIR [--model-file DIR] [--checkpoint-file PATH]
                            [--no-train] [--no-eval] [options]

Writes to the output folder: results.json, dev_predictions.jsonl, test_predictions.jsonl, the best
model (config.json, model.safetensors, tokenizer files), tensorboard/events.out.tfevents.*, and with
--output-attentions attentions_{dev,test}.jsonl. A killed run continues when the same command is run
again (checkpoints in <output>/.resume/); --restart starts it over. A finished run that trained is
never run over: the same command again is refused (exit 2) unless --overwrite-output-dir is given.
An evaluation-only results.json (--no-train) is simply replaced.

Exit codes: 0 done, 1 bad data or a failed run (the message names the file and place),
2 usage (bad option values, an output folder that is a file or holds a finished run). See docs/errors.md.

Global options of the original:
${section("global")}

Options of entity-typing run:
${section("run")}

lukelab options:
${section("lukelab")}
  --comet-*                                            accepted and ignored (comet is not supported)
`;
}

/** Runs the command; returns the process exit code. */
export async function entityTypingCommand(argv: readonly string[]): Promise<number> {
  const sub = argv[0];
  // The original takes global options before the task: accept them on either side of "run".
  const index = flagIndex();
  const takesValue = (token: string) => {
    const spec = index.get(token)?.spec;
    return (spec !== undefined && !["switch", "flag"].includes(spec.kind)) || COMET_WITH_VALUE.has(token);
  };
  const runAt = argv.findIndex((t, i) => t === "run" && (i === 0 || !takesValue(argv[i - 1])));
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(entityTypingUsage());
    return sub === undefined ? 1 : 0;
  }
  if (runAt < 0) throw new EntityTypingUsageError(`unknown entity-typing command "${sub}" (the command is "run")`);
  const parsed = parseEntityTypingArgs([...argv.slice(0, runAt), ...argv.slice(runAt + 1)]);
  if (parsed.help) {
    process.stdout.write(entityTypingUsage());
    return 0;
  }
  for (const note of parsed.ignored) process.stderr.write(`[entity-typing] ${note}\n`);
  exitWithRunner();
  const outcome = await runEntityTyping(parsed.options);
  outcome.luke.dispose();
  const lines = [...outcomeLines(outcome), ...summaryLines(outcome.results)];
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
