/** Named entity recognition on CoNLL-2003 as upstream LUKE's NER example: `ner run`, its inputs, decoding and metrics. */
export { runNer, nerLabels, NER_HEAD, type NerRunOutcome } from "./run";
export { NER_DEFAULTS, NER_OPTION_SPECS, resolveNerOptions, nerFingerprint, type NerOptions } from "./options";
export {
  DEFAULT_SPAN_OPTIONS,
  attachesLeft,
  buildSpanFeatures,
  candidateSpans,
  collateSpans,
  contextRoom,
  flattenSentences,
  joinWords,
  labelsTensor,
  type NerSentence,
  type SpanFeature,
  type SpanOptions,
} from "./inputs";
export { NO_SPAN, decodeSpans, nerMetrics, seqevalEntities, spanConfusion, spansToTags, type NerMetrics, type ScoredSpan, type TypedSpan } from "./metrics";
export { evaluateNer, predictionLines, scoreSpans, type NerEvaluation, type SpanCandidate } from "./evaluate";
export { nerCommand, nerUsage, NerUsageError } from "./cli-command";
export { recognizeEntities, splitWords as splitNerWords, type RecognizedEntity } from "./notebook";
export { nerAttention, type NerAttentionOptions, type NerAttentionSpan, type NerAttentionView } from "./attention";
