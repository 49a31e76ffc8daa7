/**
 * `lukelab ner run [options]`: entity typing's option parser (click-style names, --do-x/--no-x
 * switches) over NER's option table; the work is runNer.
 */
import { parseEntityTypingArgs } from "../entity-typing/cli-command";
import { NER_DEFAULTS, NER_OPTION_SPECS, type NerOptions } from "./options";
import { runNer } from "./run";

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class NerUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_NER";
}

export function nerUsage(): string {
  const defaults = NER_DEFAULTS as unknown as Record<string, unknown>;
  const section = (group: string) =>
    NER_OPTION_SPECS.filter((s) => s.group === group)
      .map((s) => {
        const flags = s.kind === "switch" ? `${s.flags[0]}/${s.flags[1]}` : s.flags.join(", ");
        const value = s.kind === "switch" || s.kind === "flag" ? "" : s.kind === "choice" ? ` ${s.choices!.join("|")}` : s.kind === "string" ? " TEXT" : " N";
        const d = defaults[s.key];
        const def = d === undefined ? "" : s.kind === "switch" ? ` [default: ${d ? s.flags[0] : s.flags[1]}]` : s.kind === "flag" ? "" : ` [default: ${d}]`;
        return `  ${(flags + value).padEnd(52)} ${s.help}${def}`;
      })
      .join("\n");
  return `lukelab ner run — named entity recognition on CoNLL-2003 as upstream LUKE's NER example does it
(every word span of a sentence classified as an entity type or NIL, spans kept greedily by score).

Usage:
  lukelab ner run --data-dir DIR --output-dir DIR [--model-file DIR|HUB-ID] [--checkpoint-file PATH]
                  [--no-train] [--no-eval] [options]

DIR holds eng.train, eng.testa (dev) and eng.testb (test). Writes to the output folder: results.json
(dev_f1, test_f1, dev_f1_epoch{k}, best_epoch, per-type figures), dev_predictions.txt and
test_predictions.txt (\`token gold predicted\` per line, as conlleval and seqeval read them), the best
model, tensorboard/events.out.tfevents.*. A killed run continues when the same command is run again.
See docs/ner.md.

Global options:
${section("global")}

Options of ner run:
${section("run")}

lukelab options:
${section("lukelab")}
`;
}

/** Runs the command; returns the process exit code. */
export async function nerCommand(argv: readonly string[]): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(nerUsage());
    return sub === undefined ? 1 : 0;
  }
  if (sub !== "run") throw new NerUsageError(`unknown ner command "${sub}" (the command is "run")`);
  const parsed = parseEntityTypingArgs(argv.slice(1), NER_OPTION_SPECS);
  if (parsed.help) {
    process.stdout.write(nerUsage());
    return 0;
  }
  for (const note of parsed.ignored) process.stderr.write(`[ner] ${note}\n`);
  const outcome = await runNer(parsed.options as Partial<NerOptions>);
  outcome.luke.dispose();
  const r = outcome.results;
  const fmt = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(4));
  const lines = [`results: ${outcome.outputDir}/results.json${outcome.resumed ? " (resumed run)" : ""}`];
  if (r.best_epoch !== undefined) lines.push(`best epoch: ${r.best_epoch}`);
  if (r.dev_f1 !== undefined) lines.push(`dev:  precision ${fmt(r.dev_precision)}  recall ${fmt(r.dev_recall)}  f1 ${fmt(r.dev_f1)}`);
  if (r.test_f1 !== undefined) lines.push(`test: precision ${fmt(r.test_precision)}  recall ${fmt(r.test_recall)}  f1 ${fmt(r.test_f1)}`);
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
