/**
 * TensorFlow ops that tfjs-node has no kernel for, run directly through its backend
 * (`executeSingleOutput(opName, attrs, inputs)` runs any op the loaded TensorFlow library registers).
 * Each function returns null on other backends; callers then take the portable tfjs path.
 *
 *   - dropoutMask: tfjs-core's dropout draws its uniform numbers in JavaScript (seedrandom, one value
 *     at a time) and uploads them, then runs four elementwise ops. A training step of luke-base draws
 *     ~40M of them. Here TensorFlow draws them (StatelessRandomUniform: Philox, multi-threaded,
 *     a pure function of shape and seed) and makes the scaled keep mask in two more ops.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The slice of tfjs-node's backend and binding used here. */
interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: { name: string; type: number; value: unknown }[], inputs: tf.Tensor[]): tf.Tensor;
}

function nodeBackend(): NodeBackend | null {
  if (tf.getBackend() !== "tensorflow") return null;
  const be = tf.backend() as unknown as Partial<NodeBackend>;
  return typeof be.executeSingleOutput === "function" && be.binding ? (be as NodeBackend) : null;
}

/** Whether the native ops of this file are used (the tfjs-node backend is active). */
export function nativeOpsActive(): boolean {
  return nodeBackend() !== null;
}

/**
 * The scaled keep mask of inverted dropout: 1/(1 − rate) where a uniform draw is ≥ rate, else 0
 * (the same rule as tfjs-core's floor(u + 1 − rate)), from TensorFlow's stateless generator keyed by
 * `seed` (any safe integer; the same seed gives the same mask on the same TensorFlow build).
 * Null when the backend is not native TensorFlow.
 */
export function nativeDropoutMask(shape: number[], rate: number, seed: number): tf.Tensor | null {
  const be = nodeBackend();
  if (!be) return null;
  const { TF_ATTR_TYPE, TF_FLOAT, TF_INT32 } = be.binding;
  const type = (name: string, value: number) => ({ name, type: TF_ATTR_TYPE, value });
  return tf.tidy(() => {
    const seeds = tf.tensor1d([seed % 2 ** 31 | 0, Math.floor(seed / 2 ** 31) | 0], "int32");
    const uniform = be.executeSingleOutput("StatelessRandomUniform", [type("dtype", TF_FLOAT), type("T", TF_INT32), type("Tseed", TF_INT32)], [
      tf.tensor1d(shape, "int32"),
      seeds,
    ]);
    const keep = be.executeSingleOutput("GreaterEqual", [type("T", TF_FLOAT)], [uniform, tf.scalar(rate)]);
    return be.executeSingleOutput("SelectV2", [type("T", TF_FLOAT)], [keep, tf.scalar(1 / (1 - rate)), tf.scalar(0)]);
  });
}
