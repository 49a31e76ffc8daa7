/**
 * The model's inputs and their validation. Out-of-range ids would not fail inside TF.js (a gather
 * past a table's end reads zeros or garbage, and a span position past the row reads the next row),
 * so every index is checked here, with an error that names the input, the value and the range.
 */
import { tf } from "../backend";
import type { LukeConfig } from "./config";
import type { LukeHead } from "./weight-tree";

/**
 * All int32. Shapes: B = batch, Lw = words, Le = entities, M = max mention length.
 * A type alias rather than an interface so it is a TensorContainer and can be returned from tf.tidy.
 */
export type LukeInputs = {
  /** [B, Lw] */
  inputIds: tf.Tensor2D;
  /** [B, Lw], 1 = attend, 0 = padding; default all ones. */
  attentionMask?: tf.Tensor2D;
  /** [B, Lw]; default 0. */
  tokenTypeIds?: tf.Tensor2D;
  /** [B, Le] */
  entityIds?: tf.Tensor2D;
  /** [B, Le, M]: token indices in inputIds (no +2 offset), padded with −1. Required with entityIds. */
  entityPositionIds?: tf.Tensor3D;
  /** [B, Le]; default all ones. */
  entityAttentionMask?: tf.Tensor2D;
  /** [B, Le]; default 0. */
  entityTokenTypeIds?: tf.Tensor2D;
  /** [B, Le]: first word of each span (entity_span_classification). */
  entityStartPositions?: tf.Tensor2D;
  /** [B, Le]: last word of each span, inclusive. */
  entityEndPositions?: tf.Tensor2D;
};

/** Entity slots a head reads: the first (classification), the first two (pair), any (span). */
const ENTITY_SLOTS_READ: Partial<Record<LukeHead, number>> = {
  entity_classification: 1,
  entity_pair_classification: 2,
  entity_span_classification: 1,
};

const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;

function checkTensor(
  name: string,
  t: tf.Tensor,
  shape: readonly number[],
  range?: [lo: number, hi: number, meaning: string],
): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`LUKE input ${name} must have shape ${fmt(shape)}, found ${fmt(t.shape)}`);
  }
  if (!range) return;
  if (t.dtype !== "int32") throw new Error(`LUKE input ${name} must be int32, found ${t.dtype}`);
  const [lo, hi, meaning] = range;
  const values = t.dataSync();
  const bad = values.findIndex((v) => v < lo || v >= hi);
  if (bad >= 0) {
    throw new Error(`LUKE input ${name} holds ${values[bad]} at flat index ${bad}; ${meaning} allows [${lo}, ${hi})`);
  }
}

/** headMask must be [nh] (every layer) or [numLayers, nh]. */
export function checkHeadMask(headMask: tf.Tensor, config: LukeConfig): void {
  const nh = config.numAttentionHeads;
  const ok = headMask.rank === 1 ? headMask.shape[0] === nh : headMask.rank === 2 && headMask.shape.join() === [config.numHiddenLayers, nh].join();
  if (!ok) {
    throw new Error(`headMask must be [${nh}] or [${config.numHiddenLayers}, ${nh}] (layers, heads), found ${fmt(headMask.shape)}`);
  }
}

/** Throws a clear error for any input the model or `head` cannot use. */
export function checkInputs(inputs: LukeInputs, config: LukeConfig, head: LukeHead): void {
  const { inputIds } = inputs;
  if (inputIds.rank !== 2) throw new Error(`LUKE input inputIds must be [batch, length], found ${fmt(inputIds.shape)}`);
  const [batch, wordLength] = inputIds.shape;
  checkTensor("inputIds", inputIds, [batch, wordLength], [0, config.vocabSize, "vocab_size"]);

  // RoBERTa positions run up to pad_token_id + (number of real tokens in the row).
  const ids = inputIds.dataSync();
  for (let b = 0; b < batch; b++) {
    let real = 0;
    for (let t = 0; t < wordLength; t++) if (ids[b * wordLength + t] !== config.padTokenId) real++;
    if (config.padTokenId + real >= config.maxPositionEmbeddings) {
      throw new Error(
        `LUKE input row ${b} has ${real} tokens, but max_position_embeddings ${config.maxPositionEmbeddings} ` +
          `with pad_token_id ${config.padTokenId} allows at most ${config.maxPositionEmbeddings - config.padTokenId - 1}`,
      );
    }
  }
  if (inputs.attentionMask) checkTensor("attentionMask", inputs.attentionMask, [batch, wordLength]);
  if (inputs.tokenTypeIds) {
    checkTensor("tokenTypeIds", inputs.tokenTypeIds, [batch, wordLength], [0, config.typeVocabSize, "type_vocab_size"]);
  }

  const { entityIds } = inputs;
  if (!entityIds) {
    const stray = (["entityPositionIds", "entityAttentionMask", "entityTokenTypeIds", "entityStartPositions", "entityEndPositions"] as const).filter(
      (k) => inputs[k] !== undefined,
    );
    if (stray.length) throw new Error(`LUKE inputs ${stray.join(", ")} were given without entityIds`);
    if (head === "entity_classification" || head === "entity_pair_classification" || head === "entity_span_classification") {
      throw new Error(`the ${head} head needs entities: pass entityIds and entityPositionIds`);
    }
    return;
  }
  if (entityIds.rank !== 2) throw new Error(`LUKE input entityIds must be [batch, entities], found ${fmt(entityIds.shape)}`);
  const entityLength = entityIds.shape[1];
  checkTensor("entityIds", entityIds, [batch, entityLength], [0, config.entityVocabSize, "entity_vocab_size"]);
  const positions = inputs.entityPositionIds;
  if (!positions) throw new Error("LUKE input entityPositionIds is required with entityIds (it has no default)");
  if (positions.rank !== 3) {
    throw new Error(`LUKE input entityPositionIds must be [batch, entities, mention length], found ${fmt(positions.shape)}`);
  }
  checkTensor("entityPositionIds", positions, [batch, entityLength, positions.shape[2]], [
    -1,
    config.maxPositionEmbeddings,
    "max_position_embeddings (−1 pads)",
  ]);
  if (inputs.entityAttentionMask) checkTensor("entityAttentionMask", inputs.entityAttentionMask, [batch, entityLength]);
  if (inputs.entityTokenTypeIds) {
    checkTensor("entityTokenTypeIds", inputs.entityTokenTypeIds, [batch, entityLength], [0, config.typeVocabSize, "type_vocab_size"]);
  }
  if ((ENTITY_SLOTS_READ[head] ?? 0) > entityLength) {
    throw new Error(`the ${head} head needs at least ${ENTITY_SLOTS_READ[head]} entities per row, found ${entityLength}`);
  }
  if (head === "entity_span_classification") {
    for (const name of ["entityStartPositions", "entityEndPositions"] as const) {
      const t = inputs[name];
      if (!t) throw new Error(`the entity_span_classification head needs ${name}`);
      checkTensor(name, t, [batch, entityLength], [0, wordLength, "the word length"]);
    }
  }
}
