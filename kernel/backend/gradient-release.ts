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
