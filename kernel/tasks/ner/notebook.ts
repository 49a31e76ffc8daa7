/**
 * NER in notebooks: `await recognizeEntities(luke, text)` → the entities of a raw text with
 * code-point offsets, type and score, from a model with the entity-span head (a `ner run` output
 * folder, or studio-ousia/luke-large-finetuned-conll-2003 through loadLuke).
 *
 * The text is split into words as CoNLL-2003 is tokenised (runs of letters and digits, with inner
 * hyphens and periods, e.g. "U.S." or "co-op"; "'s" and "n't" as words of their own, as in "do n't";
 * every other non-space character alone) and into sentences after ".", "!" or "?"; each sentence
 * goes through the same inputs (document context, every span, chunks) and decoding as `ner run`.
 */
import type { ConllDocument } from "../../data/conll";
import { labelNames, type Luke } from "../../inference/luke";
import { DEFAULT_SPAN_OPTIONS, buildSpanFeatures, type SpanOptions } from "./inputs";
import { scoreSpans } from "./evaluate";
import { decodeSpans } from "./metrics";

export interface RecognizedEntity {
  /** The entity's text. */
  text: string;
  /** Code-point offsets into the input, end exclusive. */
  start: number;
  end: number;
  type: string;
  /** Softmax probability of the type. */
  score: number;
  /** The type's logit, which decoding ranks spans by (as upstream). */
  logit: number;
}

const WORD = /[\p{L}\p{N}]+(?=n't\b)|n't\b|['’]\p{L}+|[\p{L}\p{N}]+(?:[-.][\p{L}\p{N}]+)*\.?|\S/gu;

/** Words of a text with their code-point offsets, in sentences. */
export function splitWords(text: string): { word: string; start: number; end: number }[][] {
  const cp = Array.from(text);
  // UTF-16 index → code-point index.
  const toCp = new Int32Array(text.length + 1);
  let k = 0;
  for (let i = 0; i < cp.length; i++) {
    toCp[k] = i;
    k += cp[i].length;
  }
  toCp[k] = cp.length;
  const sentences: { word: string; start: number; end: number }[][] = [[]];
  for (const m of text.matchAll(WORD)) {
    let word = m[0];
    // A trailing period is its own word unless the word is an abbreviation with inner periods ("U.S.").
    if (word.length > 1 && word.endsWith(".") && !word.slice(0, -1).includes(".")) word = word.slice(0, -1);
    const start = toCp[m.index!];
    const end = start + Array.from(word).length;
    sentences[sentences.length - 1].push({ word, start, end });
    if (word !== m[0]) sentences[sentences.length - 1].push({ word: ".", start: end, end: end + 1 });
    const last = sentences[sentences.length - 1];
    if ([".", "!", "?"].includes(last[last.length - 1].word)) sentences.push([]);
  }
  return sentences.filter((s) => s.length > 0);
}

/** The words, sentences and span inputs of a raw text, as `ner run` builds them (labels from the model's config). */
export function textFeatures(luke: Luke, text: string, options: Partial<SpanOptions>, caller: string) {
  if (typeof text !== "string") throw new Error(`${caller}: text must be a string, found ${typeof text}`);
  if (luke.model.head !== "entity_span_classification") {
    throw new Error(`${caller} needs a model with the entity_span_classification head (a ner run folder or luke-large-finetuned-conll-2003); this one's head is "${luke.model.head}"`);
  }
  const sentences = splitWords(text);
  const labels = labelNames(luke.config);
  const positions = luke.config.maxPositionEmbeddings - luke.config.padTokenId - 1;
  const span = { ...DEFAULT_SPAN_OPTIONS, ...options };
  span.maxSeqLength = Math.min(span.maxSeqLength, positions);
  const doc: ConllDocument = {
    index: 0,
    sentences: sentences.map((s) => ({ words: s.map((w) => w.word), tags: s.map(() => "O"), entities: [], line: 0 })),
  };
  const { features } = sentences.length ? buildSpanFeatures(luke.tokenizer, [doc], labels, span, "text") : { features: [] };
  return { sentences, labels, features, chars: Array.from(text) };
}

/** Entities of `text` by a span-classification model (labels from its config, NIL first). */
export async function recognizeEntities(luke: Luke, text: string, options: Partial<SpanOptions> & { batchSize?: number } = {}): Promise<RecognizedEntity[]> {
  const { sentences, labels, features, chars } = textFeatures(luke, text, options, "recognizeEntities");
  if (!sentences.length) return [];
  const candidates = await scoreSpans(luke.model, features, labels, sentences.length, { batchSize: options.batchSize ?? 8 });
  const out: RecognizedEntity[] = [];
  candidates.forEach((c, i) => {
    for (const s of decodeSpans(c) as typeof c) {
      const start = sentences[i][s.start].start;
      const end = sentences[i][s.end - 1].end;
      out.push({ text: chars.slice(start, end).join(""), start, end, type: s.type, score: s.probability, logit: s.score });
    }
  });
  return out;
}
