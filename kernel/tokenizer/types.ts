/** Public types of the LUKE tokenizer. All character offsets are Unicode code points (Python's). */

/** The fine-tuning task a tokenizer prepares inputs for; `null` is plain LUKE (entities by title). */
export type LukeTask = "entity_classification" | "entity_pair_classification" | "entity_span_classification" | null;

export const LUKE_TASKS: readonly LukeTask[] = [
  "entity_classification",
  "entity_pair_classification",
  "entity_span_classification",
  null,
];

export interface EncodeInput {
  text: string;
  /** Entity mentions as [start, end) code point offsets into `text`. */
  spans?: [number, number][];
  /** Entity titles for the spans (task null only), looked up in entity_vocab.json; unknown → [UNK]. */
  entities?: string[];
}

export interface EncodeOptions {
  /** Overrides the tokenizer's own task (`null` = no task). */
  task?: LukeTask;
  /** Longest word sequence, special tokens included. */
  maxLength?: number;
  /** Truncate words to maxLength and entities to maxEntityLength. Default: on when maxLength is given without padding. */
  truncation?: boolean;
  /** Most entities kept by truncation (and padded to by padding "max_length"). Default: the task's. */
  maxEntityLength?: number;
  /** Width of each entity_position_ids row. Default: the tokenizer's (30). */
  maxMentionLength?: number;
}

export type LukePadding = boolean | "max_length";

export interface Encoding {
  tokens: string[];
  inputIds: number[];
  attentionMask: number[];
  entityIds: number[];
  /** One row per entity: the word positions of its mention, padded with -1. */
  entityPositionIds: number[][];
  entityAttentionMask: number[];
  /** entity_span_classification only: first word position of each mention. */
  entityStartPositions?: number[];
  /** entity_span_classification only: last word position of each mention (inclusive). */
  entityEndPositions?: number[];
  /** How many entities truncation dropped because their mention no longer fits (absent when none). */
  droppedEntities?: number;
}

export interface BatchEncoding {
  tokens: string[][];
  inputIds: number[][];
  attentionMask: number[][];
  entityIds: number[][];
  entityPositionIds: number[][][];
  entityAttentionMask: number[][];
  entityStartPositions?: number[][];
  entityEndPositions?: number[][];
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
  /** Put a space around added tokens such as <ent> (the reference's default: true). */
  spacesBetweenSpecialTokens?: boolean;
  /** Remove spaces before punctuation (default: the tokenizer config's clean_up_tokenization_spaces). */
  cleanUpTokenizationSpaces?: boolean;
}
