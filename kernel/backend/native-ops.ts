/**
 * TensorFlow ops that tfjs-node has no kernel for, run directly through its backend
 * (`executeSingleOutput(opName, attrs, inputs)` runs any op the loaded TensorFlow library registers).
 * They reach the model through `nativeKernels` (registered with model-kernels.ts when the binding
 * loads); elsewhere the model takes its portable tfjs path.
 *
 *   - dropout mask: tfjs-core's dropout draws its uniform numbers in JavaScript (seedrandom, one value
 *     at a time) and uploads them, then runs four elementwise ops. A training step of luke-base draws
 *     ~40M of them. Here TensorFlow draws them (StatelessRandomUniform: Philox, multi-threaded,
 *     a pure function of shape and seed) and makes the scaled keep mask in two more ops.
 *   - fused kernels (native/lukelab_ops.cc, built by scripts/native-ops.sh and loaded into the process
 *     with the binding): GELU and its gradient, LayerNorm and its gradient, the AdamW update and
 *     dropout, each one pass over memory where the elementwise form takes 4 to 20 (on a 2-core CPU
 *     these ops are memory-bound and were a third of a luke-base training step). When they are
 *     loaded, dropout takes its fused kernel rather than the mask above. LUKELAB_FUSED_OPS=0 turns
 *     them off.
 *   - linear layers (with the fused kernels): x·W + b as TensorFlow's BatchMatMulV2 (W broadcast over
 *     x's leading axes) and BiasAdd, and back as one BatchMatMulV2 with the transpose flag, one MatMul
 *     with its transpose flag and BiasAddGrad: 2 ops forward and 5 back (two of them reshapes), where
 *     tfjs's fused matMul runs 7 forward (reshapes to rank 3 and back, matMul, add) and about 10 back.
 *     Each eager op costs tens of microseconds of dispatch whatever its size, which is most of the
 *     time of a small model's step.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { AdamWUpdate, ModelKernels } from "./model-kernels";

/** The slice of tfjs-node's backend and binding used here. */
interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number; TF_ATTR_INT: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
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

/** A safe integer seed as two int32 words. */
function seedPair(seed: number): tf.Tensor {
  return tf.tensor1d([seed % 2 ** 31 | 0, Math.floor(seed / 2 ** 31) | 0], "int32");
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
    const uniform = be.executeSingleOutput("StatelessRandomUniform", [type("dtype", TF_FLOAT), type("T", TF_INT32), type("Tseed", TF_INT32)], [
      tf.tensor1d(shape, "int32"),
      seedPair(seed),
    ]);
    const keep = be.executeSingleOutput("GreaterEqual", [type("T", TF_FLOAT)], [uniform, tf.scalar(rate)]);
    return be.executeSingleOutput("SelectV2", [type("T", TF_FLOAT)], [keep, tf.scalar(1 / (1 - rate)), tf.scalar(0)]);
  });
}

/** Set to 0 to run GELU, LayerNorm, AdamW and dropout as TensorFlow's elementwise ops, and linear layers as tfjs's fused matMul, even when the fused kernels are built. */
export const FUSED_OPS_ENV = "LUKELAB_FUSED_OPS";

let fused: { loaded: true; path: string } | { loaded: false; why: string } = { loaded: false, why: "the native backend is not loaded" };
let fusedEnabled = true;

/** Loads the fused kernels built for a native build (called once, right after its binding loads). */
export function loadFusedOps(build: { opsLibrary?: string; variant: string }): void {
  let missing: string[];
  if (process.env[FUSED_OPS_ENV] === "0") {
    fused = { loaded: false, why: `off (${FUSED_OPS_ENV}=0)` };
  } else if (!build.opsLibrary) {
    fused = { loaded: false, why: `not built (run \`${opsCommand(build.variant)}\`)` };
  } else if ((missing = missingOps(build.opsLibrary)).length) {
    fused = { loaded: false, why: `built from an older native/lukelab_ops.cc (without ${missing.join(", ")}): run \`${opsCommand(build.variant)}\`` };
  } else {
    try {
      // A Node-API module with no exports; loading it registers the ops with the TensorFlow in this process.
      process.dlopen({ exports: {} }, build.opsLibrary);
      fused = { loaded: true, path: build.opsLibrary };
    } catch (err) {
      fused = { loaded: false, why: `did not load: ${(err as Error).message.split("\n")[0]}` };
    }
  }
}

/** The ops this file runs from lukelab's library. */
export const FUSED_OP_NAMES = Object.freeze([
  "LukelabGelu",
  "LukelabGeluGrad",
  "LukelabLayerNorm",
  "LukelabLayerNormGrad",
  "LukelabAdamW",
  "LukelabAdamWMulti",
  "LukelabDropout",
  "LukelabDropoutGrad",
]);

const opsCommand = (variant: string) => `bash scripts/native-ops.sh${variant === "gpu" ? " --gpu" : ""}`;

/** The ops of FUSED_OP_NAMES that the library's build record (lukelab_ops.json beside it) does not list. */
function missingOps(library: string): string[] {
  let listed: unknown;
  try {
    listed = (JSON.parse(readFileSync(join(dirname(library), "lukelab_ops.json"), "utf8")) as { ops?: unknown }).ops;
  } catch {
    listed = undefined;
  }
  const ops = Array.isArray(listed) ? new Set(listed) : new Set<unknown>();
  return FUSED_OP_NAMES.filter((op) => !ops.has(op));
}

/** Whether GELU, LayerNorm, AdamW and dropout run as lukelab's fused kernels (and linear layers as fusedLinear) now. */
export function fusedOpsActive(): boolean {
  return fusedEnabled && fused.loaded && nativeOpsActive();
}

/** Turns the fused kernels on or off (when loaded); returns the previous setting. For tests and benchmarks. */
export function setFusedOps(on: boolean): boolean {
  const previous = fusedEnabled;
  fusedEnabled = on;
  return previous;
}

/** One line for `lukelab doctor`. */
export function describeFusedOps(): string {
  if (!fused.loaded) return fused.why;
  return `${fusedEnabled ? "on" : "loaded, turned off"}: GELU, LayerNorm, AdamW (every tensor in one op) and dropout (a one-byte mask) in one pass each, linear layers in 4 ops (${fused.path})`;
}

function run(name: string, inputs: tf.Tensor[], attrs: OpAttr[] = []): tf.Tensor {
  return nodeBackend()!.executeSingleOutput(name, attrs, inputs);
}

function runMany(name: string, inputs: tf.Tensor[], outputs: number, attrs: OpAttr[] = []): tf.Tensor[] {
  return nodeBackend()!.executeMultipleOutputs(name, attrs, inputs, outputs);
}

const typeAttr = (be: NodeBackend, name = "T") => ({ name, type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT });
const boolAttr = (be: NodeBackend, name: string, value: boolean) => ({ name, type: be.binding.TF_ATTR_BOOL, value });

/**
 * y = x·W + b over the last axis for any leading shape (W stored [in, out], as kernel/model/ops.ts's
 * Linear), in 4 TensorFlow ops: x as rows [N, in], BatchMatMulV2, BiasAdd, back to x's leading shape.
 * (BatchMatMulV2 of [B, L, in] with a broadcast [in, out] runs B small products, 1.5–3× slower than
 * one over the B·L rows.) Backward in 5: dy as rows, dx = dy·Wᵀ and dW = xᵀ·dy as BatchMatMulV2
 * with their transpose flags, db = BiasAddGrad(dy), dx back to x's shape. Keeps x (as rows) and W.
 */
export function fusedLinear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const be = nodeBackend()!;
  const [inFeatures, outFeatures] = kernel.shape;
  if (kernel.rank !== 2 || x.shape[x.rank - 1] !== inFeatures) {
    throw new Error(`linear: input [${x.shape}] does not fit the kernel [${kernel.shape}] (its last axis must be the kernel's first)`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outFeatures)) throw new Error(`linear: bias [${bias.shape}] does not fit the kernel [${kernel.shape}]`);
  const T = typeAttr(be);
  const matMul = (a: tf.Tensor, b: tf.Tensor, adjA: boolean, adjB: boolean) =>
    run("BatchMatMulV2", [a, b], [T, boolAttr(be, "adj_x", adjA), boolAttr(be, "adj_y", adjB)]);
  const lead = x.shape.slice(0, -1);
  const rows = (t: tf.Tensor, width: number) => (t.rank === 2 ? t : tf.reshape(t, [-1, width]));
  const unrows = (t: tf.Tensor, width: number) => (lead.length === 1 ? t : tf.reshape(t, [...lead, width]));
  const forward = (input: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
    const x2 = rows(input, inFeatures);
    save([x2, w]);
    const product = matMul(x2, w, false, false);
    const biased = b ? run("BiasAdd", [product, b], [T]) : product;
    if (biased !== product) product.dispose();
    const value = unrows(biased, outFeatures);
    if (value !== biased) biased.dispose();
    return value;
  };
  const backward = (dy: tf.Tensor, [x2, w]: tf.Tensor[]) =>
    tf.tidy(() => {
      const dy2 = rows(dy, outFeatures);
      const grads = [unrows(matMul(dy2, w, false, true), inFeatures), matMul(x2, dy2, true, false)];
      return bias ? [...grads, run("BiasAddGrad", [dy2], [T])] : grads;
    });
  if (!bias) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [input, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      return { value: forward(input, w, undefined, save), gradFunc: backward };
    });
    return op(x, kernel);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    return { value: forward(input, w, b, save), gradFunc: backward };
  });
  return op(x, kernel, bias);
}

/** Exact GELU x·Φ(x) and its gradient dy·(Φ(x) + x·φ(x)) as two fused kernels; keeps only x for the backward pass. */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return { value: run("LukelabGelu", [input]), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => run("LukelabGeluGrad", [dy, saved]) };
  });
  return op(x);
}

/**
 * LayerNorm over the last axis (biased variance, ε inside the square root, as PyTorch), forward and
 * backward as fused kernels; keeps x and each row's mean and 1/σ for the backward pass.
 */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { TF_ATTR_FLOAT } = nodeBackend()!.binding;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, rstd] = runMany("LukelabLayerNorm", [input, g, b], 3, [{ name: "epsilon", type: TF_ATTR_FLOAT, value: eps }]);
    save([input, g, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xs, gs, mu, rs]: tf.Tensor[]) => runMany("LukelabLayerNormGrad", [dy, xs, gs, mu, rs], 3),
    };
  });
  return op(x, gamma, beta);
}

/**
 * One AdamW update as transformers' AdamW computes it (m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p − step·m/(√v + ε); then p ← p − p·decay, decay = lr·weight decay) in one pass: [p', m', v'].
 */
export function fusedAdamW(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, step: number, b1: number, b2: number, eps: number, decay: number): tf.Tensor[] {
  return tf.tidy(() => runMany("LukelabAdamW", [p, g, m, v, tf.tensor1d([step, b1, b2, eps, decay], "float32")], 3));
}

/**
 * AdamW for many tensors in one op (one dispatch a step instead of one per tensor): [p', m', v'] for
 * each update, in order.
 */
export function fusedAdamWMany(updates: readonly AdamWUpdate[]): tf.Tensor[][] {
  if (updates.length === 0) return [];
  const be = nodeBackend()!;
  const n = updates.length;
  const flat = tf.tidy(() => {
    const hyper = tf.tensor2d(updates.flatMap((u) => [...u.hyper]), [n, 5], "float32");
    const inputs = [...updates.map((u) => u.p), ...updates.map((u) => u.g), ...updates.map((u) => u.m), ...updates.map((u) => u.v), hyper];
    return runMany("LukelabAdamWMulti", inputs, 3 * n, [{ name: "N", type: be.binding.TF_ATTR_INT, value: n }]);
  });
  return updates.map((_, i) => [flat[i], flat[n + i], flat[2 * n + i]]);
}

/**
 * Inverted dropout as one fused kernel: which values are kept (a Philox uniform draw keyed by `seed`
 * is ≥ rate; one byte each) and x/(1 − rate) where kept, else 0, in one pass. The kept mask is what
 * the backward pass keeps: dy/(1 − rate) where kept.
 */
export function fusedDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [y, keep] = tf.tidy(() => runMany("LukelabDropout", [input, seedPair(seed), tf.scalar(rate)], 2));
    save([keep]);
    return { value: y, gradFunc: (dy: tf.Tensor, [k]: tf.Tensor[]) => tf.tidy(() => run("LukelabDropoutGrad", [dy, k, tf.scalar(rate)])) };
  });
  return op(x);
}

const FUSED: ModelKernels = Object.freeze({
  linear: fusedLinear,
  gelu: fusedGelu,
  layerNorm: fusedLayerNorm,
  dropout: fusedDropout,
  adamW: fusedAdamW,
  adamWMany: fusedAdamWMany,
});
const MASK_ONLY: ModelKernels = Object.freeze({
  dropout: (x: tf.Tensor, rate: number, seed: number) => tf.tidy(() => tf.mul(x, nativeDropoutMask(x.shape, rate, seed)!)),
});

/**
 * What native TensorFlow supplies to the model now (model-kernels.ts): the fused kernels when they
 * are loaded and on, else TensorFlow's dropout mask; nothing while another backend is active.
 */
export function nativeKernels(): ModelKernels {
  if (!nativeOpsActive()) return {};
  return fusedOpsActive() ? FUSED : MASK_ONLY;
}
