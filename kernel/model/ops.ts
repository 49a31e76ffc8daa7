/**
 * The building blocks every LUKE module uses: Linear, LayerNorm, embedding lookup, activations,
 * dropout and the head split/merge reshapes. Pure functions of tensors; callers run them inside
 * tf.tidy.
 *
 * Where the backend supplies a faster form of an op (kernel/backend/model-kernels.ts: native
 * TensorFlow's fused kernels), the op here hands float32 inputs to it; the formula below is the reference.
 *
 * Tensor ownership, once for the whole model: tensors a function returns belong to the caller;
 * everything else is made inside tf.tidy; caller inputs are never disposed.
 */
import { tf } from "../backend";
import { modelKernels } from "../backend/model-kernels";
import type { HiddenAct } from "./config";
import type * as Tree from "./weight-tree";

/**
 * A PyTorch nn.Linear. `kernel` is the Hugging Face `.weight` stored transposed, as [in, out]:
 * on the wasm backend only an untransposed rank-2 matMul reaches XNNPACK's packed GEMM, which
 * also caches the packed kernel per weight tensor. matMul(x, W[out,in], false, true) takes the
 * naive loop instead and measured ~10x slower (H=768: 128×768·768 in 5.7 ms vs 66 ms).
 */
export type Linear<W = tf.Variable> = Tree.Linear<W>;
/** nn.LayerNorm's affine parameters (`weight` is γ, `bias` is β). */
export type LayerNorm<W = tf.Variable> = Tree.LayerNorm<W>;
/** nn.Embedding: a [rows, dim] table. */
export type Embedding<W = tf.Variable> = Tree.Embedding<W>;

/** y = x·Wᵀ + b over the last axis, for any leading shape. */
export function linear(x: tf.Tensor, p: Linear<tf.Tensor>): tf.Tensor {
  const kernel = modelKernels().linear;
  if (kernel && x.dtype === "float32") return kernel(x, p.kernel, p.bias);
  const inFeatures = x.shape[x.rank - 1];
  const [, outFeatures] = p.kernel.shape as [number, number];
  // Rank 2 on purpose: a [B, L, in] operand counts as a batch of B matrices and misses the fast path.
  const y = tf.fused.matMul({ a: tf.reshape(x, [-1, inFeatures]), b: p.kernel, bias: p.bias });
  return tf.reshape(y, [...x.shape.slice(0, -1), outFeatures]);
}

/**
 * LayerNorm over the last axis with the biased variance and ε inside the square root, as PyTorch.
 *
 * Its gradient is written out (the standard closed form) rather than taped op by op: the tape of the
 * forward ops would keep five [.., H] intermediates per call and run about twenty elementwise ops
 * backwards, where the closed form keeps x̂ and 1/σ and runs eleven. With N = H, g = dy·γ:
 *   dx = (1/σ)·(g − mean(g) − x̂·mean(g·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy  (sums over every leading axis).
 */
export function layerNorm(x: tf.Tensor, p: LayerNorm, eps: number): tf.Tensor {
  const kernel = modelKernels().layerNorm;
  if (kernel && x.dtype === "float32") return kernel(x, p.weight, p.bias, eps);
  const norm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const centered = tf.sub(input, tf.mean(input, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), eps));
    const xhat = tf.mul(centered, rstd);
    save([xhat, rstd, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, g0] = saved;
        const hidden = xh.shape[xh.rank - 1];
        const g = tf.mul(dy, g0);
        const dx = tf.mul(tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xh, tf.mean(tf.mul(g, xh), -1, true))), rs);
        const rows = (t: tf.Tensor) => tf.reshape(t, [-1, hidden]);
        const dGamma = tf.sum(rows(tf.mul(dy, xh)), 0);
        const dBeta = tf.sum(rows(dy), 0);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return norm(x, p.weight, p.bias);
}

/**
 * Table lookup: ids [...] (int32) → [..., dim]. (Its gradient runs UnsortedSegmentSum, which the
 * backend adds to wasm: kernel/backend/training-support.ts.)
 */
export function embed(p: Embedding, ids: tf.Tensor): tf.Tensor {
  return tf.gather(p.weight, ids);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)): PyTorch's default and what "gelu" means in ACT2FN. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const kernel = modelKernels().gelu;
  if (kernel && x.dtype === "float32") return kernel(x);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** The tanh approximation ("gelu_new", "gelu_pytorch_tanh"); never used by the LUKE checkpoints. */
function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/** transformers' ACT2FN for the names LukeConfig accepts. */
export function activation(name: HiddenAct): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case "gelu":
      return gelu;
    case "gelu_new":
    case "gelu_pytorch_tanh":
      return geluTanh;
    case "relu":
      return (x) => tf.relu(x);
    case "silu":
    case "swish":
      return (x) => tf.mul(x, tf.sigmoid(x));
    case "tanh":
      return (x) => tf.tanh(x);
  }
}

/**
 * Dropout for one forward pass: the identity unless training. With a seed, the k-th dropout call
 * of the pass uses seed + k, so a seeded pass is reproducible and its masks differ from each other.
 */
export class Dropout {
  private calls = 0;
  constructor(
    readonly training: boolean,
    private readonly seed?: number,
  ) {}

  apply<T extends tf.Tensor>(x: T, rate: number): T {
    if (!this.training || rate === 0) return x;
    const seed = this.seed === undefined ? undefined : this.seed + this.calls++;
    const kernel = modelKernels().dropout;
    if (kernel && x.dtype === "float32") return kernel(x, rate, seed ?? Math.floor(Math.random() * 2 ** 52)) as T;
    return tf.dropout(x, rate, undefined, seed) as T;
  }
}

/** [B, L, nh·d], or its rows [B·L, nh·d] with L given → [B, nh, L, d] */
export function splitHeads(x: tf.Tensor, numHeads: number, length: number = x.shape[1] as number): tf.Tensor4D {
  const hidden = x.shape[x.rank - 1];
  const batch = x.size / hidden / length;
  return tf.transpose(tf.reshape(x, [batch, length, numHeads, hidden / numHeads]), [0, 2, 1, 3]);
}

/** [B, nh, L, d] → [B, L, nh·d] */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [batch, numHeads, length, headSize] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, length, numHeads * headSize]);
}
