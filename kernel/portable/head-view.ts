/**
 * The head view (BertViz's): queries on the left, keys on the right, one coloured line per head and
 * link. Layout, hit test and scene.
 */
import type { Attention } from "./attention-payload";
import { ENTITY_FILL_ALPHA, headColours, type Theme } from "./colours";
import { filterMask, finish, selectLinksSteps, type LinkFilter, type SelectOptions } from "./links";
import { groupThousands } from "./maths";
import type { Measure, Scene, Shape } from "./scene";
import { wordTexts } from "./tokens";

export interface HeadViewLayout {
  width: number;
  height: number;
  top: number;
  rowHeight: number;
  fontSize: number;
  /** Text of the left (query) column ends here; the right (key) column's text starts at rightText. */
  leftText: number;
  rightText: number;
  /** Links run from x0 to x1. */
  x0: number;
  x1: number;
  /** Per-head boxes beside the columns when a token is in focus. */
  boxWidth: number;
  leftBoxes: number;
  rightBoxes: number;
  tokens: number;
}

export function headViewLayout(labels: readonly string[], heads: number, measure: Measure, options: { rowHeight?: number; linkWidth?: number; top?: number } = {}): HeadViewLayout {
  const n = labels.length;
  const rowHeight = options.rowHeight ?? (n <= 64 ? 20 : n <= 160 ? 14 : n <= 320 ? 12 : 11);
  const fontSize = Math.max(9, Math.min(13, rowHeight - 5));
  let textWidth = 24;
  for (const l of labels) textWidth = Math.max(textWidth, measure(l, fontSize));
  textWidth = Math.min(textWidth, 240) + 8;
  const boxWidth = Math.max(2, Math.min(6, Math.floor(96 / heads)));
  const strip = boxWidth * heads + 6;
  const linkWidth = options.linkWidth ?? 240;
  const top = options.top ?? 6;
  const leftBoxes = 4;
  const leftText = leftBoxes + strip + textWidth;
  const x0 = leftText + 6;
  const x1 = x0 + linkWidth;
  const rightText = x1 + 6;
  const rightBoxes = rightText + textWidth;
  return {
    width: Math.ceil(rightBoxes + strip + 4),
    height: Math.ceil(top + n * rowHeight + 6),
    top,
    rowHeight,
    fontSize,
    leftText,
    rightText,
    x0,
    x1,
    boxWidth,
    leftBoxes,
    rightBoxes,
    tokens: n,
  };
}

export function rowCentre(layout: HeadViewLayout, i: number): number {
  return layout.top + (i + 0.5) * layout.rowHeight;
}

export type TokenSide = "left" | "right";
export interface TokenRef {
  side: TokenSide;
  index: number;
}

/** Which token (left = query, right = key) is at a point of the head view, if any. */
export function hitToken(layout: HeadViewLayout, x: number, y: number): TokenRef | null {
  const i = Math.floor((y - layout.top) / layout.rowHeight);
  if (i < 0 || i >= layout.tokens) return null;
  if (x >= layout.leftBoxes && x <= layout.x0) return { side: "left", index: i };
  if (x >= layout.x1 && x <= layout.width) return { side: "right", index: i };
  return null;
}

export interface HeadViewState {
  layer: number;
  activeHeads: readonly boolean[];
  filter: LinkFilter;
  focus: TokenRef | null;
}

let scratch = new Float32Array(0);
/** Set while a scene composites into the scratch: still set at the next call, the last one failed midway. */
let scratchInUse = false;

/**
 * Zeros for compositing the links per token pair, kept between scenes (the pairs used are zeroed again
 * after each) rather than 4 MB allocated and touched afresh for every scene at 512 tokens.
 */
function pairScratch(size: number): Float32Array {
  if (scratch.length < size || scratchInUse) scratch = new Float32Array(size);
  scratchInUse = true;
  return scratch;
}

/**
 * The head view's links for a state, composited per token pair and in drawing order: what its scene
 * draws that depends neither on the layout nor on the theme, so that it can be made before the page
 * has laid the view out (the worker does, for the first state, while the page takes the payload).
 */
export interface HeadLinks {
  /** Token pairs (query · tokens + key), weakest first: the strongest are drawn last, on top. */
  pairs: Uint32Array;
  /** Per pair, the heads' colours composited ("over", head by head) and the alpha (1–255). */
  rgba: Uint8ClampedArray;
  /** Links drawn, links that passed the floor and the filter, and the smallest weight drawn. */
  count: number;
  visible: number;
  threshold: number;
}

export function headViewLinks(att: Attention, state: HeadViewState, options: SelectOptions = {}): HeadLinks {
  const acc = pairScratch(att.tokens * att.tokens * 4);
  const links = finish(headViewLinksSteps(att, state, options, acc));
  scratchInUse = false;
  return links;
}

/** Links composited per slice: yields between slices of this much work (links). */
const SLICE_LINKS = 8192;

/**
 * headViewLinks in slices, for links made ahead between other work (the worker's layers ahead): it
 * yields after each head's weights and every few thousand links composited. `acc` (zeros, n² × 4) is
 * left zeroed again.
 */
export function* headViewLinksSteps(att: Attention, state: HeadViewState, options: SelectOptions = {}, acc = new Float32Array(att.tokens * att.tokens * 4)): Generator<void, HeadLinks, void> {
  const colours = headColours(att.heads);
  const focus = state.focus;
  const links = yield* selectLinksSteps(att, state.layer, state.activeHeads, state.filter, {
    ...options,
    query: focus?.side === "left" ? focus.index : undefined,
    key: focus?.side === "right" ? focus.index : undefined,
    floor: focus ? 0.001 : options.floor,
  });
  // The heads' lines between the same two tokens coincide, so they are composited here (the "over"
  // operator, head by head) into one segment per token pair: up to 16× fewer pixels to draw.
  // `acc` holds premultiplied r, g, b and alpha per pair, zero where untouched.
  const n = att.tokens;
  const touchedPairs = new Uint32Array(links.count);
  let pairs = 0;
  for (let i = 0; i < links.count; i++) {
    if (i % SLICE_LINKS === SLICE_LINKS - 1) yield;
    const pair = links.query[i] * n + links.key[i];
    const a = Math.min(1, links.weight[i]);
    const c = colours[links.head[i]];
    const o = pair * 4;
    if (acc[o + 3] === 0) touchedPairs[pairs++] = pair;
    acc[o] = c[0] * a + acc[o] * (1 - a);
    acc[o + 1] = c[1] * a + acc[o + 1] * (1 - a);
    acc[o + 2] = c[2] * a + acc[o + 2] * (1 - a);
    acc[o + 3] = a + acc[o + 3] * (1 - a);
  }
  // Strongest drawn last, on top; equal alphas in the order they came. One numeric sort of keys (the
  // alpha's float32 bits, which order as the alphas in (0, 1] do, then the position: exact in a double
  // below 2^23 pairs) without a comparator; a stable comparator sort beyond that.
  const touched = touchedPairs.subarray(0, pairs);
  const SHIFT = 2 ** 23;
  const order = new Float64Array(touched.length);
  const bits = new Uint32Array(acc.buffer);
  for (let i = 0; i < touched.length; i++) order[i] = bits[touched[i] * 4 + 3] * SHIFT + i;
  yield;
  const fast = touched.length < SHIFT;
  if (fast) order.sort();
  else order.set(Array.from(order.keys()).sort((i, j) => acc[touched[i] * 4 + 3] - acc[touched[j] * 4 + 3]));
  const sorted = new Uint32Array(touched.length);
  const rgba = new Uint8ClampedArray(touched.length * 4);
  yield;
  for (let i = 0; i < touched.length; i++) {
    if (i % SLICE_LINKS === SLICE_LINKS - 1) yield;
    const pair = touched[fast ? order[i] % SHIFT : order[i]], o = pair * 4, alpha = acc[o + 3], j = i * 4;
    sorted[i] = pair;
    rgba[j] = acc[o] / alpha;
    rgba[j + 1] = acc[o + 1] / alpha;
    rgba[j + 2] = acc[o + 2] / alpha;
    rgba[j + 3] = Math.max(1, Math.round(alpha * 255));
  }
  for (let i = 0; i < touched.length; i++) {
    const o = touched[i] * 4;
    acc[o] = acc[o + 1] = acc[o + 2] = acc[o + 3] = 0;
  }
  return { pairs: sorted, rgba, count: links.count, visible: links.visible, threshold: links.threshold };
}

/** The head view of `state`; `links` made beforehand for the same state (headViewLinks) are used as they are. */
export function headViewScene(
  att: Attention,
  state: HeadViewState,
  layout: HeadViewLayout,
  labels: readonly string[],
  theme: Theme,
  options: SelectOptions = {},
  links: HeadLinks = headViewLinks(att, state, options),
): Scene {
  const shapes: Shape[] = [];
  const colours = headColours(att.heads);
  const { query: qMask, key: kMask } = filterMask(att, state.filter);
  const focus = state.focus;

  // Entity rows and the sentence boundary, behind everything.
  const entityTop = rowCentre(layout, att.numWords) - layout.rowHeight / 2;
  if (att.entities.length > 0) {
    shapes.push({ kind: "rect", x: layout.leftBoxes, y: entityTop, w: layout.x0 - layout.leftBoxes, h: att.entities.length * layout.rowHeight, fill: theme.entityFill, alpha: ENTITY_FILL_ALPHA });
    shapes.push({ kind: "rect", x: layout.x1, y: entityTop, w: layout.width - layout.x1 - 2, h: att.entities.length * layout.rowHeight, fill: theme.entityFill, alpha: ENTITY_FILL_ALPHA });
  }
  if (focus) {
    const y = rowCentre(layout, focus.index) - layout.rowHeight / 2;
    const x = focus.side === "left" ? layout.leftBoxes : layout.x1;
    const w = focus.side === "left" ? layout.x0 - layout.leftBoxes : layout.width - layout.x1 - 2;
    shapes.push({ kind: "rect", x, y, w, h: layout.rowHeight, fill: theme.focusFill });
  }
  if (att.segmentBoundary !== null) {
    const y = rowCentre(layout, att.segmentBoundary) - layout.rowHeight / 2;
    shapes.push({ kind: "lines", colour: theme.muted, alpha: 0.8, width: 1, xy: Float32Array.of(layout.leftBoxes, y, layout.x0, y, layout.x1, y, layout.width - 2, y) });
  }

  // Links: one segment per token pair, from the query's row on the left to the key's on the right.
  const n = att.tokens, pairs = links.pairs;
  const xy = new Float32Array(pairs.length * 4);
  for (let i = 0; i < pairs.length; i++) {
    const j = i * 4;
    xy[j] = layout.x0;
    xy[j + 1] = rowCentre(layout, Math.floor(pairs[i] / n));
    xy[j + 2] = layout.x1;
    xy[j + 3] = rowCentre(layout, pairs[i] % n);
  }
  if (pairs.length) shapes.push({ kind: "segments", width: focus ? 1.5 : 1, xy, rgba: links.rgba });

  // Per-head boxes on the opposite column: how much the focused token attends to (or is attended by) each.
  if (focus) {
    for (let h = 0; h < att.heads; h++) {
      if (!state.activeHeads[h]) continue;
      const m = att.matrix(state.layer, h);
      for (let i = 0; i < att.tokens; i++) {
        const w = focus.side === "left" ? m[focus.index * att.tokens + i] : m[i * att.tokens + focus.index];
        if (w < 0.002) continue;
        const x = focus.side === "left" ? layout.rightBoxes + 2 + h * layout.boxWidth : layout.leftBoxes + 2 + h * layout.boxWidth;
        shapes.push({ kind: "rect", x, y: rowCentre(layout, i) - layout.rowHeight / 2 + 2, w: layout.boxWidth - 1, h: layout.rowHeight - 4, fill: colours[h], alpha: Math.min(1, w) });
      }
    }
  }

  // Tokens.
  for (let i = 0; i < att.tokens; i++) {
    const entity = i >= att.numWords;
    const y = rowCentre(layout, i);
    const base = entity ? theme.entityText : theme.text;
    shapes.push({ kind: "text", x: layout.leftText, y, text: labels[i], colour: qMask[i] ? base : theme.muted, size: layout.fontSize, align: "right", italic: entity, bold: focus?.side === "left" && focus.index === i });
    shapes.push({ kind: "text", x: layout.rightText, y, text: labels[i], colour: kMask[i] ? base : theme.muted, size: layout.fontSize, align: "left", italic: entity, bold: focus?.side === "right" && focus.index === i });
  }
  const scene: Scene = { width: layout.width, height: layout.height, background: theme.background, shapes };
  if (links.visible > links.count) {
    scene.notice = `Showing the strongest ${groupThousands(links.count)} of ${groupThousands(links.visible)} links (weight ≥ ${links.threshold.toFixed(3)}); hover a token to see all of its links.`;
  }
  return scene;
}

/** A token as the status line names it: “word” or entity “name”. */
export function tokenName(att: Attention, i: number): string {
  return i < att.numWords ? `“${wordTexts(att.words)[i].label}”` : `entity “${att.entities[i - att.numWords]}”`;
}

/** The status line for a token in focus: its strongest link over the active heads of one layer. */
export function describeFocus(att: Attention, layer: number, focus: TokenRef, active: readonly boolean[]): string {
  let best = { w: -1, h: 0, other: 0 };
  for (let h = 0; h < att.heads; h++) {
    if (!active[h]) continue;
    const m = att.matrix(layer, h);
    for (let i = 0; i < att.tokens; i++) {
      const w = focus.side === "left" ? m[focus.index * att.tokens + i] : m[i * att.tokens + focus.index];
      if (w > best.w) best = { w, h, other: i };
    }
  }
  const token = tokenName(att, focus.index);
  const other = tokenName(att, best.other);
  return focus.side === "left"
    ? `${token} attends most to ${other} (head ${best.h}, ${best.w.toFixed(3)})`
    : `${token} is attended most by ${other} (head ${best.h}, ${best.w.toFixed(3)})`;
}
