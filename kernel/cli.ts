#!/usr/bin/env node
/**
 * The lukelab command line. Each command parses its options and calls the library; the work
 * itself lives in the modules it imports.
 */
import { parseArgs } from "node:util";
import { initBackend } from "./backend";
import { convertOriginalArchive, doctorReport, runForward, runPredict } from "./commands";
import { entityTypingCommand } from "./tasks/entity-typing/cli-command";

const USAGE = `lukelab — LUKE, the entity-aware transformer, on TensorFlow.js

Usage:
  lukelab forward --model DIR --input FILE.jsonl --output FILE.jsonl [--attentions] [--hidden-states]
                  [--batch-size N] [--max-length N]
      Runs the model on each input line {"text": str, "spans": [[start, end], ...], "task"?: str}
      (offsets in Unicode code points) and writes one JSON line per input with tokens, input_ids,
      entity_ids, entity_position_ids, last_hidden_state, entity_last_hidden_state, logits and,
      with --attentions, attentions[layer][head][query][key]. A BERT, RoBERTa or GPT-2 folder
      (config.json model_type) takes inputs without spans and writes tokens, input_ids,
      last_hidden_state and attentions the same way (docs/models.md).
  lukelab predict --model DIR --input FILE.jsonl [--output FILE.jsonl] [--threshold 0.5] [--batch-size N]
      Labelled predictions (label names from config.json) for each input line.
      --model takes a folder or a Hugging Face Hub id, org/name[@revision], downloaded into (or read
      from) huggingface_hub's cache; HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE apply (docs/hub.md).
  lukelab convert --archive luke_large_500k.tar.gz --tokenizer DIR --output DIR
      Converts an original LUKE archive into a Hugging Face folder, as transformers' conversion script
      does; DIR holds the RoBERTa tokenizer files (vocab.json, merges.txt).
  lukelab doctor
      Reports the active TF.js backend, why it was chosen, and versions.
  lukelab entity-typing run --output-dir DIR --data-dir DIR [--model-file DIR] [--checkpoint-file PATH]
                            [--no-train] [--no-eval] [options]
      Fine-tunes and evaluates LUKE on Open Entity as the original system's entity-typing run, with
      all its options (see \`lukelab entity-typing --help\`). Without --model-file, a fresh tiny LUKE.
  lukelab ner run --data-dir DIR --output-dir DIR [--model-file DIR|HUB-ID] [options]
      Named entity recognition on CoNLL-2003 (eng.train/testa/testb) as upstream LUKE's NER example,
      with entity typing's run folder and options (see \`lukelab ner --help\`, docs/ner.md).
  lukelab sweep plan|run|status|cancel SWEEP.yaml --output-dir DIR [--runner local|slurm|lsf]
                [--max-parallel N] [--retry-failed] [Slurm options]
      Many entity-typing runs from one sweep file (grid or one-at-a-time), on this machine or as a
      Slurm job array; finished runs are skipped, killed ones resume (see \`lukelab sweep --help\`).
  lukelab analyze --data-dir RUNS --output-dir OUT [--no-html] [--no-png] [--no-csv] [--no-tensorboard]
                  [--dataset-dir DIR]
      Tables (CSV), figures (HTML, PNG) and TensorBoard event files over every run folder under RUNS:
      summaries over seeds, confusion matrices, calibration (see \`lukelab analyze --help\`).
  lukelab analyze attention --records FILE.jsonl … --output-dir OUT [--bins …] [--pair "FROM,TO"] [--no-html]
      What the [MASK] entity attends to over a run's attention records (words by distance to the
      mention, markers, <s>, </s>) and token-to-token attention across layers, as mean ± SE tables
      and figures (see \`lukelab analyze attention --help\`).
  lukelab analyze bias --model DIR --probe FILE.yaml --output-dir OUT [--permutations N] [--seed S]
      Templates filled with groups of names or pronouns: label scores and attention from the name to
      target words ("doctor", "nurse"), groups compared by Welch's t-test and a permutation test, as
      CSV tables and figures (see \`lukelab analyze bias --help\`).
  lukelab analyze errors --run DIR --output-dir OUT [--split dev|test] [--dataset-dir DIR]
      A run's misclassified examples with their top-3 label probabilities: JSON lines, CSV and a
      per-class figure whose cells list them (see \`lukelab analyze errors --help\`).
  lukelab analyze dataset --data-dir DIR --output-dir OUT [--tokenizer DIR]
      Examples, label frequencies, labels per example and sentence/mention lengths per split, as
      CSV tables and figures (see \`lukelab analyze dataset --help\`).
  lukelab analyze embed --data-dir RUNS --output-dir OUT [--method pca|tsne|both] [--dims 2|3] [--seed S]
      Every run as the vector of its confusion matrices, placed by PCA (as scikit-learn's) and seeded
      t-SNE: coordinates (CSV) and 2-D/3-D scatters coloured by the swept parameter (see
      \`lukelab analyze embed --help\`).
  lukelab analyze index --data-dir RUNS
      RUNS/runs-index.json: every run's summary in one file, for the JupyterLab runs dashboard
      (sweeps and \`lukelab analyze\` keep it up to date themselves).
  lukelab markup --input FILE (--output FILE.json | --dataset-dir DIR) [--labels a,b]
      Sentences with <mention|labels> in angle brackets to entity-typing examples, one per mention,
      ready for \`entity-typing run --no-train --output-attentions\` (see \`lukelab markup --help\`).

Environment:
  LUKELAB_BACKEND=wasm|cpu|tensorflow   choose the TF.js backend instead of the default order

Exit codes (docs/errors.md):
  0  done
  1  a file or the data is wrong, or the work failed: the message starts with the file and the place
     (file:line:column, byte offset, example, key); fix the file
  2  a usage error: an unknown option, a value out of range, an output folder that is a file or holds
     a finished run (pass --overwrite-output-dir); fix the command line
`;

/** The options forward and predict share: the model, the input lines, where to write, the batch. */
const MODEL_INPUT_OPTIONS = {
  model: { type: "string" },
  input: { type: "string" },
  output: { type: "string" },
  "batch-size": { type: "string", default: "16" },
} as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  switch (command) {
    case "forward": {
      const { values } = parseArgs({
        args: rest,
        options: {
          ...MODEL_INPUT_OPTIONS,
          attentions: { type: "boolean", default: false },
          "hidden-states": { type: "boolean", default: false },
          "max-length": { type: "string" },
        },
      });
      const written = await runForward({
        model: required(values.model, "--model"),
        input: required(values.input, "--input"),
        output: required(values.output, "--output"),
        attentions: values.attentions,
        hiddenStates: values["hidden-states"],
        batchSize: positiveInt(values["batch-size"], "--batch-size"),
        maxLength: values["max-length"] === undefined ? undefined : positiveInt(values["max-length"], "--max-length"),
      });
      process.stderr.write(`wrote ${written} lines to ${values.output}\n`);
      return 0;
    }
    case "predict": {
      const { values } = parseArgs({
        args: rest,
        options: { ...MODEL_INPUT_OPTIONS, threshold: { type: "string", default: "0.5" } },
      });
      const threshold = Number(values.threshold);
      if (!(threshold >= 0 && threshold <= 1)) throw new UsageError(`--threshold must be between 0 and 1, got ${values.threshold}`);
      await runPredict({
        model: required(values.model, "--model"),
        input: required(values.input, "--input"),
        output: values.output,
        threshold,
        batchSize: positiveInt(values["batch-size"], "--batch-size"),
      });
      return 0;
    }
    case "convert": {
      const { values } = parseArgs({
        args: rest,
        options: { archive: { type: "string" }, tokenizer: { type: "string" }, output: { type: "string" } },
      });
      await convertOriginalArchive({
        archive: required(values.archive, "--archive"),
        tokenizer: required(values.tokenizer, "--tokenizer"),
        output: required(values.output, "--output"),
      });
      process.stderr.write(`wrote ${values.output}\n`);
      return 0;
    }
    case "entity-typing":
      return entityTypingCommand(rest);
    case "ner":
      return (await import("./tasks/ner/cli-command")).nerCommand(rest);
    // Loaded when asked for: arquero and yaml would add ~140 ms to the start of every other command.
    case "sweep":
      return (await import("./sweep/cli-command")).sweepCommand(rest);
    case "analyze":
      return (await import("./analysis/cli-command")).analyzeCommand(rest);
    case "markup":
      return (await import("./markup/cli-command")).markupCommand(rest);
    case "doctor": {
      await initBackend();
      process.stdout.write(await doctorReport());
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required`);
  return value;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const usage = err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`lukelab: ${err.message}\n${usage ? "Run `lukelab help` for usage.\n" : ""}`);
    process.exit(usage ? 2 : 1);
  },
);
