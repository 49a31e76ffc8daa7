/**
 * Seeded randomness for training that does not live in tensors: the order of the examples in each
 * epoch, training-set subsampling and the dropout seed of each micro-batch.
 *
 * Everything is a pure function of (seed, purpose, index), never a stream whose position must be
 * saved: the order of epoch 3 is the same whether the run got there in one go or was killed and
 * resumed, so a resumed run needs no RNG state. The generator is xoshiro128** seeded through
 * splitmix32, both 32-bit and simple enough to port; scripts/compare_open_entity.py asks Node for
 * the orders instead of porting them.
 *
 * Python's `random` (Mersenne Twister, and the thesis's random.sample / random.choices) is not
 * reproduced: runs are repeatable with lukelab, not bit-identical with the original.
 */

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit state. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 32-bit seed from a run seed and a path of integers, e.g. (seed, EPOCH_ORDER, epoch). */
export function deriveSeed(seed: number, ...path: number[]): number {
  let h = splitmix32(seed >>> 0 ^ 0x5bd1e995);
  // Seeds above 2^32 still count: fold the high part in.
  h = splitmix32(h ^ Math.floor(seed / 0x100000000));
  for (const p of path) h = splitmix32(h ^ (p >>> 0)) ^ Math.floor(p / 0x100000000);
  return h >>> 0;
}

/** xoshiro128**: 128 bits of state, period 2^128 − 1. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => (x = splitmix32(x));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, n), without modulo bias (n ≤ 2^32). */
  below(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new Error(`Rng.below: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  uniform(): number {
    return this.nextUint32() / 0x100000000;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Purposes, so that two uses of one seed never share a stream. */
export const STREAM = { epochOrder: 1, subsample: 2, dropout: 3, init: 4 } as const;

/** 0..n-1 shuffled by Fisher–Yates with `rng`. */
export function permutation(n: number, rng: Rng): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** The order in which the training examples are visited in `epoch` (RandomSampler's role). */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  return permutation(n, new Rng(deriveSeed(seed, STREAM.epochOrder, epoch)));
}

/**
 * The thesis's --train-frac-size: below 1, ⌊frac·n⌋ distinct examples (random.sample); above 1,
 * ⌊frac·n⌋ draws with replacement (random.choices); exactly 1, everything in file order.
 * Returns indices into the original list.
 */
export function subsample(n: number, frac: number, seed: number): { indices: number[]; withReplacement: boolean } {
  if (!(frac > 0) || !Number.isFinite(frac)) throw new Error(`train fraction must be a positive number, got ${frac}`);
  if (frac === 1) return { indices: Array.from({ length: n }, (_, i) => i), withReplacement: false };
  const k = Math.floor(frac * n);
  const rng = new Rng(deriveSeed(seed, STREAM.subsample));
  if (frac > 1) return { indices: Array.from({ length: k }, () => rng.below(n)), withReplacement: true };
  return { indices: permutation(n, rng).slice(0, k), withReplacement: false };
}

/**
 * The dropout seed of one micro-batch: model code adds the index of each dropout call to it
 * (ops.ts Dropout), so seeds are spaced 2^12 apart to keep the calls of neighbouring micro-batches
 * apart; the result stays a positive 31-bit integer.
 */
export function dropoutSeed(seed: number, microBatch: number): number {
  return (deriveSeed(seed, STREAM.dropout, microBatch) & 0x7ffff000) + 1;
}
