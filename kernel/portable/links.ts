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

/** Links found so far (pass 1 of selectLinks): growing columns and a histogram of their weights. */
class Found {
  cap = 1024;
  count = 0;
  head = new Uint8Array(this.cap);
  query = new Uint16Array(this.cap);
  key = new Uint16Array(this.cap);
  weight = new Float32Array(this.cap);
  readonly hist = new Uint32Array(BINS);
  constructor(readonly floor: number) {}

  add(h: number, q: number, k: number, w: number): void {
    if (this.count === this.cap) this.grow();
    const i = this.count++;
    this.head[i] = h;
    this.query[i] = q;
    this.key[i] = k;
    this.weight[i] = w;
    this.hist[binOf(w, this.floor)]++;
  }

  private grow(): void {
    this.cap *= 2;
    const head = new Uint8Array(this.cap), query = new Uint16Array(this.cap), key = new Uint16Array(this.cap), weight = new Float32Array(this.cap);
    head.set(this.head);
    query.set(this.query);
    key.set(this.key);
    weight.set(this.weight);
    this.head = head;
    this.query = query;
    this.key = key;
    this.weight = weight;
  }
}

const BINS = 4096;

/** A weight's bin of the histogram from `floor` to 1. */
function binOf(w: number, floor: number): number {
  return Math.min(BINS - 1, Math.floor(((Math.min(w, 1) - floor) / (1 - floor + 1e-9)) * BINS));
}

/**
 * The hot loops of pass 1, for one head: kept links (a sparse payload's rows) or every weight (a
 * dense one). At module level, not closures made per call, so that the engine's optimised code for
 * them (from the worker's warm-up, or the last layer) serves the next call.
 */
function findSparse(found: Found, h: number, rows: { start: Uint32Array; keys: Uint16Array; values: Float32Array }, q0: number, q1: number, k0: number, k1: number, qMask: boolean[], kMask: boolean[], allowed: ((q: number, k: number) => boolean) | null): void {
  const { start, keys, values } = rows, floor = found.floor;
  for (let q = q0; q < q1; q++) {
    if (!qMask[q]) continue;
    for (let i = start[q], end = start[q + 1]; i < end; i++) {
      const k = keys[i], w = values[i];
      if (k >= k0 && k < k1 && w >= floor && kMask[k] && (allowed === null || allowed(q, k))) found.add(h, q, k, w);
    }
  }
}

function findDense(found: Found, h: number, m: Float32Array, n: number, q0: number, q1: number, k0: number, k1: number, qMask: boolean[], kMask: boolean[], allowed: ((q: number, k: number) => boolean) | null): void {
  const floor = found.floor;
  for (let q = q0; q < q1; q++) {
    if (!qMask[q]) continue;
    const row = q * n;
    for (let k = k0; k < k1; k++) {
      const w = m[row + k];
      if (w >= floor && kMask[k] && (allowed === null || allowed(q, k))) found.add(h, q, k, w);
    }
  }
}

/**
 * The links of one layer to draw: active heads, allowed by the filter, at least `floor`, and when more
 * than `budget` pass, only the strongest (threshold found from a 4096-bin histogram, then ties cut).
 */
export function selectLinks(att: Attention, layer: number, activeHeads: readonly boolean[], filter: LinkFilter, options: SelectOptions = {}): LinkSet {
  return finish(selectLinksSteps(att, layer, activeHeads, filter, options));
}

/** Runs a sliced computation (a generator that yields between slices) to its end. */
export function finish<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** selectLinks in slices: it yields after each head's weights (for work done between other tasks). */
export function* selectLinksSteps(att: Attention, layer: number, activeHeads: readonly boolean[], filter: LinkFilter, options: SelectOptions = {}): Generator<void, LinkSet, void> {
  const n = att.tokens;
  const floor = options.floor ?? DEFAULT_FLOOR;
  const budget = options.budget ?? DEFAULT_BUDGET;
  const { allowed, query: qMask, key: kMask } = filterMask(att, filter);
  const q0 = options.query ?? 0, q1 = options.query !== undefined ? options.query + 1 : n;
  const k0 = options.key ?? 0, k1 = options.key !== undefined ? options.key + 1 : n;
  const everything = filter.pair === "all" && Object.values(filter.blocks).every(Boolean);
  // Pass 1, once over the weights: the links that pass the floor, the filter and the focus (a sparse
  // payload's kept links read as they are, in the same [head][query][key] order), and their histogram.
  const found = new Found(floor);
  for (let h = 0; h < att.heads; h++) {
    if (!activeHeads[h]) continue;
    const sparse = floor > 0 ? att.sparseRows(layer, h) : null; // a floor of 0 keeps zero weights too
    if (sparse) findSparse(found, h, sparse, q0, q1, k0, k1, qMask, kMask, everything ? null : allowed);
    else findDense(found, h, att.matrix(layer, h), n, q0, q1, k0, k1, qMask, kMask, everything ? null : allowed);
    yield;
  }
  const visible = found.count, hist = found.hist;
  const { head: fh, query: fq, key: fk, weight: fw } = found;
  let cutBin = 0;
  let keepInCutBin = Infinity;
  if (visible > budget) {
    let acc = 0;
    for (let b = BINS - 1; b >= 0; b--) {
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
    if (j % 65536 === 65535) yield;
    const w = fw[j];
    const b = binOf(w, floor);
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
