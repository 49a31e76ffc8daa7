/**
 * LUKE's entity handling, as transformers' LukeTokenizer: span-aware word tokenization, the task's
 * <ent>/<ent2> markers, and prepare_for_model (special tokens, truncation, entity positions).
 * Offsets here are UTF-16 indices; the caller has converted them from code points.
 */
import type { Encoding, LukeTask } from "./types";

export type TokenSpan = [number, number];

/**
 * get_input_ids_and_entity_token_spans: cut the text at every span boundary and tokenize each piece
 * on its own (so each piece gets its own prefix space). A boundary right after a space moves left
 * over that one space, so the space stays with the following word ("Ġword").
 */
export function tokenizeAroundSpans(
  encodeText: (text: string) => number[],
  text: string,
  spans: ReadonlyArray<TokenSpan>,
): { ids: number[]; tokenSpans: TokenSpan[] } {
  const boundaries = [...new Set(spans.flat())].sort((a, b) => a - b);
  const tokenPosOf = new Map<number, number>();
  const ids: number[] = [];
  let cursor = 0;
  for (const boundary of boundaries) {
    const cut = boundary > 0 && text.charCodeAt(boundary - 1) === 0x20 ? boundary - 1 : boundary;
    if (cut !== cursor) {
      for (const id of encodeText(text.slice(cursor, cut))) ids.push(id);
      cursor = cut;
    }
    tokenPosOf.set(boundary, ids.length);
  }
  for (const id of encodeText(text.slice(cursor))) ids.push(id);
  return { ids, tokenSpans: spans.map(([s, e]) => [tokenPosOf.get(s)!, tokenPosOf.get(e)!]) };
}

function insertAt(ids: number[], at: number, id: number): number[] {
  return [...ids.slice(0, at), id, ...ids.slice(at)];
}

/** entity_classification: <ent> before and after the mention; the markers belong to the mention. */
export function markSingle(ids: number[], span: TokenSpan, ent: number): { ids: number[]; tokenSpans: TokenSpan[] } {
  const [start, end] = span;
  const out = insertAt(insertAt(ids, end, ent), start, ent);
  return { ids: out, tokenSpans: [[start, end + 2]] };
}

/** entity_pair_classification: <ent> around the head, <ent2> around the tail, the later one first. */
export function markPair(
  ids: number[],
  head: TokenSpan,
  tail: TokenSpan,
  ent: number,
  ent2: number,
): { ids: number[]; tokenSpans: TokenSpan[] } {
  let order: Array<[TokenSpan, number]> = [
    [head, ent],
    [tail, ent2],
  ];
  let spans: TokenSpan[];
  if (head[0] < tail[0]) {
    spans = [
      [head[0], head[1] + 2],
      [tail[0] + 2, tail[1] + 4],
    ];
    order = order.reverse();
  } else {
    spans = [
      [head[0] + 2, head[1] + 4],
      [tail[0], tail[1] + 2],
    ];
  }
  let out = ids;
  for (const [[start, end], marker] of order) {
    out = insertAt(out, end, marker);
    out = insertAt(out, start, marker);
  }
  return { ids: out, tokenSpans: spans };
}

export interface PrepareSettings {
  task: LukeTask;
  clsId: number;
  sepId: number;
  /** Word sequence limit (special tokens included); null: none. */
  maxLength: number | null;
  truncation: boolean;
  maxEntityLength: number;
  maxMentionLength: number;
}

/** prepare_for_model for one text: <s> ids </s>, truncation, entity positions (offset by 1 for <s>). */
export function prepareForModel(
  ids: number[],
  entityIds: number[] | null,
  tokenSpans: TokenSpan[] | null,
  s: PrepareSettings,
  where: string,
): Omit<Encoding, "tokens"> {
  const total = ids.length + 2;
  if (s.truncation && s.maxLength !== null && total > s.maxLength) {
    const remove = total - s.maxLength;
    // The reference logs an error and leaves the text untruncated here; an exception is clearer.
    if (ids.length <= remove) {
      throw new Error(
        `${where}: maxLength ${s.maxLength} leaves no room for the text (it needs ${ids.length} tokens plus <s> and </s>; use maxLength ≥ 3)`,
      );
    }
    ids = ids.slice(0, ids.length - remove);
  }
  const out: Omit<Encoding, "tokens"> = {
    inputIds: [s.clsId, ...ids, s.sepId],
    attentionMask: new Array(ids.length + 2).fill(1),
    entityIds: [],
    entityPositionIds: [],
    entityAttentionMask: [],
  };
  if (s.task === "entity_span_classification") {
    out.entityStartPositions = [];
    out.entityEndPositions = [];
  }
  if (entityIds === null || tokenSpans === null) return out;

  let keptIds: number[] = [];
  let keptSpans: TokenSpan[] = [];
  entityIds.forEach((id, i) => {
    if (tokenSpans[i][1] <= ids.length) {
      keptIds.push(id);
      keptSpans.push(tokenSpans[i]);
    }
  });
  if (keptIds.length < entityIds.length) out.droppedEntities = entityIds.length - keptIds.length;
  if (s.truncation && keptIds.length > s.maxEntityLength) {
    keptIds = keptIds.slice(0, s.maxEntityLength);
    keptSpans = keptSpans.slice(0, s.maxEntityLength);
  }
  out.entityIds = keptIds;
  out.entityAttentionMask = keptIds.map(() => 1);
  for (const [start0, end0] of keptSpans) {
    const start = start0 + 1;
    const end = end0 + 1;
    const row: number[] = [];
    for (let p = start; p < end && row.length < s.maxMentionLength; p++) row.push(p);
    while (row.length < s.maxMentionLength) row.push(-1);
    out.entityPositionIds.push(row);
    out.entityStartPositions?.push(start);
    out.entityEndPositions?.push(end - 1);
  }
  return out;
}
