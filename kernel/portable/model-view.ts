/**
 * The model view: a thumbnail per layer and head, each the [query][key] matrix max-pooled to the cell.
 * Layout, hit test and scene.
 */
import type { Attention } from "./attention-payload";
import type { SparseRows } from "./attention-sparse";
import { headColours, weightColour, type Theme } from "./colours";
import { filterMask, type LinkFilter } from "./links";
import type { Scene, Shape } from "./scene";

export interface GridLayout {
  cell: number;
  gap: number;
  left: number;
  top: number;
  width: number;
  height: number;
  layers: number;
  heads: number;
}

/**
 * The grid's layout. With `maxWidth` the thumbnails grow to fill it (up to 160 px, so a 2 × 4 model
 * is not drawn at 48 px in a wide output), and with `maxHeight` as well they stay short enough for
 * the layers to fit in it (never below 48 px on that account: taller grids scroll). `cell` fixes the
 * size (at most; the width still bounds it).
 */
export function gridLayout(layers: number, heads: number, options: { cell?: number; maxWidth?: number; maxHeight?: number } = {}): GridLayout {
  const left = 34, top = 18, gap = 4;
  const fitWidth = options.maxWidth ? Math.floor((options.maxWidth - left - 4) / heads) - gap : 48;
  const fitHeight = options.maxHeight ? Math.max(48, Math.floor((options.maxHeight - top - 4) / layers) - gap) : Infinity;
  const cell = Math.max(12, Math.min(options.cell ?? 160, fitWidth, fitHeight));
  return { cell, gap, left, top, layers, heads, width: left + heads * (cell + gap) + 4, height: top + layers * (cell + gap) + 4 };
}

export function hitCell(g: GridLayout, x: number, y: number): { layer: number; head: number } | null {
  const h = Math.floor((x - g.left) / (g.cell + g.gap));
  const l = Math.floor((y - g.top) / (g.cell + g.gap));
  if (h < 0 || h >= g.heads || l < 0 || l >= g.layers) return null;
  if (x - g.left - h * (g.cell + g.gap) > g.cell || y - g.top - l * (g.cell + g.gap) > g.cell) return null;
  return { layer: l, head: h };
}

/**
 * The thumbnail grid as one image: each cell is the [query][key] matrix of one head, max-pooled to the
 * cell size and tinted with the head's colour (square-root ramp, so weak patterns still show).
 */
export function modelGridScene(att: Attention, g: GridLayout, filter: LinkFilter, theme: Theme, selected: { layer: number; head: number } | null): Scene {
  const colours = headColours(att.heads);
  const gridW = g.heads * (g.cell + g.gap), gridH = g.layers * (g.cell + g.gap);
  const rgba = new Uint8ClampedArray(gridW * gridH * 4);
  const bg = theme.background;
  for (let i = 0; i < gridW * gridH; i++) {
    rgba[4 * i] = bg[0];
    rgba[4 * i + 1] = bg[1];
    rgba[4 * i + 2] = bg[2];
    rgba[4 * i + 3] = 255;
  }
  const n = att.tokens;
  const { allowed } = filterMask(att, filter);
  const everything = Object.values(filter.blocks).every(Boolean) && (filter.pair === "all" || att.segmentBoundary === null);
  const mask = everything ? null : new Uint8Array(n * n);
  if (mask) for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) mask[q * n + k] = allowed(q, k) ? 1 : 0;
  const c = g.cell;
  const pooled = new Float32Array(c * c);
  const edges = Array.from({ length: c + 1 }, (_, i) => Math.floor((i * n) / c));
  // With no more cells than tokens each token falls in one cell: a sparse payload's kept links are
  // pooled as they are (max over the kept links of each cell; the left-out weights, below the payload's
  // threshold, are zeros in the full matrix too, so the pixels are the same) without filling 512² matrices.
  const cellOf = new Uint16Array(n);
  for (let i = 0; i < c; i++) for (let t = edges[i]; t < edges[i + 1]; t++) cellOf[t] = i;
  for (let l = 0; l < g.layers; l++) {
    for (let h = 0; h < g.heads; h++) {
      pooled.fill(0);
      const sparse = c <= n ? att.sparseRows(l, h) : null;
      if (sparse) poolSparse(sparse, n, c, cellOf, mask, pooled);
      else poolDense(att.matrix(l, h), n, c, edges, mask, pooled);
      const colour = colours[h];
      const ox = h * (g.cell + g.gap), oy = l * (g.cell + g.gap);
      for (let py = 0; py < c; py++)
        for (let px = 0; px < c; px++) {
          const col = weightColour(bg, colour, pooled[py * c + px]);
          const o = ((oy + py) * gridW + ox + px) * 4;
          rgba[o] = col[0];
          rgba[o + 1] = col[1];
          rgba[o + 2] = col[2];
        }
    }
  }
  const shapes: Shape[] = [{ kind: "image", x: g.left, y: g.top, w: gridW, h: gridH, cols: gridW, rows: gridH, rgba }];
  for (let h = 0; h < g.heads; h++) {
    shapes.push({ kind: "text", x: g.left + h * (g.cell + g.gap) + g.cell / 2, y: g.top / 2, text: String(h), colour: theme.text, size: 10, align: "center" });
  }
  for (let l = 0; l < g.layers; l++) {
    shapes.push({ kind: "text", x: g.left - 6, y: g.top + l * (g.cell + g.gap) + g.cell / 2, text: `L${att.layers[l]}`, colour: theme.text, size: 10, align: "right" });
  }
  for (let l = 0; l < g.layers; l++)
    for (let h = 0; h < g.heads; h++) {
      shapes.push({ kind: "rect", x: g.left + h * (g.cell + g.gap) - 0.5, y: g.top + l * (g.cell + g.gap) - 0.5, w: g.cell + 1, h: g.cell + 1, stroke: theme.grid, lineWidth: 1 });
    }
  if (selected) {
    shapes.push({ kind: "rect", x: g.left + selected.head * (g.cell + g.gap) - 2, y: g.top + selected.layer * (g.cell + g.gap) - 2, w: g.cell + 4, h: g.cell + 4, stroke: theme.accent, lineWidth: 2 });
  }
  return { width: g.width, height: g.height, background: bg, shapes };
}

/** Max-pools one [query][key] matrix to c × c cells (`mask`: the pairs the filter allows, null: all). */
function poolDense(m: Float32Array, n: number, c: number, edges: number[], mask: Uint8Array | null, pooled: Float32Array): void {
  for (let py = 0; py < c; py++) {
    const qa = edges[py], qb = Math.max(edges[py + 1], qa + 1);
    for (let px = 0; px < c; px++) {
      const ka = edges[px], kb = Math.max(edges[px + 1], ka + 1);
      let best = 0;
      for (let q = qa; q < qb && q < n; q++) {
        const row = q * n;
        if (!mask) for (let k = ka; k < kb && k < n; k++) best = Math.max(best, m[row + k]);
        else for (let k = ka; k < kb && k < n; k++) if (mask[row + k] && m[row + k] > best) best = m[row + k];
      }
      pooled[py * c + px] = best;
    }
  }
}

/** The same from a sparse payload's kept links, when each token falls in one cell (`cellOf`). */
function poolSparse(rows: SparseRows, n: number, c: number, cellOf: Uint16Array, mask: Uint8Array | null, pooled: Float32Array): void {
  const { start, keys, values } = rows;
  for (let q = 0; q < n; q++) {
    const base = cellOf[q] * c;
    for (let i = start[q], end = start[q + 1]; i < end; i++) {
      const k = keys[i], w = values[i];
      if (mask && !mask[q * n + k]) continue;
      const o = base + cellOf[k];
      if (w > pooled[o]) pooled[o] = w;
    }
  }
}
