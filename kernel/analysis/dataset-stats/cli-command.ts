/**
 * `lukelab analyze dataset --data-dir DIR --output-dir OUT [--tokenizer DIR] [--labels a,b,…] [--no-html]`:
 * the statistics of a dataset folder (./index) as CSV tables and figures (SVG, HTML).
 */
import { join, relative } from "node:path";
import { parseCommandLine } from "../../io/command-line";
import { datasetStatistics, writeDatasetStatistics } from "./index";

export const USAGE = `lukelab analyze dataset --data-dir DIR --output-dir OUT [--tokenizer DIR] [--labels a,b,…] [--no-html]
      Statistics of a dataset folder (train.json, dev.json, test.json; ERNIE or UW crowd format):
      examples per split, label frequencies per split, how many examples have 0, 1, 2, … labels,
      and sentence and mention lengths in words and in characters (code points) and, with
      --tokenizer (a LUKE tokenizer folder, e.g. samples/tiny-luke), in word pieces. Writes
        OUT/tables/{examples,label_frequencies,label_set_sizes,lengths,example_lengths}.csv
        OUT/figures/<name>.svg and .html (plotly.js beside them): examples_per_split,
          label_frequencies, label_set_sizes, length_<measure>
      --labels replaces Open Entity's 9 labels (for another dataset).
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class DatasetUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_ANALYZE_DATASET";
}

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, {
    strings: ["data-dir", "output-dir", "tokenizer", "labels"],
    flags: ["no-html"],
    required: { "data-dir": "the folder with train.json, dev.json and test.json", "output-dir": "" },
    usage: USAGE,
    error: DatasetUsageError,
  });
  if (!values) return 0;
  const dataDir = values["data-dir"];
  const out = values["output-dir"];
  const labels = values.labels?.split(",").map((l) => l.trim());
  if (labels && labels.some((l) => l === "")) throw new DatasetUsageError(`--labels must be label names separated by commas, got ${JSON.stringify(values.labels)}`);
  const stats = datasetStatistics(dataDir, { tokenizer: values.tokenizer, labels });
  const written = writeDatasetStatistics(stats, out, { html: !values["no-html"] });
  const s = stats.splits;
  process.stdout.write(
    [
      `${dataDir}: train ${s.train.examples}, dev ${s.dev.examples}, test ${s.test.examples} examples; ${stats.labels.length} labels`,
      `CSV tables: ${written.csv.map((f) => relative(out, f)).join(", ")}`,
      `figures: ${written.svg.length} SVG${written.html.length ? ` and ${written.html.length} HTML` : ""} in ${join(out, "figures")}`,
    ].join("\n") + "\n",
  );
  return 0;
}
