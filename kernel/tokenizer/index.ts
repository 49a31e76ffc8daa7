/** The LUKE tokenizer: byte-level BPE plus entity markers, entity ids and entity position ids. */
export * from "./types";
export { LukeTokenizer, type LukeTokenizerParts } from "./luke-tokenizer";
export type { AddedToken } from "./added-tokens";
export { TextTokenizer } from "./text-tokenizer";
export { BytePairEncoder } from "./bpe";
export { splitWords } from "./char-classes";
export { offsetMap, codePointLength, type OffsetMap } from "./code-points";
export { WordPieceTokenizer, parseVocabTxt, type WordPieceSettings } from "./wordpiece";
export { WordModelTokenizer, WORD_MODEL_KINDS, type WordEncoding, type WordModelKind } from "./model-tokenizers";
