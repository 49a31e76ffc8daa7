/**
 * Attention payloads (kernel/portable/attention-payload.ts) from what a notebook has: a LUKE forward
 * pass, plain arrays of any model (BERT, RoBERTa, GPT-2 …), or a JSON file exported elsewhere.
 */
import { readJson } from "../io/read";
import { decodeOrThrow, encodeAttentionPayload, type AttentionEncoding, type AttentionPayload } from "../portable/attention-payload";
import { decodeByteLevel } from "../portable/tokens";

/** Attention of any model as plain arrays. */
export interface AttentionInput {
  /** Every token the attention covers, in order (words, then entities if any). */
  tokens: string[];
  /** [layer][head][query][key]; a batch axis of size 1 after the layer ([layer][1][head][q][k]) is accepted. */
  attentions: number[][][][] | number[][][][][];
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
  title?: string;
}

/** What `luke.forward(inputs, { attentions: true })` returns per input (the fields used here). */
export interface LukeForwardLike {
  tokens: string[];
  entityIds: number[];
  entityPositionIds: number[][];
  attentions?: number[][][][];
}

export interface EntityNamer {
  entityTitle(id: number): string | undefined;
}

/** A payload from plain arrays. Throws with the position of the first inconsistent or non-finite value. */
export function attentionPayload(input: AttentionInput, options: PayloadOptions = {}): AttentionPayload {
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
  let layersArr = input.attentions as unknown[];
  if (!Array.isArray(layersArr) || layersArr.length === 0) throw new Error("attention input: `attentions` must be a non-empty array [layer][head][query][key]");
  // [layer][1][head][q][k] (one tensor per layer with a batch axis, as transformers returns) → drop the batch axis.
  if (depth(layersArr) === 5) {
    layersArr = layersArr.map((l, i) => {
      const b = l as unknown[];
      if (b.length !== 1) throw new Error(`attention input: attentions[${i}] has a batch of ${b.length}; pass one example (batch size 1)`);
      return b[0];
    });
  }
  const all = layersArr as number[][][][];
  const chosen = options.layers ?? all.map((_, i) => i);
  chosen.forEach((l) => {
    if (!Number.isInteger(l) || l < 0 || l >= all.length) throw new Error(`attention input: layer ${l} does not exist (the attention has ${all.length} layers)`);
  });
  const heads = Array.isArray(all[0]) ? all[0].length : 0;
  if (heads === 0) throw new Error("attention input: attentions[0] has no heads");
  const flat = new Float32Array(chosen.length * heads * n * n);
  let o = 0;
  for (const l of chosen) {
    const layer = all[l];
    if (!Array.isArray(layer) || layer.length !== heads) throw new Error(`attention input: attentions[${l}] should have ${heads} heads, found ${describeLength(layer)}`);
    for (let h = 0; h < heads; h++) {
      const head = layer[h];
      if (!Array.isArray(head) || head.length !== n) {
        throw new Error(`attention input: attentions[${l}][${h}] should have ${n} query rows (one per token), found ${describeLength(head)}`);
      }
      for (let q = 0; q < n; q++) {
        const row = head[q];
        if (!Array.isArray(row) || row.length !== n) throw new Error(`attention input: attentions[${l}][${h}][${q}] should have ${n} keys, found ${describeLength(row)}`);
        for (let k = 0; k < n; k++) {
          const w = row[k];
          if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
            throw new Error(`attention input: attentions[${l}][${h}][${q}][${k}] is ${String(w)}; weights must be finite and not negative`);
          }
          flat[o++] = w;
        }
      }
    }
  }
  return encodeAttentionPayload({
    title: options.title ?? input.title,
    words,
    entities,
    entitySpans: input.entitySpans,
    segmentBoundary: input.segmentBoundary ?? null,
    layers: chosen,
    heads,
    weights: flat,
    encoding: options.encoding,
  });
}

function depth(x: unknown): number {
  let d = 0;
  while (Array.isArray(x)) {
    d++;
    x = x[0];
  }
  return d;
}

function describeLength(x: unknown): string {
  return Array.isArray(x) ? String(x.length) : typeof x;
}

/**
 * A payload from one result of `luke.forward(inputs, { attentions: true })`. Entity tokens are named
 * by their entity-vocabulary title and mention, e.g. "[MASK] (Beyoncé)", when a tokenizer (or a Luke,
 * whose `.tokenizer` is used) is given.
 */
export function lukeAttentionPayload(result: LukeForwardLike, options: PayloadOptions & { tokenizer?: EntityNamer; luke?: { tokenizer: EntityNamer } } = {}): AttentionPayload {
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
  return attentionPayload(
    { tokens: result.tokens, entities, entitySpans: spans, attentions: result.attentions, title: options.title },
    { layers: options.layers, encoding: options.encoding },
  );
}

/**
 * Reads attention exported elsewhere: a lukelab payload (with "version"), or
 * {"tokens": [...], "attention" | "attentions": [layer][head][q][k] (or [layer][1][head][q][k]),
 *  "sentence_b_start" | "segmentBoundary": int, "entities": int | [names]}.
 * From transformers: json.dump({"tokens": tok.convert_ids_to_tokens(ids[0]),
 *                               "attentions": [a[0].tolist() for a in out.attentions]}, f)
 */
export function readAttentionFile(path: string, options: PayloadOptions = {}): AttentionPayload {
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
    return attentionPayload(
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
