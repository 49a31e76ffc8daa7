/**
 * CoNLL sentences → entity-span-classification inputs, as upstream LUKE's NER example builds them:
 *
 *   - the text: the words joined by spaces, except that a word starting with an apostrophe or a
 *     single punctuation character follows the previous word directly ("Blackburn 's", "lamb."),
 *     as transformers' run_luke_ner_no_trainer.py writes it;
 *   - context: the sentence with words of its document on both sides, up to the maximum length
 *     (max_seq_length − 2 subwords), shared out as upstream's legacy example does — half the room
 *     left over to the shorter side, the rest to the other;
 *   - spans: every span of whole words of the sentence whose subwords number at most
 *     max_mention_length becomes a [MASK] entity with its start and end word positions
 *     (entity_start_positions / entity_end_positions, end inclusive), labelled with its gold type or
 *     NIL (id 0);
 *   - a sentence longer than the input on its own keeps its first words that fit (as transformers'
 *     example truncates); the rest get no span and are predicted O (their entities count as misses);
 *   - chunks: a sentence with more spans than max_entity_length is split into ⌈n / max⌉ inputs of
 *     equal size over the same text (upstream's split_size).
 *
 * The encoding itself is the tokenizer's (task entity_span_classification), so the word ids,
 * entity positions and start/end positions are transformers' LukeTokenizer's for the same text and
 * spans (test/tasks/ner/inputs.test.ts compares them).
 */
import { tf } from "../../backend";
import type { ConllDocument, ConllEntity } from "../../data/conll";
import type { LukeInputs } from "../../model";
import type { Encoding, LukeTokenizer } from "../../tokenizer";
import { collate } from "../entity-typing/inputs";

export interface SpanOptions {
  /** Longest word sequence, <s> and </s> included (upstream max_seq_length 512). */
  maxSeqLength: number;
  /** Most span entities in one input (upstream max_entity_length 128). */
  maxEntityLength: number;
  /** Most subwords in a candidate span (upstream max_mention_length 16). */
  maxMentionLength: number;
}

export const DEFAULT_SPAN_OPTIONS: SpanOptions = { maxSeqLength: 512, maxEntityLength: 128, maxMentionLength: 16 };

/** One model input: a chunk of the candidate spans of one sentence. */
export interface SpanFeature {
  /** Index of the sentence in its split (documents' sentences in order). */
  sentence: number;
  encoding: Encoding;
  /** The chunk's spans, as word offsets [start, end) in the sentence. */
  spans: [number, number][];
  /** Label id of each span: 0 = NIL, else 1 + position in the label list's types. */
  labels: number[];
}

/** A sentence as the task sees it. */
export interface NerSentence {
  /** Position in the split. */
  index: number;
  document: number;
  words: string[];
  tags: string[];
  entities: ConllEntity[];
  line: number;
}

/** The sentences of a split, in file order. */
export function flattenSentences(documents: readonly ConllDocument[]): NerSentence[] {
  const out: NerSentence[] = [];
  for (const d of documents) for (const s of d.sentences) out.push({ index: out.length, document: d.index, words: s.words, tags: s.tags, entities: s.entities, line: s.line });
  return out;
}

/** transformers' BERT _is_punctuation: ASCII symbols and Unicode P* categories. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

/** Whether a word is written right after the previous one (no space), as upstream joins words. */
export function attachesLeft(word: string): boolean {
  const chars = Array.from(word);
  return word.startsWith("'") || (chars.length === 1 && isPunctuation(word));
}

/** The text of words and each word's [start, end) in code points. */
export function joinWords(words: readonly string[]): { text: string; offsets: [number, number][] } {
  let text = "";
  let length = 0;
  const offsets: [number, number][] = [];
  words.forEach((w, i) => {
    if (i > 0 && !attachesLeft(w)) {
      text += " ";
      length++;
    }
    const n = Array.from(w).length;
    offsets.push([length, length + n]);
    text += w;
    length += n;
  });
  return { text, offsets };
}

/** Subwords of each word as written in the text (with its leading space when it has one). */
function subwordCounts(tokenizer: LukeTokenizer, words: readonly string[]): number[] {
  return words.map((w, i) => tokenizer.tokenize(i > 0 && !attachesLeft(w) ? " " + w : w).length);
}

/** Upstream's context split: subwords of room for the left and the right context. */
export function contextRoom(left: number, sentence: number, right: number, maxSubwords: number): [number, number] {
  const half = Math.max(0, Math.trunc((maxSubwords - sentence) / 2));
  if (left < right) {
    const l = Math.min(left, half);
    return [l, Math.max(0, Math.min(right, maxSubwords - l - sentence))];
  }
  const r = Math.min(right, half);
  return [Math.max(0, Math.min(left, maxSubwords - r - sentence)), r];
}

/** Candidate spans of a sentence: word spans of at most maxMentionLength subwords, by start then end. */
export function candidateSpans(counts: readonly number[], maxMentionLength: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let s = 0; s < counts.length; s++) {
    let total = 0;
    for (let e = s + 1; e <= counts.length; e++) {
      total += counts[e - 1];
      if (total > maxMentionLength) break;
      spans.push([s, e]);
    }
  }
  return spans;
}

/**
 * The features of every sentence of a split. `labels` is the label list ("NIL" first); a gold
 * entity of a type outside it is left unlabelled (it still counts in the metrics, as a miss).
 * `where` names the file in errors.
 */
export function buildSpanFeatures(
  tokenizer: LukeTokenizer,
  documents: readonly ConllDocument[],
  labels: readonly string[],
  options: SpanOptions,
  where: string,
): { sentences: NerSentence[]; features: SpanFeature[]; truncated: { line: number; keptWords: number; words: number }[] } {
  const sentences = flattenSentences(documents);
  const features: SpanFeature[] = [];
  const labelId = new Map(labels.map((l, i) => [l, i]));
  const truncated: { line: number; keptWords: number; words: number }[] = [];
  const onTruncated = (s: NerSentence, keptWords: number) => truncated.push({ line: s.line, keptWords, words: s.words.length });
  let at = 0;
  for (const doc of documents) {
    const words = doc.sentences.flatMap((s) => s.words);
    const counts = subwordCounts(tokenizer, words);
    let first = 0;
    for (let k = 0; k < doc.sentences.length; k++, at++) {
      const sentence = sentences[at];
      const start = first;
      const end = first + sentence.words.length;
      first = end;
      features.push(...sentenceFeatures(tokenizer, words, counts, start, end, sentence, labelId, options, where, onTruncated));
    }
  }
  return { sentences, features, truncated };
}

function sum(xs: readonly number[], from: number, to: number): number {
  let t = 0;
  for (let i = from; i < to; i++) t += xs[i];
  return t;
}

function sentenceFeatures(
  tokenizer: LukeTokenizer,
  words: readonly string[],
  counts: readonly number[],
  start: number,
  end: number,
  sentence: NerSentence,
  labelId: ReadonlyMap<string, number>,
  options: SpanOptions,
  where: string,
  onTruncated?: (sentence: NerSentence, keptWords: number) => void,
): SpanFeature[] {
  const maxSubwords = options.maxSeqLength - 2;
  // A sentence longer than the input keeps its first words that fit, as transformers' example
  // truncates it; the words after them get no candidate span (they are predicted O).
  const fullEnd = end;
  while (end > start && sum(counts, start, end) > maxSubwords) end--;
  if (end === start) {
    throw new Error(`${where}:${sentence.line}: the sentence's first word alone has more subwords than the ${maxSubwords} that --max-seq-length ${options.maxSeqLength} leaves`);
  }
  if (end < fullEnd) onTruncated?.(sentence, end - start);
  const sentenceLength = sum(counts, start, end);
  const [leftRoom, rightRoom] = contextRoom(sum(counts, 0, start), sentenceLength, sum(counts, end, words.length), maxSubwords);
  // Whole words of context within the room.
  let from = start;
  for (let used = 0; from > 0 && used + counts[from - 1] <= leftRoom; from--) used += counts[from - 1];
  let to = end;
  for (let used = 0; to < words.length && used + counts[to] <= rightRoom; to++) used += counts[to];

  const spans = candidateSpans(counts.slice(start, end), options.maxMentionLength);
  const gold = new Map(sentence.entities.map((e) => [`${e.start},${e.end}`, labelId.get(e.type) ?? 0]));
  const spanLabels = spans.map(([s, e]) => gold.get(`${s},${e}`) ?? 0);
  if (!spans.length) return [];
  const splits = Math.ceil(spans.length / options.maxEntityLength);
  const size = Math.ceil(spans.length / splits);

  // The estimate of the context's subwords can be off by a token where words join differently in
  // the text; drop a context word from the longer side until the encoding fits.
  for (;;) {
    const { text, offsets } = joinWords(words.slice(from, to));
    const base = start - from;
    const out: SpanFeature[] = [];
    let tooLong = false;
    for (let c = 0; c < splits; c++) {
      const chunk = spans.slice(c * size, (c + 1) * size);
      const encoding = tokenizer.encode(
        { text, spans: chunk.map(([s, e]) => [offsets[base + s][0], offsets[base + e - 1][1]] as [number, number]) },
        { task: "entity_span_classification", maxEntityLength: chunk.length, maxMentionLength: options.maxMentionLength },
      );
      if (encoding.inputIds.length > options.maxSeqLength) {
        tooLong = true;
        break;
      }
      out.push({ sentence: sentence.index, encoding, spans: chunk, labels: spanLabels.slice(c * size, (c + 1) * size) });
    }
    if (!tooLong) return out;
    if (from === start && to === end) {
      throw new Error(`${where}:${sentence.line}: the sentence does not fit in --max-seq-length ${options.maxSeqLength}`);
    }
    if (start - from >= to - end) from++;
    else to--;
  }
}

/** A padded batch with the span positions (padding entities start and end at 0). */
export function collateSpans(encodings: readonly Encoding[], padTokenId: number): LukeInputs {
  const inputs = collate(encodings, padTokenId);
  const entities = inputs.entityIds!.shape[1];
  const starts = new Int32Array(encodings.length * entities);
  const ends = new Int32Array(encodings.length * entities);
  encodings.forEach((e, b) => {
    starts.set(e.entityStartPositions ?? [], b * entities);
    ends.set(e.entityEndPositions ?? [], b * entities);
  });
  inputs.entityStartPositions = tf.tensor2d(starts, [encodings.length, entities], "int32");
  inputs.entityEndPositions = tf.tensor2d(ends, [encodings.length, entities], "int32");
  return inputs;
}

/** Span labels of a batch as int32 [B, Le], padding entities −100 (ignored by the loss). */
export function labelsTensor(features: readonly SpanFeature[], entities: number): tf.Tensor2D {
  const data = new Int32Array(features.length * entities).fill(-100);
  features.forEach((f, b) => data.set(f.labels, b * entities));
  return tf.tensor2d(data, [features.length, entities], "int32");
}
