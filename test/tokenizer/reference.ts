/** Running transformers' LukeTokenizer (luke_reference.py) and comparing its output with ours. */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Encoding, EncodeInput } from "../../kernel/tokenizer";
import { ROOT, runPython } from "../helpers";

export const REFERENCE_SCRIPT = join(ROOT, "test", "tokenizer", "luke_reference.py");

export interface Job {
  dir: string;
  op: "encode" | "batch" | "tokenize" | "decode" | "info" | "save";
  /** LukeTokenizer.from_pretrained kwargs (task, add_prefix_space, max_mention_length, ...). */
  load?: Record<string, unknown>;
  inputs?: EncodeInput[];
  options?: Record<string, unknown>;
  texts?: string[];
  ids?: number[][];
  out?: string;
}

/** Python's output for one encoded text: snake_case keys, entity keys absent when it had no spans. */
export type PyEncoding = Record<string, unknown> & { tokens: string[]; input_ids: number[]; error?: string };

/** Runs all jobs in one Python process (loading transformers once); one result per job. */
export function reference(jobs: Job[]): unknown[] {
  return runPython<unknown[]>(REFERENCE_SCRIPT, [], { jobs });
}

/** Our encoding under Python's key names, keeping only the keys Python returned. */
export function asPython(e: Encoding, keys: readonly string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    tokens: e.tokens,
    input_ids: e.inputIds,
    attention_mask: e.attentionMask,
    entity_ids: e.entityIds,
    entity_position_ids: e.entityPositionIds,
    entity_attention_mask: e.entityAttentionMask,
    entity_start_positions: e.entityStartPositions,
    entity_end_positions: e.entityEndPositions,
  };
  return Object.fromEntries(keys.map((k) => [k, all[k]]));
}

/**
 * Asserts that our encoding equals Python's. Where Python returned no entity keys (no spans), ours
 * must have empty entity arrays.
 */
export function assertSameEncoding(ours: Encoding, py: PyEncoding, label: string): void {
  assert.equal(py.error, undefined, `${label}: the reference failed: ${py.error}`);
  const keys = Object.keys(py).sort();
  if (!("entity_ids" in py)) {
    assert.deepEqual([ours.entityIds, ours.entityPositionIds, ours.entityAttentionMask], [[], [], []], `${label}: entity fields`);
  }
  if (!("entity_start_positions" in py)) {
    assert.equal(ours.entityStartPositions, undefined, `${label}: entityStartPositions only for entity_span_classification`);
  }
  assert.deepEqual(asPython(ours, keys), Object.fromEntries(keys.map((k) => [k, py[k]])), `${label}\n ours:   ${ours.tokens.join(" ")}\n python: ${py.tokens.join(" ")}`);
}
