/**
 * lukelab's public API for notebooks and scripts: what a user needs, listed name by name.
 *
 *   import { loadLuke } from "lukelab";
 *   const luke = await loadLuke("samples/tiny-luke");
 *   const [p] = await luke.predict([{ text: "Ada Lovelace wrote the first algorithm.", spans: [[0, 12]] }]);
 *
 * Offsets are Unicode code points, as in Python strings. Each part has its own entry point with all
 * of its names (package.json "exports"; docs/architecture.md): lukelab/backend, lukelab/tokenizer,
 * lukelab/model, lukelab/checkpoint, lukelab/data, lukelab/display, lukelab/train,
 * lukelab/entity-typing, lukelab/ner, lukelab/analysis (and lukelab/analysis/<tool>), lukelab/sweep,
 * lukelab/hub, lukelab/markup, lukelab/compare. No `export *` here: a name is public because it is listed.
 */

// --- The TF.js backend: which one runs, and why ------------------------------------------------
export { initBackend, tf, BACKEND_ENV } from "./backend";
export type { BackendReport, BackendName } from "./backend";

// --- A loaded model: tokenizer + network, encode → forward → predictions -----------------------
export { Luke, loadLuke, disposeInputs, disposeOutputs } from "./inference/luke";
export type { ForwardResult, LabelScore, LoadOptions, Prediction, PredictOptions, RunOptions } from "./inference/luke";
export { WordModelRunner, folderModelType, loadBert, loadGpt2, loadRoberta, loadWordModel } from "./inference/word-models";
export type { WordForwardOptions, WordForwardResult, WordModelInput, WordModelLoadOptions } from "./inference/word-models";
export { LukePool } from "./inference/pool";
export type { PoolOptions } from "./inference/pool";

// --- The parts on their own: tokenizer, network, checkpoints ------------------------------------
export { LukeTokenizer, LUKE_TASKS, codePointLength } from "./tokenizer";
export type { BatchEncoding, EncodeInput, EncodeOptions, Encoding, LukePadding, LukeTask } from "./tokenizer";
export { LukeModel, createLukeConfig, parseLukeConfig, lukeConfigToJson } from "./model";
export type { ForwardOptions, LossOptions, LukeConfig, LukeInputs, LukeOutputs, ProblemType } from "./model";
export { loadHfCheckpoint, saveHfCheckpoint, loadOriginalLukeArchive, loadSafetensors, saveSafetensors, loadTorchCheckpoint } from "./checkpoint";
export type { HfCheckpoint, OriginalLuke, OriginalLukeOptions, StateDict, TensorData } from "./checkpoint";

// --- Files and the command line's commands ----------------------------------------------------
export { writeFileAtomic, AtomicFileWriter } from "./io/atomic";
export { runForward, runPredict, convertOriginalArchive, doctorReport } from "./commands";
export type { ForwardCommand, PredictCommand, ConvertCommand } from "./commands";

// --- Attention views in a notebook ------------------------------------------------------------
export {
  ATTENTION_MIME,
  attentionBundle,
  attentionImage,
  attentionPayload,
  decodeAttentionPayload,
  encodeAttentionPayload,
  lukeAttentionPayload,
  readAttentionFile,
  showAttention,
  showLukeAttention,
} from "./display";
export type { AttentionInput, AttentionPayload, AttentionSource, ShowOptions } from "./display";

// --- LUKE beside BERT, RoBERTa and GPT-2 on one sentence (docs/models.md) ---------------------------
export { alignWords, compareAttention, compareModels, comparisonBundle, sentenceWords, wordToWordAttention } from "./compare";
export type { AttentionCompareOptions, AttentionComparison, CompareDisplayOptions, ComparedModel, ModelAttention, SentenceWord, WordPairAttention } from "./compare";

// --- Datasets: Open Entity (entity typing) and CoNLL-2003 (NER) --------------------------------
export { OPEN_ENTITY_LABELS, DatasetError, readOpenEntityDir, readOpenEntityFile, CONLL_TYPES, ConllFormatError, conllCounts, parseConll, readConllDir, readConllFile, tagsToEntities } from "./data";
export type { OpenEntityDataset, OpenEntityFormat, TypingExample, ConllDocument, ConllSentence } from "./data";

// --- Training, for any task: the parts the entity-typing run is made of --------------------------
export { AdamW, Trainer, learningRateAt, EventWriter, ResumeStore, ProgressBar, lineChartSvg } from "./train";
export type { AdamWOptions, TrainerOptions } from "./train";
// The run loop both tasks are made of: a task supplies its data, inputs, loss and evaluation.
export { runTask } from "./tasks/entity-typing/run-loop";
export type { InputContext, SharedRunOptions, TaskDefinition, TaskInputs } from "./tasks/entity-typing/run-loop";

// --- Entity typing: the original's `entity-typing run`, in a notebook ----------------------------
export {
  trainEntityTyping,
  evaluateEntityTyping,
  EntityTypingRun,
  runEntityTyping,
  readResults,
  validateResults,
  devCurve,
  readBaseline,
  microPrf,
  perLabelPrf,
  multiHot,
  toEncodeInput,
  decodeAttentionRecord,
} from "./tasks/entity-typing";
export type { EntityTypingOptions, EntityTypingResults, NotebookRunOptions, TypingInput, TypingPrediction, AttentionRecord, Prf } from "./tasks/entity-typing";

// --- Named entity recognition (`ner run`) ------------------------------------------------------
export { runNer, recognizeEntities, evaluateNer, nerMetrics, nerAttention, NO_SPAN } from "./tasks/ner";
export type { NerOptions, NerMetrics, RecognizedEntity, NerAttentionOptions, NerAttentionSpan, NerAttentionView } from "./tasks/ner";

// --- Analysis over run folders: tables, confusion matrices, calibration, figures ------------------
export {
  loadRuns,
  varyingParameters,
  summariseBy,
  bestRuns,
  confusionMatrices,
  confusionFromLogits,
  calibrationCurve,
  calibrationFromLogits,
  splitPredictions,
  splitExamples,
  parameterFigure,
  confusionFigure,
  runConfusionFigure,
  calibrationFigure,
  devTestFigure,
  devProgressFigure,
  lossFigure,
  showFigure,
  figureBundle,
  figureSvg,
  figureHtml,
  writeFigureHtml,
  analyseRuns,
  writeAnalysis,
  PLOTLY_MIME,
  taskOfRun,
  readNerPredictions,
  nerSplit,
  spanConfusionRows,
  perTypeRows,
  spanConfusionFigure,
  perTypeFigure,
} from "./analysis";
export type { PlotlyPayload, RunCollection, RunRecord, RunTask, NerPredictions, NerSplitAnalysis } from "./analysis";

// --- The original system's analysis tools (one entry point each under lukelab/analysis/) -----------
export { attentionStatistics, writeAttentionReport } from "./analysis/attention-stats";
export { analyseBiasProbe, readProbeFile, comparisonsTable, writeBiasReport } from "./analysis/bias";
export { embedRuns, writeEmbedding } from "./analysis/embedding";
export { readRunFolder, misclassifiedExamples, misclassifiedTable, misclassifiedFigure, misclassifiedJsonl } from "./analysis/errors";
export { datasetStatistics, datasetTables, datasetFigures } from "./analysis/dataset-stats";

// --- Marked-up text (`<mention|labels>`) to entity-typing examples ------------------------------
export { parseMarkedSentence, readMarkupFile, markupExamples, markupJson, MarkupError } from "./markup";

// --- Sweeps of entity-typing and NER runs: plans, state, the local and Slurm runners ---------------
export { planSweep, runSweep, sweepStatus, cancelSweep, readSweepFile, readPlan, readState, ORIGINAL_SWEEPS, ORIGINAL_BASE, SweepDefinitionError, SWEEP_TASKS, sweepTask } from "./sweep";
export type { SweepDefinition, SweepPlan, SweepReport, RunSweepOptions, RunState, SweepTask, SweepTaskSpec } from "./sweep";

// --- Models by Hub id (`org/name[@revision]`), in the cache Python's huggingface_hub uses ----------
export { resolveModelPath, downloadLukeSnapshot, isHubModelId, parseHubId, hubSettings, HubError } from "./hub";
export type { HubOptions, HubSnapshot } from "./hub";
