/**
 * Attention payloads (kernel/portable/attention-payload.ts) from what a notebook has: a LUKE forward
 * pass, plain arrays of any model (BERT, RoBERTa, GPT-2 …), or a JSON file exported elsewhere.
 */
import { readJson } from "../io/read";
import { decodeOrThrow, encodeAttentionPayload, type AttentionEncoding, type AttentionPayload, type EncodeInput } from "../portable/attention-payload";
import { decodeByteLevel } from "../portable/tokens";

/** A TF.js tensor, recognised by its shape and dataSync (so this module needs no TF.js import). */
export interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

/** Rows as arrays of numbers or typed arrays (Float32Array …). */
type Rows = ArrayLike<number>[];

/** Attention of any model: nested arrays, a tensor, or one tensor per layer. */
export interface AttentionInput {
  /** Every token the attention covers, in order (words, then entities if any). */
  tokens: string[];
  /**
   * [layer][head][query][key], as nested arrays (rows may be Float32Arrays), a tensor
   * [layers, heads, query, key], or a list of per-layer tensors [1, heads, query, key] or [heads, query, key]
   * (as transformers returns them). A batch axis of size 1 after the layer is accepted in nested arrays too.
   */
  attentions: Rows[][] | Rows[][][] | TensorLike | TensorLike[];
  /** The last `entities` tokens are entities (a count), or their names (then `tokens` holds only words). */
  entities?: number | string[];
  /** Per entity, the word indices of its mention. */
  entitySpans?: number[][];
  /** Index of the first token of sentence B (BertViz's sentence_b_start). */
  segmentBoundary?: number | null;
  title?: string;
}

export interface PayloadOptions {
  /** Only these layers (the model's layer numbers). */
  layers?: number[];
  encoding?: AttentionEncoding;
  /** Byte budget of the payload (default 5 MB); over it only the strongest links are stored (payload version 2). */
  maxBytes?: number;
  title?: string;
}

/** What `luke.forward(inputs, { attentions: true })` returns per input (the fields used here). */
export interface LukeForwardLike {
  tokens: string[];
  entityIds: number[];
  entityPositionIds: number[][];
  attentions?: AttentionInput["attentions"];
}

export interface EntityNamer {
  entityTitle(id: number): string | undefined;
}

/** A payload from plain arrays or tensors. Throws with the position of the first inconsistent or non-finite value. */
export function attentionPayload(input: AttentionInput, options: PayloadOptions = {}): AttentionPayload {
  return encodeAttentionPayload(attentionWeights(input, options));
}

/** What the encoder takes, with the weights as one Float32Array [layer][head][query][key]. */
export type WeightsInput = EncodeInput & { weights: Float32Array };

/** The flat weights and token lists of an input, checked: what the encoder takes. */
export function attentionWeights(input: AttentionInput, options: PayloadOptions = {}): WeightsInput {
  if (!input || !Array.isArray(input.tokens)) throw new Error("attention input: `tokens` must be an array of strings");
  input.tokens.forEach((t, i) => {
    if (typeof t !== "string") throw new Error(`attention input: tokens[${i}] is ${typeof t}, expected a string`);
  });
  let words = input.tokens;
  let entities: string[] = [];
  if (Array.isArray(input.entities)) entities = input.entities.map(String);
  else if (typeof input.entities === "number") {
    if (!Number.isInteger(input.entities) || input.entities < 0 || input.entities >= input.tokens.length) {
      throw new Error(`attention input: entities must be a count from 0 to ${input.tokens.length - 1}, found ${input.entities}`);
    }
    words = input.tokens.slice(0, input.tokens.length - input.entities);
    entities = input.tokens.slice(input.tokens.length - input.entities);
  }
  const n = words.length + entities.length;
  const { heads, layers, weights } = flatWeights(input.attentions, n, options.layers);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0 && w < Infinity)) {
      const l = layers[Math.floor(i / (heads * n * n))], h = Math.floor(i / (n * n)) % heads, q = Math.floor(i / n) % n;
      throw new Error(`attention input: attentions[${l}][${h}][${q}][${i % n}] is ${String(w)}; weights must be finite and not negative`);
    }
  }
  return {
    title: options.title ?? input.title,
    words,
    entities,
    entitySpans: input.entitySpans,
    segmentBoundary: input.segmentBoundary ?? null,
    layers,
    heads,
    weights,
    encoding: options.encoding,
    maxBytes: options.maxBytes,
  };
}

function isTensor(x: unknown): x is TensorLike {
  return typeof x === "object" && x !== null && Array.isArray((x as TensorLike).shape) && typeof (x as TensorLike).dataSync === "function";
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;

/** The chosen layers of any accepted form as one Float32Array [layer][head][query][key]. */
function flatWeights(source: AttentionInput["attentions"], n: number, only: number[] | undefined): { heads: number; layers: number[]; weights: Float32Array } {
  if (isTensor(source)) {
    const s = source.shape;
    const squeezed = s.length === 5 && s[1] === 1 ? [s[0], s[2], s[3], s[4]] : s;
    if (squeezed.length !== 4 || squeezed[2] !== n || squeezed[3] !== n) {
      throw new Error(`attention input: the attentions tensor has shape ${shapeText(s)}; expected [layers, heads, ${n}, ${n}] (${n} tokens)`);
    }
    const [count, heads] = squeezed;
    const layers = chosenLayers(only, count);
    const all = source.dataSync();
    const per = heads * n * n;
    const out = new Float32Array(layers.length * per);
    layers.forEach((l, i) => out.set(subarray(all, l * per, per), i * per));
    return { heads, layers, weights: out };
  }
  if (!Array.isArray(source) || source.length === 0) throw new Error("attention input: `attentions` must be a non-empty array [layer][head][query][key] or a tensor");
  const layers = chosenLayers(only, source.length);
  let heads = 0;
  let out = new Float32Array(0);
  layers.forEach((l, i) => {
    const layer = source[l] as unknown;
    let values: ArrayLike<number>;
    let h: number;
    if (isTensor(layer)) {
      const s = layer.shape;
      const squeezed = s.length === 4 && s[0] === 1 ? s.slice(1) : s;
      if (squeezed.length !== 3 || squeezed[1] !== n || squeezed[2] !== n) {
        const batch = s.length === 4 && s[0] !== 1 ? ` (a batch of ${s[0]}: pass one example)` : "";
        throw new Error(`attention input: attentions[${l}] has shape ${shapeText(s)}; expected [1, heads, ${n}, ${n}] or [heads, ${n}, ${n}] (${n} tokens)${batch}`);
      }
      h = squeezed[0];
      values = layer.dataSync();
    } else {
      let nested = layer as unknown[];
      // [layer][1][head][q][k] (one array per layer with a batch axis) → drop the batch axis.
      if (Array.isArray(nested) && depth(nested) === 4) {
        if (nested.length !== 1) throw new Error(`attention input: attentions[${l}] has a batch of ${nested.length}; pass one example (batch size 1)`);
        nested = nested[0] as unknown[];
      }
      if (!Array.isArray(nested) || nested.length === 0) throw new Error(`attention input: attentions[${l}] should be an array of heads, found ${describeLength(nested)}`);
      h = nested.length;
      values = nestedValues(nested, `attentions[${l}]`, h, n);
    }
    if (i === 0) {
      heads = h;
      out = new Float32Array(layers.length * heads * n * n);
    } else if (h !== heads) throw new Error(`attention input: attentions[${l}] should have ${heads} heads (as attentions[${layers[0]}]), found ${h}`);
    out.set(values, i * heads * n * n);
  });
  return { heads, layers, weights: out };
}

function subarray(a: ArrayLike<number>, start: number, length: number): ArrayLike<number> {
  return ArrayBuffer.isView(a) ? (a as Float32Array).subarray(start, start + length) : Array.prototype.slice.call(a, start, start + length);
}

function chosenLayers(only: number[] | undefined, count: number): number[] {
  const chosen = only ?? Array.from({ length: count }, (_, i) => i);
  chosen.forEach((l) => {
    if (!Number.isInteger(l) || l < 0 || l >= count) throw new Error(`attention input: layer ${l} does not exist (the attention has ${count} layers)`);
  });
  return chosen;
}

/** One layer's [head][query][key] (rows: arrays or typed arrays) as flat values, checking every length. */
function nestedValues(layer: unknown[], where: string, heads: number, n: number): Float32Array {
  const out = new Float32Array(heads * n * n);
  for (let h = 0; h < heads; h++) {
    const head = layer[h];
    if (!Array.isArray(head) || head.length !== n) throw new Error(`attention input: ${where}[${h}] should have ${n} query rows (one per token), found ${describeLength(head)}`);
    for (let q = 0; q < n; q++) {
      const row = head[q] as ArrayLike<number>;
      if (!(Array.isArray(row) || ArrayBuffer.isView(row)) || row.length !== n) throw new Error(`attention input: ${where}[${h}][${q}] should have ${n} keys, found ${describeLength(row)}`);
      const o = (h * n + q) * n;
      if (ArrayBuffer.isView(row)) {
        out.set(row, o); // a typed array holds numbers only
        continue;
      }
      for (let k = 0; k < n; k++) {
        const w = row[k];
        if (typeof w !== "number") throw new Error(`attention input: ${where}[${h}][${q}][${k}] is ${String(w)}; weights must be finite and not negative`);
        out[o + k] = w;
      }
    }
  }
  return out;
}

/** Levels of nesting down to the numbers; a typed array counts as one. */
function depth(x: unknown): number {
  let d = 0;
  while (Array.isArray(x)) {
    d++;
    x = x[0];
  }
  return d + (ArrayBuffer.isView(x) ? 1 : 0);
}

function describeLength(x: unknown): string {
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return `${(x as ArrayLike<unknown>).length} (${Array.isArray(x) ? "an array" : x.constructor.name})`;
  return x === null ? "null" : typeof x;
}

/**
 * A payload from one result of `luke.forward(inputs, { attentions: true })`. Entity tokens are named
 * by their entity-vocabulary title and mention, e.g. "[MASK] (Beyoncé)", when a tokenizer (or a Luke,
 * whose `.tokenizer` is used) is given.
 */
export function lukeAttentionPayload(result: LukeForwardLike, options: PayloadOptions & { tokenizer?: EntityNamer; luke?: { tokenizer: EntityNamer } } = {}): AttentionPayload {
  return attentionPayload(lukeAttentionInput(result, options), options);
}

/** The tokens, entity names and attentions of a LUKE forward result (see lukeAttentionPayload). */
export function lukeAttentionInput(result: LukeForwardLike, options: { tokenizer?: EntityNamer; luke?: { tokenizer: EntityNamer }; title?: string } = {}): AttentionInput {
  if (!result.attentions) throw new Error("this forward result has no attentions: run luke.forward(inputs, { attentions: true })");
  const namer = options.tokenizer ?? options.luke?.tokenizer;
  const spans = result.entityPositionIds.map((row) => row.filter((p) => p >= 0 && p < result.tokens.length));
  const entities = result.entityIds.map((id, e) => {
    const title = namer?.entityTitle(id) ?? `entity ${id}`;
    const raw = spans[e]
      .map((p) => result.tokens[p])
      .filter((t) => t !== "<ent>" && t !== "<ent2>")
      .join("");
    const mention = (decodeByteLevel(raw) ?? raw.replace(/Ġ/g, " ")).trim();
    return mention ? `${title} (${mention})` : title;
  });
  return { tokens: result.tokens, entities, entitySpans: spans, attentions: result.attentions, title: options.title };
}

/**
 * Reads attention exported elsewhere: a lukelab payload (with "version"), or
 * {"tokens": [...], "attention" | "attentions": [layer][head][q][k] (or [layer][1][head][q][k]),
 *  "sentence_b_start" | "segmentBoundary": int, "entities": int | [names]}.
 * From transformers: json.dump({"tokens": tok.convert_ids_to_tokens(ids[0]),
 *                               "attentions": [a[0].tolist() for a in out.attentions]}, f)
 */
export function readAttentionFile(path: string, options: PayloadOptions = {}): AttentionPayload {
  const read = readAttentionContent(path, options);
  return "version" in read ? read : encodeAttentionPayload(read);
}

/** A payload file as it is (checked), or another file's weights ready for the encoder. */
export function readAttentionContent(path: string, options: PayloadOptions = {}): AttentionPayload | WeightsInput {
  let json: unknown;
  try {
    json = readJson(path);
  } catch (e) {
    throw new Error(e instanceof Error ? e.message : String(e));
  }
  if (typeof json !== "object" || json === null) throw new Error(`${path}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  try {
    if ("version" in o) {
      decodeOrThrow(o);
      return o as unknown as AttentionPayload;
    }
    return attentionWeights(
      {
        tokens: o.tokens as string[],
        attentions: (o.attentions ?? o.attention) as number[][][][],
        entities: o.entities as number | string[] | undefined,
        entitySpans: o.entitySpans as number[][] | undefined,
        segmentBoundary: (o.segmentBoundary ?? o.sentence_b_start ?? null) as number | null,
        title: typeof o.title === "string" ? o.title : undefined,
      },
      options,
    );
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
