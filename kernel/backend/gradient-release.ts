/**
 * Frees what backpropagation no longer needs as soon as it is done with it.
 *
 * tfjs-core 4.22's backward pass (backpropagateGradients in tape.ts) keeps every saved activation
 * and every intermediate gradient alive until the whole backward pass ends, so a training step
 * peaks at roughly activations + all their gradients. PyTorch's autograd frees both node by node.
 * Measured on luke-base, one training step at batch 8 × 128 on the native backend: peak RSS
 * 7.8 GB without this and 4.0 GB with it (9.9 → 5.4 GB with the optimiser); on WebAssembly it is
 * part of what keeps a step inside the 4 GB heap.
 *
 * How: each tape node's gradient function is wrapped. Once backpropagation has evaluated the
 * gradients of all of the node's inputs that are on the path (the pruned node it is called on
 * says which), the node's saved tensors and the gradients of its outputs are final and unused, and
 * are disposed. Kept: gradients of the requested xs, a dy the caller passed in, and any tensor a
 * gradient function returned as is (an alias of a dy or of a saved tensor). Only the outermost
 * gradient computation does this (gradientDepth 0); higher-order gradients are left untouched.
 * The values computed do not change; only when memory is freed.
 *
 * Shape-only saves (`setShapeOnlySaves`): tfjs-core records a copy of the inputs of Add, Sub,
 * Reshape, Concat, Slice, ExpandDims, PadV2, AddN and Pack for the backward pass, but their
 * gradients (tfjs-core 4.22, gradients/*_grad.ts) read only the inputs' shapes. Each such copy keeps
 * an otherwise dead activation alive until backpropagation reaches it: the scores before the mask is
 * added, both sides of every residual sum, the rows before a reshape, the parts of a concatenation.
 * On luke-base at batch 8 × 128 that was 0.63 GB of the 1.74 GB a forward pass kept. With it on,
 * those kernels keep a record of the shapes instead ({ shape, rank, dtype, size }).
 */
import * as tf from "@tensorflow/tfjs-core";

interface TapeNode {
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  addTapeNode: (...args: unknown[]) => void;
  getTensorsForGradient?: (kernelName: string, inputs: Record<string, tf.Tensor>, outputs: tf.Tensor[]) => tf.Tensor[];
  saveTensorsForBackwardMode?: (tensors: tf.Tensor[]) => tf.Tensor[];
  __lukelabShapeSaves?: boolean;
  gradients: (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => unknown;
  __lukelabGradientRelease?: boolean;
}

/** The gradients() calls in progress, innermost last: what must survive the early release. */
const calls: { xs: Set<number>; dy?: tf.Tensor }[] = [];
let active = false;

/** Whether the early release is on (tests compare both ways). */
export function gradientReleaseActive(): boolean {
  return active;
}

/** Turns the early release on or off; returns false when this tfjs-core lacks the hooks it needs. */
export function setGradientRelease(on: boolean): boolean {
  if (on && !install()) return false;
  active = on;
  return true;
}

function install(): boolean {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.__lukelabGradientRelease) return true;
  if (typeof engine.addTapeNode !== "function" || typeof engine.gradients !== "function" || !engine.state) return false;

  const gradients = engine.gradients;
  engine.gradients = function (this: EngineInternals, f, xs, dy, allowNoGradients) {
    calls.push({ xs: new Set(xs.map((x) => x.id)), dy });
    try {
      return gradients.call(this, f, xs, dy, allowNoGradients);
    } finally {
      calls.pop();
    }
  };

  const addTapeNode = engine.addTapeNode;
  engine.addTapeNode = function (this: EngineInternals, ...args: unknown[]) {
    addTapeNode.apply(this, args);
    const tape = this.state.activeTape;
    const node = tape?.[tape.length - 1];
    if (!node?.gradient) return;
    const inner = node.gradient;
    // Called by backpropagation as prunedNode.gradient(dys): `this` is the pruned copy of the node.
    node.gradient = function (this: TapeNode, dys: tf.Tensor[]) {
      const thunks = inner.call(this, dys);
      const call = calls[calls.length - 1];
      if (!active || !call || engine.state.gradientDepth !== 0) return thunks;
      const pending = new Set(Object.keys(this.inputs ?? {}).filter((name) => name in thunks));
      if (pending.size === 0) return thunks;
      const returned = new Set<tf.Tensor>();
      const outputs = this.outputs;
      const saved = node.saved ?? [];
      const wrapped: Record<string, () => tf.Tensor> = { ...thunks };
      for (const name of pending) {
        wrapped[name] = () => {
          const dx = thunks[name]();
          returned.add(dx);
          pending.delete(name);
          if (pending.size === 0) {
            for (const t of saved) if (!returned.has(t)) t.dispose();
            dys.forEach((g, i) => {
              if (!g || returned.has(g) || g === call.dy || call.xs.has(outputs[i]?.id)) return;
              g.dispose();
            });
          }
          return dx;
        };
      }
      return wrapped;
    };
  };
  engine.__lukelabGradientRelease = true;
  return true;
}

/** Kernels whose registered gradients (tfjs-core 4.22) read only the shapes of what they save. */
const SHAPE_ONLY_KERNELS = new Set(["Add", "Sub", "Reshape", "Concat", "Slice", "ExpandDims", "PadV2", "AddN", "Pack"]);

/** What a shape-only kernel keeps of an input: its shape, never its data. */
class SavedShape {
  readonly shape: number[];
  readonly rank: number;
  readonly dtype: tf.DataType;
  readonly size: number;
  readonly isDisposed = false;
  constructor(t: tf.Tensor) {
    this.shape = t.shape.slice();
    this.rank = t.rank;
    this.dtype = t.dtype;
    this.size = t.size;
  }
  dispose(): void {}
}

let shapeOnly = false;

/** Whether shape-only saves are on. */
export function shapeOnlySavesActive(): boolean {
  return shapeOnly;
}

/** Turns shape-only saves on or off; returns false when this tfjs-core lacks the hooks it needs. */
export function setShapeOnlySaves(on: boolean): boolean {
  if (on && !installShapeOnly()) return false;
  shapeOnly = on;
  return true;
}

function installShapeOnly(): boolean {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.__lukelabShapeSaves) return true;
  const getTensors = engine.getTensorsForGradient;
  const save = engine.saveTensorsForBackwardMode;
  if (typeof getTensors !== "function" || typeof save !== "function") return false;
  engine.getTensorsForGradient = function (this: EngineInternals, kernelName, inputs, outputs) {
    const list = getTensors.call(this, kernelName, inputs, outputs);
    if (!shapeOnly || !SHAPE_ONLY_KERNELS.has(kernelName)) return list;
    return list.map((t) => new SavedShape(t) as unknown as tf.Tensor);
  };
  engine.saveTensorsForBackwardMode = function (this: EngineInternals, tensors) {
    if (!tensors.some((t) => (t as unknown) instanceof SavedShape)) return save.call(this, tensors);
    return tensors.map((t) => ((t as unknown) instanceof SavedShape ? t : save.call(this, [t])[0]));
  };
  engine.__lukelabShapeSaves = true;
  return true;
}
