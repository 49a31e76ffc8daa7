/**
 * Attention statistics as tables (arquero, one row per layer, head and bin) and Plotly figures
 * (layers on x, mean ± SE as error bars), and writing them to a folder: CSV tables, static SVG
 * images, standalone HTML pages and a summary.json, every file atomically.
 */
import { join } from "node:path";
import { aq, type ColumnTable } from "../arquero";
import { writeFigureHtml } from "../html";
import type { PlotlyPayload } from "../../portable/plotly-payload";
import { TRACE_COLOURS, figureSvg } from "../static-svg";
import { writeFileAtomic } from "../../io/atomic";
import { MASK_TARGET_CATEGORIES, formatPositionBins, type PositionBin } from "./bins";
import { computeAttentionStatistics, type AttentionStatsSource, type AttentionStatistics, type AttentionStatsOptions, type MeanAndSe, type TokenPairStatistics } from "./stats";

export interface AttentionReport extends AttentionStatistics {
  /** Name → table: position_bins, position_bins_by_head, mask_targets, mask_targets_by_head, and per pair token_pair_<k>_…, …_by_head, …_examples. */
  tables: Record<string, ColumnTable>;
  /** Name → figure: position_bins, position_bins_by_head, mask_targets, and one per pair. */
  figures: Record<string, PlotlyPayload>;
  /** Things worth knowing (pairs found in no example, bins no example reached). */
  notes: string[];
}

/**
 * The statistics with their tables and figures: the notebook entry point.
 *
 *   const report = await attentionStatistics(["run/attentions_dev.jsonl"], { pairs: [["doctor", "nurse"]] });
 *   showFigure(report.figures.position_bins);
 */
export async function attentionStatistics(source: AttentionStatsSource, options: AttentionStatsOptions = {}): Promise<AttentionReport> {
  return attentionReport(await computeAttentionStatistics(source, options));
}

/** The file-name part of a pair: its number and its tokens made safe ("token_pair_1_doctor_nurse"). */
export function tokenPairName(pair: Pick<TokenPairStatistics, "from" | "to">, k: number): string {
  const safe = (t: string) => t.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24) || "x";
  return `token_pair_${k + 1}_${safe(pair.from)}_${safe(pair.to)}`;
}

function binEnds(b: PositionBin): { distance_from: number; distance_to: number } {
  return b.kind === "inside" ? { distance_from: 0, distance_to: 0 } : { distance_from: b.from, distance_to: b.to };
}

const cell = (m: MeanAndSe) => ({ n: m.n, mean: m.mean, se: m.se });

export function attentionTables(stats: AttentionStatistics): Record<string, ColumnTable> {
  const from = (rows: Parameters<ReturnType<typeof aq>["from"]>[0]) => aq().from(rows);
  const tables: Record<string, ColumnTable> = {};
  const posLayer: Record<string, unknown>[] = [];
  const posHead: Record<string, unknown>[] = [];
  stats.position.byLayer.forEach((row, l) => row.forEach((m, b) => posLayer.push({ layer: l, bin: stats.bins[b].label, ...binEnds(stats.bins[b]), ...cell(m) })));
  stats.position.byHead.forEach((heads, l) => heads.forEach((row, h) => row.forEach((m, b) => posHead.push({ layer: l, head: h, bin: stats.bins[b].label, ...binEnds(stats.bins[b]), ...cell(m) }))));
  tables.position_bins = from(posLayer);
  tables.position_bins_by_head = from(posHead);
  const tarLayer: Record<string, unknown>[] = [];
  const tarHead: Record<string, unknown>[] = [];
  stats.targets.byLayer.forEach((row, l) => row.forEach((m, c) => tarLayer.push({ layer: l, target: MASK_TARGET_CATEGORIES[c].name, ...cell(m) })));
  stats.targets.byHead.forEach((heads, l) => heads.forEach((row, h) => row.forEach((m, c) => tarHead.push({ layer: l, head: h, target: MASK_TARGET_CATEGORIES[c].name, ...cell(m) }))));
  tables.mask_targets = from(tarLayer);
  tables.mask_targets_by_head = from(tarHead);
  stats.pairs.forEach((p, k) => {
    const name = tokenPairName(p, k);
    const base = { from: p.from, to: p.to };
    tables[name] = from(p.byLayer.map((m, l) => ({ ...base, layer: l, ...cell(m) })));
    tables[`${name}_by_head`] = from(p.byHead.flatMap((heads, l) => heads.map((m, h) => ({ ...base, layer: l, head: h, ...cell(m) }))));
    // One row per example with both tokens; the token positions space-separated.
    tables[`${name}_examples`] = aq().table({
      source: p.matches.map((m) => m.where),
      index: p.matches.map((m) => m.index),
      sentence: p.matches.map((m) => m.sentence),
      from_positions: p.matches.map((m) => m.from.join(" ")),
      to_positions: p.matches.map((m) => m.to.join(" ")),
    });
  });
  return tables;
}

function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, zeroline: false, automargin: true, ...extra };
}

function layerAxis(layers: number, title = "layer (0 = first)"): Record<string, unknown> {
  const ticks = Array.from({ length: layers }, (_, l) => l);
  return axis(title, layers <= 30 ? { tickvals: ticks, ticktext: ticks.map(String), range: [-0.5, layers - 0.5] } : { range: [-0.5, layers - 0.5] });
}

/** A line with SE error bars over the layers; n and SE in the hover text. */
function layerTrace(name: string, values: readonly MeanAndSe[], colour: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "scatter",
    mode: "lines+markers",
    name,
    x: values.map((_, l) => l),
    y: values.map((m) => m.mean),
    error_y: { type: "data", array: values.map((m) => m.se ?? 0), visible: true },
    customdata: values.map((m) => [m.n, m.se]),
    line: { color: colour },
    marker: { color: colour },
    hovertemplate: `${escapeHover(name)}<br>layer %{x}: %{y:.4f} ± %{customdata[1]:.4f} (SE)<br>%{customdata[0]} examples<extra></extra>`,
    ...extra,
  };
}

/** Plotly hover templates read %{…} and HTML: keep token text literal. */
function escapeHover(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/%\{/g, "%\u200b{");
}

const colour = (k: number) => TRACE_COLOURS[k % TRACE_COLOURS.length];

function examplesNote(stats: AttentionStatistics): string {
  return `${stats.examples} example${stats.examples === 1 ? "" : "s"}`;
}

/** The entity's attention per position bin over the layers, heads averaged: one line per bin. */
export function positionBinsFigure(stats: AttentionStatistics): PlotlyPayload {
  const title = `[MASK] entity → words by distance to the mention${stats.distanceUnit === "word" ? " in words" : ""} (${examplesNote(stats)}, mean ± SE)`;
  return {
    data: stats.bins.map((b, k) => layerTrace(b.kind === "inside" ? "mention words" : b.label, stats.position.byLayer.map((row) => row[k]), colour(k), b.kind === "inside" ? { line: { color: colour(k), width: 3 } } : {})),
    layout: {
      title: { text: title },
      hovermode: "closest",
      margin: { t: 60, l: 70, r: 30, b: 60 },
      xaxis: layerAxis(stats.layers),
      yaxis: axis("attention mass (sum over the bin's words)", { rangemode: "tozero" }),
      legend: { title: { text: "distance to mention" } },
    },
    lukelab: { title: "position bins" },
  };
}

/** The same per head: one small panel per head (a grid), one line per bin in each. */
export function positionBinsByHeadFigure(stats: AttentionStatistics): PlotlyPayload {
  const H = stats.heads;
  const cols = Math.ceil(Math.sqrt(H));
  const rows = Math.ceil(H / cols);
  const gap = 0.08;
  const vgap = 0.1;
  const w = (1 - gap * (cols - 1)) / cols;
  const hgt = (1 - vgap * (rows - 1)) / rows;
  const layout: Record<string, unknown> = {
    title: { text: `[MASK] entity → words by distance to the mention, per head (${examplesNote(stats)}, mean ± SE)` },
    hovermode: "closest",
    height: 140 + 240 * rows,
    // Wide enough for readable panels (the static image takes its size from here too).
    ...(cols > 2 ? { width: 180 + 320 * cols } : {}),
    margin: { t: 60, l: 70, r: 30, b: 60 },
    legend: { title: { text: "distance to mention" } },
  };
  const data: Record<string, unknown>[] = [];
  for (let h = 0; h < H; h++) {
    const [r, c] = [Math.floor(h / cols), h % cols];
    const suffix = h === 0 ? "" : String(h + 1);
    // Each panel's y axis names its head; only the bottom row's x axes say "layer".
    const bottom = h + cols >= H;
    layout[`xaxis${suffix}`] = { ...layerAxis(stats.layers, bottom ? "layer (0 = first)" : ""), domain: [c * (w + gap), c * (w + gap) + w], anchor: `y${suffix}` };
    layout[`yaxis${suffix}`] = { ...axis(`head ${h}`, { rangemode: "tozero" }), domain: [1 - (r * (hgt + vgap) + hgt), 1 - r * (hgt + vgap)], anchor: `x${suffix}` };
    stats.bins.forEach((b, k) => {
      const name = b.kind === "inside" ? "mention words" : b.label;
      data.push(
        layerTrace(name, stats.position.byHead.map((heads) => heads[h][k]), colour(k), {
          xaxis: `x${suffix}`,
          yaxis: `y${suffix}`,
          legendgroup: name,
          showlegend: h === 0,
          hovertemplate: `head ${h}, ${escapeHover(name)}<br>layer %{x}: %{y:.4f} ± %{customdata[1]:.4f} (SE)<br>%{customdata[0]} examples<extra></extra>`,
        }),
      );
    });
  }
  return { data, layout, lukelab: { title: "position bins per head" } };
}

/** The entity's attention to the markers, the mention's words, <s>, </s>, other words and entity tokens, per layer. */
export function maskTargetsFigure(stats: AttentionStatistics): PlotlyPayload {
  return {
    data: MASK_TARGET_CATEGORIES.map((c, k) => layerTrace(c.name, stats.targets.byLayer.map((row) => row[k]), colour(k))),
    layout: {
      title: { text: `[MASK] entity → markers, mention, <s>, </s> (${examplesNote(stats)}, mean ± SE)` },
      hovermode: "closest",
      margin: { t: 60, l: 70, r: 30, b: 60 },
      xaxis: layerAxis(stats.layers),
      yaxis: axis("attention mass", { rangemode: "tozero" }),
    },
    lukelab: { title: "[MASK] attention targets" },
  };
}

/** Token-to-token attention across layers: the heads' mean with SE bars, and each head's mean as a marker (the original's stars). */
export function tokenPairFigure(stats: AttentionStatistics, pair: TokenPairStatistics): PlotlyPayload {
  const n = pair.matches.length;
  const label = `${pair.from} → ${pair.to}`;
  const data: Record<string, unknown>[] = [layerTrace(`${label} (heads averaged)`, pair.byLayer, "#222222", { line: { color: "#222222", width: 3 }, marker: { color: "#222222" } })];
  for (let h = 0; h < stats.heads; h++) {
    const values = pair.byHead.map((heads) => heads[h]);
    data.push({
      type: "scatter",
      mode: "markers",
      name: `head ${h}`,
      x: values.map((_, l) => l),
      y: values.map((m) => m.mean),
      customdata: values.map((m) => [m.n, m.se]),
      marker: { color: colour(h + 1), symbol: "diamond", size: 6 },
      hovertemplate: `head ${h}<br>layer %{x}: %{y:.4f} ± %{customdata[1]:.4f} (SE)<br>%{customdata[0]} examples<extra></extra>`,
    });
  }
  const how = { mean: "repeats averaged", first: "first of repeats", last: "last of repeats" }[stats.duplicates];
  return {
    data,
    layout: {
      title: { text: `${label} across layers (${n} of ${n + pair.lacking} examples have both; ${how})` },
      hovermode: "closest",
      margin: { t: 60, l: 70, r: 30, b: 60 },
      xaxis: layerAxis(stats.layers),
      yaxis: axis(`attention of "${pair.from}" to "${pair.to}"`, { rangemode: "tozero" }),
    },
    lukelab: { title: `token pair ${label}` },
  };
}

export function attentionFigures(stats: AttentionStatistics): Record<string, PlotlyPayload> {
  const figures: Record<string, PlotlyPayload> = {
    position_bins: positionBinsFigure(stats),
    position_bins_by_head: positionBinsByHeadFigure(stats),
    mask_targets: maskTargetsFigure(stats),
  };
  stats.pairs.forEach((p, k) => (figures[tokenPairName(p, k)] = tokenPairFigure(stats, p)));
  return figures;
}

export function attentionNotes(stats: AttentionStatistics): string[] {
  const notes: string[] = [];
  stats.bins.forEach((b, k) => {
    if (stats.position.byLayer[0][k].n === 0) notes.push(`position bin ${b.label}: no example has a word there (no numbers for it)`);
  });
  for (const p of stats.pairs) {
    if (p.matches.length === 0) notes.push(`token pair ${p.from} → ${p.to}: no example has both tokens (matched ${stats.ignoreCase ? "ignoring case" : "case-sensitively"}, after removing the byte-level "Ġ")`);
  }
  return notes;
}

/** Tables, figures and notes from computed statistics. */
export function attentionReport(stats: AttentionStatistics): AttentionReport {
  return { ...stats, tables: attentionTables(stats), figures: attentionFigures(stats), notes: attentionNotes(stats) };
}

export interface WriteAttentionOptions {
  /** Standalone HTML pages (plotly.min.js beside them); default true. */
  html?: boolean;
}

export interface WrittenAttention {
  csv: string[];
  svg: string[];
  html: string[];
  summary: string;
}

/** What summary.json holds: the options, the inputs and the sizes, for reading the tables later. */
export function attentionSummary(report: AttentionReport): Record<string, unknown> {
  return {
    examples: report.examples,
    sources: report.sources,
    layers: report.layers,
    heads: report.heads,
    entity: report.entity,
    bins: formatPositionBins(report.bins),
    distance_unit: report.distanceUnit,
    duplicates: report.duplicates,
    ignore_case: report.ignoreCase,
    pairs: report.pairs.map((p, k) => ({ name: tokenPairName(p, k), from: p.from, to: p.to, examples_with_both: p.matches.length, examples_without: p.lacking })),
    notes: report.notes,
  };
}

/**
 * Writes tables/<name>.csv, figures/<name>.svg, figures/<name>.html (unless html is false) and
 * summary.json under `outDir`. Everything is made in memory first, then each file is written atomically.
 */
export function writeAttentionReport(report: AttentionReport, outDir: string, options: WriteAttentionOptions = {}): WrittenAttention {
  const csv = Object.entries(report.tables).map(([name, table]) => [join(outDir, "tables", `${name}.csv`), table.toCSV()] as const);
  const svg = Object.entries(report.figures).map(([name, figure]) => [join(outDir, "figures", `${name}.svg`), figureSvg(figure)] as const);
  const summary = join(outDir, "summary.json");
  const summaryText = JSON.stringify(attentionSummary(report), null, 2) + "\n";
  const out: WrittenAttention = { csv: [], svg: [], html: [], summary };
  for (const [file, text] of [...csv, ...svg]) writeFileAtomic(file, text);
  out.csv = csv.map(([f]) => f);
  out.svg = svg.map(([f]) => f);
  if (options.html !== false) {
    for (const [name, figure] of Object.entries(report.figures)) out.html.push(writeFigureHtml(join(outDir, "figures", `${name}.html`), figure));
  }
  writeFileAtomic(summary, summaryText);
  return out;
}
