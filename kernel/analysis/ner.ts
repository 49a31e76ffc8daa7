/**
 * NER runs (`ner run` folders) in `lukelab analyze`: which task a run is, and per split of a NER run
 * the per-type confusion over spans and the per-type precision, recall and F1, as numbers and
 * figures.
 *
 * Both come from the run's `<split>_predictions.txt` (`token gold predicted` per line, a blank line
 * after each sentence): the entities of the gold and predicted tags as seqeval reads them, then
 *
 *   confusion   rows gold type, columns predicted type, plus "none": a gold entity counts in
 *               (its type, the type predicted for exactly its span, or none); a predicted entity
 *               whose span is no gold entity's counts in (none, its type); (none, none) stays 0;
 *   per type    seqeval's classification_report rows (precision, recall, F1, support).
 *
 * A run without the file (trained with --no-eval) falls back to results.json's per_label figures.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readText } from "../io/read";
import { nerMetrics, NO_SPAN, spanConfusion, type NerMetrics } from "../tasks/ner/metrics";
import type { LabelFigures } from "../tasks/entity-typing/metrics";
import { axis, layout } from "./figures";
import type { PlotlyPayload } from "../portable/plotly-payload";
import type { EvalSplit } from "./predictions";
import type { RunRecord } from "./runs";
import { BLUES } from "./static-svg";

export interface NerPredictions {
  split: EvalSplit;
  file: string;
  words: string[][];
  gold: string[][];
  predicted: string[][];
}

const TAG = /^(O|[BIES]-.+)$/;

/** Reads a `<split>_predictions.txt` file; a malformed line throws with the file and line. */
export function readNerPredictions(file: string, split: EvalSplit): NerPredictions {
  const out: NerPredictions = { split, file, words: [], gold: [], predicted: [] };
  let sentence: [string[], string[], string[]] = [[], [], []];
  const close = () => {
    if (sentence[0].length === 0) return;
    out.words.push(sentence[0]);
    out.gold.push(sentence[1]);
    out.predicted.push(sentence[2]);
    sentence = [[], [], []];
  };
  readText(file)
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return close();
      const parts = line.split(" ");
      const [word, gold, predicted] = [parts.slice(0, -2).join(" "), parts[parts.length - 2], parts[parts.length - 1]];
      if (parts.length < 3 || word === "") throw new Error(`${file}:${i + 1}: expected "token gold predicted", found ${JSON.stringify(line)}`);
      for (const [what, tag] of [["gold", gold], ["predicted", predicted]] as const) {
        if (!TAG.test(tag)) throw new Error(`${file}:${i + 1}: the ${what} tag must be O or B-/I-TYPE, found ${JSON.stringify(tag)}`);
      }
      sentence[0].push(word);
      sentence[1].push(gold);
      sentence[2].push(predicted);
    });
  close();
  return out;
}

export interface NerSplitAnalysis {
  split: EvalSplit;
  /** Where the numbers come from: the predictions file, or results.json (per type only). */
  source: string;
  /** Rows gold type, columns predicted type, the last of each "none"; absent without a predictions file. */
  confusion?: { labels: string[]; matrix: number[][] };
  perType: Record<string, LabelFigures>;
  metrics?: NerMetrics;
}

/** A NER run's split: from its predictions file, else results.json's per_label; undefined when neither. */
export function nerSplit(run: RunRecord, split: EvalSplit): NerSplitAnalysis | undefined {
  const file = join(run.dir, `${split}_predictions.txt`);
  if (existsSync(file)) {
    const p = readNerPredictions(file, split);
    const metrics = nerMetrics(p.gold, p.predicted);
    return { split, source: file, confusion: spanConfusion(p.gold, p.predicted), perType: metrics.perType, metrics };
  }
  const perType = run.results.per_label?.[split];
  return perType ? { split, source: `${run.folder}/results.json`, perType } : undefined;
}

/** The span confusion as rows {gold, <predicted type>: count, …}. */
export function spanConfusionRows(confusion: { labels: string[]; matrix: number[][] }): Record<string, string | number>[] {
  return confusion.matrix.map((row, i) => ({ gold: confusion.labels[i], ...Object.fromEntries(confusion.labels.map((l, j) => [l, row[j]])) }));
}

/** Per-type rows {folder, split, type, precision, recall, f1, support, predicted, correct} of NER runs. */
export function perTypeRows(entries: readonly { run: RunRecord; analysis: NerSplitAnalysis }[]): Record<string, string | number>[] {
  return entries.flatMap(({ run, analysis }) =>
    Object.entries(analysis.perType).map(([type, f]) => ({
      folder: run.folder,
      split: analysis.split,
      type,
      precision: f.precision,
      recall: f.recall,
      f1: f.f1,
      support: f.support,
      predicted: f.predicted,
      correct: f.correct,
    })),
  );
}

/** The span confusion heatmap (gold rows, predicted columns, counts in the cells). */
export function spanConfusionFigure(confusion: { labels: string[]; matrix: number[][] }, split: EvalSplit, source: string): PlotlyPayload {
  const title = `${split}: entity spans, gold type × predicted type (${NO_SPAN} = no entity with that span), ${source}`;
  return {
    data: [
      {
        type: "heatmap",
        z: confusion.matrix,
        x: confusion.labels,
        y: confusion.labels,
        colorscale: BLUES.map(([at, colour]) => [at, colour]),
        texttemplate: "%{z}",
        hovertemplate: "gold %{y}, predicted %{x}: %{z} spans<extra></extra>",
        colorbar: { title: { text: "spans" } },
      },
    ],
    layout: layout(title, {
      xaxis: axis("predicted type", { side: "bottom", type: "category" }),
      yaxis: axis("gold type", { autorange: "reversed", type: "category" }),
    }),
    lukelab: { title },
  };
}

/** F1 per entity type, one bar group per type and one bar per run and split. */
export function perTypeFigure(rows: readonly Record<string, string | number>[], title = "F1 per entity type"): PlotlyPayload {
  const types = [...new Set(rows.map((r) => String(r.type)))].sort();
  const series = [...new Set(rows.map((r) => `${r.folder} (${r.split})`))];
  const data = series.map((name) => {
    const mine = rows.filter((r) => `${r.folder} (${r.split})` === name);
    const byType = new Map(mine.map((r) => [String(r.type), r]));
    return {
      type: "bar",
      name,
      x: types,
      y: types.map((t) => byType.get(t)?.f1 ?? null),
      customdata: types.map((t) => [byType.get(t)?.precision ?? null, byType.get(t)?.recall ?? null, byType.get(t)?.support ?? null]),
      hovertemplate: `${name}<br>%{x}: F1 %{y:.4f}<br>precision %{customdata[0]:.4f}, recall %{customdata[1]:.4f}<br>%{customdata[2]} gold entities<extra></extra>`,
    };
  });
  return {
    data,
    layout: layout(title, { barmode: "group", xaxis: axis("entity type", { type: "category" }), yaxis: axis("F1", { range: [0, 1] }) }),
    lukelab: { title },
  };
}
