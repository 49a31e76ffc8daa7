/**
 * `lukelab analyze errors --run DIR --output-dir OUT [--split dev|test] [--dataset-dir DIR] [--no-html]`:
 * the misclassified examples of a run (./index), written per split as JSON lines, CSV, an HTML
 * figure (click a cell for its examples) and a static SVG of it.
 */
import { join } from "node:path";
import { writeFigureHtml } from "../html";
import { splitPredictions, type EvalSplit } from "../predictions";
import { figureSvg } from "../static-svg";
import { writeFileAtomic } from "../../io/atomic";
import { parseCommandLine } from "../../io/command-line";
import { misclassifiedExamples, misclassifiedFigure, misclassifiedJsonl, misclassifiedTable, readRunFolder } from "./index";

export const USAGE = `lukelab analyze errors --run DIR --output-dir OUT [--split dev|test] [--dataset-dir DIR] [--no-html]
      The misclassified examples of one entity-typing run (predicted label set ≠ gold set), with
      gold, predicted, missed and spurious labels and the three most probable labels (sigmoid of
      results.json's logits). For each split (dev and test, those the run has, unless --split), writes to OUT:
        <split>_misclassified.jsonl   one example per line
        <split>_misclassified.csv     the same as a table
        <split>_misclassified.html    per class, the examples that missed it or predicted it wrongly;
                                      click a cell to list them (plotly.js beside the page)
        <split>_misclassified.svg     a static image of that figure
      The examples come from the run's data_dir (log_parameters), or --dataset-dir.
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class ErrorsUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_ANALYZE_ERRORS";
}

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, {
    strings: ["run", "output-dir", "split", "dataset-dir"],
    flags: ["no-html"],
    required: { run: "the output folder of an entity-typing run", "output-dir": "" },
    usage: USAGE,
    error: ErrorsUsageError,
  });
  if (!values) return 0;
  const out = values["output-dir"];
  if (values.split !== undefined && values.split !== "dev" && values.split !== "test") throw new ErrorsUsageError(`--split must be dev or test, got ${JSON.stringify(values.split)}`);
  const run = readRunFolder(values.run);
  // Without --split, the splits the run has predictions for (an error names what is missing when none).
  const available = (["dev", "test"] as EvalSplit[]).filter((s) => splitPredictions(run, s) !== undefined);
  const splits: EvalSplit[] = values.split ? [values.split as EvalSplit] : available.length ? available : ["test"];
  // Every split is analysed before anything is written, so a bad dataset leaves no partial output.
  const analyses = splits.map((split) => misclassifiedExamples(run, split, { datasetDir: values["dataset-dir"] }));
  const lines: string[] = [];
  for (const a of analyses) {
    const base = join(out, `${a.split}_misclassified`);
    writeFileAtomic(`${base}.jsonl`, misclassifiedJsonl(a));
    writeFileAtomic(`${base}.csv`, misclassifiedTable(a).toCSV());
    const figure = misclassifiedFigure(a);
    writeFileAtomic(`${base}.svg`, figureSvg(figure));
    if (!values["no-html"]) writeFigureHtml(`${base}.html`, figure);
    const share = a.total ? ` (${((100 * a.misclassified.length) / a.total).toFixed(1)}%)` : "";
    lines.push(`${a.split}: ${a.misclassified.length} of ${a.total} examples misclassified${share}; wrote ${base}.{jsonl,csv,svg${values["no-html"] ? "" : ",html"}}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
