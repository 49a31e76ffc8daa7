/**
 * The token-to-token view: how much one token attends to another in every layer and head, as a dot
 * plot over layers (with the mean) and a layer × head heatmap. Series, layout, hit test and scene.
 */
import type { Attention } from "./attention-payload";
import { headColours, readableOn, weightColour, type Theme } from "./colours";
import { tickLabels } from "./maths";
import type { Scene, Shape } from "./scene";

export interface PairSeries {
  /** [layer][head] attention from token 1 (query) to token 2 (key). */
  values: number[][];
  /** Per layer, the mean over heads. */
  mean: number[];
  max: number;
}

export function pairSeries(att: Attention, from: number, to: number): PairSeries {
  const values = att.layers.map((_, l) => Array.from({ length: att.heads }, (_, h) => att.weight(l, h, from, to)));
  const mean = values.map((row) => row.reduce((a, b) => a + b, 0) / row.length);
  const max = Math.max(0, ...values.flat());
  return { values, mean, max };
}

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above x (at least 0.01). */
export function niceCeil(x: number): number {
  const v = Math.max(x, 0.01);
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v - 1e-12) return m * p;
  return 10 * p;
}

export interface PairLayout {
  width: number;
  height: number;
  plot: { x: number; y: number; w: number; h: number };
  heat: { x: number; y: number; cell: number };
}

/** The chart's title: on a line of its own above both charts. */
export function pairTitle(labels: readonly string[], from: number, to: number): string {
  return `Attention from ${labels[from]} → ${labels[to]}, per head and layer`;
}
const TITLE_SIZE = 12;

/**
 * `titleWidth`: the title's width at 12 px (the layout widens to hold it; measure it with pairTitle).
 * `maxWidth`: the space there is; when the dot plot and the heatmap do not fit side by side, the
 * heatmap goes below the plot.
 */
export function pairLayout(layers: number, heads: number, titleWidth = 0, maxWidth = Infinity): PairLayout {
  const plot = { x: 56, y: 44, w: Math.max(320, Math.min(640, layers * 26)), h: 220 };
  const cell = Math.max(8, Math.min(22, Math.floor(320 / Math.max(layers, heads))));
  const heatWidth = Math.max(heads * cell, 200) + 20;
  const belowPlot = plot.y + plot.h + 56;
  const side = plot.x + plot.w + 70 + heatWidth <= maxWidth;
  const heat = side ? { x: plot.x + plot.w + 70, y: plot.y + 14, cell } : { x: plot.x, y: belowPlot + 30, cell };
  const width = Math.max(side ? heat.x + heatWidth : plot.x + plot.w + 20, heat.x + heatWidth, Math.ceil(8 + titleWidth + 8));
  return { width, height: Math.max(belowPlot, heat.y + layers * cell + 50), plot, heat };
}

export function pairScene(att: Attention, from: number, to: number, labels: readonly string[], theme: Theme, layout = pairLayout(att.layers.length, att.heads)): Scene {
  const s = pairSeries(att, from, to);
  const colours = headColours(att.heads);
  const shapes: Shape[] = [];
  const { plot, heat } = layout;
  const yMax = niceCeil(s.max);
  const L = att.layers.length;
  const xOf = (l: number) => plot.x + (L === 1 ? plot.w / 2 : (l / (L - 1)) * plot.w);
  const yOf = (w: number) => plot.y + plot.h - (w / yMax) * plot.h;
  shapes.push({ kind: "text", x: 8, y: 14, text: pairTitle(labels, from, to), colour: theme.text, size: TITLE_SIZE, align: "left", bold: true });
  const ticks = tickLabels(yMax / 4, 4);
  for (let t = 0; t <= 4; t++) {
    const y = yOf((yMax * t) / 4);
    shapes.push({ kind: "lines", colour: theme.grid, alpha: 1, width: 1, xy: Float32Array.of(plot.x, y, plot.x + plot.w, y) });
    shapes.push({ kind: "text", x: plot.x - 6, y, text: ticks[t], colour: theme.muted, size: 10, align: "right" });
  }
  const stride = Math.ceil(L / 12);
  for (let l = 0; l < L; l += stride) shapes.push({ kind: "text", x: xOf(l), y: plot.y + plot.h + 12, text: String(att.layers[l]), colour: theme.muted, size: 10, align: "center" });
  shapes.push({ kind: "text", x: plot.x + plot.w / 2, y: plot.y + plot.h + 27, text: "layer", colour: theme.muted, size: 10, align: "center" });
  for (let h = 0; h < att.heads; h++) {
    const xy = new Float32Array(2 * L);
    for (let l = 0; l < L; l++) {
      xy[2 * l] = xOf(l);
      xy[2 * l + 1] = yOf(s.values[l][h]);
    }
    shapes.push({ kind: "dots", colour: colours[h], alpha: 0.85, r: 3, xy });
  }
  const meanXy = new Float32Array(2 * L);
  for (let l = 0; l < L; l++) {
    meanXy[2 * l] = xOf(l);
    meanXy[2 * l + 1] = yOf(s.mean[l]);
  }
  shapes.push({ kind: "polyline", colour: theme.text, alpha: 1, width: 2, xy: meanXy });
  shapes.push({ kind: "text", x: plot.x, y: plot.y + plot.h + 43, text: "dots: heads (colours as above); line: mean over heads", colour: theme.muted, size: 10, align: "left" });

  // Layer × head heatmap of the same pair.
  const rgba = new Uint8ClampedArray(att.heads * L * 4);
  for (let l = 0; l < L; l++)
    for (let h = 0; h < att.heads; h++) {
      const c = weightColour(theme.background, theme.accent, s.max > 0 ? s.values[l][h] / s.max : 0);
      rgba.set([c[0], c[1], c[2], 255], (l * att.heads + h) * 4);
    }
  shapes.push({ kind: "text", x: heat.x, y: heat.y - 20, text: `layer × head (max ${s.max.toFixed(3)})`, colour: theme.text, size: 11, align: "left", bold: true });
  shapes.push({ kind: "image", x: heat.x, y: heat.y, w: att.heads * heat.cell, h: L * heat.cell, cols: att.heads, rows: L, rgba });
  shapes.push({ kind: "rect", x: heat.x - 0.5, y: heat.y - 0.5, w: att.heads * heat.cell + 1, h: L * heat.cell + 1, stroke: theme.grid, lineWidth: 1 });
  const lstride = Math.ceil(L / 16);
  for (let l = 0; l < L; l += lstride) shapes.push({ kind: "text", x: heat.x - 4, y: heat.y + (l + 0.5) * heat.cell, text: String(att.layers[l]), colour: theme.muted, size: 9, align: "right" });
  const hstride = Math.ceil(att.heads / 16);
  for (let h = 0; h < att.heads; h += hstride) shapes.push({ kind: "text", x: heat.x + (h + 0.5) * heat.cell, y: heat.y + L * heat.cell + 9, text: String(h), colour: readableOn(colours[h], [theme.background]), size: 9, align: "center" });
  shapes.push({ kind: "text", x: heat.x + (att.heads * heat.cell) / 2, y: heat.y + L * heat.cell + 24, text: "head", colour: theme.muted, size: 10, align: "center" });
  return { width: layout.width, height: layout.height, background: theme.background, shapes };
}

/** The heatmap cell (layer, head) of the token-to-token view under a point. */
export function hitPairCell(layout: PairLayout, layers: number, heads: number, x: number, y: number): { layer: number; head: number } | null {
  const h = Math.floor((x - layout.heat.x) / layout.heat.cell);
  const l = Math.floor((y - layout.heat.y) / layout.heat.cell);
  return h >= 0 && h < heads && l >= 0 && l < layers ? { layer: l, head: h } : null;
}
