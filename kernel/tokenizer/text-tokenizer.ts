/**
 * Text → tokens → ids, as transformers' slow RoBERTa/LUKE tokenizer (PreTrainedTokenizer.tokenize
 * + the GPT-2 byte-level BPE): add the prefix space, split out added tokens, split words, encode
 * bytes, merge.
 */
import { AddedTokenSplitter, type AddedToken } from "./added-tokens";
import { BytePairEncoder } from "./bpe";
import { fromByteLevel, toByteLevel } from "./byte-level";
import { isPythonSpace, splitWords } from "./char-classes";
import type { DecodeOptions } from "./types";

export interface TextTokenizerSettings {
  vocab: ReadonlyMap<string, number>;
  merges: ReadonlyArray<readonly [string, string]>;
  addedTokens: readonly AddedToken[];
  unkToken: string;
  /** Contents of all special tokens, additional ones included (skipped by decode with skipSpecialTokens). */
  specialTokens: readonly string[];
  /** additional_special_tokens (<ent>, <ent2>, ...). */
  additionalSpecialTokens: readonly string[];
  addPrefixSpace: boolean;
  splitSpecialTokens: boolean;
  cleanUpTokenizationSpaces: boolean;
}

export class TextTokenizer {
  readonly vocab: ReadonlyMap<string, number>;
  readonly bpe: BytePairEncoder;
  readonly addPrefixSpace: boolean;
  private readonly idToVocabToken = new Map<number, string>();
  private readonly added: AddedTokenSplitter;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly unkId: number;
  private readonly specialTokens: Set<string>;
  private readonly settings: TextTokenizerSettings;

  constructor(settings: TextTokenizerSettings) {
    this.settings = settings;
    this.vocab = settings.vocab;
    this.addPrefixSpace = settings.addPrefixSpace;
    for (const [token, id] of settings.vocab) this.idToVocabToken.set(id, token);
    this.bpe = new BytePairEncoder(settings.merges);
    for (const t of settings.addedTokens) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
    }
    this.added = new AddedTokenSplitter(settings.splitSpecialTokens ? [] : settings.addedTokens);
    const unk = this.addedByContent.get(settings.unkToken)?.id ?? settings.vocab.get(settings.unkToken);
    if (unk === undefined) throw new Error(`vocab.json: the unknown token ${JSON.stringify(settings.unkToken)} is not in the vocabulary`);
    this.unkId = unk;
    this.specialTokens = new Set(settings.specialTokens);
  }

  get addedTokens(): AddedToken[] {
    return [...this.addedById.values()].sort((a, b) => a.id - b.id);
  }

  /** Python's tokenizer.tokenize(text): token strings, added tokens kept whole. */
  tokenize(text: string): string[] {
    // prepare_for_tokenization: the space goes in front of the whole piece, before added tokens are split out.
    if (this.addPrefixSpace && text.length > 0 && !isPythonSpace(text.charCodeAt(0))) text = " " + text;
    const out: string[] = [];
    for (const frag of this.added.split(text)) {
      if ("added" in frag) {
        out.push(frag.added.content);
        continue;
      }
      for (const word of splitWords(frag.text)) {
        for (const piece of this.bpe.encodeWord(toByteLevel(word))) out.push(piece);
      }
    }
    return out;
  }

  /** tokenize + convert_tokens_to_ids. */
  encodeText(text: string): number[] {
    return this.tokenize(text).map((t) => this.tokenToId(t));
  }

  /** Added tokens first, then the vocabulary, else <unk> (the reference's order). */
  tokenToId(token: string): number {
    return this.addedByContent.get(token)?.id ?? this.vocab.get(token) ?? this.unkId;
  }

  /** The token string of an id; an id in neither table is an error naming it. */
  idToToken(id: number): string {
    const t = this.addedById.get(id)?.content ?? this.idToVocabToken.get(id);
    if (t === undefined) throw new Error(`token id ${id} is not in the vocabulary (ids 0..${this.totalSize - 1})`);
    return t;
  }

  /** Base vocabulary size, without added tokens (Python's vocab_size). */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Vocabulary plus added tokens (Python's len(tokenizer)). */
  get totalSize(): number {
    let n = this.vocab.size;
    for (const t of this.addedById.values()) if (!this.vocab.has(t.content)) n++;
    return n;
  }

  /** Python's _decode: byte-level text, with "legacy" added tokens (<ent>) kept as separate pieces. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? false;
    const spaced = options.spacesBetweenSpecialTokens ?? true;
    const cleanUp = options.cleanUpTokenizationSpaces ?? this.settings.cleanUpTokenizationSpaces;
    // Decoded on their own: non-special added tokens, and additional special tokens outside vocab.json.
    const standalone = new Set<string>();
    for (const t of this.addedById.values()) if (!this.specialTokens.has(t.content)) standalone.add(t.content);
    for (const t of this.settings.additionalSpecialTokens) if (this.tokenToId(t) >= this.vocab.size) standalone.add(t);
    const texts: string[] = [];
    let run: string[] = [];
    const flush = () => {
      if (run.length) {
        const s = fromByteLevel(run.join(""));
        if (s.length > 0) texts.push(s);
      }
      run = [];
    };
    for (const id of ids) {
      const token = this.idToToken(id);
      if (skip && this.specialTokens.has(token)) continue;
      if (standalone.has(token)) {
        flush();
        texts.push(token);
      } else {
        run.push(token);
      }
    }
    if (run.length) texts.push(fromByteLevel(run.join("")));
    const text = texts.join(spaced ? " " : "");
    return cleanUp ? cleanUpTokenization(text) : text;
  }
}

function cleanUpTokenization(s: string): string {
  return s
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
