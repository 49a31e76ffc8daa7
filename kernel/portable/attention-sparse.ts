/**
 * The sparse encoding of attention payload version 2 ("sparse-log8"): what a payload stores when the
 * dense weights do not fit its byte budget. Every weight at or above one threshold is kept, row by row
 * ([layer][head][query], keys ascending); the rest are left out and the payload says how much of the
 * attention mass that was, per head and in all.
 *
 *   "attention": {
 *     "encoding": "sparse-log8",
 *     "shape": [layers, heads, tokens, tokens],
 *     "threshold": 0.0039,            weights below this were not stored
 *     "scales": [0.98, …],            the largest weight of each layer
 *     "counts": "…",                  base64 varints: links kept per row, layers·heads·tokens of them
 *     "keys": "…",                    base64 varints: per kept link, its key minus the previous key of the row minus 1
 *     "values": "…",                  base64 bytes: per kept link q = round(255·ln(w/t) / ln(scale/t))
 *     "omitted": { "share": 0.031, "heads": [0.02, …] }
 *                                     share of the attention mass left out: in all, and per layer·head
 *   }
 *
 * Values come back as t·(scale/t)^(q/255): a relative error of at most (scale/t)^(1/510) − 1 (1.4 % for
 * t = 0.001 and scale 1). The threshold is the smallest that fits the budget, found from a histogram of
 * the weights' float32 bit patterns in 1/16-octave bins (no sort, no logarithm per weight).
 */
import { base64Decode, base64Encode, readVarints, writeVarint } from "./codecs";

export const SPARSE_ENCODING = "sparse-log8";

export interface Dims {
  layers: number;
  heads: number;
  tokens: number;
}

export interface SparseFields {
  encoding: typeof SPARSE_ENCODING;
  shape: [number, number, number, number];
  threshold: number;
  scales: number[];
  counts: string;
  keys: string;
  values: string;
  omitted: { share: number; heads: number[] };
}

/** What a decoded sparse payload left out. */
export interface Omitted {
  /** Weights below this were not stored. */
  threshold: number;
  /** Share of the whole attention mass left out. */
  share: number;
  /** Share of each head's mass left out, [layer·heads + head]. */
  heads: number[];
  /** Links stored. */
  links: number;
}

const BIN_SHIFT = 19;
const BINS = 1 << (32 - BIN_SHIFT - 1);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The smallest float32 of a histogram bin (bins are float32 bit patterns >> 19: 1/16 of an octave). */
function binStart(bin: number): number {
  u32[0] = (bin << BIN_SHIFT) >>> 0;
  return f32[0];
}

/** One pass over the weights: histogram of the positive ones, the largest of each layer, each head's mass. */
export interface WeightStats {
  hist: Float64Array;
  layerMax: number[];
  headMass: Float64Array;
}

export function weightStats(weights: Float32Array, d: Dims): WeightStats {
  const bits = new Uint32Array(weights.buffer, weights.byteOffset, weights.length);
  const hist = new Float64Array(BINS);
  const layerMax: number[] = [];
  const headMass = new Float64Array(d.layers * d.heads);
  const perHead = d.tokens * d.tokens;
  for (let lh = 0; lh < d.layers * d.heads; lh++) {
    let mass = 0, max = lh % d.heads === 0 ? 0 : layerMax[layerMax.length - 1];
    for (let i = lh * perHead, end = i + perHead; i < end; i++) {
      const w = weights[i];
      if (w > 0) {
        hist[bits[i] >>> BIN_SHIFT]++;
        mass += w;
        if (w > max) max = w;
      }
    }
    headMass[lh] = mass;
    if (lh % d.heads === 0) layerMax.push(max);
    else layerMax[layerMax.length - 1] = max;
  }
  return { hist, layerMax, headMass };
}

/**
 * Bytes a sparse payload with `links` kept links takes, estimated: base64 of a value byte and about one
 * key byte a link and a count byte a row, plus `fixed` bytes of the rest.
 */
function estimate(links: number, rows: number, fixed: number): number {
  return fixed + Math.ceil((4 / 3) * (links * 2.08 + rows * 1.02)) + 16;
}

/** The smallest threshold (a bin start, at least `above`) whose kept links fit in `maxBytes` by the estimate. */
export function chooseThreshold(stats: WeightStats, d: Dims, maxBytes: number, fixed: number, above = 0): number {
  const rows = d.layers * d.heads * d.tokens;
  let links = 0;
  let top = BINS - 1;
  while (top > 1 && stats.hist[top - 1] === 0) top--;
  let chosen = top; // above every weight: nothing kept
  for (let b = top - 1; b >= 1; b--) {
    const start = binStart(b);
    if (start <= above) break;
    if (estimate(links + stats.hist[b], rows, fixed) > maxBytes) break;
    links += stats.hist[b];
    chosen = b;
  }
  return binStart(chosen);
}

/** The sparse fields of flat [layer][head][query][key] weights, keeping the weights ≥ threshold. */
export function encodeSparse(weights: Float32Array, d: Dims, threshold: number, stats: WeightStats): SparseFields {
  const n = d.tokens, rows = d.layers * d.heads * n;
  f32[0] = threshold;
  let links = 0; // an upper bound when the threshold falls inside a bin
  for (let b = u32[0] >>> BIN_SHIFT; b < BINS; b++) links += stats.hist[b];
  const counts = new Uint8Array(rows * 2);
  const keys = new Uint8Array(links * 2);
  const values = new Uint8Array(links);
  let c = 0, k = 0, v = 0, dropped = 0, total = 0;
  const heads: number[] = [];
  for (let l = 0; l < d.layers; l++) {
    const scale = stats.layerMax[l];
    const range = scale > threshold ? Math.log(scale / threshold) : 0;
    const perLevel = range > 0 ? 255 / range : 0;
    for (let h = 0; h < d.heads; h++) {
      let headDropped = 0;
      for (let q = 0; q < n; q++) {
        const row = ((l * d.heads + h) * n + q) * n;
        let prev = -1, kept = 0;
        for (let key = 0; key < n; key++) {
          const w = weights[row + key];
          if (w >= threshold) {
            const gap = key - prev - 1;
            if (gap < 0x80) keys[k++] = gap;
            else k = writeVarint(keys, k, gap);
            values[v++] = Math.min(255, Math.round(Math.log(w / threshold) * perLevel));
            prev = key;
            kept++;
          } else if (w > 0) headDropped += w;
        }
        c = writeVarint(counts, c, kept);
      }
      const mass = stats.headMass[l * d.heads + h];
      heads.push(mass > 0 ? round6(headDropped / mass) : 0);
      dropped += headDropped;
      total += mass;
    }
  }
  return {
    encoding: SPARSE_ENCODING,
    shape: [d.layers, d.heads, n, n],
    threshold,
    scales: stats.layerMax,
    counts: base64Encode(counts.subarray(0, c)),
    keys: base64Encode(keys.subarray(0, k)),
    values: base64Encode(values.subarray(0, v)),
    omitted: { share: total > 0 ? round6(dropped / total) : 0, heads },
  };
}

function round6(x: number): number {
  return Number(x.toPrecision(6));
}

// ------------------------------------------------------------------------------------------------
// Decoding. `invalid` throws the payload decoder's error for a field.

/**
 * The kept links of one matrix without filling it: the links of query q are keys[i] and values[i] for
 * i from start[q] to start[q + 1] (keys ascending). Left-out weights (below the threshold) are absent.
 */
export interface SparseRows {
  start: Uint32Array;
  keys: Uint16Array;
  values: Float32Array;
}

export interface SparseReader {
  /** Fills `out` (tokens² values) with the matrix that starts at flat index `offset`. */
  read(offset: number, out: Float32Array): void;
  one(index: number): number;
  /** The kept links of one [layer·heads + head] matrix, row by row (see SparseRows). */
  rows(matrix: number): SparseRows;
  omitted: Omitted;
  byteLength: number;
}

type Invalid = (path: string, message: string) => never;

/** A found value, as an error message names it. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  return typeof v;
}

function share(v: unknown, path: string, invalid: Invalid): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) invalid(path, `${path}: expected a share from 0 to 1, found ${describe(v)}`);
  return v as number;
}

function bytesOf(v: unknown, path: string, invalid: Invalid): Uint8Array {
  if (typeof v !== "string") invalid(path, `${path}: expected a base64 string, found ${describe(v)}`);
  const bytes = base64Decode(v as string);
  if (bytes === null) invalid(path, `${path}: not valid base64`);
  return bytes as Uint8Array;
}

export function decodeSparse(att: Record<string, unknown>, d: Dims, maxLinks: number, invalid: Invalid): SparseReader {
  const n = d.tokens, rows = d.layers * d.heads * n;
  const where = (row: number) => `layer ${Math.floor(row / (d.heads * n))}, head ${Math.floor(row / n) % d.heads}, query ${row % n}`;
  const t = att.threshold;
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) invalid("attention.threshold", `attention.threshold: expected a finite number > 0, found ${describe(t)}`);
  const threshold = t as number;
  if (!Array.isArray(att.scales) || att.scales.length !== d.layers) {
    invalid("attention.scales", `attention.scales: sparse-log8 needs one scale per layer (${d.layers}), found ${describe(att.scales)}`);
  }
  const tables = (att.scales as unknown[]).map((s, l) => {
    if (typeof s !== "number" || !Number.isFinite(s) || s < 0) invalid(`attention.scales[${l}]`, `attention.scales[${l}]: expected a finite number ≥ 0, found ${describe(s)}`);
    const range = (s as number) > threshold ? Math.log((s as number) / threshold) : 0;
    return Float32Array.from({ length: 256 }, (_, q) => threshold * Math.exp((q * range) / 255));
  });
  const om = att.omitted;
  if (typeof om !== "object" || om === null || Array.isArray(om)) invalid("attention.omitted", `attention.omitted: expected { share, heads }, found ${describe(om)}`);
  const o = om as Record<string, unknown>;
  const total = share(o.share, "attention.omitted.share", invalid);
  if (!Array.isArray(o.heads) || o.heads.length !== d.layers * d.heads) {
    invalid("attention.omitted.heads", `attention.omitted.heads: expected ${d.layers * d.heads} shares (layers × heads), found ${describe(o.heads)}`);
  }
  const heads = (o.heads as unknown[]).map((s, i) => share(s, `attention.omitted.heads[${i}]`, invalid));

  const countBytes = bytesOf(att.counts, "attention.counts", invalid);
  const counts = new Uint16Array(rows);
  const read = readVarints(countBytes, rows, n, counts);
  if (read < 0) invalid("attention.counts", `attention.counts: the count of row ${-read - 1} (${where(-read - 1)}) is missing or more than ${n} keys`);
  if (read !== countBytes.length) invalid("attention.counts", `attention.counts: ${countBytes.length - read} bytes after the ${rows} row counts`);
  const start = new Uint32Array(rows + 1);
  for (let r = 0; r < rows; r++) start[r + 1] = start[r] + counts[r];
  const links = start[rows];
  if (links > maxLinks) invalid("attention.counts", `attention.counts: ${links} links is more than the limit of ${maxLinks}`);
  const valueBytes = bytesOf(att.values, "attention.values", invalid);
  if (valueBytes.length !== links) invalid("attention.values", `attention.values: expected ${links} values (one per counted link), found ${valueBytes.length}`);
  const keyBytes = bytesOf(att.keys, "attention.keys", invalid);
  const keys = new Uint16Array(links);
  const readKeys = readVarints(keyBytes, links, n - 1, keys);
  if (readKeys < 0) invalid("attention.keys", `attention.keys: key ${-readKeys - 1} is missing or beyond the last token`);
  if (readKeys !== keyBytes.length) invalid("attention.keys", `attention.keys: ${keyBytes.length - readKeys} bytes after the ${links} keys`);
  const values = new Float32Array(links);
  const bad = undelta(start, keys, valueBytes, tables, d.heads * n, n, values);
  if (bad >= 0) invalid("attention.keys", `attention.keys: row ${bad} (${where(bad)}) has a key beyond the last token (${n - 1})`);
  return sparseReader(n, start, keys, values, { threshold, share: total, heads, links }, countBytes.length + keyBytes.length + valueBytes.length);
}

/**
 * Turns each row's key gaps into keys and value codes into weights (through the row's layer table),
 * in place: the decoder's hot loop, on its own so that the engine optimises it early. Returns the
 * first row with a key past the last token, or -1.
 */
function undelta(start: Uint32Array, keys: Uint16Array, codes: Uint8Array, tables: Float32Array[], layerRows: number, n: number, values: Float32Array): number {
  for (let r = 0, rows = start.length - 1; r < rows; r++) {
    const table = tables[(r / layerRows) | 0];
    const end = start[r + 1];
    let key = -1;
    for (let i = start[r]; i < end; i++) {
      key += keys[i] + 1;
      keys[i] = key;
      values[i] = table[codes[i]];
    }
    // Keys ascend within a row: the last is the largest.
    if (key >= n) return r;
  }
  return -1;
}

/**
 * Reads kept links held as rows (`start`, `keys` ascending within a row, `values`; see SparseRows) of
 * matrices of n × n. The decoder above makes them from a payload; attention-transfer.ts from a copy
 * made by another thread.
 */
export function sparseReader(n: number, start: Uint32Array, keys: Uint16Array, values: Float32Array, omitted: Omitted, byteLength: number): SparseReader {
  return {
    read(offset, out) {
      out.fill(0);
      const first = offset / n;
      for (let q = 0; q < n; q++) for (let i = start[first + q]; i < start[first + q + 1]; i++) out[q * n + keys[i]] = values[i];
    },
    one(index) {
      const r = Math.floor(index / n), key = index % n;
      let lo = start[r], hi = start[r + 1];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
      }
      return lo < start[r + 1] && keys[lo] === key ? values[lo] : 0;
    },
    rows(matrix) {
      return { start: start.subarray(matrix * n, (matrix + 1) * n + 1), keys, values };
    },
    omitted,
    byteLength,
  };
}

/** The line a view shows under a sparse payload: what was left out, in all and (given) in one layer. */
export function describeOmitted(o: Omitted, heads: number, layer?: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.001 ? 2 : 1)} %`;
  let text = `Links below ${o.threshold.toPrecision(2)} are not stored (the output's size budget): ${pct(o.share)} of the attention mass`;
  if (layer !== undefined && heads > 0) {
    const shares = o.heads.slice(layer * heads, (layer + 1) * heads);
    text += `, ${pct(shares.reduce((a, b) => a + b, 0) / shares.length)} in this layer`;
  }
  return `${text}; ${o.links.toLocaleString("en")} links kept.`;
}
