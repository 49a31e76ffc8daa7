/**
 * lukelab's public API for notebooks and scripts.
 *
 *   import { loadLuke } from "lukelab";
 *   const luke = await loadLuke("samples/tiny-luke");
 *   const [p] = await luke.predict([{ text: "Ada Lovelace wrote the first algorithm.", spans: [[0, 12]] }]);
 *
 * Offsets are Unicode code points, as in Python strings.
 */
export { initBackend, tf, BACKEND_ENV } from "./backend";
export type { BackendReport, BackendName } from "./backend";

export { Luke, loadLuke, disposeInputs, disposeOutputs } from "./inference/luke";
export type { ForwardResult, LabelScore, LoadOptions, Prediction, PredictOptions, RunOptions } from "./inference/luke";
export { WordModelRunner, folderModelType, loadBert, loadGpt2, loadRoberta, loadWordModel } from "./inference/word-models";
export type { WordForwardOptions, WordForwardResult, WordModelInput, WordModelLoadOptions } from "./inference/word-models";
export { LukePool } from "./inference/pool";
export type { PoolOptions } from "./inference/pool";

export * from "./tokenizer";
export * from "./model";
export * from "./checkpoint";
export { writeFileAtomic, AtomicFileWriter } from "./io/atomic";

export { runForward, runPredict, convertOriginalArchive, doctorReport } from "./commands";
export type { ForwardCommand, PredictCommand, ConvertCommand } from "./commands";

export * from "./display";
// LUKE beside BERT, RoBERTa and GPT-2 on one sentence (docs/models.md).
export * from "./compare";

// Training and entity typing (the original's `entity-typing run`), for notebooks and scripts.
export * from "./train";
export * from "./tasks/entity-typing";
export {
  OPEN_ENTITY_LABELS,
  DatasetError,
  readOpenEntityDir,
  readOpenEntityFile,
  type OpenEntityDataset,
  type OpenEntityFormat,
  type TypingExample,
} from "./data/open-entity";
// Named entity recognition on CoNLL-2003 (`ner run`) and its reader.
export * from "./tasks/ner";
export { CONLL_TYPES, ConllFormatError, conllCounts, parseConll, readConllDir, readConllFile, tagsToEntities, type ConllDocument, type ConllSentence } from "./data/conll";

// Analysis over run folders: tables, confusion matrices, calibration, Plotly figures.
export * from "./analysis";

// Sweeps of entity-typing runs: plans, run state, local and Slurm runners.
export * from "./sweep";

// Models by Hub id (`org/name[@revision]`), in the cache Python's huggingface_hub reads and writes.
export * from "./hub";

// The original system's analysis tools: marked-up text, attention statistics over a dataset, bias
// probes, runs embedded by their confusion matrices, error analysis and dataset statistics.
export * from "./markup";
export * from "./analysis/attention-stats";
export * from "./analysis/bias";
export * from "./analysis/embedding";
export * from "./analysis/errors";
export * from "./analysis/dataset-stats";
