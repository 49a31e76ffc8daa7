/**
 * Faster forms of the model's building blocks that a backend may supply. The backend registers
 * them when it loads (native TensorFlow: lukelab's fused kernels, and TensorFlow's own random
 * generator for dropout masks; see native-ops.ts); kernel/model and kernel/train ask for them here
 * and otherwise run their own reference formulas. Each one takes float32 tensors and computes what
 * the reference computes (test/backend/native-ops.test.ts checks values and every gradient).
 */
import type * as tf from "@tensorflow/tfjs-core";

export interface ModelKernels {
  /** y = x·W + b over the last axis (W as [in, out]; any leading shape), with its gradients. */
  linear?(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor;
  /** Exact GELU, x·Φ(x), with its gradient. */
  gelu?(x: tf.Tensor): tf.Tensor;
  /** LayerNorm over the last axis (biased variance, ε inside the square root), with its gradients. */
  layerNorm?(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor;
  /** Inverted dropout with a keep mask that is a pure function of `seed` (any safe integer). */
  dropout?(x: tf.Tensor, rate: number, seed: number): tf.Tensor;
  /** One AdamW update (transformers' form, see kernel/train/adamw.ts): [p', m', v']. */
  adamW?(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, step: number, b1: number, b2: number, eps: number, decay: number): tf.Tensor[];
  /** The same update for many tensors at once, each with its own hyperparameters: [p', m', v'] for each. */
  adamWMany?(updates: readonly AdamWUpdate[]): tf.Tensor[][];
}

/** One tensor's AdamW update: its parameter, gradient, moments and hyperparameters. */
export interface AdamWUpdate {
  p: tf.Tensor;
  g: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  /** [step size, beta1, beta2, eps, lr · weight decay] */
  hyper: readonly [number, number, number, number, number];
}

const NONE: ModelKernels = Object.freeze({});
const sources: (() => ModelKernels)[] = [];

/**
 * Adds a source of kernels; it is asked on every use, so it can answer for the backend active at
 * that moment (and {} when that is not its backend).
 */
export function registerModelKernels(source: () => ModelKernels): void {
  if (!sources.includes(source)) sources.push(source);
}

/** The kernels the active backend supplies now ({} when it supplies none). */
export function modelKernels(): ModelKernels {
  for (const source of sources) {
    const kernels = source();
    if (Object.keys(kernels).length) return kernels;
  }
  return NONE;
}
