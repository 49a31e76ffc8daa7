/**
 * Attention statistics over a dataset: what LUKE's [MASK] entity attends to (words by distance to the
 * mention, the markers, the mention, <s> and </s>) and token-to-token attention across layers, as
 * mean ± SE over the examples of attention records or forward results. See docs/attention-statistics.md.
 */
export { DEFAULT_POSITION_BINS, DISTANCE_UNITS, MENTION_BIN, ENTITY_MARKER_TOKENS, MASK_TARGET_CATEGORIES, positionBinIndices, checkPositionBins, positionBin, formatPositionBins, parsePositionBins, mentionPositions } from "./bins";
export type { DistanceUnit, PositionBin, MaskTargetCategory } from "./bins";
export { attentionAt, checkAttentionExample, attentionExampleFromForward, attentionExampleFromRecord, readAttentionRecords } from "./examples";
export type { AttentionExample, ForwardWithAttentions, ForwardExampleOptions } from "./examples";
export { AttentionStatsBuilder, PAIR_DUPLICATE_MODES, computeAttentionStatistics, tokenPairKey, parseTokenPair } from "./stats";
export type { AttentionStatsInput, AttentionStatsSource, AttentionStatistics, AttentionStatsOptions, PairDuplicateMode, MeanAndSe, TokenPairMatch, TokenPairStatistics } from "./stats";
export {
  attentionFigures,
  attentionNotes,
  attentionReport,
  attentionStatistics,
  attentionSummary,
  attentionTables,
  tokenPairFigure,
  tokenPairName,
  positionBinsFigure,
  positionBinsByHeadFigure,
  maskTargetsFigure,
  writeAttentionReport,
} from "./report";
export type { AttentionReport, WriteAttentionOptions, WrittenAttention } from "./report";
