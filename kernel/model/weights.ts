/**
 * The weight tree of weight-tree.ts as TF.js variables: a live model's weights, made from
 * checkpoint data (PyTorch layouts in, ours out) or initialised as transformers does, and read
 * back in PyTorch layouts. Which weights exist, with which names and shapes, is weight-tree.ts's
 * alone; this file only turns each WeightSpec into a tf.Variable and back.
 *
 * The tree's types are re-exported with tf.Variable leaves as the default, as the forward code reads them.
 */
import { tf } from "../backend";
import type { TensorData } from "./tensor-data";
import type * as Tree from "./weight-tree";
import type { WeightSpec } from "./weight-tree";

export type SelfAttentionWeights<W = tf.Variable> = Tree.SelfAttentionWeights<W>;
export type LayerWeights<W = tf.Variable> = Tree.LayerWeights<W>;
export type EmbeddingsWeights<W = tf.Variable> = Tree.EmbeddingsWeights<W>;
export type EntityEmbeddingsWeights<W = tf.Variable> = Tree.EntityEmbeddingsWeights<W>;
export type BaseWeights<W = tf.Variable> = Tree.BaseWeights<W>;
export type LmHeadWeights<W = tf.Variable> = Tree.LmHeadWeights<W>;
export type EntityPredictionsWeights<W = tf.Variable> = Tree.EntityPredictionsWeights<W>;
export type LukeWeights<W = tf.Variable> = Tree.LukeWeights<W>;

// ---------------------------------------------------------------------------------------------
// Layout conversion between PyTorch [out, in] and our [in, out].

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c];
  }
  return out;
}

let modelCount = 0;

/** Variable names must be unique per process; prefix each model's names with a counter. */
export function variableNamer(): (name: string) => string {
  const id = modelCount++;
  return (name) => `luke${id}/${name}`;
}

/** A variable in our layout from a tensor in PyTorch layout. */
export function variableFromData(spec: WeightSpec, data: Float32Array, varName: string): tf.Variable {
  const [rows, cols] = spec.shape;
  const values = spec.transposed ? transpose2d(data, rows, cols) : data;
  const shape = spec.transposed ? [cols, rows] : spec.shape;
  const t = tf.tensor(values, shape, "float32");
  const v = tf.variable(t, true, varName);
  t.dispose(); // the variable holds its own reference to the data
  return v;
}

/** A variable initialised as transformers' LukePreTrainedModel._init_weights does. */
export function variableFromInit(spec: WeightSpec, std: number, seed: number | undefined, varName: string): tf.Variable {
  const shape = spec.transposed ? [spec.shape[1], spec.shape[0]] : spec.shape;
  const value = tf.tidy(() => {
    if (spec.init === "ones") return tf.ones(shape);
    if (spec.init === "zeros") return tf.zeros(shape);
    const t = tf.randomNormal(shape, 0, std, "float32", seed);
    if (spec.paddingIdx === undefined) return t;
    const keep = tf.sub(1, tf.oneHot(tf.tensor1d([spec.paddingIdx], "int32"), shape[0])); // [1, rows]
    return tf.mul(t, tf.reshape(keep, [shape[0], 1]));
  });
  const v = tf.variable(value, true, varName);
  value.dispose();
  return v;
}

/** A variable back in PyTorch layout. */
export function variableToData(spec: WeightSpec, v: tf.Variable): TensorData {
  const data = v.dataSync() as Float32Array;
  const [rows, cols] = spec.shape;
  return {
    dtype: "float32",
    shape: [...spec.shape],
    data: spec.transposed ? transpose2d(data, cols, rows) : Float32Array.from(data),
  };
}
