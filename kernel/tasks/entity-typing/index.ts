/** Entity typing on Open Entity: the original's `entity-typing run`, its metrics and results.json. */
export { runEntityTyping, type RunHooks, type RunOutcome } from "./run";
export {
  DEFAULT_OPTIONS,
  MODEL_SIZES,
  OPTION_SPECS,
  defaultOutputDir,
  logParameters,
  resolveOptions,
  runFingerprint,
  type EntityTypingOptions,
  type ModelSize,
  type OptionSpec,
} from "./options";
export { constantAnswerPrf, microPrf, multiHot, perLabelPrf, predictedLabels, prfFromCounts, type Counts, type LabelFigures, type Prf } from "./metrics";
export { devCurve, readResults, validateResults, type EntityTypingResults, type PredictionsBlock } from "./results";
export { baselineRecord, constantSetPrf, majorityBaseline, readBaseline, type BaselineRecord, type ConstantBaseline } from "./baseline";
export { SUMMARY_TITLE, summaryLines } from "./summary";
export { DEFAULT_TOKENIZER_DIR, MODEL_SIZE_PRESETS, loadWeights, prepareModel, type ModelSource, type PreparedModel } from "./model-setup";
export { collate, encodeExamples, toEncodeInput, type EncodedExample } from "./inputs";
export { evaluateSplit, type EvaluateOptions, type SplitEvaluation } from "./evaluate";
export { decodeAttentionRecord, decodeFloat16Base64, encodeFloat16Base64, fromFloat16Bits, toFloat16Bits, type AttentionRecord } from "./attention-records";
export {
  EntityTypingRun,
  TrainingView,
  evaluateEntityTyping,
  trainEntityTyping,
  type DisplayLike,
  type NotebookRunOptions,
  type TypingInput,
  type TypingPrediction,
} from "./notebook";
export { entityTypingCommand, entityTypingUsage, parseEntityTypingArgs, EntityTypingUsageError } from "./cli-command";
