/** LUKE on TF.js: the public surface of kernel/model. */
export {
  HIDDEN_ACTS,
  DEFAULT_LUKE_CONFIG,
  createLukeConfig,
  lukeConfigToJson,
  parseLukeConfig,
  type HiddenAct,
  type LukeConfig,
} from "./config";
export { LukeModel, type ForwardOptions, type LukeOutputs } from "./luke";
export type { LukeInputs } from "./inputs";
export {
  LUKE_HEADS,
  declareWeights,
  weightSpecs,
  type BaseWeights,
  type EmbeddingsWeights,
  type EntityEmbeddingsWeights,
  type EntityPredictionsWeights,
  type LayerWeights,
  type LmHeadWeights,
  type LukeHead,
  type LukeWeights,
  type SelfAttentionWeights,
  type WeightSpec,
} from "./weights";
export {
  IGNORE_INDEX,
  binaryCrossEntropyWithLogitsLoss,
  classificationLoss,
  crossEntropyLoss,
  maskedLmLoss,
} from "./losses";
export { FLOAT32_MIN, extendedAttentionMask, selfAttention } from "./attention";
export { entityEmbeddings, positionIdsFromInputIds, wordEmbeddings } from "./embeddings";
export { encoder, encoderLayer, pooler } from "./encoder";
export { entityClassification, entityPairClassification, entityPredictions, entitySpanClassification, lmHead } from "./heads";
export { Dropout, activation, embed, gelu, layerNorm, linear, mergeHeads, splitHeads, type Embedding, type LayerNorm, type Linear } from "./ops";
