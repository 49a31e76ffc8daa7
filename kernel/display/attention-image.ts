/**
 * The static image of an attention payload, stored beside it as image/png so that a front end without
 * the lukelab extension (a shared notebook, GitHub, nbviewer) still shows it: the head view of one
 * layer and the model view, painted by kernel/portable/raster.ts.
 */
import { deflateSync } from "node:zlib";
import { decodeOrThrow, type Attention, type AttentionPayload } from "../portable/attention-payload";
import { LIGHT_THEME } from "../portable/colours";
import { headViewLayout, headViewScene } from "../portable/head-view";
import { ALL_LINKS } from "../portable/links";
import { gridLayout, modelGridScene } from "../portable/model-view";
import { measureBitmap, rasterise } from "../portable/raster";
import { legendShapes, translateShapes, type Scene, type Shape } from "../portable/scene";
import { tokenLabels } from "../portable/tokens";
import { encodePng } from "./png";

export interface ImageOptions {
  /** Which included layer the head view shows (position in the payload's layers; default the last). */
  layer?: number;
}

/** The scene of the static image: title, head legend, the head view of one layer, the model grid. */
export function staticScene(att: Attention, options: ImageOptions = {}): Scene {
  const theme = LIGHT_THEME;
  const layer = Math.min(att.layers.length - 1, Math.max(0, options.layer ?? att.layers.length - 1));
  const allHeads = Array.from({ length: att.heads }, () => true);
  const shapes: Shape[] = [];
  const title = `${att.title ? att.title + " - " : ""}attention: ${plural(att.layers.length, "layer")} × ${plural(att.heads, "head")}, ${plural(att.numWords, "word")}` + (att.entities.length ? `, ${plural(att.entities.length, "entity", "entities")}` : "");
  shapes.push({ kind: "text", x: 8, y: 12, text: title, colour: theme.text, size: 13, align: "left", bold: true });
  let y = 30;
  let width = 8 + measureBitmap(title) + 8;
  let height = y;
  let x = 8;
  const labels = tokenLabels(att, 20);
  if (att.tokens <= 160) {
    const layout = headViewLayout(labels, att.heads, (t) => measureBitmap(t), { rowHeight: att.tokens <= 64 ? 16 : 13, linkWidth: 200 });
    shapes.push({ kind: "text", x, y: y + 6, text: `Head view, layer ${att.layers[layer]}, all heads:`, colour: theme.text, size: 13, align: "left" });
    const legend = legendShapes(att.heads, allHeads, theme, x, y + 18, Math.max(layout.width, 240));
    shapes.push(...legend.shapes);
    const top = y + 24 + legend.height;
    const scene = headViewScene(att, { layer, activeHeads: allHeads, filter: ALL_LINKS, focus: null }, layout, labels, theme, { budget: 20_000 });
    shapes.push(...translateShapes(scene.shapes, x, top));
    x += Math.max(layout.width, 240) + 24;
    height = Math.max(height, top + layout.height);
  } else {
    shapes.push({ kind: "text", x, y: y + 6, text: `${att.tokens} tokens: the head view is left to the interactive extension.`, colour: theme.text, size: 13, align: "left" });
    y += 20;
  }
  const grid = gridLayout(att.layers.length, att.heads, { cell: Math.max(12, Math.min(40, Math.floor(720 / Math.max(att.heads, att.layers.length)))) });
  const gridTitle = "Model view (rows: layers, columns: heads):";
  shapes.push({ kind: "text", x, y: y + 6, text: gridTitle, colour: theme.text, size: 13, align: "left" });
  width = Math.max(width, x + measureBitmap(gridTitle) + 8);
  const gridScene = modelGridScene(att, grid, ALL_LINKS, theme, null);
  shapes.push(...translateShapes(gridScene.shapes, x, y + 18));
  width = Math.max(width, x + grid.width + 8);
  height = Math.max(height, y + 18 + grid.height);
  const foot = "Static image. Install the lukelab JupyterLab extension for the interactive views.";
  shapes.push({ kind: "text", x: 8, y: height + 12, text: foot, colour: theme.muted, size: 13, align: "left" });
  width = Math.max(width, 16 + measureBitmap(foot));
  return { width, height: height + 24, background: theme.background, shapes };
}

/** PNG bytes of the static image of a payload. */
export function attentionImage(payload: AttentionPayload | Attention, options: ImageOptions = {}): { png: Uint8Array; width: number; height: number } {
  const att = "matrix" in payload ? payload : decodeOrThrow(payload);
  const pixels = rasterise(staticScene(att, options));
  return { png: encodePng(pixels, (raw) => deflateSync(raw, { level: 6 })), width: pixels.width, height: pixels.height };
}

export function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}
