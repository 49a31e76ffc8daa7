/**
 * AdamW as the original trains with it: transformers' `AdamW` (transformers.optimization, removed
 * from transformers in v4.5x; LUKE's legacy trainer imports it), which is not torch.optim.AdamW:
 *
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   step = lr                                   (correct_bias off: the original's default)
 *   step = lr · √(1 − β2^t) / (1 − β1^t)        (correct_bias on)
 *   p ← p − step · m / (√v + ε)
 *   p ← p − lr · wd · p                         (decoupled decay, after the Adam update, with the
 *                                                scheduled lr; only where wd > 0)
 *
 * Parameter groups as the legacy trainer builds them: a weight whose Hugging Face name contains
 * "bias" or "LayerNorm.weight" (a substring test, as `any(nd in n for nd in no_decay)`) gets no
 * decay. A parameter without a gradient in a step (the pooler, which the entity-typing loss does
 * not reach) is skipped entirely, as PyTorch skips `p.grad is None`: no moment update, no decay,
 * and its step count t does not advance.
 *
 * State (m, v and t per parameter) is owned here: created at a parameter's first update, disposed
 * by dispose(), exported and imported for resuming.
 */
import { tf } from "../backend";
import { modelKernels, type AdamWUpdate } from "../backend/model-kernels";
import type { StateDict } from "../checkpoint/tensor-data";

export interface NamedVariable {
  /** Hugging Face state-dict name, e.g. "luke.encoder.layer.0.attention.self.query.weight". */
  name: string;
  variable: tf.Variable;
}

export interface AdamWOptions {
  /** β1, β2: the original's defaults are 0.9 and 0.98. */
  betas?: [number, number];
  /** Default 1e-6. */
  eps?: number;
  /** Decoupled weight decay for the decaying group; default 0.01. */
  weightDecay?: number;
  /** Adam's bias correction; off by default, as the original's --adam-correct-bias. */
  correctBias?: boolean;
  /** Name substrings that put a parameter in the no-decay group. */
  noDecay?: readonly string[];
}

export const NO_DECAY: readonly string[] = ["bias", "LayerNorm.weight"];

interface Slot {
  m: tf.Variable;
  v: tf.Variable;
  /** Updates applied so far (PyTorch's state["step"]). */
  t: number;
}

/** Optimiser state in plain arrays: `${name}.exp_avg` and `${name}.exp_avg_sq` tensors plus step counts. */
export interface AdamWState {
  moments: StateDict;
  steps: Record<string, number>;
}

/**
 * Parameter bytes per many-tensor AdamW op: each op allocates new parameters and moments (3× its
 * bytes) before the old ones are freed. 16 MB keeps that under 50 MB and luke-base's step at about
 * 30 ops instead of 277; a small model's whole update is one op.
 */
const MANY_BYTES = 16 * 2 ** 20;

/** Puts one update's [p', m', v'] into the parameter and its moments. */
function assignStep(slot: Slot, p: tf.Variable, [updated, m, v]: tf.Tensor[]): void {
  slot.m.assign(m);
  slot.v.assign(v);
  p.assign(updated);
}

export class AdamW {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly correctBias: boolean;
  readonly noDecay: readonly string[];
  private readonly params: NamedVariable[];
  private readonly slots = new Map<string, Slot>();
  private disposed = false;

  constructor(params: NamedVariable[], options: AdamWOptions = {}) {
    this.params = params;
    this.betas = options.betas ?? [0.9, 0.98];
    this.eps = options.eps ?? 1e-6;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.correctBias = options.correctBias ?? false;
    this.noDecay = options.noDecay ?? NO_DECAY;
    const [b1, b2] = this.betas;
    if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new Error(`AdamW betas must be in [0, 1), got [${b1}, ${b2}]`);
    if (!(this.eps >= 0)) throw new Error(`AdamW eps must be ≥ 0, got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new Error(`AdamW weight decay must be ≥ 0, got ${this.weightDecay}`);
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name)) throw new Error(`AdamW: parameter "${p.name}" is listed twice`);
      seen.add(p.name);
    }
  }

  /** The weight decay a parameter gets: 0 for the no-decay group. */
  decayOf(name: string): number {
    return this.noDecay.some((nd) => name.includes(nd)) ? 0 : this.weightDecay;
  }

  /** Tensors this optimiser owns (2 per parameter updated so far). */
  get numStateTensors(): number {
    return this.slots.size * 2;
  }

  /**
   * One update with learning rate `lr` (already scheduled). `grads` maps parameter names to
   * gradients; parameters missing from it are skipped. The gradients are not disposed.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.assertLive();
    for (const name of grads.keys()) {
      if (!this.params.some((p) => p.name === name)) throw new Error(`AdamW.step: gradient for unknown parameter "${name}"`);
    }
    const [b1, b2] = this.betas;
    const kernels = modelKernels();
    // With a many-tensor kernel, float32 parameters are updated a group at a time: one op per group
    // of at most MANY_BYTES of parameters, so the new values alive beside the old ones stay small.
    let batch: { slot: Slot; p: tf.Variable; update: AdamWUpdate }[] = [];
    let batchBytes = 0;
    const flush = () => {
      if (!batch.length) return;
      const group = batch;
      batch = [];
      batchBytes = 0;
      tf.tidy(() => {
        const results = kernels.adamWMany!(group.map((b) => b.update));
        group.forEach(({ slot, p }, i) => assignStep(slot, p, results[i]));
      });
    };
    for (const { name, variable: p } of this.params) {
      const g = grads.get(name);
      if (!g) continue;
      if (g.shape.join() !== p.shape.join()) {
        throw new Error(`AdamW.step: gradient of "${name}" has shape [${g.shape}], the parameter [${p.shape}]`);
      }
      const slot = this.slotOf(name, p);
      slot.t += 1;
      let stepSize = lr;
      if (this.correctBias) {
        const bc1 = 1 - Math.pow(b1, slot.t);
        const bc2 = 1 - Math.pow(b2, slot.t);
        stepSize = (stepSize * Math.sqrt(bc2)) / bc1;
      }
      const decay = lr * this.decayOf(name);
      if (kernels.adamWMany && p.dtype === "float32") {
        batch.push({ slot, p, update: { p, g, m: slot.m, v: slot.v, hyper: [stepSize, b1, b2, this.eps, decay] } });
        batchBytes += 4 * p.size;
        if (batchBytes >= MANY_BYTES) flush();
        continue;
      }
      const fused = kernels.adamW;
      if (fused && p.dtype === "float32") {
        tf.tidy(() => assignStep(slot, p, fused(p, g, slot.m, slot.v, stepSize, b1, b2, this.eps, decay)));
        continue;
      }
      tf.tidy(() => {
        const m = tf.add(tf.mul(slot.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(slot.v, b2), tf.mul(tf.mul(g, g), 1 - b2));
        const denom = tf.add(tf.sqrt(v), this.eps);
        let updated = tf.sub(p, tf.mul(tf.div(m, denom), stepSize));
        if (this.decayOf(name) > 0) updated = tf.sub(updated, tf.mul(updated, decay));
        assignStep(slot, p, [updated, m, v]);
      });
    }
    flush();
  }

  /** A copy of the state (for checkpoints). */
  getState(): AdamWState {
    this.assertLive();
    const moments: StateDict = new Map();
    const steps: Record<string, number> = {};
    for (const { name } of this.params) {
      const slot = this.slots.get(name);
      if (!slot) continue;
      steps[name] = slot.t;
      moments.set(`${name}.exp_avg`, { dtype: "float32", shape: [...slot.m.shape], data: slot.m.dataSync() as Float32Array });
      moments.set(`${name}.exp_avg_sq`, { dtype: "float32", shape: [...slot.v.shape], data: slot.v.dataSync() as Float32Array });
    }
    return { moments, steps };
  }

  /** Replaces the state with a saved one (same parameters, same shapes). */
  setState(state: AdamWState, where = "optimizer state"): void {
    this.assertLive();
    this.disposeSlots();
    for (const [name, t] of Object.entries(state.steps)) {
      const param = this.params.find((p) => p.name === name);
      if (!param) throw new Error(`${where}: holds a parameter "${name}" that this model does not have`);
      const m = state.moments.get(`${name}.exp_avg`);
      const v = state.moments.get(`${name}.exp_avg_sq`);
      for (const [what, x] of [["exp_avg", m], ["exp_avg_sq", v]] as const) {
        if (!x) throw new Error(`${where}: "${name}.${what}" is missing`);
        if (x.shape.join() !== param.variable.shape.join()) {
          throw new Error(`${where}: "${name}.${what}" has shape [${x.shape}], the parameter [${param.variable.shape}]`);
        }
      }
      if (!Number.isInteger(t) || t < 0) throw new Error(`${where}: step count of "${name}" is ${t}, expected a non-negative integer`);
      this.slots.set(name, {
        m: ownedVariable(() => tf.tensor(m!.data as Float32Array, m!.shape, "float32")),
        v: ownedVariable(() => tf.tensor(v!.data as Float32Array, v!.shape, "float32")),
        t,
      });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposeSlots();
    this.disposed = true;
  }

  private slotOf(name: string, p: tf.Variable): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = { m: ownedVariable(() => tf.zerosLike(p)), v: ownedVariable(() => tf.zerosLike(p)), t: 0 };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private disposeSlots(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error("this AdamW was disposed");
  }
}

/** A non-trainable variable holding `make()`'s value; the temporary tensor is released. */
function ownedVariable(make: () => tf.Tensor): tf.Variable {
  const value = make();
  const v = tf.variable(value, false);
  value.dispose();
  return v;
}
