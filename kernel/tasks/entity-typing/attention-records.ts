/**
 * Attention records of evaluated examples (--output-attentions): one JSON line per example in
 * attentions_dev.jsonl / attentions_test.jsonl, in file order. The raw data only; the notebook MIME
 * payload that the extension renders is built from these by kernel/display.
 *
 *   {
 *     "index": 0,                       example position in the split file
 *     "sentence": "…",                  the raw text (`sent`)
 *     "tokens": ["<s>", "ĠThe", …, "</s>", "[MASK]"],   words, then one name per entity
 *     "word_count": 12, "entity_count": 1,
 *     "entity_position_ids": [[3, 4, 5]],             word positions of each entity's mention
 *     "shape": [layers, heads, S, S],   S = word_count + entity_count (queries × keys, words first)
 *     "dtype": "float16",
 *     "data": "…"                       base64 of the little-endian IEEE half floats, row-major
 *   }
 *
 * Half floats keep 3 significant digits of a probability in 2 bytes (a 24-layer, 16-head example
 * of 40 tokens is 1.2 MB as JSON numbers, 120 kB here).
 */

/** float32 → IEEE 754 half (bits), round to nearest even, and back: one codec, kernel/portable/codecs.ts. */
import { fromHalf as fromFloat16Bits, toHalf as toFloat16Bits } from "../../portable/codecs";
export { fromFloat16Bits, toFloat16Bits };

export function encodeFloat16Base64(values: ArrayLike<number>): string {
  const out = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(toFloat16Bits(values[i]), i * 2);
  return out.toString("base64");
}

export function decodeFloat16Base64(data: string): Float32Array {
  const bytes = Buffer.from(data, "base64");
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = fromFloat16Bits(bytes.readUInt16LE(i * 2));
  return out;
}

export interface AttentionRecord {
  index: number;
  sentence: string;
  tokens: string[];
  word_count: number;
  entity_count: number;
  entity_position_ids: number[][];
  shape: [number, number, number, number];
  dtype: "float16";
  data: string;
}

/** Reads one line of an attentions file back into numbers: [layer][head][query][key]. */
export function decodeAttentionRecord(record: AttentionRecord): Float32Array {
  const values = decodeFloat16Base64(record.data);
  const expected = record.shape.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`attention record ${record.index}: ${values.length} values for shape [${record.shape}]`);
  return values;
}
