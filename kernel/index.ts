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
export { LukePool } from "./inference/pool";
export type { PoolOptions } from "./inference/pool";

export * from "./tokenizer";
export * from "./model";
export * from "./checkpoint";
export { writeFileAtomic, AtomicFileWriter } from "./io/atomic";

export { runForward, runPredict, convertOriginalArchive, doctorReport } from "./commands";
export type { ForwardCommand, PredictCommand, ConvertCommand } from "./commands";

export * from "./display";

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
// The run loop both tasks share (output folder, training, best epoch, resume, results.json).
export { runTask, type InputContext, type SharedRunOptions, type TaskDefinition, type TaskInputs } from "./tasks/run-loop";
// Named entity recognition on CoNLL-2003 (`ner run`), its attention views (nerAttention) and its reader.
export * from "./tasks/ner";
export { CONLL_TYPES, ConllFormatError, conllCounts, parseConll, readConllDir, readConllFile, tagsToEntities, type ConllDocument, type ConllSentence } from "./data/conll";

// Analysis over run folders: tables, confusion matrices, calibration, Plotly figures.
export * from "./analysis";

// Sweeps of entity-typing and NER runs: plans, run state, local and Slurm runners.
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
