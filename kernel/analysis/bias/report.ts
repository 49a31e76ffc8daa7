/**
 * A bias probe end to end: run the model over every filled template, compare the groups, and make
 * the tables and figures; then write them (every file atomically, after everything is computed, so
 * a failure leaves no partial output).
 *
 *   <out>/<probe>-examples.csv     one row per filled template: scores and attention in every layer
 *   <out>/<probe>-comparisons.csv  one row per measure × scope × pair of groups
 *   <out>/<probe>.json             the probe, the examples and the comparisons
 *   <out>/figures/<name>.html/.svg one figure per comparison, one per-layer figure per attention measure and pair
 */
import { join } from "node:path";
import type { Luke } from "../../inference/luke";
import { writeFileAtomic } from "../../io/atomic";
import { aq, type ColumnTable } from "../arquero";
import { writeFigureHtml } from "../html";
import type { PlotlyPayload } from "../../portable/plotly-payload";
import { figureSvg } from "../static-svg";
import { compareGroups, probeMeasures, type CompareOptions, type Comparison } from "./compare";
import { comparisonFigure, layerFigure } from "./figures";
import { biasProbe, type BiasProbe, type BiasProbeDefinition } from "./probe";
import { runProbe, type ProbeRun, type RunProbeOptions } from "./run";

export interface BiasReport {
  run: ProbeRun;
  comparisons: Comparison[];
  /** Figures by file name (without extension). */
  figures: Record<string, PlotlyPayload>;
}

/** A name safe in file names. */
const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");

/** Runs a probe (checked, or a definition to check) and compares its groups. */
export async function analyseBiasProbe(luke: Luke, probe: BiasProbe | BiasProbeDefinition, options: CompareOptions & RunProbeOptions = {}): Promise<BiasReport> {
  const checked = "locate" in probe ? probe : biasProbe(probe);
  const run = await runProbe(luke, checked, options);
  const comparisons = compareGroups(run, options);
  const measures = new Map(probeMeasures(run).map((m) => [m.key, m]));
  const figures: Record<string, PlotlyPayload> = {};
  for (const c of comparisons) {
    figures[slug(`${c.measure.replace(/:/g, "_")}_${c.template}_${c.groupA}-vs-${c.groupB}`)] = comparisonFigure(run, c, measures.get(c.measure)!);
  }
  for (const from of checked.from) {
    for (const target of checked.targets) {
      for (const pair of checked.compare) figures[slug(`layers_attention_${from}_${target}_${pair[0]}-vs-${pair[1]}`)] = layerFigure(run, from, target, pair);
    }
    for (const contrast of checked.contrasts) {
      for (const pair of checked.compare) figures[slug(`layers_attention_${from}_${contrast[0]}-${contrast[1]}_${pair[0]}-vs-${pair[1]}`)] = layerFigure(run, from, contrast, pair);
    }
  }
  return { run, comparisons, figures };
}

/** One row per filled template: where the mention and targets are, scores, attention per layer. */
export function examplesTable(run: ProbeRun): ColumnTable {
  const rows = run.examples.map((e) => {
    const row: Record<string, unknown> = {
      template: e.template,
      group: e.group,
      filler: e.filler,
      text: e.text,
      mention_start: e.mention[0],
      mention_end: e.mention[1],
      mention_tokens: e.mentionTokens.join(" "),
    };
    for (const t of run.probe.targets) row[`${t}_tokens`] = e.targetTokens[t].join(" ");
    for (const l of run.labels) row[`score_${l}`] = e.scores[l];
    for (const from of run.probe.from) {
      for (const t of run.probe.targets) e.attention[from]![t].forEach((v, layer) => (row[`attention_${from}_${t}_layer${layer}`] = v));
    }
    return row;
  });
  return aq().from(rows);
}

/** One row per comparison. */
export function comparisonsTable(comparisons: readonly Comparison[]): ColumnTable {
  return aq().from(
    comparisons.map((c) => ({
      measure: c.measure,
      description: c.title,
      template: c.template,
      group_a: c.groupA,
      group_b: c.groupB,
      n_a: c.nA,
      n_b: c.nB,
      mean_a: c.meanA,
      mean_b: c.meanB,
      sd_a: c.sdA,
      sd_b: c.sdB,
      difference: c.difference,
      t: c.t,
      df: c.df,
      p_welch: c.pWelch,
      p_permutation: c.pPermutation,
      permutations: c.permutations,
      exact: c.exact,
    })),
  );
}

export interface WrittenBiasReport {
  examples: string;
  comparisons: string;
  json: string;
  html: string[];
  svg: string[];
}

/** Writes the report under outDir (see the module comment). */
export function writeBiasReport(report: BiasReport, outDir: string): WrittenBiasReport {
  const name = report.run.probe.name;
  const examplesCsv = examplesTable(report.run).toCSV();
  const comparisonsCsv = comparisonsTable(report.comparisons).toCSV();
  const { locate: _locate, ...probe } = report.run.probe;
  void _locate;
  const json = JSON.stringify({ probe, labels: report.run.labels, layers: report.run.layers, layer: report.run.layer, examples: report.run.examples, comparisons: report.comparisons }, null, 1);
  const svgs = Object.entries(report.figures).map(([file, figure]) => [file, figureSvg(figure)] as const);
  const written: WrittenBiasReport = {
    examples: join(outDir, `${name}-examples.csv`),
    comparisons: join(outDir, `${name}-comparisons.csv`),
    json: join(outDir, `${name}.json`),
    html: [],
    svg: [],
  };
  writeFileAtomic(written.examples, examplesCsv);
  writeFileAtomic(written.comparisons, comparisonsCsv);
  writeFileAtomic(written.json, json + "\n");
  for (const [file, svg] of svgs) {
    const path = join(outDir, "figures", `${file}.svg`);
    writeFileAtomic(path, svg);
    written.svg.push(path);
    written.html.push(writeFigureHtml(join(outDir, "figures", `${file}.html`), report.figures[file]));
  }
  return written;
}
