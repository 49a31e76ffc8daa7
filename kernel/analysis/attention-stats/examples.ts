/**
 * One internal form for the attention of an example, whether it comes from an attention record
 * (`attentions_{dev,test}.jsonl` of `entity-typing run --output-attentions`) or from a result of
 * `luke.forward(inputs, { attentions: true })` in a notebook: the tokens (words, then one name per
 * entity), the word and entity counts, each entity's mention span and the attention probabilities
 * [layer][head][query][key] over words then entities.
 */
import { lineAndColumn, locateJsonError } from "../../io/read";
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import type { EntityNamer } from "../../display/attention-input";
import type { ForwardResult } from "../../inference/luke";
import type { AttentionRecord } from "../../tasks/entity-typing/attention-records";
import { halvesToFloats } from "../../portable/codecs";

export interface AttentionExample {
  /** Where the example came from, for messages: "runs/a/attentions_dev.jsonl line 4", "forward result 2". */
  where: string;
  /** The example's index in its split file (records) or its position in the list (forward results). */
  index: number;
  sentence: string;
  /** Words, then one name per entity (e.g. "[MASK]"). */
  tokens: string[];
  wordCount: number;
  entityCount: number;
  /** Word positions of each entity's mention (for entity typing: the opening marker through the closing one). */
  entitySpans: number[][];
  layers: number;
  heads: number;
  /** Attention probabilities, row-major [layers][heads][S][S] with S = tokens.length. */
  attention: Float32Array;
}

/** The value attention[layer][head][query][key] of an example. */
export function attentionAt(ex: AttentionExample, layer: number, head: number, query: number, key: number): number {
  const S = ex.tokens.length;
  return ex.attention[((layer * ex.heads + head) * S + query) * S + key];
}

const isInt = (v: unknown): v is number => Number.isInteger(v);

/** Half floats from base64 (a LUKE-large record holds ~600 000 values, and a split thousands of records). */
function decodeHalves(data: string): Float32Array {
  return halvesToFloats(Buffer.from(data, "base64"));
}

/** Checks the parts every example needs; throws `${where}: …` naming the first thing wrong. */
export function checkAttentionExample(ex: AttentionExample): AttentionExample {
  const fail = (what: string): never => {
    throw new Error(`${ex.where}: ${what}`);
  };
  const S = ex.tokens.length;
  if (!isInt(ex.wordCount) || !isInt(ex.entityCount) || ex.wordCount < 1 || ex.entityCount < 0) fail(`word_count ${ex.wordCount} and entity_count ${ex.entityCount} must be whole numbers (at least one word)`);
  if (ex.wordCount + ex.entityCount !== S) fail(`${S} tokens, but word_count ${ex.wordCount} + entity_count ${ex.entityCount} = ${ex.wordCount + ex.entityCount}`);
  if (ex.entitySpans.length !== ex.entityCount) fail(`${ex.entitySpans.length} entity_position_ids rows for ${ex.entityCount} entities`);
  ex.entitySpans.forEach((span, e) => {
    if (span.length === 0) fail(`entity ${e} has no mention positions (entity_position_ids[${e}] is empty)`);
    for (const p of span) if (!isInt(p) || p < 0 || p >= ex.wordCount) fail(`entity_position_ids[${e}] holds ${p}, not a word position (0..${ex.wordCount - 1})`);
  });
  if (!isInt(ex.layers) || !isInt(ex.heads) || ex.layers < 1 || ex.heads < 1) fail(`shape has ${ex.layers} layers and ${ex.heads} heads`);
  const expected = ex.layers * ex.heads * S * S;
  if (ex.attention.length !== expected) fail(`${ex.attention.length} attention values, expected ${ex.layers}×${ex.heads}×${S}×${S} = ${expected}`);
  for (let i = 0; i < ex.attention.length; i++) {
    const v = ex.attention[i];
    if (!(v >= 0 && v <= 1.001)) {
      const S2 = S * S;
      const [l, h, q, k] = [Math.floor(i / (ex.heads * S2)), Math.floor(i / S2) % ex.heads, Math.floor(i / S) % S, i % S];
      fail(`attention[${l}][${h}][${q}][${k}] = ${v} is not a probability`);
    }
  }
  return ex;
}

/** An attention record (one parsed line of attentions_{dev,test}.jsonl) as an example. */
export function attentionExampleFromRecord(record: AttentionRecord, where: string): AttentionExample {
  const r = record as unknown as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (typeof r !== "object" || r === null || Array.isArray(r)) fail("not an attention record (expected a JSON object)");
  for (const key of ["tokens", "word_count", "entity_count", "entity_position_ids", "shape", "data"]) {
    if (!(key in r)) fail(`not an attention record: key "${key}" is missing (write records with entity-typing run --output-attentions)`);
  }
  if (!Array.isArray(r.tokens) || !r.tokens.every((t) => typeof t === "string")) fail(`"tokens" must be an array of strings`);
  if (!Array.isArray(r.shape) || r.shape.length !== 4 || !r.shape.every(isInt)) fail(`"shape" must be [layers, heads, S, S], found ${JSON.stringify(r.shape)}`);
  const [layers, heads, S, S2] = r.shape as number[];
  if (S !== S2) fail(`"shape" [${r.shape}] is not square in its last two axes`);
  if (S !== (r.tokens as string[]).length) fail(`"shape" [${r.shape}] has S = ${S}, but there are ${(r.tokens as string[]).length} tokens`);
  if (r.dtype !== undefined && r.dtype !== "float16") fail(`"dtype" ${JSON.stringify(r.dtype)} is not supported (records hold "float16")`);
  if (typeof r.data !== "string") fail(`"data" must be a base64 string`);
  if (!Array.isArray(r.entity_position_ids) || !r.entity_position_ids.every((row) => Array.isArray(row))) fail(`"entity_position_ids" must be an array of arrays`);
  const attention = decodeHalves(r.data as string);
  return checkAttentionExample({
    where,
    index: isInt(r.index) ? r.index : -1,
    sentence: typeof r.sentence === "string" ? r.sentence : "",
    tokens: r.tokens as string[],
    wordCount: r.word_count as number,
    entityCount: r.entity_count as number,
    entitySpans: (r.entity_position_ids as number[][]).map((row) => row.filter((p) => p !== -1)),
    layers,
    heads,
    attention,
  });
}

export interface ForwardExampleOptions {
  /** Names the entity tokens by their entity-vocabulary titles (e.g. "[MASK]"); a Luke's tokenizer does. */
  tokenizer?: EntityNamer;
  luke?: { tokenizer: EntityNamer };
  /** The texts of the inputs, kept with the examples. */
  sentences?: readonly string[];
}

/** The part of a ForwardResult this analysis reads. */
export type ForwardWithAttentions = Pick<ForwardResult, "tokens" | "entityIds" | "entityPositionIds" | "attentions">;

/** A result of `luke.forward(inputs, { attentions: true })` as an example; `i` is its position in the list. */
export function attentionExampleFromForward(result: ForwardWithAttentions, i: number, options: ForwardExampleOptions = {}): AttentionExample {
  const where = `forward result ${i}`;
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  const att = result.attentions;
  if (!att) fail("has no attentions: run luke.forward(inputs, { attentions: true })");
  const namer = options.tokenizer ?? options.luke?.tokenizer;
  const entityNames = result.entityIds.map((id) => namer?.entityTitle(id) ?? `entity ${id}`);
  const tokens = [...result.tokens, ...entityNames];
  const S = tokens.length;
  const layers = att!.length;
  const heads = Array.isArray(att![0]) ? att![0].length : 0;
  const attention = new Float32Array(layers * heads * S * S);
  att!.forEach((layer, l) => {
    if (!Array.isArray(layer) || layer.length !== heads) fail(`attentions[${l}] has ${Array.isArray(layer) ? layer.length : typeof layer} heads, attentions[0] has ${heads}`);
    layer.forEach((head, h) => {
      if (!Array.isArray(head) || head.length !== S) fail(`attentions[${l}][${h}] has ${Array.isArray(head) ? head.length : typeof head} query rows, expected ${S} (words + entities)`);
      head.forEach((row, q) => {
        if (!Array.isArray(row) || row.length !== S) fail(`attentions[${l}][${h}][${q}] has ${Array.isArray(row) ? row.length : typeof row} keys, expected ${S}`);
        attention.set(row, ((l * heads + h) * S + q) * S);
      });
    });
  });
  return checkAttentionExample({
    where,
    index: i,
    sentence: options.sentences?.[i] ?? "",
    tokens,
    wordCount: result.tokens.length,
    entityCount: result.entityIds.length,
    entitySpans: result.entityPositionIds.map((row) => row.filter((p) => p >= 0)),
    layers,
    heads,
    attention,
  });
}

/**
 * The examples of an attentions file, one per non-empty line, read as a stream (a file of a large
 * model does not have to fit in memory as text). A line that is not JSON or not a valid record stops
 * the reading with the file and line number.
 */
export async function* readAttentionRecords(file: string): AsyncGenerator<AttentionExample> {
  if (!existsSync(file)) throw new Error(`${file}: no such file (attention records come from entity-typing run --output-attentions: attentions_dev.jsonl, attentions_test.jsonl)`);
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === "") continue;
      const where = `${file} line ${n}`;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (err) {
        const located = locateJsonError(line);
        throw new Error(located ? `${where}, column ${lineAndColumn(line, located.offset)[1]}: not valid JSON: ${located.detail}` : `${where}: not JSON (${(err as Error).message})`);
      }
      yield attentionExampleFromRecord(record as AttentionRecord, where);
    }
  } finally {
    lines.close();
  }
}
