/**
 * The drawing maths of the attention views, as pure functions: head colours, token labels, which links
 * a filter lets through, which links fit the drawing budget, layouts and hit tests, and "scenes" — flat
 * lists of rectangles, line batches, texts and images. A scene is painted by a thin painter: on a canvas
 * in the JupyterLab extension, as SVG for export, and into pixels by the kernel for the static PNG that is
 * stored beside the payload. So every view looks the same wherever it is drawn, and all of this is tested
 * in Node without a DOM.
 */
import type { Attention } from "./attention-payload";

export type Rgb = readonly [number, number, number];

export type Shape =
  | { kind: "rect"; x: number; y: number; w: number; h: number; fill?: Rgb; alpha?: number; stroke?: Rgb; lineWidth?: number }
  /** Straight segments x0 y0 x1 y1 … drawn with one colour and opacity. */
  | { kind: "lines"; colour: Rgb; alpha: number; width: number; xy: Float32Array }
  /** Straight segments x0 y0 x1 y1 …, each with its own colour and opacity (rgba: 4 bytes a segment). */
  | { kind: "segments"; width: number; xy: Float32Array; rgba: Uint8ClampedArray }
  /** An open polyline x0 y0 x1 y1 x2 y2 … */
  | { kind: "polyline"; colour: Rgb; alpha: number; width: number; xy: Float32Array }
  | { kind: "dots"; colour: Rgb; alpha: number; r: number; xy: Float32Array }
  /** Text whose vertical middle is at y. */
  | { kind: "text"; x: number; y: number; text: string; colour: Rgb; size: number; align: "left" | "right" | "center"; bold?: boolean; italic?: boolean; mono?: boolean }
  /** An RGBA image of cols × rows pixels scaled (nearest neighbour) into w × h. */
  | { kind: "image"; x: number; y: number; w: number; h: number; cols: number; rows: number; rgba: Uint8ClampedArray };

export interface Scene {
  width: number;
  height: number;
  background: Rgb;
  shapes: Shape[];
  /** Said on screen next to the view (e.g. that only the strongest links are drawn). */
  notice?: string;
}

export interface Theme {
  background: Rgb;
  text: Rgb;
  muted: Rgb;
  /** Fill behind entity tokens. */
  entityFill: Rgb;
  entityText: Rgb;
  /** Fill behind the token in focus. */
  focusFill: Rgb;
  grid: Rgb;
  accent: Rgb;
}

export const LIGHT_THEME: Theme = {
  background: [255, 255, 255],
  text: [33, 33, 33],
  muted: [158, 158, 158],
  entityFill: [255, 236, 179],
  entityText: [121, 64, 0],
  focusFill: [227, 242, 253],
  grid: [224, 224, 224],
  accent: [25, 118, 210],
};

export const DARK_THEME: Theme = {
  background: [17, 17, 17],
  text: [230, 230, 230],
  muted: [117, 117, 117],
  entityFill: [93, 64, 0],
  entityText: [255, 213, 79],
  focusFill: [21, 57, 94],
  grid: [58, 58, 58],
  accent: [100, 181, 246],
};

/** Text width in pixels at a font size; the canvas measures, the kernel counts bitmap-font cells. */
export type Measure = (text: string, size: number) => number;

// ------------------------------------------------------------------------------------------------
// Colour

export function hex(c: Rgb): string {
  return "#" + c.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
}

/** A CSS colour (#rgb, #rrggbb, rgb(), rgba()); a translucent one is blended over `over` when given. */
export function parseColour(text: string, over?: Rgb): Rgb | null {
  const s = text.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as unknown as Rgb;
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as unknown as Rgb;
  m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?/i.exec(s);
  if (m) {
    const rgb: Rgb = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4] === undefined || !over) return rgb;
    const a = m[4].endsWith("%") ? Number(m[4].slice(0, -1)) / 100 : Number(m[4]);
    return mix(over, rgb, Math.max(0, Math.min(1, a)));
  }
  return null;
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** CIE L*a*b* (D65) of an sRGB colour. */
export function toLab(c: Rgb): [number, number, number] {
  const lin = c.map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047;
  const y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  const z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference. */
export function deltaE(a: Rgb, b: Rgb): number {
  const p = toLab(a), q = toLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

let palette: Rgb[] = [];
let candidates: { rgb: Rgb; lab: [number, number, number] }[] | null = null;

/**
 * One colour per head, as far apart as possible: farthest-point sampling in CIELAB over sRGB colours of
 * medium lightness (readable on light and dark backgrounds) and clear chroma. Head 0 is the blue
 * nearest #1f77b4; each next head is the candidate farthest from all earlier ones, so the first k
 * colours are the same whatever the number of heads. BertViz's category10 repeats after 10 heads.
 */
export function headColours(count: number): Rgb[] {
  if (palette.length < count) {
    if (!candidates) {
      candidates = [];
      for (let r = 0; r <= 255; r += 17)
        for (let g = 0; g <= 255; g += 17)
          for (let b = 0; b <= 255; b += 17) {
            const lab = toLab([r, g, b]);
            if (lab[0] >= 45 && lab[0] <= 72 && Math.hypot(lab[1], lab[2]) >= 35 && Math.hypot(lab[1], lab[2]) <= 75) candidates.push({ rgb: [r, g, b], lab });
          }
    }
    const c = candidates;
    const d2 = (i: number, lab: readonly number[]) => (c[i].lab[0] - lab[0]) ** 2 + (c[i].lab[1] - lab[1]) ** 2 + (c[i].lab[2] - lab[2]) ** 2;
    const seed = toLab([31, 119, 180]);
    const chosen: number[] = [];
    let best = 0;
    for (let i = 1; i < c.length; i++) if (d2(i, seed) < d2(best, seed)) best = i;
    chosen.push(best);
    const nearest = c.map((_, i) => d2(i, c[best].lab));
    while (chosen.length < Math.max(count, 16)) {
      let far = 0;
      for (let i = 1; i < c.length; i++) if (nearest[i] > nearest[far]) far = i;
      chosen.push(far);
      for (let i = 0; i < c.length; i++) nearest[i] = Math.min(nearest[i], d2(i, c[far].lab));
    }
    palette = chosen.map((i) => c[i].rgb);
  }
  return palette.slice(0, count);
}

/** A perceptual ramp from the background to `colour` for a weight in [0, 1] (square root: small weights show). */
export function weightColour(background: Rgb, colour: Rgb, w: number): Rgb {
  return mix(background, colour, Math.sqrt(Math.min(1, Math.max(0, w))));
}

// ------------------------------------------------------------------------------------------------
// Tokens

let byteOfChar: Map<number, number> | null = null;

/**
 * Text from byte-level BPE symbols (GPT-2, RoBERTa, LUKE: every byte is drawn as one printable
 * character, a space as Ġ), or null when the string is not byte-level or its bytes are not whole UTF-8
 * (a token that holds half of "é" stays as it is).
 */
export function decodeByteLevel(text: string): string | null {
  if (!byteOfChar) {
    byteOfChar = new Map();
    const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    let extra = 0;
    for (let b = 0; b < 256; b++) byteOfChar.set(printable(b) ? b : 256 + extra++, b);
  }
  const bytes: number[] = [];
  for (const ch of text) {
    const b = byteOfChar.get(ch.codePointAt(0)!);
    if (b === undefined) return null;
    bytes.push(b);
  }
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return null;
    let cp = len === 1 ? b : b & (0xff >> (len + 1));
    for (let j = 1; j < len; j++) {
      if ((bytes[i + j] & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (bytes[i + j] & 0x3f);
    }
    if ((len === 3 && cp < 0x800) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/** A token as shown: byte-level BPE decoded (Ġ is a space, Ċ a newline), SentencePiece's ▁ dropped. */
export function prettifyToken(token: string): string {
  const decoded = decodeByteLevel(token);
  if (decoded !== null) {
    const t = decoded.replace(/^ /, "").replace(/\n/g, "↵").replace(/\t/g, "⇥");
    return t.length === 0 ? "␣" : t;
  }
  let t = token;
  if (t.startsWith("Ġ") || t.startsWith("▁")) t = t.slice(1);
  t = t.replace(/Ċ/g, "↵").replace(/Ġ/g, " ");
  return t.length === 0 ? "␣" : t;
}

/** Shortens a label to at most `max` code points with an ellipsis. */
export function truncateLabel(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, Math.max(1, max - 1)).join("") + "…";
}

export function tokenLabels(att: Pick<Attention, "words" | "entities">, max = 24): string[] {
  return [...att.words.map((w) => truncateLabel(prettifyToken(w), max)), ...att.entities.map((e) => truncateLabel(e, max))];
}

// ------------------------------------------------------------------------------------------------
// Filters

export type Block = "ww" | "we" | "ew" | "ee";
export const BLOCKS: { id: Block; label: string }[] = [
  { id: "ww", label: "word → word" },
  { id: "we", label: "word → entity" },
  { id: "ew", label: "entity → word" },
  { id: "ee", label: "entity → entity" },
];
export type Pair = "all" | "AA" | "AB" | "BA" | "BB";
export const PAIRS: { id: Pair; label: string }[] = [
  { id: "all", label: "All" },
  { id: "AA", label: "A → A" },
  { id: "AB", label: "A → B" },
  { id: "BA", label: "B → A" },
  { id: "BB", label: "B → B" },
];

export interface LinkFilter {
  blocks: Record<Block, boolean>;
  /** Sentence-pair filter; it applies to word → word links (entities belong to neither sentence). */
  pair: Pair;
}

export const ALL_LINKS: LinkFilter = { blocks: { ww: true, we: true, ew: true, ee: true }, pair: "all" };

interface TokenGroups {
  numWords: number;
  tokens: number;
  segmentBoundary: number | null;
}

/** Per-token masks: which queries and keys can carry a link at all under the filter. */
export function filterMask(g: TokenGroups, filter: LinkFilter): { allowed: (q: number, k: number) => boolean; query: boolean[]; key: boolean[] } {
  const boundary = g.segmentBoundary ?? g.numWords;
  const side = (i: number) => (i >= g.numWords ? "E" : i < boundary ? "A" : "B");
  const allowed = (q: number, k: number) => {
    const sq = side(q), sk = side(k);
    const block = ((sq === "E" ? "e" : "w") + (sk === "E" ? "e" : "w")) as Block;
    if (!filter.blocks[block]) return false;
    if (block !== "ww" || filter.pair === "all" || g.segmentBoundary === null) return true;
    return sq + sk === filter.pair;
  };
  const query = Array.from({ length: g.tokens }, () => false);
  const key = Array.from({ length: g.tokens }, () => false);
  // Token classes are few (A, B, E), so test one representative pair per class pair.
  const classes = Array.from({ length: g.tokens }, (_, i) => side(i));
  const reps = new Map<string, number>();
  classes.forEach((c, i) => reps.has(c) || reps.set(c, i));
  for (const [cq, q] of reps)
    for (const [ck, k] of reps)
      if (allowed(q, k))
        classes.forEach((c, i) => {
          if (c === cq) query[i] = true;
          if (c === ck) key[i] = true;
        });
  return { allowed, query, key };
}

// ------------------------------------------------------------------------------------------------
// Link selection

export interface LinkSet {
  count: number;
  head: Uint8Array;
  query: Uint16Array;
  key: Uint16Array;
  weight: Float32Array;
  /** Links at or above the visibility floor that the filter allows. */
  visible: number;
  /** Smallest weight drawn when the budget cut links (else the floor). */
  threshold: number;
}

export interface SelectOptions {
  /** Only this query (hover on the left column) or this key (right column). */
  query?: number;
  key?: number;
  /** Weights below this are not drawn at all (invisible at that opacity). */
  floor?: number;
  /** At most this many links; the strongest are kept. */
  budget?: number;
}

export const DEFAULT_FLOOR = 0.01;
export const DEFAULT_BUDGET = 40_000;

/**
 * The links of one layer to draw: active heads, allowed by the filter, at least `floor`, and when more
 * than `budget` pass, only the strongest (threshold found from a 4096-bin histogram, then ties cut).
 */
export function selectLinks(att: Attention, layer: number, activeHeads: readonly boolean[], filter: LinkFilter, options: SelectOptions = {}): LinkSet {
  const n = att.tokens;
  const floor = options.floor ?? DEFAULT_FLOOR;
  const budget = options.budget ?? DEFAULT_BUDGET;
  const { allowed, query: qMask, key: kMask } = filterMask(att, filter);
  const q0 = options.query ?? 0, q1 = options.query !== undefined ? options.query + 1 : n;
  const k0 = options.key ?? 0, k1 = options.key !== undefined ? options.key + 1 : n;
  const bins = 4096;
  const hist = new Uint32Array(bins);
  const binOf = (w: number) => Math.min(bins - 1, Math.floor(((Math.min(w, 1) - floor) / (1 - floor + 1e-9)) * bins));
  let visible = 0;
  const heads: number[] = [];
  activeHeads.forEach((on, h) => on && h < att.heads && heads.push(h));
  // Pass 1: count and histogram.
  for (const h of heads) {
    const m = att.matrix(layer, h);
    for (let q = q0; q < q1; q++) {
      if (!qMask[q]) continue;
      const row = q * n;
      for (let k = k0; k < k1; k++) {
        const w = m[row + k];
        if (w >= floor && kMask[k] && allowed(q, k)) {
          visible++;
          hist[binOf(w)]++;
        }
      }
    }
  }
  let cutBin = 0;
  let keepInCutBin = Infinity;
  if (visible > budget) {
    let acc = 0;
    for (let b = bins - 1; b >= 0; b--) {
      if (acc + hist[b] >= budget) {
        cutBin = b;
        keepInCutBin = budget - acc;
        break;
      }
      acc += hist[b];
    }
  }
  const size = Math.min(visible, budget);
  const out: LinkSet = {
    count: 0,
    head: new Uint8Array(size),
    query: new Uint16Array(size),
    key: new Uint16Array(size),
    weight: new Float32Array(size),
    visible,
    threshold: floor,
  };
  let inCut = 0;
  let minKept = Infinity;
  for (const h of heads) {
    const m = att.matrix(layer, h);
    for (let q = q0; q < q1; q++) {
      if (!qMask[q]) continue;
      const row = q * n;
      for (let k = k0; k < k1; k++) {
        const w = m[row + k];
        if (w < floor || !kMask[k] || !allowed(q, k)) continue;
        if (visible > budget) {
          const b = binOf(w);
          if (b < cutBin) continue;
          if (b === cutBin) {
            if (inCut >= keepInCutBin) continue;
            inCut++;
          }
        }
        const i = out.count++;
        out.head[i] = h;
        out.query[i] = q;
        out.key[i] = k;
        out.weight[i] = w;
        if (w < minKept) minKept = w;
      }
    }
  }
  if (visible > budget && out.count > 0) out.threshold = minKept;
  return out;
}

// ------------------------------------------------------------------------------------------------
// Head view

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
  textWidth = Math.min(textWidth, 160) + 8;
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

export function headViewScene(
  att: Attention,
  state: HeadViewState,
  layout: HeadViewLayout,
  labels: readonly string[],
  theme: Theme,
  options: SelectOptions = {},
): Scene {
  const shapes: Shape[] = [];
  const colours = headColours(att.heads);
  const { query: qMask, key: kMask } = filterMask(att, state.filter);
  const focus = state.focus;
  const links = selectLinks(att, state.layer, state.activeHeads, state.filter, {
    ...options,
    query: focus?.side === "left" ? focus.index : undefined,
    key: focus?.side === "right" ? focus.index : undefined,
    floor: focus ? 0.001 : options.floor,
  });

  // Entity rows and the sentence boundary, behind everything.
  const entityTop = rowCentre(layout, att.numWords) - layout.rowHeight / 2;
  if (att.entities.length > 0) {
    shapes.push({ kind: "rect", x: layout.leftBoxes, y: entityTop, w: layout.x0 - layout.leftBoxes, h: att.entities.length * layout.rowHeight, fill: theme.entityFill, alpha: 0.6 });
    shapes.push({ kind: "rect", x: layout.x1, y: entityTop, w: layout.width - layout.x1 - 2, h: att.entities.length * layout.rowHeight, fill: theme.entityFill, alpha: 0.6 });
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

  // Links. The heads' lines between the same two tokens coincide, so they are composited here (the
  // "over" operator, head by head) into one segment per token pair: up to 16× fewer pixels to draw.
  const n = att.tokens;
  const acc = new Float32Array(n * n * 4); // premultiplied r, g, b and alpha per pair
  const touched: number[] = [];
  for (let i = 0; i < links.count; i++) {
    const pair = links.query[i] * n + links.key[i];
    const a = Math.min(1, links.weight[i]);
    const c = colours[links.head[i]];
    const o = pair * 4;
    if (acc[o + 3] === 0) touched.push(pair);
    acc[o] = c[0] * a + acc[o] * (1 - a);
    acc[o + 1] = c[1] * a + acc[o + 1] * (1 - a);
    acc[o + 2] = c[2] * a + acc[o + 2] * (1 - a);
    acc[o + 3] = a + acc[o + 3] * (1 - a);
  }
  touched.sort((p, q) => acc[p * 4 + 3] - acc[q * 4 + 3]); // strongest drawn last, on top
  const xy = new Float32Array(touched.length * 4);
  const rgba = new Uint8ClampedArray(touched.length * 4);
  touched.forEach((pair, i) => {
    const o = pair * 4, alpha = acc[o + 3];
    xy.set([layout.x0, rowCentre(layout, Math.floor(pair / n)), layout.x1, rowCentre(layout, pair % n)], i * 4);
    rgba.set([acc[o] / alpha, acc[o + 1] / alpha, acc[o + 2] / alpha, Math.max(1, Math.round(alpha * 255))], i * 4);
  });
  if (touched.length) shapes.push({ kind: "segments", width: focus ? 1.5 : 1, xy, rgba });

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
    scene.notice = `Showing the strongest ${links.count.toLocaleString("en")} of ${links.visible.toLocaleString("en")} links (weight ≥ ${links.threshold.toFixed(3)}); hover a token to see all of its links.`;
  }
  return scene;
}

// ------------------------------------------------------------------------------------------------
// Model view: layers × heads thumbnails

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

export function gridLayout(layers: number, heads: number, options: { cell?: number; maxWidth?: number } = {}): GridLayout {
  const left = 34, top = 18, gap = 4;
  const fit = options.maxWidth ? Math.floor((options.maxWidth - left - 4) / heads) - gap : 48;
  const cell = Math.max(12, Math.min(options.cell ?? 48, fit));
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
  const mask = new Uint8Array(n * n);
  for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) mask[q * n + k] = everything || allowed(q, k) ? 1 : 0;
  const c = g.cell;
  const pooled = new Float32Array(c * c);
  const edges = Array.from({ length: c + 1 }, (_, i) => Math.floor((i * n) / c));
  for (let l = 0; l < g.layers; l++) {
    for (let h = 0; h < g.heads; h++) {
      const m = att.matrix(l, h);
      pooled.fill(0);
      for (let py = 0; py < c; py++) {
        const qa = edges[py], qb = Math.max(edges[py + 1], qa + 1);
        for (let px = 0; px < c; px++) {
          const ka = edges[px], kb = Math.max(edges[px + 1], ka + 1);
          let best = 0;
          for (let q = qa; q < qb && q < n; q++) {
            const row = q * n;
            for (let k = ka; k < kb && k < n; k++) if (mask[row + k] && m[row + k] > best) best = m[row + k];
          }
          pooled[py * c + px] = best;
        }
      }
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

// ------------------------------------------------------------------------------------------------
// Token-to-token view

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

export function pairLayout(layers: number, heads: number): PairLayout {
  const plot = { x: 48, y: 30, w: Math.max(320, Math.min(640, layers * 26)), h: 220 };
  const cell = Math.max(8, Math.min(22, Math.floor(320 / Math.max(layers, heads))));
  const heat = { x: plot.x + plot.w + 70, y: plot.y + 14, cell };
  return { width: heat.x + Math.max(heads * cell, 200) + 20, height: Math.max(plot.y + plot.h + 44, heat.y + layers * cell + 50), plot, heat };
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
  const title = `${labels[from]} → ${labels[to]}`;
  shapes.push({ kind: "text", x: plot.x, y: 12, text: `Attention from ${title}, per head and layer`, colour: theme.text, size: 12, align: "left", bold: true });
  for (let t = 0; t <= 4; t++) {
    const v = (yMax * t) / 4, y = yOf(v);
    shapes.push({ kind: "lines", colour: theme.grid, alpha: 1, width: 1, xy: Float32Array.of(plot.x, y, plot.x + plot.w, y) });
    shapes.push({ kind: "text", x: plot.x - 6, y, text: v.toFixed(yMax < 0.1 ? 3 : 2), colour: theme.muted, size: 10, align: "right" });
  }
  const stride = Math.ceil(L / 12);
  for (let l = 0; l < L; l += stride) shapes.push({ kind: "text", x: xOf(l), y: plot.y + plot.h + 12, text: String(att.layers[l]), colour: theme.muted, size: 10, align: "center" });
  shapes.push({ kind: "text", x: plot.x + plot.w, y: plot.y + plot.h + 30, text: "layer", colour: theme.muted, size: 10, align: "right" });
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
  shapes.push({ kind: "text", x: plot.x, y: plot.y + plot.h + 30, text: "dots: heads (colours as above); line: mean over heads", colour: theme.muted, size: 10, align: "left" });

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
  for (let h = 0; h < att.heads; h += hstride) shapes.push({ kind: "text", x: heat.x + (h + 0.5) * heat.cell, y: heat.y + L * heat.cell + 9, text: String(h), colour: colours[h], size: 9, align: "center" });
  shapes.push({ kind: "text", x: heat.x + (att.heads * heat.cell) / 2, y: heat.y + L * heat.cell + 24, text: "head", colour: theme.muted, size: 10, align: "center" });
  return { width: layout.width, height: layout.height, background: theme.background, shapes };
}

/** The heatmap cell (layer, head) of the token-to-token view under a point. */
export function hitPairCell(layout: PairLayout, layers: number, heads: number, x: number, y: number): { layer: number; head: number } | null {
  const h = Math.floor((x - layout.heat.x) / layout.heat.cell);
  const l = Math.floor((y - layout.heat.y) / layout.heat.cell);
  return h >= 0 && h < heads && l >= 0 && l < layers ? { layer: l, head: h } : null;
}

// ------------------------------------------------------------------------------------------------
// Composition

/** A copy of the scene's shapes moved by (dx, dy). */
export function translateShapes(shapes: readonly Shape[], dx: number, dy: number): Shape[] {
  return shapes.map((s) => {
    if (s.kind === "lines" || s.kind === "polyline" || s.kind === "dots" || s.kind === "segments") {
      const xy = new Float32Array(s.xy.length);
      for (let i = 0; i < xy.length; i += 2) {
        xy[i] = s.xy[i] + dx;
        xy[i + 1] = s.xy[i + 1] + dy;
      }
      return { ...s, xy };
    }
    return { ...s, x: s.x + dx, y: s.y + dy };
  });
}

/** The head colour legend as shapes: one swatch and number per head, wrapping at maxWidth. */
export function legendShapes(heads: number, active: readonly boolean[], theme: Theme, x: number, y: number, maxWidth: number): { shapes: Shape[]; height: number } {
  const colours = headColours(heads);
  const shapes: Shape[] = [];
  const step = 30;
  const perRow = Math.max(1, Math.floor(maxWidth / step));
  for (let h = 0; h < heads; h++) {
    const cx = x + (h % perRow) * step, cy = y + Math.floor(h / perRow) * 18;
    shapes.push({ kind: "rect", x: cx, y: cy, w: 12, h: 12, fill: colours[h], alpha: active[h] ? 1 : 0.2 });
    shapes.push({ kind: "text", x: cx + 15, y: cy + 6, text: String(h), colour: theme.text, size: 10, align: "left" });
  }
  return { shapes, height: Math.ceil(heads / perRow) * 18 };
}
