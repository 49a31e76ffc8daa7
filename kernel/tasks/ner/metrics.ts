/**
 * NER decoding and entity-level metrics, as upstream LUKE's NER example and `seqeval` do them.
 *
 * Decoding (upstream's evaluate): each candidate span's label is the argmax of its logits; spans
 * whose argmax is NIL are dropped; the others are taken in order of their maximum logit, highest
 * first, and a span is kept only if none of its words is already covered. Kept spans are written
 * as B-TYPE then I-TYPE tags (IOB2).
 *
 * Metrics: the entities of the gold and predicted tag sequences as seqeval's get_entities reads
 * them in its default mode (IOB1 and IOB2 alike; sentences joined with an "O" between them), then
 * micro precision, recall and F1 over exact (type, start, end) matches, and the same per type —
 * seqeval's precision_score / recall_score / f1_score and classification_report.
 */
import { prfFromCounts, type Counts, type LabelFigures, type Prf } from "../entity-typing/metrics";

/** A typed span [start, end) of a sentence's words. */
export interface TypedSpan {
  start: number;
  end: number;
  type: string;
}

/** A scored candidate: the span, its argmax label and that label's logit. */
export interface ScoredSpan extends TypedSpan {
  score: number;
}

/** Upstream's greedy decoding: highest score first, no overlaps; returns the kept spans by start. */
export function decodeSpans(candidates: readonly ScoredSpan[]): ScoredSpan[] {
  const order = candidates.map((c, i) => ({ c, i })).sort((a, b) => b.c.score - a.c.score || a.i - b.i);
  const taken: ScoredSpan[] = [];
  const covered = new Set<number>();
  for (const { c } of order) {
    let free = true;
    for (let w = c.start; w < c.end && free; w++) free = !covered.has(w);
    if (!free) continue;
    for (let w = c.start; w < c.end; w++) covered.add(w);
    taken.push(c);
  }
  return taken.sort((a, b) => a.start - b.start);
}

/** IOB2 tags of `length` words with the given non-overlapping spans. */
export function spansToTags(length: number, spans: readonly TypedSpan[]): string[] {
  const tags = new Array<string>(length).fill("O");
  for (const s of spans) for (let w = s.start; w < s.end; w++) tags[w] = (w === s.start ? "B-" : "I-") + s.type;
  return tags;
}

interface Chunk {
  type: string;
  start: number;
  end: number;
}

/** seqeval.metrics.sequence_labeling.get_entities (default mode) over sentences joined with "O". */
export function seqevalEntities(sentences: readonly (readonly string[])[]): Chunk[] {
  const seq: string[] = [];
  for (const s of sentences) seq.push(...s, "O");
  seq.push("O");
  const chunks: Chunk[] = [];
  let prevTag = "O";
  let prevType = "";
  let begin = 0;
  seq.forEach((chunk, i) => {
    const tag = chunk[0];
    const rest = chunk.slice(1);
    const dash = rest.indexOf("-");
    const type = (dash >= 0 ? rest.slice(dash + 1) : rest) || "_"; // chunk[1:].split('-', maxsplit=1)[-1] or '_'
    if (endOfChunk(prevTag, tag, prevType, type)) chunks.push({ type: prevType, start: begin, end: i });
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  });
  return chunks;
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === "E" || prevTag === "S") return true;
  if ((prevTag === "B" || prevTag === "I") && (tag === "B" || tag === "S" || tag === "O")) return true;
  return prevTag !== "O" && prevTag !== "." && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === "B" || tag === "S") return true;
  if ((prevTag === "E" || prevTag === "S" || prevTag === "O") && (tag === "E" || tag === "I")) return true;
  return tag !== "O" && tag !== "." && prevType !== type;
}

export interface NerMetrics extends Prf, Counts {
  /** Per entity type: seqeval's classification_report rows. */
  perType: Record<string, LabelFigures>;
}

/** Entity-level micro P/R/F1 and per-type figures of predicted vs gold tag sequences. */
export function nerMetrics(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): NerMetrics {
  if (gold.length !== predicted.length) throw new Error(`nerMetrics: ${gold.length} gold sentences but ${predicted.length} predicted`);
  gold.forEach((g, i) => {
    if (g.length !== predicted[i].length) throw new Error(`nerMetrics: sentence ${i} has ${g.length} gold tags but ${predicted[i].length} predicted`);
  });
  const key = (c: Chunk) => `${c.type}\t${c.start}\t${c.end}`;
  const goldChunks = seqevalEntities(gold);
  const predChunks = seqevalEntities(predicted);
  const goldSet = new Set(goldChunks.map(key));
  const types = [...new Set([...goldChunks, ...predChunks].map((c) => c.type))].sort();
  const perType: Record<string, LabelFigures> = {};
  for (const t of types) {
    const g = goldChunks.filter((c) => c.type === t);
    const p = predChunks.filter((c) => c.type === t);
    const counts = { predicted: p.length, gold: g.length, correct: p.filter((c) => goldSet.has(key(c))).length };
    perType[t] = { ...prfFromCounts(counts), ...counts, support: g.length };
  }
  const counts = { predicted: predChunks.length, gold: goldChunks.length, correct: predChunks.filter((c) => goldSet.has(key(c))).length };
  return { ...prfFromCounts(counts), ...counts, perType };
}

/** The span confusion's last row and column: no entity with exactly that span (missed or spurious). */
export const NO_SPAN = "none";

/**
 * Per-type confusion over spans: rows are gold types, columns predicted types, with "none" for "no
 * entity with exactly this span". A gold entity lands in (its type, the type predicted for the same
 * span, or none); a predicted entity whose span is no gold entity's lands in (none, its type). The
 * diagonal is the correct entities; (none, none) stays 0.
 */
export function spanConfusion(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): { labels: string[]; matrix: number[][] } {
  const g = seqevalEntities(gold);
  const p = seqevalEntities(predicted);
  const labels = [...[...new Set([...g, ...p].map((c) => c.type))].sort(), NO_SPAN];
  const at = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  const span = (c: Chunk) => `${c.start}\t${c.end}`;
  const predBySpan = new Map(p.map((c) => [span(c), c.type]));
  const goldSpans = new Set(g.map(span));
  for (const c of g) matrix[at.get(c.type)!][at.get(predBySpan.get(span(c)) ?? NO_SPAN)!]++;
  for (const c of p) if (!goldSpans.has(span(c))) matrix[at.get(NO_SPAN)!][at.get(c.type)!]++;
  return { labels, matrix };
}
