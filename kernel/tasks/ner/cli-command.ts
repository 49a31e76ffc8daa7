/**
 * `lukelab ner run [options]`: entity typing's option parser (click-style names, --do-x/--no-x
 * switches) over NER's option table; the work is runNer.
 */
import { exitWithRunner } from "../../sweep/runner-watch";
import { outcomeLines, parseEntityTypingArgs, usageSection } from "../entity-typing/cli-command";
import type { OptionSpec } from "../entity-typing/options";
import { NER_DEFAULTS, NER_OPTION_SPECS, type NerOptions } from "./options";
import { runNer } from "./run";

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class NerUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_NER";
}

export function nerUsage(): string {
  const section = (group: OptionSpec["group"]) => usageSection(NER_OPTION_SPECS, NER_DEFAULTS, group);
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
  // Started by a sweep's runner: stop when the runner dies (as entity-typing run does).
  exitWithRunner();
  const outcome = await runNer(parsed.options as Partial<NerOptions>);
  outcome.luke.dispose();
  const lines = outcomeLines(outcome);
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
