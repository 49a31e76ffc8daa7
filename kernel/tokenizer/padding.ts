/**
 * Batch padding, as LukeTokenizer.pad/_pad on the right: words with <pad> (mask 0), entities with
 * [PAD] (rows of -1, mask 0, start/end 0). An encoding already longer than the target is left as is.
 */
import type { BatchEncoding, Encoding } from "./types";

export interface PadTargets {
  /** Word length to pad to; null: no padding. */
  length: number | null;
  /** Entity count to pad to; null: no padding. */
  entityLength: number | null;
  padId: number;
  padToken: string;
  entityPadId: number;
  maxMentionLength: number;
}

function padded<T>(xs: T[], to: number | null, fill: () => T): T[] {
  if (to === null || xs.length >= to) return xs;
  const out = xs.slice();
  while (out.length < to) out.push(fill());
  return out;
}

export function padBatch(encodings: Encoding[], t: PadTargets): BatchEncoding {
  const spanTask = encodings.some((e) => e.entityStartPositions !== undefined);
  const batch: BatchEncoding = {
    tokens: encodings.map((e) => padded(e.tokens, t.length, () => t.padToken)),
    inputIds: encodings.map((e) => padded(e.inputIds, t.length, () => t.padId)),
    attentionMask: encodings.map((e) => padded(e.attentionMask, t.length, () => 0)),
    entityIds: encodings.map((e) => padded(e.entityIds, t.entityLength, () => t.entityPadId)),
    entityPositionIds: encodings.map((e) =>
      padded(e.entityPositionIds, t.entityLength, () => new Array<number>(t.maxMentionLength).fill(-1)),
    ),
    entityAttentionMask: encodings.map((e) => padded(e.entityAttentionMask, t.entityLength, () => 0)),
  };
  if (spanTask) {
    batch.entityStartPositions = encodings.map((e) => padded(e.entityStartPositions ?? [], t.entityLength, () => 0));
    batch.entityEndPositions = encodings.map((e) => padded(e.entityEndPositions ?? [], t.entityLength, () => 0));
  }
  return batch;
}
