/**
 * Task heads: LukeForEntityClassification, LukeForEntityPairClassification,
 * LukeForEntitySpanClassification and LukeForMaskedLM's LukeLMHead / EntityPredictionHead, from
 * transformers/models/luke/modeling_luke.py (luke-reference.md §5).
 *
 * Every classification head applies Dropout(hidden_dropout_prob) to its features, never
 * classifier_dropout (which only the Sequence/Token/MultipleChoice heads read).
 */
import { tf } from "../backend";
import type { LukeConfig } from "./config";
import { Dropout, activation, gelu, layerNorm, linear, type Linear } from "./ops";
import type { EntityPredictionsWeights, LmHeadWeights } from "./weights";

/** Slot `index` of every row: [B, L, H] → [B, H]. */
function slot(x: tf.Tensor3D, index: number): tf.Tensor2D {
  const [batch, , hidden] = x.shape;
  return tf.reshape(tf.slice(x, [0, index, 0], [batch, 1, hidden]), [batch, hidden]);
}

/** Features of the first entity (the [MASK] entity over the marked span) → logits [B, n]. */
export function entityClassification(
  classifier: Linear,
  config: LukeConfig,
  entityLastHiddenState: tf.Tensor3D,
  dropout: Dropout,
): tf.Tensor2D {
  const features = dropout.apply(slot(entityLastHiddenState, 0), config.hiddenDropoutProb);
  return linear(features, classifier) as tf.Tensor2D;
}

/** [head entity; tail entity] → logits [B, n]; the classifier has no bias. */
export function entityPairClassification(
  classifier: Linear,
  config: LukeConfig,
  entityLastHiddenState: tf.Tensor3D,
  dropout: Dropout,
): tf.Tensor2D {
  const features = tf.concat([slot(entityLastHiddenState, 0), slot(entityLastHiddenState, 1)], 1); // [B, 2H]
  return linear(dropout.apply(features, config.hiddenDropoutProb), classifier) as tf.Tensor2D;
}

/** Rows of `states` [B, Lw, H] at `positions` [B, Le] (int32, per batch row) → [B, Le, H]. */
function gatherPerRow(states: tf.Tensor3D, positions: tf.Tensor2D): tf.Tensor3D {
  const [batch, length, hidden] = states.shape;
  const rowOffsets = tf.reshape(tf.range(0, batch * length, length, "int32"), [batch, 1]);
  const rows = tf.reshape(states, [batch * length, hidden]);
  return tf.gather(rows, tf.add(positions, rowOffsets)) as tf.Tensor3D;
}

/** [word at start; word at end (inclusive); entity] per entity → logits [B, Le, n]. */
export function entitySpanClassification(
  classifier: Linear,
  config: LukeConfig,
  lastHiddenState: tf.Tensor3D,
  entityLastHiddenState: tf.Tensor3D,
  startPositions: tf.Tensor2D,
  endPositions: tf.Tensor2D,
  dropout: Dropout,
): tf.Tensor3D {
  const features = tf.concat(
    [gatherPerRow(lastHiddenState, startPositions), gatherPerRow(lastHiddenState, endPositions), entityLastHiddenState],
    2,
  ); // [B, Le, 3H]
  return linear(dropout.apply(features, config.hiddenDropoutProb), classifier) as tf.Tensor3D;
}

/**
 * h·tableᵀ + bias, for a decoder tied to an embedding table [rows, dim]. The table is transposed
 * in the graph so the gradient reaches it, and so the product takes XNNPACK's fast path
 * (transposeB falls back to a naive loop on wasm, ~10x slower).
 */
function tiedDecoder(h: tf.Tensor, table: tf.Variable, bias: tf.Variable): tf.Tensor {
  const [rows, dim] = table.shape as [number, number];
  const logits = tf.fused.matMul({ a: tf.reshape(h, [-1, dim]), b: tf.transpose(table), bias });
  return tf.reshape(logits, [...h.shape.slice(0, -1), rows]);
}

/**
 * LukeLMHead: dense → gelu → layer_norm → word embeddingsᵀ + bias, logits [B, Lw, V].
 * The gelu is always the exact one, whatever hidden_act says (transformers calls `gelu` directly).
 */
export function lmHead(
  p: LmHeadWeights,
  config: LukeConfig,
  wordEmbeddings: tf.Variable,
  lastHiddenState: tf.Tensor3D,
): tf.Tensor3D {
  const h = layerNorm(gelu(linear(lastHiddenState, p.dense)), p.layer_norm, config.layerNormEps);
  return tiedDecoder(h, wordEmbeddings, p.bias) as tf.Tensor3D;
}

/**
 * EntityPredictionHead: transform.dense (H→E) → hidden_act → LayerNorm(E) → entity embeddingsᵀ + bias,
 * logits [B, Le, entity_vocab_size].
 */
export function entityPredictions(
  p: EntityPredictionsWeights,
  config: LukeConfig,
  entityEmbeddings: tf.Variable,
  entityLastHiddenState: tf.Tensor3D,
): tf.Tensor3D {
  const transformed = activation(config.hiddenAct)(linear(entityLastHiddenState, p.transform.dense));
  const h = layerNorm(transformed, p.transform.LayerNorm, config.layerNormEps);
  return tiedDecoder(h, entityEmbeddings, p.bias) as tf.Tensor3D;
}
