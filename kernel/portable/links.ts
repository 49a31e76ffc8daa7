/**
 * Which links a view draws: the word/entity block and sentence-pair filters, and the selection of the
 * strongest links of one layer within a drawing budget.
 */
import type { Attention } from "./attention-payload";

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
  const heads: number[] = [];
  activeHeads.forEach((on, h) => on && h < att.heads && heads.push(h));
  const everything = filter.pair === "all" && Object.values(filter.blocks).every(Boolean);
  // Pass 1, once over the weights: the links that pass the floor, the filter and the focus (a sparse
  // payload's kept links read as they are, in the same [head][query][key] order), and their histogram.
  let cap = 1024, visible = 0;
  let fh = new Uint8Array(cap), fq = new Uint16Array(cap), fk = new Uint16Array(cap), fw = new Float32Array(cap);
  const add = (h: number, q: number, k: number, w: number) => {
    if (visible === cap) {
      cap *= 2;
      const grow = <T extends Uint8Array | Uint16Array | Float32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(cap);
        b.set(a);
        return b;
      };
      fh = grow(fh), fq = grow(fq), fk = grow(fk), fw = grow(fw);
    }
    fh[visible] = h, fq[visible] = q, fk[visible] = k, fw[visible] = w;
    visible++;
    hist[binOf(w)]++;
  };
  for (const h of heads) {
    const sparse = floor > 0 ? att.sparseRows(layer, h) : null; // a floor of 0 keeps zero weights too
    if (sparse) {
      const { start, keys, values } = sparse;
      for (let q = q0; q < q1; q++) {
        if (!qMask[q]) continue;
        for (let i = start[q], end = start[q + 1]; i < end; i++) {
          const k = keys[i], w = values[i];
          if (k >= k0 && k < k1 && w >= floor && kMask[k] && (everything || allowed(q, k))) add(h, q, k, w);
        }
      }
      continue;
    }
    const m = att.matrix(layer, h);
    for (let q = q0; q < q1; q++) {
      if (!qMask[q]) continue;
      const row = q * n;
      for (let k = k0; k < k1; k++) {
        const w = m[row + k];
        if (w >= floor && kMask[k] && (everything || allowed(q, k))) add(h, q, k, w);
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
  if (visible <= budget) return { count: visible, head: fh.slice(0, visible), query: fq.slice(0, visible), key: fk.slice(0, visible), weight: fw.slice(0, visible), visible, threshold: floor };
  const out: LinkSet = {
    count: 0,
    head: new Uint8Array(budget),
    query: new Uint16Array(budget),
    key: new Uint16Array(budget),
    weight: new Float32Array(budget),
    visible,
    threshold: floor,
  };
  let inCut = 0;
  let minKept = Infinity;
  // Pass 2, over the links found: keep those above the cut, and as many in the cut bin as the budget leaves.
  for (let j = 0; j < visible; j++) {
    const w = fw[j];
    const b = binOf(w);
    if (b < cutBin) continue;
    if (b === cutBin) {
      if (inCut >= keepInCutBin) continue;
      inCut++;
    }
    const i = out.count++;
    out.head[i] = fh[j];
    out.query[i] = fq[j];
    out.key[i] = fk[j];
    out.weight[i] = w;
    if (w < minKept) minKept = w;
  }
  if (visible > budget && out.count > 0) out.threshold = minKept;
  return out;
}
