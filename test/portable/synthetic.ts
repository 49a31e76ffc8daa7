/** Attention-like test data without a model. */
import { decodeOrThrow, encodeAttentionPayload, type Attention } from "../../kernel/portable/attention-payload";

/** Softmax rows of random logits: attention-like weights, many small and a few large. */
export function syntheticWeights(layers: number, heads: number, n: number, seed = 1, temperature = 2): Float32Array {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(layers * heads * n * n);
  const row = new Float64Array(n);
  for (let r = 0; r < layers * heads * n; r++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += row[k] = Math.exp(temperature * 3 * (rand() - 0.5) + (rand() < 0.05 ? 4 : 0));
    for (let k = 0; k < n; k++) out[r * n + k] = row[k] / sum;
  }
  return out;
}

/** A text measurer for layouts: 0.6 em a character. */
export const measure = (t: string, size: number) => Array.from(t).length * size * 0.6;

/** A decoded payload of synthetic weights: a sentence pair (boundary 5) and one entity by default. */
export function attention(opts: { layers?: number; heads?: number; words?: string[]; entities?: string[]; boundary?: number | null; weights?: Float32Array } = {}): Attention {
  const words = opts.words ?? ["<s>", "ĠThe", "Ġcat", "Ġsat", "</s>", "Ġit", "Ġslept", "</s>"];
  const entities = opts.entities ?? ["[MASK]"];
  const layers = opts.layers ?? 2, heads = opts.heads ?? 3;
  const n = words.length + entities.length;
  return decodeOrThrow(
    encodeAttentionPayload({ words, entities, heads, weights: opts.weights ?? syntheticWeights(layers, heads, n), segmentBoundary: opts.boundary === undefined ? 5 : opts.boundary, encoding: "float32" }),
  );
}
