/**
 * Statistics of an Open Entity dataset folder (train/dev/test, either format, read by
 * readOpenEntityDir), the original's OpenEntity_balance_dataset.py and DatasetSamplesSize.py:
 *
 *   examples per split, and how many have no label;
 *   label frequencies per split (examples holding each label, and that as a fraction of the split);
 *   label-set sizes (how many examples have 0, 1, 2, … labels);
 *   sentence and mention lengths per example: in words (white-space separated), in code points
 *   (Python's len) and, with a tokenizer, in word pieces as LUKE encodes the example for entity
 *   typing (the sentence without <s>, </s> and the <ent> markers; the mention's pieces between
 *   its markers); summarised as mean, sample SD, min, median and max.
 *
 * As arquero tables (`datasetTables`, CSV through toCSV) and Plotly figures (`datasetFigures`, shown
 * with showFigure, a static SVG with figureSvg); `writeDatasetStatistics` puts both on disk.
 */
import { join } from "node:path";
import { aq, type ColumnTable } from "../arquero";
import { OPEN_ENTITY_LABELS, readOpenEntityDir, SPLITS, type OpenEntityDataset, type OpenEntityFormat, type Split, type TypingExample } from "../../data/open-entity";
import { writeFileAtomic } from "../../io/atomic";
import { writeFigureHtml } from "../html";
import type { PlotlyPayload } from "../../portable/plotly-payload";
import { BLUES, figureSvg, TRACE_COLOURS } from "../static-svg";
import { LukeTokenizer } from "../../tokenizer";

export const WORD_MEASURES = ["sentence_words", "sentence_code_points", "mention_words", "mention_code_points"] as const;
export const TOKEN_MEASURES = ["sentence_tokens", "mention_tokens"] as const;
export type LengthMeasure = (typeof WORD_MEASURES)[number] | (typeof TOKEN_MEASURES)[number];

export interface SplitStatistics {
  split: Split;
  file: string;
  format: OpenEntityFormat;
  examples: number;
  /** Examples holding each label, in label order. */
  labelCounts: Record<string, number>;
  /** labelSetSizes[k] = examples with exactly k labels (k = 0 … the most in any split). */
  labelSetSizes: number[];
  /** Per measure, one length per example, in file order. */
  lengths: Partial<Record<LengthMeasure, number[]>>;
}

export interface DatasetStatistics {
  /** The dataset folder, when read from one. */
  dir?: string;
  labels: string[];
  /** The measures computed (the token ones only with a tokenizer). */
  measures: LengthMeasure[];
  splits: Record<Split, SplitStatistics>;
}

export interface DatasetStatisticsOptions {
  /** A LUKE tokenizer (or its folder) for the lengths in word pieces. */
  tokenizer?: LukeTokenizer | string;
  /** The label set (default Open Entity's 9). */
  labels?: readonly string[];
}

const words = (text: string) => text.split(/\s+/u).filter(Boolean).length;

/** Word pieces of the sentence and of the mention, as entity typing encodes the example. */
export function tokenLengths(tokenizer: LukeTokenizer, example: Pick<TypingExample, "text" | "start" | "end">): { sentence: number; mention: number } {
  const enc = tokenizer.encode({ text: example.text, spans: [[example.start, example.end]] }, { task: "entity_classification", maxMentionLength: 100_000 });
  const skip = new Set([tokenizer.clsTokenId, tokenizer.sepTokenId, ...tokenizer.entityMarkerIds]);
  return {
    sentence: enc.inputIds.filter((id) => !skip.has(id)).length,
    mention: enc.entityPositionIds[0].filter((p) => p >= 0 && !skip.has(enc.inputIds[p])).length,
  };
}

/** The statistics of a dataset folder (or of an already read dataset). */
export function datasetStatistics(source: string | OpenEntityDataset, options: DatasetStatisticsOptions = {}): DatasetStatistics {
  const labels = [...(options.labels ?? OPEN_ENTITY_LABELS)];
  const data = typeof source === "string" ? readOpenEntityDir(source, { labels }) : source;
  const tokenizer = typeof options.tokenizer === "string" ? LukeTokenizer.fromFolder(options.tokenizer) : options.tokenizer;
  const measures: LengthMeasure[] = [...WORD_MEASURES, ...(tokenizer ? TOKEN_MEASURES : [])];
  const maxLabels = Math.max(0, ...SPLITS.flatMap((s) => data[s].map((e) => e.labels.length)));
  const splits = {} as Record<Split, SplitStatistics>;
  for (const split of SPLITS) {
    const examples = data[split];
    const labelCounts = Object.fromEntries(labels.map((l) => [l, 0]));
    const labelSetSizes = new Array<number>(maxLabels + 1).fill(0);
    const lengths: Partial<Record<LengthMeasure, number[]>> = Object.fromEntries(measures.map((m) => [m, []]));
    for (const e of examples) {
      for (const l of e.labels) labelCounts[l]++;
      labelSetSizes[e.labels.length]++;
      const mention = Array.from(e.text).slice(e.start, e.end).join("");
      lengths.sentence_words!.push(words(e.text));
      lengths.sentence_code_points!.push(Array.from(e.text).length);
      lengths.mention_words!.push(words(mention));
      lengths.mention_code_points!.push(e.end - e.start);
      if (tokenizer) {
        let t;
        try {
          t = tokenLengths(tokenizer, e);
        } catch (err) {
          throw new Error(`${data.files[split]}: example ${e.index}: cannot be tokenized (${(err as Error).message})`);
        }
        lengths.sentence_tokens!.push(t.sentence);
        lengths.mention_tokens!.push(t.mention);
      }
    }
    splits[split] = { split, file: data.files[split], format: data.format[split], examples: examples.length, labelCounts, labelSetSizes, lengths };
  }
  return { dir: typeof source === "string" ? source : undefined, labels, measures, splits };
}

/** Mean, sample SD (n − 1; null below two values), min, median (mean of the middle two) and max. */
export function lengthSummary(values: readonly number[]): { n: number; mean: number | null; sd: number | null; min: number | null; median: number | null; max: number | null } {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null, min: null, median: null, max: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : null;
  const sorted = [...values].sort((a, b) => a - b);
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { n, mean, sd, min: sorted[0], median, max: sorted[n - 1] };
}

const fraction = (count: number, total: number) => (total ? count / total : null);

/**
 * The tables: "examples" (split, examples, no_label, labels, mean_labels), "label_frequencies"
 * (label, <split> counts, <split>_fraction of the split's examples), "label_set_sizes" (labels =
 * 0, 1, …, <split> counts), "lengths" (split, measure, n, mean, sd, min, median, max) and
 * "example_lengths" (split, index, one column per measure).
 */
export function datasetTables(stats: DatasetStatistics): Record<string, ColumnTable> {
  const s = stats.splits;
  const examples = aq().from(
    SPLITS.map((split) => {
      const labelsTotal = Object.values(s[split].labelCounts).reduce((a, b) => a + b, 0);
      return { split, examples: s[split].examples, no_label: s[split].labelSetSizes[0] ?? 0, labels: labelsTotal, mean_labels: fraction(labelsTotal, s[split].examples) };
    }),
  );
  const frequencies = aq().from(
    stats.labels.map((label) => ({
      label,
      ...Object.fromEntries(SPLITS.map((split) => [split, s[split].labelCounts[label]])),
      ...Object.fromEntries(SPLITS.map((split) => [`${split}_fraction`, fraction(s[split].labelCounts[label], s[split].examples)])),
    })),
  );
  const sizes = aq().from(s.train.labelSetSizes.map((_, k) => ({ labels: k, ...Object.fromEntries(SPLITS.map((split) => [split, s[split].labelSetSizes[k]])) })));
  const lengths = aq().from(SPLITS.flatMap((split) => stats.measures.map((measure) => ({ split, measure, ...lengthSummary(s[split].lengths[measure]!) }))));
  const perExample = aq().from(
    SPLITS.flatMap((split) => Array.from({ length: s[split].examples }, (_, i) => ({ split, index: i, ...Object.fromEntries(stats.measures.map((m) => [m, s[split].lengths[m]![i]])) }))),
  );
  return { examples, label_frequencies: frequencies, label_set_sizes: sizes, lengths, example_lengths: perExample };
}

const MEASURE_TITLES: Record<LengthMeasure, string> = {
  sentence_words: "sentence length in words",
  sentence_code_points: "sentence length in characters (code points)",
  mention_words: "mention length in words",
  mention_code_points: "mention length in characters (code points)",
  sentence_tokens: "sentence length in word pieces",
  mention_tokens: "mention length in word pieces",
};

function layout(title: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { title: { text: title }, hovermode: "closest", margin: { t: 60, l: 90, r: 30, b: 60 }, ...extra };
}

const axis = (title: string, extra: Record<string, unknown> = {}) => ({ title: { text: title }, zeroline: false, automargin: true, ...extra });

/** Integer lengths into bins [k·w, (k+1)·w) with w chosen for at most ~50 bins; returns the edges and counts. */
export function lengthHistogram(values: readonly number[], maxValue: number): { edges: number[]; counts: number[] } {
  const width = Math.max(1, Math.ceil((maxValue + 1) / 50));
  const bins = Math.floor(maxValue / width) + 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.floor(v / width)]++;
  return { edges: Array.from({ length: bins + 1 }, (_, k) => k * width), counts };
}

/**
 * The figures: "examples_per_split" (bars), "label_frequencies" (heatmap label × split of the
 * fraction of examples holding the label), "label_set_sizes" (fraction of examples with k labels,
 * a line per split) and "length_<measure>" (the distribution of each length as a fraction of the
 * split's examples, a step line per split, so splits of different sizes compare).
 */
export function datasetFigures(stats: DatasetStatistics): Record<string, PlotlyPayload> {
  const s = stats.splits;
  const name = stats.dir ? ` (${stats.dir})` : "";
  const figures: Record<string, PlotlyPayload> = {};
  const counts = SPLITS.map((split) => s[split].examples);
  figures.examples_per_split = {
    data: [{ type: "bar", name: "examples", x: [...SPLITS], y: counts, marker: { color: TRACE_COLOURS[0] }, hovertemplate: "%{x}: %{y} examples<extra></extra>" }],
    layout: layout(`Examples per split${name}`, { xaxis: axis("split", { type: "category" }), yaxis: axis("examples", { rangemode: "tozero" }) }),
    lukelab: { title: "Examples per split" },
  };
  figures.label_frequencies = {
    data: [
      {
        type: "heatmap",
        z: stats.labels.map((l) => SPLITS.map((split) => Number((fraction(s[split].labelCounts[l], s[split].examples) ?? 0).toFixed(3)))),
        x: [...SPLITS],
        y: stats.labels,
        customdata: stats.labels.map((l) => SPLITS.map((split) => s[split].labelCounts[l])),
        colorscale: BLUES.map(([at, colour]) => [at, colour]),
        texttemplate: "%{z}",
        hovertemplate: "%{y} in %{x}: %{customdata} examples (%{z} of the split)<extra></extra>",
        colorbar: { title: { text: "fraction" } },
      },
    ],
    layout: layout(`Label frequencies: fraction of each split's examples with the label${name}`, {
      xaxis: axis("split", { type: "category" }),
      yaxis: axis("label", { type: "category", autorange: "reversed" }),
    }),
    lukelab: { title: "Label frequencies" },
  };
  const sizes = s.train.labelSetSizes.map((_, k) => k);
  figures.label_set_sizes = {
    data: SPLITS.map((split, i) => ({
      type: "scatter",
      mode: "lines+markers",
      name: split,
      x: sizes,
      y: sizes.map((k) => fraction(s[split].labelSetSizes[k], s[split].examples)),
      customdata: s[split].labelSetSizes,
      line: { color: TRACE_COLOURS[i] },
      hovertemplate: `${split}: %{customdata} examples with %{x} labels (%{y:.3f})<extra></extra>`,
    })),
    layout: layout(`Labels per example${name}`, { xaxis: axis("labels per example", { tickvals: sizes }), yaxis: axis("fraction of the split's examples", { rangemode: "tozero" }) }),
    lukelab: { title: "Labels per example" },
  };
  for (const measure of stats.measures) {
    const max = Math.max(0, ...SPLITS.flatMap((split) => s[split].lengths[measure]!));
    const data = SPLITS.map((split, i) => {
      const h = lengthHistogram(s[split].lengths[measure]!, max);
      const y = h.counts.map((c) => fraction(c, s[split].examples) ?? 0);
      return {
        type: "scatter",
        mode: "lines",
        name: split,
        x: h.edges,
        y: [...y, y[y.length - 1]],
        line: { shape: "hv", color: TRACE_COLOURS[i] },
        hovertemplate: `${split}: %{y:.3f} of the examples from length %{x}<extra></extra>`,
      };
    });
    const title = MEASURE_TITLES[measure];
    figures[`length_${measure}`] = {
      data,
      layout: layout(`${title[0].toUpperCase()}${title.slice(1)}${name}`, { xaxis: axis(title), yaxis: axis("fraction of the split's examples", { rangemode: "tozero" }) }),
      lukelab: { title },
    };
  }
  return figures;
}

export interface WrittenDatasetStatistics {
  csv: string[];
  svg: string[];
  html: string[];
}

/** Writes OUT/tables/<name>.csv, OUT/figures/<name>.svg and (unless html is false) <name>.html, each atomically. */
export function writeDatasetStatistics(stats: DatasetStatistics, outDir: string, options: { html?: boolean } = {}): WrittenDatasetStatistics {
  const written: WrittenDatasetStatistics = { csv: [], svg: [], html: [] };
  for (const [name, table] of Object.entries(datasetTables(stats))) {
    const file = join(outDir, "tables", `${name}.csv`);
    writeFileAtomic(file, table.toCSV());
    written.csv.push(file);
  }
  for (const [name, figure] of Object.entries(datasetFigures(stats))) {
    const svg = join(outDir, "figures", `${name}.svg`);
    writeFileAtomic(svg, figureSvg(figure));
    written.svg.push(svg);
    if (options.html !== false) written.html.push(writeFigureHtml(join(outDir, "figures", `${name}.html`), figure));
  }
  return written;
}
