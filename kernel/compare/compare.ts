/**
 * Attention of several models on one sentence, side by side: LUKE (words only) beside BERT, RoBERTa
 * and GPT-2, as the original system's notebook puts them. Each model's tokens are aligned to the
 * sentence's words (which pieces make which word), and the attention between two words is
 * compared across models, layer by layer:
 *
 *   const models = [await loadLuke("../samples/tiny-luke"), await loadBert("../samples/tiny-bert")];
 *   await compareAttention(models, "Beyoncé lives in Los Angeles.", { pair: ["Angeles", "Beyoncé"] });
 *
 * Word-level attention from word A to word B: the attention of A's pieces to B's pieces, summed over
 * B's pieces (the share of attention B gets) and averaged over A's pieces.
 */
import { Luke } from "../inference/luke";
import { WordModelRunner } from "../inference/word-models";

/** A model for the comparison: a loaded LUKE, BERT, RoBERTa or GPT-2, optionally with the name to show. */
export type ComparedModel = Luke | WordModelRunner | { name: string; model: Luke | WordModelRunner };

/** A word of the sentence: whitespace-separated, with [start, end) offsets in UTF-16 units. */
export interface SentenceWord {
  text: string;
  start: number;
  end: number;
}

export interface ModelAttention {
  name: string;
  /** Every token the model saw, special tokens included. */
  tokens: string[];
  /** [layer][head][query][key] over `tokens`, then `entities` (LUKE given spans). */
  attentions: number[][][][];
  /** LUKE's entities (their mentions' text), when spans were given. */
  entities?: string[];
  /** Per entity, the token indices of its mention. */
  entitySpans?: number[][];
  /** Per sentence word, the indices into `tokens` of the pieces that make it. */
  wordTokens: number[][];
}

export interface WordPairAttention {
  /** Word indices into `words`. */
  from: number;
  to: number;
  /** Per model, [layer][head]: the attention from the `from` word to the `to` word. */
  values: number[][][];
}

export interface AttentionComparison {
  text: string;
  words: SentenceWord[];
  models: ModelAttention[];
  pair?: WordPairAttention;
}

export interface AttentionCompareOptions {
  /** Entity mentions for LUKE, [start, end) in code points (its classification heads need them); the other models see the text alone. */
  spans?: [number, number][];
  /** Two words (their text, first occurrence, or their index among the sentence's words): the token-to-token view across models. */
  pair?: [string | number, string | number];
}

interface Adapter {
  name: string;
  /** The pieces of a text, without special tokens. */
  tokenize(text: string): string[];
  /** Special tokens before the first piece. */
  leading: number;
  run(text: string): Promise<Omit<ModelAttention, "name" | "wordTokens">>;
}

const ENTITY_HEADS = ["entity_classification", "entity_pair_classification", "entity_span_classification"];

function adapter(entry: ComparedModel, spans: [number, number][] | undefined): Adapter {
  const given = "model" in entry && !(entry instanceof Luke) && !(entry instanceof WordModelRunner) ? entry : undefined;
  const model = given ? given.model : (entry as Luke | WordModelRunner);
  if (model instanceof Luke) {
    return {
      name: given?.name ?? "LUKE",
      tokenize: (text) => model.tokenizer.tokenize(text),
      leading: 1,
      run: async (text) => {
        if (!spans?.length && ENTITY_HEADS.includes(model.model.head)) {
          throw new Error(`compareAttention: this LUKE's ${model.model.head} head needs entities: pass { spans: [[start, end]] } (code points of the text)`);
        }
        // No task: no entity markers in the words, so LUKE's word pieces align as the others' do.
        const [r] = await model.forward([{ text, spans }], { attentions: true, task: null });
        const chars = Array.from(text);
        return {
          tokens: r.tokens,
          attentions: r.attentions!,
          entities: (spans ?? []).map(([s, e]) => chars.slice(s, e).join("")),
          entitySpans: r.entityPositionIds.map((row) => row.filter((p) => p >= 0)),
        };
      },
    };
  }
  if (model instanceof WordModelRunner) {
    return {
      name: given?.name ?? model.name,
      tokenize: (text) => model.tokenizer.tokenize(text),
      leading: model.tokenizer.leadingSpecialTokens,
      run: async (text) => {
        const [r] = await model.forward([text], { attentions: true });
        return { tokens: r.tokens, attentions: r.attentions! };
      },
    };
  }
  throw new Error(`compareAttention: each model must be a loaded LUKE (loadLuke), BERT, RoBERTa or GPT-2 (loadBert, loadRoberta, loadGpt2), or { name, model }; found ${describe(entry)}`);
}

function describe(v: unknown): string {
  return v === null ? "null" : typeof v === "object" ? `an object with keys ${Object.keys(v as object).join(", ") || "(none)"}` : JSON.stringify(v);
}

/** The whitespace-separated words of a text. */
export function sentenceWords(text: string): SentenceWord[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index!, end: m.index! + m[0].length }));
}

/**
 * Which tokens make which word: the pieces of the text up to the end of word i, less those up to
 * the end of word i − 1, shifted by the special tokens in front. Tokenizers split at whitespace
 * first (WordPiece's basic split, byte-level BPE's word pattern), so the prefix counts grow word by word.
 */
export function alignWords(words: SentenceWord[], text: string, tokenize: (text: string) => string[], leading: number): number[][] {
  let before = 0;
  return words.map((w) => {
    const upTo = tokenize(text.slice(0, w.end)).length;
    const indices = Array.from({ length: Math.max(0, upTo - before) }, (_, k) => leading + before + k);
    before = Math.max(before, upTo);
    return indices;
  });
}

/** Attention from word `from` to word `to` per layer and head: mean over from's pieces of the sum over to's pieces. */
export function wordToWordAttention(attentions: number[][][][], fromTokens: number[], toTokens: number[]): number[][] {
  return attentions.map((layer) =>
    layer.map((head) => {
      if (fromTokens.length === 0 || toTokens.length === 0) return 0;
      let total = 0;
      for (const q of fromTokens) for (const k of toTokens) total += head[q][k];
      return total / fromTokens.length;
    }),
  );
}

function wordIndex(words: SentenceWord[], which: string | number, side: string): number {
  if (typeof which === "number") {
    if (Number.isInteger(which) && which >= 0 && which < words.length) return which;
    throw new Error(`compareAttention: pair ${side} word ${which} is out of range (the sentence has ${words.length} words)`);
  }
  const exact = words.findIndex((w) => w.text === which);
  const found = exact >= 0 ? exact : words.findIndex((w) => w.text.replace(/[^\p{L}\p{N}]+/gu, "") === which);
  if (found < 0) throw new Error(`compareAttention: pair ${side} word ${JSON.stringify(which)} is not a word of the sentence (${words.map((w) => JSON.stringify(w.text)).join(", ")})`);
  return found;
}

/** Runs every model on the text with attentions out and aligns their tokens to the words; displays nothing. */
export async function compareModels(models: readonly ComparedModel[], text: string, options: AttentionCompareOptions = {}): Promise<AttentionComparison> {
  if (!Array.isArray(models) || models.length === 0) throw new Error("compareAttention: give a non-empty list of models");
  if (typeof text !== "string" || text.trim() === "") throw new Error(`compareAttention: the text must be a non-empty string, found ${JSON.stringify(text)}`);
  const adapters = models.map((m) => adapter(m, options.spans));
  const words = sentenceWords(text);
  const results: ModelAttention[] = [];
  for (const a of adapters) {
    results.push({ name: a.name, ...(await a.run(text)), wordTokens: alignWords(words, text, a.tokenize, a.leading) });
  }
  const comparison: AttentionComparison = { text, words, models: results };
  if (options.pair) {
    const from = wordIndex(words, options.pair[0], "first");
    const to = wordIndex(words, options.pair[1], "second");
    comparison.pair = { from, to, values: results.map((m) => wordToWordAttention(m.attentions, m.wordTokens[from], m.wordTokens[to])) };
  }
  return comparison;
}
