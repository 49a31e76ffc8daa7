/** Attention-like test data without a model. */

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
