/**
 * Runs as points: a 2-D Plotly `scatter` or a 3-D `scatter3d`, one point per run named by its folder
 * (hover text), coloured by a swept parameter, the axes named after the method ("PC1 (43.2 %)",
 * "t-SNE 1"; the original labelled its PCA axes "T-SNE", seed-features §4.7).
 *
 * Show them with showFigure (or figureBundle / writeFigureHtml) like every other figure; the static
 * SVG of a 3-D figure is its 2-D pair plot (pair-plot.ts).
 */
import type { PlotlyPayload } from "../../portable/plotly-payload";
import type { ParameterValue, RunRecord } from "../runs";
import { TRACE_COLOURS } from "../static-svg";

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
