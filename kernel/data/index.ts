/** Input readers with errors at file, line and example: Open Entity (entity typing) and CoNLL-2003 (NER), and
 * the JSON lines the forward and predict commands read. */
export {
  OPEN_ENTITY_LABELS,
  SPLITS,
  DatasetError,
  detectFormat,
  readOpenEntityDir,
  readOpenEntityFile,
  readOpenEntitySplit,
  withContextWindow,
  type DroppedLabels,
  type OpenEntityDataset,
  type OpenEntityFormat,
  type ReadOptions,
  type Split,
  type TypingExample,
} from "./open-entity";
export {
  CONLL_FILES,
  CONLL_SPLITS,
  CONLL_TYPES,
  ConllFormatError,
  conllCounts,
  parseConll,
  readConllDir,
  readConllFile,
  tagsToEntities,
  type ConllCounts,
  type ConllData,
  type ConllDocument,
  type ConllEntity,
  type ConllFile,
  type ConllSentence,
  type ConllSplit,
} from "./conll";
export { InputError, parseForwardInput, readJsonl, type ForwardInput, type Numbered } from "./jsonl";
