/**
 * Entity-aware self-attention: LukeSelfAttention and LukeSelfOutput of
 * transformers/models/luke/modeling_luke.py (luke-reference.md §3).
 *
 * The hidden states arrive as one sequence X = [words; entities] of length Lw + Le, words first.
 * Keys and values are shared; the queries depend on who asks whom:
 *
 *              keys: words          keys: entities
 *   words      query     (w2w)      w2e_query
 *   entities   e2w_query            e2e_query
 *
 * Without entities, or with use_entity_aware_attention false (mLUKE), one `query` projection
 * serves every row: the plain transformer, kept as the reference path.
 */
import { tf } from "../backend";
import type { EncoderConfig } from "./config";
import { Dropout, layerNorm, linear, mergeHeads, splitHeads } from "./ops";
import type { LayerWeights, SelfAttentionWeights } from "./weights";

/** torch.finfo(torch.float32).min: what transformers adds to masked scores. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * Additive mask over keys, [B, 1, 1, Lw + Le]: 0 where attended, float32 min where masked, from
 * the concatenated [word; entity] masks. Adding it to a score leaves a finite value (no −∞ and
 * so no NaN), and softmax gives masked keys exactly zero weight.
 *
 * `causal` (GPT-2): [B, 1, L, L], where query i also may not attend to the keys after i.
 */
export function extendedAttentionMask(wordMask: tf.Tensor2D, entityMask?: tf.Tensor2D, options: { causal?: boolean } = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const mask = entityMask ? tf.concat([wordMask, entityMask], 1) : wordMask; // [B, Lw + Le]
    const [batch, length] = mask.shape;
    let allowed = tf.reshape(tf.cast(mask, "float32"), [batch, 1, 1, length]);
    if (options.causal) {
      const lowerTriangle = tf.linalg.bandPart(tf.ones([length, length]), -1, 0); // 1 where key ≤ query
      allowed = tf.mul(allowed, tf.reshape(lowerTriangle, [1, 1, length, length]));
    }
    return tf.mul(tf.sub(1, allowed), FLOAT32_MIN) as tf.Tensor4D;
  });
}

/** What every layer of one forward pass shares. */
export interface Pass {
  readonly config: EncoderConfig;
  /** The first `wordLength` rows of the sequence are words, the rest entities. */
  readonly wordLength: number;
  /** extendedAttentionMask, [B, 1, 1, Lw + Le]. */
  readonly mask: tf.Tensor4D;
  /** This layer's head mask, [1, nh, 1, 1] (1 keeps a head, 0 silences it); none keeps all. */
  readonly headMask?: tf.Tensor;
  readonly dropout: Dropout;
}

export interface AttentionResult {
  /** [B, Lw + Le, H] */
  context: tf.Tensor3D;
  /** Attention probabilities after dropout and head mask, [B, nh, Lw + Le, Lw + Le]. */
  probs: tf.Tensor4D;
}

/** x: [B, Lw + Le, H], words first. */
export function selfAttention(p: SelfAttentionWeights<tf.Tensor>, x: tf.Tensor3D, pass: Pass): AttentionResult {
  const { config, wordLength } = pass;
  const nh = config.numAttentionHeads;
  const headSize = config.hiddenSize / nh;
  const entityLength = x.shape[1] - wordLength;
  // Each input as rows [B·L, H] once, shared by the projections that read it: on native TensorFlow,
  // where every eager op costs its dispatch, two reshapes fewer per projection forwards and back.
  const rowsOf = (t: tf.Tensor) => tf.reshape(t, [-1, config.hiddenSize]);
  const heads = (rows: tf.Tensor, length: number, projection: Parameters<typeof linear>[1]) => splitHeads(linear(rows, projection), nh, length);
  const length = x.shape[1];
  const xRows = rowsOf(x);
  // q·kᵀ for [B, nh, Lq, d] × [B, nh, Lk, d] → [B, nh, Lq, Lk]
  const scoresOf = (q: tf.Tensor, k: tf.Tensor) => tf.matMul(q, k, false, true);

  // Keys scaled by 1/√d once, [B, nh, L, d], rather than every score, [B, nh, L, L]: the same
  // q·kᵀ/√d (up to rounding), with an op half the size forwards and backwards.
  const key = tf.mul(heads(xRows, length, p.key), 1 / Math.sqrt(headSize));
  const value = heads(xRows, length, p.value); // [B, nh, L, d]

  let scores: tf.Tensor; // [B, nh, L, L]
  if (p.w2e_query && p.e2w_query && p.e2e_query && entityLength > 0) {
    const [words, entities] = tf.split(x, [wordLength, entityLength], 1).map(rowsOf);
    const [wordKey, entityKey] = tf.split(key, [wordLength, entityLength], 2);
    const wordScores = tf.concat(
      [scoresOf(heads(words, wordLength, p.query), wordKey), scoresOf(heads(words, wordLength, p.w2e_query), entityKey)],
      3,
    ); // [B, nh, Lw, L]
    const entityScores = tf.concat(
      [scoresOf(heads(entities, entityLength, p.e2w_query), wordKey), scoresOf(heads(entities, entityLength, p.e2e_query), entityKey)],
      3,
    ); // [B, nh, Le, L]
    scores = tf.concat([wordScores, entityScores], 2);
  } else {
    scores = scoresOf(heads(xRows, length, p.query), key);
  }

  scores = tf.add(scores, pass.mask);
  let probs = pass.dropout.apply(tf.softmax(scores), config.attentionProbsDropoutProb);
  if (pass.headMask) probs = tf.mul(probs, pass.headMask);
  const context = mergeHeads(tf.matMul(probs, value)); // [B, L, H]
  return { context, probs: probs as tf.Tensor4D };
}

/** LukeAttention: self-attention, then dense → dropout → LN(· + x) (post-LN residual). */
export function attention(p: LayerWeights["attention"], x: tf.Tensor3D, pass: Pass): AttentionResult {
  const { context, probs } = selfAttention(p.self, x, pass);
  const projected = pass.dropout.apply(linear(context, p.output.dense), pass.config.hiddenDropoutProb);
  const out = layerNorm(tf.add(projected, x), p.output.LayerNorm, pass.config.layerNormEps) as tf.Tensor3D;
  return { context: out, probs };
}
