/**
 * The attention payload (`application/vnd.lukelab.attention+json`), kernel and extension side: schema,
 * codec and checks, once. Schema, version 1 (a JSON object; the renderer also accepts the same object as a JSON string). Version
 * 2 is the same with the sparse encoding of ./attention-sparse ("sparse-log8", which says what it left
 * out); the encoder writes version 1 whenever the dense weights fit its byte budget (`maxBytes`).
 *
 *   {
 *     "version": 1,
 *     "title": "LUKE · samples/tiny-luke",        optional, shown above the views
 *     "words": ["<s>", "Bey", …],                  word tokens, in order
 *     "entities": ["[MASK]"],                      entity tokens, after the words ([] for word-only models)
 *     "entitySpans": [[1, 2, 3]],                  optional: per entity, the word indices of its mention
 *     "segmentBoundary": 7,                        optional: index of the first word of sentence B
 *     "layers": [0, 1, …],                         the model's layer numbers that are included
 *     "heads": 16,                                 heads per layer
 *     "attention": {
 *       "encoding": "uint8-sqrt" | "float16" | "float32",
 *       "shape": [layers, heads, tokens, tokens],  tokens = words + entities; [query][key]
 *       "scales": [0.98, …],                       uint8-sqrt only: the largest weight of each layer
 *       "data": "…"                                base64 of the values, row-major, little-endian
 *     }
 *   }
 *
 * Encodings. `uint8-sqrt` (the default) stores q = round(255·sqrt(w / scale)) per value, with one scale
 * per layer: one byte a weight, and the square root spends the levels on the small weights that make up
 * most of an attention map (absolute error ≤ scale/255, about 0.4 % of the layer's largest weight; a
 * weight of 1/128 comes back within 5 %). `float16` keeps about three significant digits (relative
 * error ≤ 2⁻¹¹) at two bytes; `float32` is exact at four.
 */

import { chooseThreshold, decodeSparse, describe, encodeSparse, SPARSE_ENCODING, weightStats, type Omitted, type SparseFields, type SparseRows } from "./attention-sparse";
import { base64Decode, base64Encode, floatsFromBytes, halvesToFloats, littleEndianBytes, toHalf, utf8Length } from "./codecs";

export type { Omitted } from "./attention-sparse";
export const ATTENTION_MIME = "application/vnd.lukelab.attention+json";
/** The newest payload version the decoder reads (it reads 1 and 2). */
export const ATTENTION_SCHEMA_VERSION = 2;
/** The default byte budget of an encoded payload (its JSON text, UTF-8). */
export const DEFAULT_MAX_BYTES = 5_000_000;

export type AttentionEncoding = "uint8-sqrt" | "float16" | "float32";
export const ATTENTION_ENCODINGS: readonly AttentionEncoding[] = ["uint8-sqrt", "float16", "float32"];

/** Limits the decoder enforces, so a bad payload cannot make a page allocate without bound. */
export const LIMITS = {
  maxTokens: 2048, // words plus entities
  maxLayers: 128,
  maxHeads: 128,
  /** Layers × heads × tokens × tokens (64 Mi: BERT-large at 512 tokens, 24 × 16 × 512², fits). */
  maxValues: 64 * 1024 * 1024,
  maxTokenLength: 1000, // characters of one token string
  maxTitleLength: 1000,
} as const;

/** The wire format (JSON). */
export interface AttentionPayload {
  version: 1 | 2;
  title?: string;
  words: string[];
  entities: string[];
  entitySpans?: number[][];
  segmentBoundary?: number | null;
  layers: number[];
  heads: number;
  attention: DenseFields | SparseFields;
}

export interface DenseFields {
  encoding: AttentionEncoding;
  shape: [number, number, number, number];
  scales?: number[];
  data: string;
}

/** A decoded payload: token lists and a reader for the weights. */
export interface Attention {
  title: string;
  words: string[];
  entities: string[];
  /** words.length + entities.length */
  tokens: number;
  numWords: number;
  entitySpans: number[][];
  /** Index of the first word of sentence B, or null for a single sentence. */
  segmentBoundary: number | null;
  /** The model's layer numbers, one per included layer. */
  layers: number[];
  heads: number;
  encoding: AttentionEncoding | typeof SPARSE_ENCODING;
  /** What a sparse payload left out (null: every weight is stored). */
  omitted: Omitted | null;
  /** Bytes of encoded weights this payload carries. */
  byteLength: number;
  /** The [query][key] weights of one included layer (0-based position in `layers`) and head: tokens² values. */
  matrix(layer: number, head: number): Float32Array;
  /** One weight. */
  weight(layer: number, head: number, query: number, key: number): number;
  /** A sparse payload's kept links of one layer and head, without filling a matrix (null: dense). */
  sparseRows(layer: number, head: number): SparseRows | null;
}

export interface PayloadError {
  /** Where in the payload: `attention.shape[2]`, `words[3]`, … ("" for the whole payload). */
  path: string;
  message: string;
}

export type DecodeResult = { ok: true; attention: Attention } | { ok: false; error: PayloadError };

// ------------------------------------------------------------------------------------------------
// Encoding (kernel side)

export interface EncodeInput {
  title?: string;
  words: string[];
  entities?: string[];
  entitySpans?: number[][];
  segmentBoundary?: number | null;
  /** The model's layer numbers of the included layers (default 0, 1, …). */
  layers?: number[];
  heads: number;
  /** Row-major [layer][head][query][key] over words then entities; length layers·heads·tokens². */
  weights: ArrayLike<number>;
  /** The dense encoding, used when the payload fits `maxBytes`. */
  encoding?: AttentionEncoding;
  /** Byte budget of the payload's JSON (default DEFAULT_MAX_BYTES); over it, only the strongest links are kept (version 2). */
  maxBytes?: number;
}

/** Encodes flat weights into the wire format. Throws on inconsistent sizes (a kernel-side mistake). */
export function encodeAttentionPayload(input: EncodeInput): AttentionPayload {
  const entities = input.entities ?? [];
  const n = input.words.length + entities.length;
  const heads = input.heads;
  const layerCount = Math.round(input.weights.length / Math.max(1, heads * n * n));
  const layers = input.layers ?? Array.from({ length: layerCount }, (_, i) => i);
  if (layers.length * heads * n * n !== input.weights.length) {
    throw new Error(
      `attention weights: expected ${layers.length} layers × ${heads} heads × ${n}² tokens = ${layers.length * heads * n * n} values, found ${input.weights.length}`,
    );
  }
  const encoding = input.encoding ?? "uint8-sqrt";
  const payload: AttentionPayload = {
    version: 1,
    words: input.words,
    entities,
    layers,
    heads,
    attention: { encoding, shape: [layers.length, heads, n, n], data: "" },
  };
  if (input.title !== undefined) payload.title = input.title;
  if (input.entitySpans !== undefined) payload.entitySpans = input.entitySpans;
  if (input.segmentBoundary !== undefined && input.segmentBoundary !== null) payload.segmentBoundary = input.segmentBoundary;
  const maxBytes = input.maxBytes ?? DEFAULT_MAX_BYTES;
  const fixed = utf8Length(JSON.stringify(payload)) + 24 * layers.length + 16;
  const bytesPerValue = encoding === "uint8-sqrt" ? 1 : encoding === "float16" ? 2 : 4;
  if (fixed + 4 * Math.ceil((input.weights.length * bytesPerValue) / 3) > maxBytes && ATTENTION_ENCODINGS.includes(encoding)) {
    return sparsePayload(payload, input.weights, maxBytes);
  }
  const perLayer = heads * n * n;
  let bytes: Uint8Array;
  let scales: number[] | undefined;
  if (encoding === "uint8-sqrt") {
    bytes = new Uint8Array(input.weights.length);
    scales = [];
    for (let l = 0; l < layers.length; l++) {
      let max = 0;
      for (let i = l * perLayer; i < (l + 1) * perLayer; i++) max = Math.max(max, input.weights[i]);
      scales.push(max);
      const inv = max > 0 ? 1 / max : 0;
      for (let i = l * perLayer; i < (l + 1) * perLayer; i++) {
        const w = input.weights[i];
        bytes[i] = w > 0 ? Math.round(255 * Math.sqrt(Math.min(1, w * inv))) : 0;
      }
    }
  } else if (encoding === "float16") {
    const halves = new Uint16Array(input.weights.length);
    for (let i = 0; i < halves.length; i++) halves[i] = toHalf(input.weights[i]);
    bytes = littleEndianBytes(halves);
  } else if (encoding === "float32") {
    bytes = littleEndianBytes(Float32Array.from(input.weights));
  } else {
    throw new Error(`attention encoding: expected one of ${ATTENTION_ENCODINGS.join(", ")}, found ${JSON.stringify(encoding)}`);
  }
  const fields: DenseFields = { encoding, shape: [layers.length, heads, n, n], data: base64Encode(bytes) };
  if (scales) fields.scales = scales;
  payload.attention = fields;
  return payload;
}

/** Version 2: the weights at or above the smallest threshold that keeps the JSON within `maxBytes`. */
function sparsePayload(payload: AttentionPayload, values: ArrayLike<number>, maxBytes: number): AttentionPayload {
  const weights = values instanceof Float32Array ? values : Float32Array.from(values);
  const [layers, heads, n] = payload.attention.shape;
  const d = { layers, heads, tokens: n };
  const stats = weightStats(weights, d);
  const meta = (fields: SparseFields) => ({ ...payload, version: 2 as const, attention: fields });
  const share = 0.123456; // as long as a share written with 6 digits
  const empty: SparseFields = { encoding: SPARSE_ENCODING, shape: [layers, heads, n, n], threshold: share, scales: stats.layerMax, counts: "", keys: "", values: "", omitted: { share, heads: Array(layers * heads).fill(share) } };
  const fixed = utf8Length(JSON.stringify(meta(empty)));
  let threshold = chooseThreshold(stats, d, maxBytes, fixed);
  for (;;) {
    const out = meta(encodeSparse(weights, d, threshold, stats));
    // The estimate is a few per cent either way; above the budget, raise the threshold and encode again.
    const size = utf8Length(JSON.stringify(out));
    if (size <= maxBytes || threshold > stats.layerMax.reduce((a, b) => Math.max(a, b), 0)) return out;
    threshold = chooseThreshold(stats, d, maxBytes - (size - maxBytes) - 1024, fixed, threshold);
  }
}

// ------------------------------------------------------------------------------------------------
// Decoding (extension side). Never throws: every problem comes back as { ok: false, error }.

export function decodeAttentionPayload(input: unknown): DecodeResult {
  try {
    return decodeUnsafe(input);
  } catch (e) {
    return fail("", `the payload could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

class Invalid extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(path: string, message: string): DecodeResult {
  return { ok: false, error: { path, message } };
}

function decodeUnsafe(input: unknown): DecodeResult {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return fail("", "the payload is a string but not valid JSON");
    }
  }
  try {
    return { ok: true, attention: readPayload(value) };
  } catch (e) {
    if (e instanceof Invalid) return fail(e.path, e.message);
    throw e;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new Invalid(path, `${path}: expected an integer from ${min} to ${max}, found ${describe(v)}`);
  }
  return v;
}

function strings(v: unknown, path: string, max: number): string[] {
  if (!Array.isArray(v)) throw new Invalid(path, `${path}: expected an array of strings, found ${describe(v)}`);
  if (v.length > max) throw new Invalid(path, `${path}: ${v.length} tokens is more than the limit of ${max}`);
  v.forEach((s, i) => {
    if (typeof s !== "string") throw new Invalid(`${path}[${i}]`, `${path}[${i}]: expected a string, found ${describe(s)}`);
    if (s.length > LIMITS.maxTokenLength) {
      throw new Invalid(`${path}[${i}]`, `${path}[${i}]: a token of ${s.length} characters is longer than the limit of ${LIMITS.maxTokenLength}`);
    }
  });
  return v as string[];
}

function readPayload(v: unknown): Attention {
  if (!isObject(v)) throw new Invalid("", `expected an attention payload object, found ${describe(v)}`);
  if (v.version !== 1 && v.version !== 2) {
    throw new Invalid("version", `version: this renderer reads attention payload versions 1 and 2, found ${describe(v.version)}`);
  }
  let title = "";
  if (v.title !== undefined) {
    if (typeof v.title !== "string") throw new Invalid("title", `title: expected a string, found ${describe(v.title)}`);
    title = v.title.slice(0, LIMITS.maxTitleLength);
  }
  if (v.words === undefined) throw new Invalid("words", "words: missing (the word tokens, an array of strings)");
  const words = strings(v.words, "words", LIMITS.maxTokens);
  if (words.length === 0) throw new Invalid("words", "words: expected at least one token");
  const entities = v.entities === undefined ? [] : strings(v.entities, "entities", LIMITS.maxTokens);
  const n = words.length + entities.length;
  if (n > LIMITS.maxTokens) throw new Invalid("entities", `words + entities: ${n} tokens is more than the limit of ${LIMITS.maxTokens}`);

  let entitySpans: number[][] = entities.map(() => []);
  if (v.entitySpans !== undefined) {
    if (!Array.isArray(v.entitySpans) || v.entitySpans.length !== entities.length) {
      throw new Invalid("entitySpans", `entitySpans: expected ${entities.length} arrays (one per entity), found ${describe(v.entitySpans)}`);
    }
    entitySpans = v.entitySpans.map((span, e) => {
      if (!Array.isArray(span) || span.length > words.length) {
        throw new Invalid(`entitySpans[${e}]`, `entitySpans[${e}]: expected an array of word indices, found ${describe(span)}`);
      }
      return span.map((w, j) => int(w, `entitySpans[${e}][${j}]`, 0, words.length - 1));
    });
  }
  let segmentBoundary: number | null = null;
  if (v.segmentBoundary !== undefined && v.segmentBoundary !== null) {
    segmentBoundary = int(v.segmentBoundary, "segmentBoundary", 1, Math.max(1, words.length - 1));
  }
  if (!Array.isArray(v.layers)) throw new Invalid("layers", `layers: expected an array of layer numbers, found ${describe(v.layers)}`);
  if (v.layers.length === 0 || v.layers.length > LIMITS.maxLayers) {
    throw new Invalid("layers", `layers: expected 1 to ${LIMITS.maxLayers} layer numbers, found ${v.layers.length}`);
  }
  const layers = v.layers.map((l, i) => int(l, `layers[${i}]`, 0, 10_000));
  const heads = int(v.heads, "heads", 1, LIMITS.maxHeads);

  const att = v.attention;
  if (!isObject(att)) throw new Invalid("attention", `attention: expected an object with encoding, shape and data, found ${describe(att)}`);
  const encoding = att.encoding; // sparse-log8 in version 2 only: a version 1 reader refuses it by the version
  const encodings: string[] = v.version === 2 ? [...ATTENTION_ENCODINGS, SPARSE_ENCODING] : [...ATTENTION_ENCODINGS];
  if (typeof encoding !== "string" || !encodings.includes(encoding)) {
    throw new Invalid("attention.encoding", `attention.encoding: expected one of ${encodings.join(", ")} (version ${v.version}), found ${describe(encoding)}`);
  }
  const shape = att.shape;
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new Invalid("attention.shape", `attention.shape: expected [layers, heads, tokens, tokens], found ${describe(shape)}`);
  }
  const expected = [layers.length, heads, n, n];
  const names = ["layers", "heads", "tokens (query)", "tokens (key)"];
  shape.forEach((s, i) => {
    if (s !== expected[i]) {
      throw new Invalid(`attention.shape[${i}]`, `attention.shape[${i}]: ${names[i]} should be ${expected[i]} (from layers, heads, words and entities), found ${describe(s)}`);
    }
  });
  const values = layers.length * heads * n * n;
  if (values > LIMITS.maxValues) {
    throw new Invalid("attention.shape", `attention.shape: ${values} weights is more than the limit of ${LIMITS.maxValues}`);
  }
  const meta = { title, words, entities, entitySpans, segmentBoundary, layers, heads };
  if (encoding === SPARSE_ENCODING) {
    const sparse = decodeSparse(att, { layers: layers.length, heads, tokens: n }, LIMITS.maxValues, (path, message) => {
      throw new Invalid(path, message);
    });
    return makeAttention({ ...meta, encoding, omitted: sparse.omitted, byteLength: sparse.byteLength }, sparse.read, sparse.one, undefined, sparse.rows);
  }
  const bytesPerValue = encoding === "uint8-sqrt" ? 1 : encoding === "float16" ? 2 : 4;
  if (typeof att.data !== "string") throw new Invalid("attention.data", `attention.data: expected a base64 string, found ${describe(att.data)}`);
  const expectedChars = 4 * Math.ceil((values * bytesPerValue) / 3);
  if (att.data.length !== expectedChars) {
    throw new Invalid(
      "attention.data",
      `attention.data: ${values} weights as ${encoding} take ${expectedChars} base64 characters, found ${att.data.length} (${att.data.length > expectedChars ? "too many" : "too few"})`,
    );
  }
  const bytes = base64Decode(att.data);
  if (bytes === null) throw new Invalid("attention.data", "attention.data: not valid base64");

  const perLayer = heads * n * n;
  const coord = (i: number) => {
    const l = Math.floor(i / perLayer);
    const h = Math.floor((i % perLayer) / (n * n));
    const q = Math.floor((i % (n * n)) / n);
    return `layer ${l}, head ${h}, query ${q}, key ${i % n}`;
  };
  let read: (offset: number, out: Float32Array) => void;
  let one: (index: number) => number;
  if (encoding === "uint8-sqrt") {
    if (!Array.isArray(att.scales) || att.scales.length !== layers.length) {
      throw new Invalid("attention.scales", `attention.scales: uint8-sqrt needs one scale per layer (${layers.length}), found ${describe(att.scales)}`);
    }
    const tables = att.scales.map((s, l) => {
      if (typeof s !== "number" || !Number.isFinite(s) || s < 0) {
        throw new Invalid(`attention.scales[${l}]`, `attention.scales[${l}]: expected a finite number ≥ 0, found ${describe(s)}`);
      }
      const t = new Float32Array(256);
      for (let q = 0; q < 256; q++) t[q] = s * (q / 255) * (q / 255);
      return t;
    });
    read = (offset, out) => {
      const table = tables[Math.floor(offset / perLayer)];
      for (let i = 0; i < out.length; i++) out[i] = table[bytes[offset + i]];
    };
    one = (i) => tables[Math.floor(i / perLayer)][bytes[i]];
  } else {
    const floats = encoding === "float16" ? halvesToFloats(bytes) : floatsFromBytes(bytes);
    for (let i = 0; i < values; i++) {
      const w = floats[i];
      if (!Number.isFinite(w)) throw new Invalid("attention.data", `attention.data: ${describe(w)} at ${coord(i)}; weights must be finite`);
      if (w < 0) throw new Invalid("attention.data", `attention.data: ${w} at ${coord(i)}; weights must not be negative`);
    }
    read = (offset, out) => out.set(floats.subarray(offset, offset + out.length));
    one = (i) => floats[i];
  }
  return makeAttention({ ...meta, encoding: encoding as AttentionEncoding, omitted: null, byteLength: bytes.length }, read, one);
}

export function makeAttention(
  meta: Omit<Attention, "matrix" | "weight" | "sparseRows" | "tokens" | "numWords">,
  read: (offset: number, out: Float32Array) => void,
  one: (index: number) => number,
  flat?: Float32Array,
  rows?: (matrix: number) => SparseRows,
): Attention {
  const n = meta.words.length + meta.entities.length;
  const heads = meta.heads;
  // A small cache: a view asks for the same layer's heads on every redraw.
  const cache = new Map<number, Float32Array>();
  const cacheLimit = Math.max(2 * heads, Math.floor((16 << 20) / Math.max(1, n * n)));
  const check = (layer: number, head: number) => {
    if (!(layer >= 0 && layer < meta.layers.length && head >= 0 && head < heads)) {
      throw new RangeError(`no layer ${layer}, head ${head} in this payload (${meta.layers.length} layers, ${heads} heads)`);
    }
  };
  return {
    ...meta,
    tokens: n,
    numWords: meta.words.length,
    matrix(layer, head) {
      check(layer, head);
      const key = layer * heads + head;
      if (flat) return flat.subarray(key * n * n, (key + 1) * n * n); // weights held as they are: no copy
      let m = cache.get(key);
      if (!m) {
        m = new Float32Array(n * n);
        read(key * n * n, m);
        if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as number);
        cache.set(key, m);
      }
      return m;
    },
    weight(layer, head, query, key) {
      check(layer, head);
      return one(((layer * heads + head) * n + query) * n + key);
    },
    sparseRows: (layer, head) => (check(layer, head), rows ? rows(layer * heads + head) : null),
  };
}

/** Flat weights (a Float32Array, checked by the caller) read as a decoded payload, without encoding them. */
export function denseAttention(input: EncodeInput & { weights: Float32Array }): Attention {
  const w = input.weights, entities = input.entities ?? [];
  const layers = input.layers ?? Array.from({ length: Math.round(w.length / Math.max(1, input.heads * (input.words.length + entities.length) ** 2)) }, (_, i) => i);
  const meta = { title: input.title ?? "", words: input.words, entities, entitySpans: input.entitySpans ?? entities.map(() => []), segmentBoundary: input.segmentBoundary ?? null };
  return makeAttention({ ...meta, layers, heads: input.heads, encoding: "float32", omitted: null, byteLength: w.byteLength }, (o, out) => out.set(w.subarray(o, o + out.length)), (i) => w[i], w);
}

/** Decodes a payload that the caller knows to be good (tests, the kernel's static image); throws otherwise. */
export function decodeOrThrow(input: unknown): Attention {
  const r = decodeAttentionPayload(input);
  if (!r.ok) throw new Error(`attention payload: ${r.error.message}`);
  return r.attention;
}
