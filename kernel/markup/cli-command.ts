/**
 * `lukelab markup --input FILE (--output FILE.json | --dataset-dir DIR) [--labels a,b] [--format F]
 * [--any-labels]`: marked-up sentences to entity-typing examples (./examples). Every sentence is
 * parsed before anything is written, so a broken one leaves no output file.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { parseCommandLine } from "../io/command-line";
import { markupJson, readMarkupFile, type MarkupFormat } from "./examples";

export const MARKUP_USAGE = `lukelab markup --input FILE (--output FILE.json | --dataset-dir DIR) [--labels a,b]
               [--format object|array|text|jsonl] [--any-labels]
      Turns sentences with mentions in angle brackets into entity-typing examples: one
      {"sent", "start", "end", "labels", "entity"} per mention, offsets in code points of the sentence
      without markup. <mention|a,b> gives a mention its labels (<mention|> none); others get --labels
      (default none). \\< \\> \\| \\\\ are literal characters.
      FILE: a JSON object {name: sentence} (the original's form), a JSON array of sentences, text with
      one sentence per line (.txt), or JSON lines (.jsonl: a string, or {"sent"|"text": …, "labels"?}
      per line); --format overrides the guess from the extension and content.
      --output writes the examples as a JSON array; --dataset-dir writes them as DIR/test.json and
      adds an empty train.json and dev.json where missing, so
      \`lukelab entity-typing run --no-train --output-attentions --data-dir DIR …\` runs on them.
      Labels must be Open Entity's (entity-typing's label set) unless --any-labels. A broken sentence
      stops with the file, the sentence (key, element or line) and the column; nothing is written.
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class MarkupUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_MARKUP";
}

const FORMATS = new Set<MarkupFormat>(["object", "array", "text", "jsonl"]);

/** Runs the command; returns the process exit code. */
export async function markupCommand(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, {
    strings: ["input", "output", "dataset-dir", "labels", "format"],
    flags: ["any-labels"],
    required: { input: "the file of marked-up sentences" },
    usage: MARKUP_USAGE,
    error: MarkupUsageError,
  });
  if (!values) return 0;
  if (!values.output && !values["dataset-dir"]) throw new MarkupUsageError("--output FILE.json or --dataset-dir DIR is required");
  const format = values.format as MarkupFormat | undefined;
  if (format !== undefined && !FORMATS.has(format)) throw new MarkupUsageError(`--format must be object, array, text or jsonl, got ${JSON.stringify(format)}`);
  const labels = values.labels === undefined ? [] : values.labels.split(",").map((l) => l.trim());
  if (labels.some((l) => l === "")) throw new MarkupUsageError(`--labels must be label names separated by commas, got ${JSON.stringify(values.labels)}`);

  const examples = readMarkupFile(values.input, { labels, format, labelSet: values["any-labels"] ? null : undefined });
  const json = markupJson(examples);
  const written: string[] = [];
  if (values.output) {
    writeFileAtomic(values.output, json);
    written.push(values.output);
  }
  const dir = values["dataset-dir"];
  if (dir) {
    writeFileAtomic(join(dir, "test.json"), json);
    written.push(join(dir, "test.json"));
    for (const split of ["train", "dev"]) {
      const file = join(dir, `${split}.json`);
      if (existsSync(file)) continue;
      writeFileAtomic(file, "[]\n");
      written.push(`${file} (empty)`);
    }
  }
  process.stdout.write(`${examples.length} example${examples.length === 1 ? "" : "s"} (one per mention) from ${values.input}; wrote ${written.join(", ")}\n`);
  return 0;
}
