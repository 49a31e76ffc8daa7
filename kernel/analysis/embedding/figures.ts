/**
 * Runs as points: a 2-D Plotly `scatter` or a 3-D `scatter3d`, one point per run named by its folder
 * (hover text), coloured by a swept parameter, the axes named after the method ("PC1 (43.2 %)",
 * "t-SNE 1"; the original labelled its PCA axes "T-SNE", seed-features §4.7).
 *
 * A 3-D figure's static image (static-svg.ts draws 2-D axes only) is its pair plot: three 2-D panels,
 * axes 1×2, 1×3 and 2×3, as the original drew beside its 3-D plot. embeddingSvg and embeddingBundle
 * pick it for 3-D figures.
 */
import { sendBundle } from "../../display/attention";
import type { PlotlyPayload } from "../plotly-payload";
import { PLOTLY_MIME } from "../plotly-payload";
import type { ParameterValue, RunRecord } from "../runs";
import { figureBundle, type FigureBundle } from "../show";
import { TRACE_COLOURS, figureSvg, type SvgOptions } from "../static-svg";

/** Above this many distinct values, colour is a continuous scale instead of one trace per value. */
const MAX_GROUPS = 20;

export interface EmbeddingFigureInput {
  /** One row per run, 2 or 3 numbers each. */
  coordinates: readonly (readonly number[])[];
  runs: readonly RunRecord[];
  /** One per dimension, e.g. "PC1 (43.2 %)". */
  axisTitles: readonly string[];
  title: string;
  /** A log_parameters entry to colour by (undefined: one colour). */
  colorBy?: string;
}

const label = (v: ParameterValue | undefined) => (v === undefined || v === null ? "(none)" : String(v));

function compareValues(a: ParameterValue | undefined, b: ParameterValue | undefined): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0;
}

/** The scatter (2 axes) or scatter3d (3 axes) figure of the runs. */
export function embeddingFigure(input: EmbeddingFigureInput): PlotlyPayload {
  const { coordinates, runs, axisTitles, colorBy } = input;
  const dims = axisTitles.length;
  if (dims !== 2 && dims !== 3) throw new Error(`embedding figure: 2 or 3 axes, found ${dims}`);
  if (coordinates.length !== runs.length) throw new Error(`embedding figure: ${coordinates.length} points for ${runs.length} runs`);
  coordinates.forEach((c, i) => {
    if (c.length !== dims) throw new Error(`embedding figure: point ${i} (${runs[i].folder}) has ${c.length} coordinates, the axes are ${dims}`);
  });
  const type = dims === 3 ? "scatter3d" : "scatter";
  const letters = ["x", "y", "z"].slice(0, dims);
  const axisLines = letters.map((l, k) => `${axisTitles[k]}: %{${l}:.4g}`).join("<br>");
  const values = runs.map((r) => (colorBy === undefined ? undefined : r.parameters[colorBy]));
  const trace = (indices: number[], extra: Record<string, unknown>) => {
    const t: Record<string, unknown> = { type, mode: "markers" };
    letters.forEach((l, k) => (t[l] = indices.map((i) => coordinates[i][k])));
    t.text = indices.map((i) => runs[i].folder);
    t.customdata = indices.map((i) => label(values[i]));
    t.hovertemplate = `%{text}${colorBy === undefined ? "" : `<br>${colorBy} = %{customdata}`}<br>${axisLines}<extra></extra>`;
    return { ...t, ...extra };
  };
  const size = dims === 3 ? 5 : 9;
  const all = runs.map((_, i) => i);
  const distinct = [...new Map(values.map((v) => [label(v), v])).values()].sort(compareValues);
  let data: Record<string, unknown>[];
  if (colorBy === undefined) data = [trace(all, { name: "runs", marker: { size, color: TRACE_COLOURS[0] } })];
  else if (distinct.length <= MAX_GROUPS) {
    data = distinct.map((v, g) =>
      trace(
        all.filter((i) => label(values[i]) === label(v)),
        { name: `${colorBy} = ${label(v)}`, marker: { size, color: TRACE_COLOURS[g % TRACE_COLOURS.length] } },
      ),
    );
  } else {
    const nums = values.map((v) => (typeof v === "number" ? v : null));
    const log = nums.every((v) => v !== null && v > 0) && Math.max(...(nums as number[])) / Math.min(...(nums as number[])) >= 100;
    data = [
      trace(all, {
        name: colorBy,
        marker: {
          size,
          color: nums.map((v) => (v === null ? null : log ? Math.log10(v) : v)),
          colorscale: "Viridis",
          showscale: true,
          colorbar: { title: { text: log ? `log10 ${colorBy}` : colorBy } },
        },
      }),
    ];
  }
  const axis = (title: string) => ({ title: { text: title }, zeroline: false });
  const layout: Record<string, unknown> = {
    title: { text: input.title },
    hovermode: "closest",
    margin: { t: 60, l: 70, r: 30, b: 60 },
    legend: colorBy === undefined ? undefined : { title: { text: colorBy } },
    showlegend: data.length > 1,
  };
  if (dims === 3) {
    layout.scene = { xaxis: axis(axisTitles[0]), yaxis: axis(axisTitles[1]), zaxis: axis(axisTitles[2]) };
    layout.height = 640;
    layout.margin = { t: 60, l: 0, r: 0, b: 0 };
  } else {
    layout.xaxis = { ...axis(axisTitles[0]), automargin: true };
    layout.yaxis = { ...axis(axisTitles[1]), automargin: true };
  }
  return { data, layout, lukelab: { title: input.title } };
}

/** Whether a figure holds 3-D traces. */
export function is3d(figure: PlotlyPayload): boolean {
  return figure.data.some((t) => t.type === "scatter3d");
}

/**
 * The 2-D pair plot of a 3-D figure: three side-by-side panels (axes 1×2, 1×3, 2×3), each trace
 * drawn in all three with its colour and name (in the legend once).
 */
export function pairPlotFigure(figure: PlotlyPayload): PlotlyPayload {
  const scene = ((figure.layout ?? {}) as { scene?: Record<string, { title?: { text?: string } }> }).scene ?? {};
  const titles = ["xaxis", "yaxis", "zaxis"].map((a, k) => scene[a]?.title?.text ?? `axis ${k + 1}`);
  const pairs: [number, number][] = [
    [0, 1],
    [0, 2],
    [1, 2],
  ];
  const letters = ["x", "y", "z"];
  const data: Record<string, unknown>[] = [];
  pairs.forEach(([a, b], panel) => {
    const suffix = panel === 0 ? "" : String(panel + 1);
    for (const t of figure.data) {
      if (t.type !== "scatter3d") continue;
      const marker = { ...((t.marker as Record<string, unknown>) ?? {}), size: 7 };
      data.push({
        type: "scatter",
        mode: "markers",
        name: t.name,
        x: t[letters[a]],
        y: t[letters[b]],
        text: t.text,
        marker,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        showlegend: panel === 0,
        hovertemplate: `%{text}<br>${titles[a]}: %{x:.4g}<br>${titles[b]}: %{y:.4g}<extra></extra>`,
      });
    }
  });
  const title = ((figure.layout as { title?: { text?: string } } | undefined)?.title?.text ?? "") + " (pair plot of the 3-D axes)";
  const layout: Record<string, unknown> = { title: { text: title }, width: 1080, height: 420, hovermode: "closest", showlegend: data.length > 3 };
  const domains = [
    [0, 0.26],
    [0.37, 0.63],
    [0.74, 1],
  ];
  pairs.forEach(([a, b], panel) => {
    const suffix = panel === 0 ? "" : String(panel + 1);
    layout[`xaxis${suffix}`] = { title: { text: titles[a] }, domain: domains[panel], anchor: `y${suffix}`, zeroline: false };
    layout[`yaxis${suffix}`] = { title: { text: titles[b] }, domain: [0, 1], anchor: `x${suffix}`, zeroline: false };
  });
  return { data, layout, lukelab: { title } };
}

/** A static SVG of an embedding figure (the pair plot for a 3-D one). */
export function embeddingSvg(figure: PlotlyPayload, options: SvgOptions = {}): string {
  return figureSvg(is3d(figure) ? pairPlotFigure(figure) : figure, options);
}

/** The display bundle of an embedding figure: the Plotly JSON, embeddingSvg's image and a line of text. */
export function embeddingBundle(figure: PlotlyPayload, options: SvgOptions = {}): FigureBundle {
  const bundle = figureBundle(figure, { ...options, svg: false });
  bundle.data["image/svg+xml"] = embeddingSvg(figure, options);
  return bundle;
}

/** Shows an embedding figure in a tslab cell (live Plotly where the front end draws it, else its image). */
export function showEmbedding(figure: PlotlyPayload, options: SvgOptions = {}): void {
  sendBundle(embeddingBundle(figure, options), PLOTLY_MIME, "showEmbedding needs the tslab kernel; use embeddingBundle() to get the MIME bundle, or writeEmbedding() for files");
}
