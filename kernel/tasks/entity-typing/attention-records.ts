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

/** float32 → IEEE 754 half (bits), round to nearest even; overflow → ±∞, NaN kept. */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

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
