/**
 * Open Entity examples → model inputs: the original's text clean-up, the tokenizer's
 * entity-classification encoding (`<s> left <ent> mention <ent> right </s>`, one [MASK] entity over
 * the marked span), multi-hot targets, and padded batches as tensors.
 */
import { tf } from "../../backend";
import type { TypingExample } from "../../data/open-entity";
import type { LukeInputs } from "../../model";
import type { EncodeInput, Encoding, LukeTokenizer } from "../../tokenizer";
import { multiHot } from "./metrics";

/** The original's PTB bracket conversion (examples/entity_typing/utils.py conv_tables). */
const PTB_BRACKETS: readonly [string, string][] = [
  ["-LRB-", "("],
  ["-LCB-", "("],
  ["-LSB-", "("],
  ["-RRB-", ")"],
  ["-RCB-", ")"],
  ["-RSB-", ")"],
];

function convertBrackets(s: string): string {
  for (const [a, b] of PTB_BRACKETS) s = s.split(a).join(b);
  return s;
}

/**
 * The example as the tokenizer takes it: the brackets converted in the text before, inside and
 * after the mention separately (as the original converts each part), offsets moved to match.
 * Offsets are code points.
 */
export function toEncodeInput(example: Pick<TypingExample, "text" | "start" | "end">): EncodeInput {
  const chars = Array.from(example.text);
  const before = convertBrackets(chars.slice(0, example.start).join(""));
  const mention = convertBrackets(chars.slice(example.start, example.end).join(""));
  const after = convertBrackets(chars.slice(example.end).join(""));
  const start = Array.from(before).length;
  const end = start + Array.from(mention).length;
  return { text: before + mention + after, spans: [[start, end]] };
}

export interface EncodedExample {
  encoding: Encoding;
  targets: number[];
}

/** Encodes every example; an example the tokenizer or the model cannot take is reported by `where` and index. */
export function encodeExamples(
  tokenizer: LukeTokenizer,
  examples: readonly TypingExample[],
  labels: readonly string[],
  where: string,
  maxWords: number,
): EncodedExample[] {
  return examples.map((ex) => {
    let encoding: Encoding;
    try {
      encoding = tokenizer.encode(toEncodeInput(ex), { task: "entity_classification" });
    } catch (err) {
      throw new Error(`${where}: example ${ex.index}: ${(err as Error).message}`);
    }
    if (encoding.inputIds.length > maxWords) {
      throw new Error(
        `${where}: example ${ex.index}: ${encoding.inputIds.length} tokens, more than the ${maxWords} the model's position table allows`,
      );
    }
    return { encoding, targets: multiHot(ex.labels, labels) };
  });
}

/** A padded batch as int32 tensors (the caller disposes them, see disposeInputs). */
export function collate(encodings: readonly Encoding[], padTokenId: number): LukeInputs {
  const length = encodings.reduce((m, e) => Math.max(m, e.inputIds.length), 0);
  const entities = encodings.reduce((m, e) => Math.max(m, e.entityIds.length), 0);
  const mention = encodings.reduce((m, e) => Math.max(m, ...e.entityPositionIds.map((r) => r.length)), 1);
  const B = encodings.length;
  const ids = new Int32Array(B * length).fill(padTokenId);
  const mask = new Int32Array(B * length);
  const entityIds = new Int32Array(B * entities);
  const entityMask = new Int32Array(B * entities);
  const positions = new Int32Array(B * entities * mention).fill(-1);
  encodings.forEach((e, b) => {
    ids.set(e.inputIds, b * length);
    mask.set(e.attentionMask, b * length);
    entityIds.set(e.entityIds, b * entities);
    entityMask.set(e.entityAttentionMask, b * entities);
    e.entityPositionIds.forEach((row, k) => positions.set(row, (b * entities + k) * mention));
  });
  return {
    inputIds: tf.tensor2d(ids, [B, length], "int32"),
    attentionMask: tf.tensor2d(mask, [B, length], "int32"),
    entityIds: tf.tensor2d(entityIds, [B, entities], "int32"),
    entityAttentionMask: tf.tensor2d(entityMask, [B, entities], "int32"),
    entityPositionIds: tf.tensor3d(positions, [B, entities, mention], "int32"),
  };
}

/** Multi-hot targets of a batch as float32 [B, L]. */
export function targetsTensor(rows: readonly number[][]): tf.Tensor2D {
  return tf.tensor2d(rows.map((r) => r.slice()), [rows.length, rows[0]?.length ?? 0], "float32");
}
