/**
 * The whole analysis of a folder of runs, as `lukelab analyze` writes it and a notebook can hold it:
 * the run table and its summaries, confusion matrices and calibration as numbers (arquero tables),
 * and the figures (Plotly JSON). `writeAnalysis` puts them on disk: CSV tables, standalone HTML
 * figures, PNG images and TensorBoard event files.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aq, type ColumnTable } from "./arquero";
import { writeFileAtomic } from "../io/atomic";
import { calibrationFromLogits, type CalibrationCurve } from "./calibration";
import { binaryConfusionRows, confusionMatrices, squareConfusionRows } from "./confusion";
import { calibrationFigure, confusionFigure, devProgressFigure, devTestFigure, lossFigure, parameterFigure, type ConfusionKind, type NamedCurve } from "./figures";
import { writeFigureHtml } from "./html";
import type { PlotlyPayload } from "../portable/plotly-payload";
import { renderPngs } from "./png";
import { splitExamples, splitPredictions, type EvalSplit, type SplitPredictions } from "./predictions";
import { nerSplit, perTypeFigure, perTypeRows, spanConfusionFigure, spanConfusionRows, type NerSplitAnalysis } from "./ner";
import { loadRuns, varyingParameters, type RunCollection, type RunRecord, type SkippedRun } from "./runs";
import { bestRuns, summariseBy } from "./summaries";
import { runFolderName, writeRunEvents } from "./tensorboard-export";

export const SPLITS: readonly EvalSplit[] = ["dev", "test"];
const CONFUSION_KINDS: readonly ConfusionKind[] = ["single-label-only", "multi-label-all", "multi-label-only"];

export interface AnalysisOptions {
  /** The dataset of the runs (for the examples behind confusion-matrix cells); default: each run's data_dir. */
  datasetDir?: string;
}

export interface RunAnalysis {
  collection: RunCollection;
  /** The entity-typing run the confusion matrices are drawn for: the best by dev F1. */
  best?: RunRecord;
  /** The NER run the span confusion is drawn for: the best NER run by dev F1. */
  bestNer?: RunRecord;
  /**
   * Name → table ("runs", "best_runs", "summary_<parameter>", "confusion/<run>/<split>_<kind>", "calibration_<split>";
   * of NER runs "ner_summary_<parameter>", "span_confusion/<run>/<split>", "ner_per_type").
   */
  tables: Record<string, ColumnTable>;
  /** Name → figure. */
  figures: Record<string, PlotlyPayload>;
  /** What could not be done, and why (e.g. a dataset that was not found). */
  notes: string[];
  skipped: SkippedRun[];
}

/** A confusion figure of one run and split, with the dataset's examples behind the cells when found. */
export function runConfusionFigure(run: RunRecord, split: EvalSplit, options: AnalysisOptions & { kind?: ConfusionKind; notes?: string[] } = {}): PlotlyPayload | undefined {
  const predictions = options.notes ? readPredictions(run, split, options.notes) : splitPredictions(run, split);
  if (!predictions) return undefined;
  let examples;
  try {
    examples = splitExamples(run, predictions, options.datasetDir).examples;
  } catch (err) {
    options.notes?.push(`confusion matrices of ${run.folder} (${split}) have no example texts: ${(err as Error).message}`);
  }
  return confusionFigure(predictions, { kind: options.kind, examples, source: run.folder });
}

/** splitPredictions, with a broken predictions file turned into a note (the run is left out of that part). */
function readPredictions(run: RunRecord, split: EvalSplit, notes: string[]): SplitPredictions | undefined {
  try {
    return splitPredictions(run, split);
  } catch (err) {
    notes.push(`${run.folder}: no ${split} confusion matrices: ${(err as Error).message}`);
    return undefined;
  }
}

/** The pooled calibration curve of each run's split (runs without logits are left out). */
export function splitCalibration(runs: readonly RunRecord[], split: EvalSplit): { run: RunRecord; pooled: CalibrationCurve; perLabel: Record<string, CalibrationCurve> }[] {
  return runs.flatMap((run) => {
    const e = run.results.evaluation_predict_label;
    const block = e?.[split];
    return e && block && block.predict_logits.length > 0 ? [{ run, ...calibrationFromLogits(block, e.label_list) }] : [];
  });
}

function calibrationTable(entries: ReturnType<typeof splitCalibration>): ColumnTable {
  const rows: Record<string, unknown>[] = [];
  for (const { run, pooled, perLabel } of entries) {
    for (const [label, curve] of [["all", pooled] as const, ...Object.entries(perLabel)]) {
      curve.histogram.forEach((count, b) => {
        const k = curve.bins.indexOf(b);
        rows.push({
          folder: run.folder,
          label,
          bin: b,
          lower: curve.edges[b],
          upper: curve.edges[b + 1],
          count,
          prob_true: k >= 0 ? curve.probTrue[k] : null,
          prob_pred: k >= 0 ? curve.probPred[k] : null,
          ece: curve.ece,
        });
      });
    }
  }
  return aq().from(rows);
}

/** Analyses every run under `dir` (or an already loaded collection). */
export function analyseRuns(source: string | RunCollection, options: AnalysisOptions = {}): RunAnalysis {
  const collection = typeof source === "string" ? loadRuns(source) : source;
  const { runs, table } = collection;
  const notes: string[] = [];
  const tables: Record<string, ColumnTable> = { runs: table, best_runs: bestRuns(table, "dev_f1") };
  const figures: Record<string, PlotlyPayload> = {};
  if (runs.length === 0) return { collection, tables, figures, notes: ["no runs to analyse"], skipped: collection.skipped };

  // Summaries over the runs of one task (entity typing's under their old names, NER's with "ner_").
  const typing = runs.filter((r) => r.task === "entity-typing");
  const ner = runs.filter((r) => r.task === "ner");
  for (const [prefix, subset] of [["", typing], ["ner_", ner]] as const) {
    if (subset.length === 0) continue;
    const sub = subset.length === runs.length ? collection : { runs: subset, parameters: collection.parameters };
    const subTable = subset.length === runs.length ? table : table.filter(aq().escape((d: Record<string, unknown>) => subset.some((r) => r.folder === d.folder)));
    for (const p of varyingParameters(sub)) {
      tables[`${prefix}summary_${p}`] = summariseBy(subTable, p);
      figures[`${prefix}summary_${p}`] = parameterFigure(tables[`${prefix}summary_${p}`], p);
    }
  }
  figures.dev_test_scatter = devTestFigure(table);
  figures.dev_f1_progress = devProgressFigure(runs);
  if (runs.some((r) => r.results.training_loss?.length)) figures.training_loss = lossFigure(runs);

  for (const split of SPLITS) {
    const entries = splitCalibration(runs, split);
    if (entries.length === 0) continue;
    tables[`calibration_${split}`] = calibrationTable(entries);
    const curves: NamedCurve[] = entries.map(({ run, pooled }) => ({ name: run.folder, curve: pooled }));
    figures[`calibration_${split}`] = calibrationFigure(curves, `Calibration on ${split}, all labels pooled`);
  }

  for (const run of typing) {
    for (const split of SPLITS) {
      const predictions = readPredictions(run, split, notes);
      if (!predictions) continue;
      const cm = confusionMatrices(predictions.gold, predictions.predicted, predictions.labels);
      const base = `confusion/${runFolderName(run)}/${split}`;
      tables[`${base}_multi_label_all`] = aq().from(binaryConfusionRows(cm.classes, cm.multiLabelAll));
      tables[`${base}_single_label_only`] = aq().from(squareConfusionRows(cm.classes, cm.singleLabelOnly));
      tables[`${base}_multi_label_only`] = aq().from(binaryConfusionRows(cm.classes, cm.multiLabelOnly));
    }
  }

  const bestOf = (subset: RunRecord[]) => subset.filter((r) => typeof r.results.dev_f1 === "number").sort((a, b) => b.results.dev_f1! - a.results.dev_f1!)[0] ?? subset[0];
  const best = bestOf(typing);
  if (best) {
    for (const split of SPLITS) {
      for (const kind of CONFUSION_KINDS) {
        const figure = runConfusionFigure(best, split, { ...options, kind, notes: kind === CONFUSION_KINDS[0] ? notes : [] });
        if (figure) figures[`confusion_${split}_${kind.replace(/-/g, "_")}`] = figure;
      }
      const [entry] = splitCalibration([best], split);
      if (entry) {
        const curves = Object.entries(entry.perLabel).map(([label, curve]) => ({ name: label, curve }));
        figures[`calibration_${split}_per_label`] = calibrationFigure(curves, `Calibration per label on ${split}, ${best.folder}`);
      }
    }
  }

  const bestNer = bestOf(ner);
  if (bestNer) addNerAnalysis(ner, bestNer, tables, figures, notes);
  return { collection, best, bestNer, tables, figures, notes, skipped: collection.skipped };
}

/** NER runs: span confusion tables per run and split, per-type figures of every run, the best run's figures. */
function addNerAnalysis(ner: readonly RunRecord[], best: RunRecord, tables: Record<string, ColumnTable>, figures: Record<string, PlotlyPayload>, notes: string[]): void {
  const entries: { run: RunRecord; analysis: NerSplitAnalysis }[] = [];
  for (const run of ner) {
    for (const split of SPLITS) {
      let analysis: NerSplitAnalysis | undefined;
      try {
        analysis = nerSplit(run, split);
      } catch (err) {
        notes.push(`${run.folder}: no ${split} span confusion: ${(err as Error).message}`);
      }
      if (!analysis) continue;
      entries.push({ run, analysis });
      if (analysis.confusion) {
        tables[`span_confusion/${runFolderName(run)}/${split}`] = aq().from(spanConfusionRows(analysis.confusion));
        if (run === best) figures[`span_confusion_${split}`] = spanConfusionFigure(analysis.confusion, split, run.folder);
      }
    }
  }
  const rows = perTypeRows(entries);
  if (rows.length === 0) return;
  tables.ner_per_type = aq().from(rows);
  figures.ner_per_type_f1 = perTypeFigure(rows.filter((r) => r.split === "test"), "Test F1 per entity type, NER runs");
}

export interface WriteOptions {
  html?: boolean;
  png?: boolean;
  csv?: boolean;
  tensorboard?: boolean;
}

export interface WrittenAnalysis {
  csv: string[];
  html: string[];
  png: string[];
  tensorboard: string[];
  /** Outputs that were asked for but could not be made, with the reason. */
  notes: string[];
}

/**
 * Writes the analysis under `outDir`: tables/<name>.csv, figures/<name>.html (plotly.min.js beside
 * them), figures/<name>.png, tensorboard/<run>/events.out.tfevents.*. Every file atomically.
 */
export async function writeAnalysis(analysis: RunAnalysis, outDir: string, options: WriteOptions = {}): Promise<WrittenAnalysis> {
  const out: WrittenAnalysis = { csv: [], html: [], png: [], tensorboard: [], notes: [] };
  if (options.csv !== false) {
    for (const [name, table] of Object.entries(analysis.tables)) {
      const file = join(outDir, "tables", `${name}.csv`);
      writeFileAtomic(file, table.toCSV());
      out.csv.push(file);
    }
  }
  // PNG images are screenshots of the HTML pages; with html off the pages go to a temporary folder.
  const scratch = options.html === false && options.png !== false ? mkdtempSync(join(tmpdir(), "lukelab-figures-")) : undefined;
  try {
    const pages: { html: string; png: string }[] = [];
    if (options.html !== false || scratch) {
      const dir = join(outDir, "figures");
      for (const [name, figure] of Object.entries(analysis.figures)) {
        const html = writeFigureHtml(join(scratch ?? dir, `${name}.html`), figure);
        if (!scratch) out.html.push(html);
        pages.push({ html, png: join(dir, `${name}.png`) });
      }
    }
    if (options.png !== false && pages.length > 0) {
      const result = await renderPngs(pages);
      out.png.push(...result.written);
      if ("unavailable" in result) out.notes.push(result.unavailable);
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  if (options.tensorboard !== false) out.tensorboard.push(...writeRunEvents(join(outDir, "tensorboard"), analysis.collection.runs));
  return out;
}
