/**
 * `lukelab analyze --data-dir RUNS --output-dir OUT [--no-html] [--no-png] [--no-csv]
 * [--no-tensorboard] [--dataset-dir DIR]`: the original's meta-analysis and confusion matrices over
 * every run under RUNS; the work is analyseRuns and writeAnalysis.
 */
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { analyseRuns, writeAnalysis } from "./report";
import { updateRunsIndex } from "../tasks/entity-typing/runs-index-write";

/** RUNS/runs-index.json brought up to date for the runs dashboard; it only speeds the dashboard up, so a failure is a note. */
function runsIndexLine(dataDir: string): string {
  try {
    const update = updateRunsIndex(dataDir);
    return `runs index for the JupyterLab dashboard: ${update.file} (${update.runs} run${update.runs === 1 ? "" : "s"})`;
  } catch (err) {
    return `note: no runs index written (${(err as Error).message})`;
  }
}

export const ANALYZE_USAGE = `lukelab analyze --data-dir RUNS --output-dir OUT [--no-html] [--no-png] [--no-csv]
                [--no-tensorboard] [--dataset-dir DIR]
      Reads every results.json under RUNS (the run folders of entity-typing run and ner run; the runs
      table says which task each run is) and writes to OUT:
      tables/*.csv (runs, best runs, per-parameter mean and SD over seeds, confusion matrices,
      calibration bins; of NER runs the span confusion per run and split and F1 per type),
      figures/*.html (Plotly, offline) and *.png (headless Chromium), and tensorboard/<run>/ event
      files. Broken results.json files are named and skipped. The examples
      behind confusion-matrix cells come from each run's data_dir, or --dataset-dir.
      RUNS/runs-index.json is brought up to date for the runs dashboard (see analyze index).

The original system's other analysis tools are subcommands (each has --help):
  lukelab analyze attention --records FILE.jsonl --output-dir OUT   [MASK] attention by position bin,
                                                                    to markers/mention/<s>, token pairs
  lukelab analyze bias --model DIR --probe FILE.yaml --output-dir OUT   bias probes: Welch and
                                                                    permutation tests between groups
  lukelab analyze embed --data-dir RUNS --output-dir OUT            runs embedded by their confusion
                                                                    matrices (PCA, t-SNE)
  lukelab analyze errors --run DIR --output-dir OUT                 misclassified examples, top-3 labels
  lukelab analyze dataset --data-dir DIR --output-dir OUT           dataset statistics per split
  lukelab analyze index --data-dir RUNS                             RUNS/runs-index.json for the
                                                                    JupyterLab runs dashboard
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class AnalyzeUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_ANALYZE";
}

/**
 * The analysis subcommands (`lukelab analyze attention …`), each in its own folder and loaded when
 * asked for; `lukelab analyze` with options and no subcommand is the meta-analysis over runs.
 */
export const ANALYZE_SUBCOMMANDS = {
  attention: () => import("./attention-stats/cli-command"),
  bias: () => import("./bias/cli-command"),
  embed: () => import("./embedding/cli-command"),
  errors: () => import("./errors/cli-command"),
  dataset: () => import("./dataset-stats/cli-command"),
  index: () => import("./runs-index-command"),
} as const;

/** Runs the command; returns the process exit code. */
export async function analyzeCommand(argv: readonly string[]): Promise<number> {
  const sub = argv[0] as keyof typeof ANALYZE_SUBCOMMANDS | undefined;
  if (sub !== undefined && Object.hasOwn(ANALYZE_SUBCOMMANDS, sub)) return (await ANALYZE_SUBCOMMANDS[sub]()).command(argv.slice(1));
  const { values } = parseArgs({
    args: [...argv],
    options: {
      "data-dir": { type: "string" },
      "output-dir": { type: "string" },
      "dataset-dir": { type: "string" },
      "no-html": { type: "boolean", default: false },
      "no-png": { type: "boolean", default: false },
      "no-csv": { type: "boolean", default: false },
      "no-tensorboard": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(ANALYZE_USAGE);
    return 0;
  }
  const dataDir = values["data-dir"];
  const outputDir = values["output-dir"];
  if (!dataDir) throw new AnalyzeUsageError("--data-dir is required (the folder holding the run folders)");
  if (!outputDir) throw new AnalyzeUsageError("--output-dir is required");

  const analysis = analyseRuns(dataDir, { datasetDir: values["dataset-dir"] });
  const lines: string[] = [];
  for (const s of analysis.skipped) lines.push(`skipped ${s.file}: ${s.reason.split("\n").join("\n    ")}`);
  const { runs } = analysis.collection;
  if (runs.length === 0) {
    process.stdout.write([...lines, `no runs found under ${dataDir} (a run folder holds a valid results.json); nothing written`].join("\n") + "\n");
    return 1;
  }
  const written = await writeAnalysis(analysis, outputDir, {
    html: !values["no-html"],
    png: !values["no-png"],
    csv: !values["no-csv"],
    tensorboard: !values["no-tensorboard"],
  });
  const show = (files: string[]) => (files.length <= 3 ? files.map((f) => relative(outputDir, f)).join(", ") : `${files.length} files`);
  lines.push(`analysed ${runs.length} run${runs.length === 1 ? "" : "s"} under ${dataDir}${analysis.skipped.length ? ` (${analysis.skipped.length} skipped)` : ""}`);
  const tasks = new Set(runs.map((r) => r.task));
  if (tasks.size > 1) lines.push(`tasks: ${["entity-typing", "ner"].map((t) => `${runs.filter((r) => r.task === t).length} ${t}`).join(", ")} runs (the runs table's task column; summaries per task)`);
  if (analysis.best) lines.push(`best ${tasks.size > 1 ? "entity-typing " : ""}run by dev F1: ${analysis.best.folder} (confusion matrices drawn for it)`);
  if (analysis.bestNer) lines.push(`best NER run by dev F1: ${analysis.bestNer.folder} (span confusion drawn for it; F1 per type of every NER run)`);
  const parts: [string, string[], boolean][] = [
    ["CSV tables", written.csv, !values["no-csv"]],
    ["HTML figures", written.html, !values["no-html"]],
    ["PNG images", written.png, !values["no-png"]],
    ["TensorBoard event files", written.tensorboard, !values["no-tensorboard"]],
  ];
  for (const [what, files, on] of parts) lines.push(on ? `${what}: ${files.length} in ${outputDir}${files.length ? ` (${show(files)})` : ""}` : `${what}: off`);
  lines.push(runsIndexLine(dataDir));
  for (const note of [...analysis.notes, ...written.notes]) lines.push(`note: ${note}`);
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
