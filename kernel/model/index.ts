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
export { LukeModel, type ForwardOptions, type LossOptions, type LukeOutputs } from "./luke";
export type { LukeInputs } from "./inputs";
export {
  BASE_MODULES,
  BASE_PREFIX,
  ENTITY_AWARE_QUERIES,
  HEAD_MODULES,
  IGNORED_KEYS,
  LUKE_HEADS,
  TIED_DECODER_KEYS,
  canonicalKey,
  checkWeights,
  declareLayer,
  declareWeights,
  leafBuilders,
  isHeadKey,
  lukeBaseWeightShapes,
  normaliseLukeKeys,
  weightShapes,
  weightSpecs,
  type LukeHead,
  type LukeShapeConfig,
  type NormalisedKeys,
  type WeightSpec,
  type WeightTreeConfig,
} from "./weight-tree";
export type {
  BaseWeights,
  EmbeddingsWeights,
  EntityEmbeddingsWeights,
  EntityPredictionsWeights,
  LayerWeights,
  LmHeadWeights,
  LukeWeights,
  SelfAttentionWeights,
} from "./weights";
export {
  IGNORE_INDEX,
  binaryCrossEntropyWithLogitsLoss,
  classificationLoss,
  crossEntropyLoss,
  maskedLmLoss,
  type ProblemType,
} from "./losses";
export { FLOAT32_MIN, extendedAttentionMask, selfAttention } from "./attention";
export { entityEmbeddings, positionIdsFromInputIds, wordEmbeddings } from "./embeddings";
export { encoder, encoderLayer, pooler } from "./encoder";
export { entityClassification, entityPairClassification, entityPredictions, entitySpanClassification, lmHead } from "./heads";
export { Dropout, activation, embed, gelu, layerNorm, linear, mergeHeads, splitHeads, type Embedding, type LayerNorm, type Linear } from "./ops";
export { WordModel, type WordModelInputs, type WordModelOutputs } from "./word-model";
export { WORD_MODEL_TYPES, parseWordModelConfig, wordModelType, type WordModelConfig, type WordModelType } from "./word-model-config";
export {
  WORD_MODEL_MODULES,
  WORD_MODEL_PREFIXES,
  declareWordModelWeights,
  normaliseWordModelKeys,
  wordModelWeightShapes,
  type BertWeights,
  type Gpt2LayerWeights,
  type Gpt2Weights,
  type WordModelWeights,
} from "./word-model-weights";
