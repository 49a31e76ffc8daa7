/**
 * Word and entity embeddings: LukeEmbeddings and LukeEntityEmbeddings of
 * transformers/models/luke/modeling_luke.py (luke-reference.md §2).
 */
import { tf } from "../backend";
import type { LukeConfig } from "./config";
import { Dropout, embed, layerNorm, linear } from "./ops";
import type { EmbeddingsWeights, EntityEmbeddingsWeights } from "./weights";

/**
 * RoBERTa position ids: real tokens count up from padding_idx + 1 (2, 3, …) within their row,
 * pad tokens get padding_idx. The count restarts per row, so left padding still starts at 2.
 */
export function positionIdsFromInputIds(inputIds: tf.Tensor2D, paddingIdx: number): tf.Tensor2D {
  return tf.tidy(() => {
    const notPad = tf.cast(tf.notEqual(inputIds, paddingIdx), "int32");
    // int32 scalar: a bare number would be float32 and promote the ids to float.
    return tf.add(tf.mul(tf.cumsum(notPad, 1), notPad), tf.scalar(paddingIdx, "int32")) as tf.Tensor2D;
  });
}

/**
 * X_w = Dropout(LN(WordEmb[id] + PosEmb[pos] + TypeEmb[type])) → [B, Lw, H]. Positions count from
 * padding_idx + 1 (LUKE, RoBERTa) unless given (BERT's 0, 1, 2, …).
 */
export function wordEmbeddings(
  p: EmbeddingsWeights,
  config: Pick<LukeConfig, "padTokenId" | "layerNormEps" | "hiddenDropoutProb">,
  inputIds: tf.Tensor2D,
  tokenTypeIds: tf.Tensor2D,
  dropout: Dropout,
  positionIds = positionIdsFromInputIds(inputIds, config.padTokenId),
): tf.Tensor3D {
  const sum = tf.addN([
    embed(p.word_embeddings, inputIds),
    embed(p.position_embeddings, positionIds),
    embed(p.token_type_embeddings, tokenTypeIds),
  ]);
  return dropout.apply(layerNorm(sum, p.LayerNorm, config.layerNormEps), config.hiddenDropoutProb) as tf.Tensor3D;
}

/**
 * X_e = Dropout(LN(D·EntEmb[id] + mean_j PosEmb_e[p_j] + TypeEmb_e[type])) → [B, Le, H]
 *
 * positionIds [B, Le, M] are raw token indices into the word sequence (no +2 offset), padded
 * with −1. The mean runs over the non-padding positions; an all-padding row divides 0 by 1e-7
 * and so becomes the zero vector, exactly as transformers does.
 */
export function entityEmbeddings(
  p: EntityEmbeddingsWeights,
  config: LukeConfig,
  entityIds: tf.Tensor2D,
  positionIds: tf.Tensor3D,
  tokenTypeIds: tf.Tensor2D,
  dropout: Dropout,
): tf.Tensor3D {
  let entity = embed(p.entity_embeddings, entityIds); // [B, Le, E]
  if (p.entity_embedding_dense) entity = linear(entity, p.entity_embedding_dense); // [B, Le, H]

  const positions = embed(p.position_embeddings, tf.maximum(positionIds, tf.scalar(0, "int32"))); // [B, Le, M, H]
  const used = tf.expandDims(tf.cast(tf.notEqual(positionIds, -1), "float32"), -1); // [B, Le, M, 1]
  const summed = tf.sum(tf.mul(positions, used), 2); // [B, Le, H]
  const meanPosition = tf.div(summed, tf.maximum(tf.sum(used, 2), 1e-7));

  const sum = tf.addN([entity, meanPosition, embed(p.token_type_embeddings, tokenTypeIds)]);
  return dropout.apply(layerNorm(sum, p.LayerNorm, config.layerNormEps), config.hiddenDropoutProb) as tf.Tensor3D;
}
