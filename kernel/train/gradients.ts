/**
 * Gradients between backward passes and the optimiser: summing micro-batches (gradient
 * accumulation) and clipping by global norm, as torch.nn.utils.clip_grad_norm_.
 *
 * Maps are name → tensor; whoever holds a map owns its tensors (disposeGradients).
 */
import { tf } from "../backend";

export type Gradients = Map<string, tf.Tensor>;

/** Adds `next` into `sum` (which may be empty); disposes `next` and the replaced partial sums. */
export function accumulateGradients(sum: Gradients, next: Gradients): void {
  for (const [name, g] of next) {
    const prev = sum.get(name);
    if (!prev) {
      sum.set(name, g);
      continue;
    }
    sum.set(name, tf.add(prev, g));
    prev.dispose();
    g.dispose();
  }
}

export function disposeGradients(grads: Gradients): void {
  for (const g of grads.values()) g.dispose();
  grads.clear();
}

/** ‖g‖₂ over all gradients together, as one number (float64 sum of float32 squares). */
export function globalNorm(grads: Gradients): number {
  if (grads.size === 0) return 0;
  // One scalar per tensor, then one readback: the sum of squares of each, as clip_grad_norm_'s
  // norm of the per-tensor norms.
  const squares = tf.tidy(() => tf.stack([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const values = squares.dataSync();
  squares.dispose();
  let total = 0;
  for (const v of values) total += v;
  return Math.sqrt(total);
}

/**
 * clip_grad_norm_(params, maxNorm): when the global norm exceeds maxNorm, every gradient is
 * multiplied by maxNorm / (norm + 1e-6). maxNorm 0 means no clipping (the original's default).
 * Replaces the tensors in `grads` (disposing the old ones); returns the norm before clipping, or
 * undefined when clipping is off.
 */
export function clipGradientsByGlobalNorm(grads: Gradients, maxNorm: number): number | undefined {
  if (maxNorm === 0) return undefined;
  if (!(maxNorm > 0)) throw new Error(`max grad norm must be ≥ 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const [name, g] of grads) {
      grads.set(name, tf.mul(g, coef));
      g.dispose();
    }
  }
  return norm;
}
