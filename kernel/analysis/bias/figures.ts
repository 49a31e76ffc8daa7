/**
 * Figures of a bias probe as Plotly JSON, drawn with the trace types static-svg.ts draws (scatter
 * markers, lines and error bars), so each also has a static SVG:
 *   - comparisonFigure: one comparison, every example as a point per group (spread sideways so they
 *     do not hide each other; hover names the filler and template) and each group's mean ± standard
 *     error;
 *   - layerFigure: attention from the mention or the [MASK] entity to a target in every layer, the
 *     mean ± standard error of each group of a pair.
 */
import type { PlotlyPayload } from "../../portable/plotly-payload";
import { TRACE_COLOURS } from "../static-svg";
import type { Comparison, Measure } from "./compare";
import { groupExamples } from "./compare";
import type { AttentionFrom } from "./probe";
import type { ProbeRun } from "./run";
import { mean, sampleVariance } from "./stats";

const standardError = (values: number[]) => Math.sqrt(sampleVariance(values) / values.length);

/** A p-value in a few characters. */
export function formatP(p: number): string {
  if (Number.isNaN(p)) return "n/a";
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

function scopeText(template: string): string {
  return template === "all" ? "all templates" : `template ${template}`;
}

/** The layout both figures share: the title, x axis as given, y axis titled, no zero lines. */
function payload(data: PlotlyPayload["data"], title: string, xaxis: Record<string, unknown>, yTitle: string): PlotlyPayload {
  return {
    data,
    layout: {
      title: { text: title },
      hovermode: "closest",
      margin: { t: 60, l: 70, r: 30, b: 60 },
      xaxis: { ...xaxis, zeroline: false },
      yaxis: { title: { text: yTitle }, zeroline: false, automargin: true },
    },
    lukelab: { title },
  };
}

/** One comparison: points per group and mean ± SE. */
export function comparisonFigure(run: ProbeRun, comparison: Comparison, measure: Measure): PlotlyPayload {
  const groups = [comparison.groupA, comparison.groupB];
  const data: Array<Record<string, unknown>> = [];
  groups.forEach((group, gi) => {
    const examples = groupExamples(run, group, comparison.template);
    const values = examples.map(measure.value);
    const colour = TRACE_COLOURS[gi % TRACE_COLOURS.length];
    const n = examples.length;
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${group} (n=${n})`,
      x: examples.map((_, k) => gi - 0.3 + (0.6 * (k + 0.5)) / n),
      y: values,
      text: examples.map((e) => `${e.filler} (${e.template})`),
      hovertemplate: "%{text}: %{y:.4f}<extra></extra>",
      marker: { color: colour, size: 6, opacity: 0.7 },
    });
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${group} mean ± SE`,
      x: [gi + 0.4],
      y: [mean(values)],
      error_y: { type: "data", array: [standardError(values)], visible: true, color: colour },
      marker: { color: colour, size: 11, symbol: "diamond" },
      hovertemplate: `${group} mean %{y:.4f}<extra></extra>`,
    });
  });
  const title = `${measure.title} (${scopeText(comparison.template)}): Welch p = ${formatP(comparison.pWelch)}, permutation p = ${formatP(comparison.pPermutation)}`;
  return payload(data, title, { title: { text: `group (difference of means ${comparison.difference.toPrecision(3)})` }, range: [-0.6, 1.7], tickvals: [0, 1], ticktext: groups }, measure.title);
}

/**
 * Attention from a source to a target (or a contrast [a, b]: attention to a minus to b) in every
 * layer: mean ± SE per group of the pair, over every template.
 */
export function layerFigure(run: ProbeRun, from: AttentionFrom, target: string | readonly [string, string], pair: readonly [string, string]): PlotlyPayload {
  const layers = Array.from({ length: run.layers }, (_, l) => l);
  const source = from === "entity" ? "[MASK] entity" : "mention";
  const value = (e: ProbeRun["examples"][number], l: number) =>
    typeof target === "string" ? e.attention[from]![target][l] : e.attention[from]![target[0]][l] - e.attention[from]![target[1]][l];
  const what = typeof target === "string" ? `"${target}"` : `"${target[0]}" minus "${target[1]}"`;
  const data = pair.map((group, gi) => {
    const examples = groupExamples(run, group);
    const perLayer = layers.map((l) => examples.map((e) => value(e, l)));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: `${group} (n=${examples.length})`,
      x: layers,
      y: perLayer.map(mean),
      error_y: { type: "data", array: perLayer.map(standardError), visible: true },
      line: { color: TRACE_COLOURS[gi % TRACE_COLOURS.length] },
      hovertemplate: `${group}, layer %{x}: %{y:.4f}<extra></extra>`,
    };
  });
  const title = `Attention ${source} → ${what} by layer (mean ± SE, heads averaged)`;
  return payload(data, title, { title: { text: "layer (0-based)" }, tickvals: layers }, `attention to ${what}`);
}
