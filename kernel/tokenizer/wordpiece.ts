/**
 * BERT's WordPiece tokenizer: transformers' slow BertTokenizer (BasicTokenizer + WordpieceTokenizer),
 * token for token. Text is cleaned (control characters dropped, whitespace made spaces), CJK
 * characters are split out, the text is NFC-normalised, lower-cased and stripped of accents (NFD,
 * then no Mn marks) when the vocabulary is uncased, split on whitespace and punctuation, and each
 * word is cut greedily into the longest pieces of vocab.txt (`##` marks a piece inside a word);
 * a word with no cut, or longer than 100 characters, is `[UNK]`.
 */
import { AddedTokenSplitter, type AddedToken } from "./added-tokens";
import { pythonSplit } from "./char-classes";

export interface WordPieceSettings {
  /** vocab.txt: token → line number. */
  vocab: ReadonlyMap<string, number>;
  /** Special tokens ([CLS], [SEP], [PAD], [MASK], [UNK]) with their ids and stripping flags. */
  addedTokens: readonly AddedToken[];
  unkToken: string;
  doLowerCase: boolean;
  /** null: strip accents exactly when lower-casing (transformers' default). */
  stripAccents: boolean | null;
  tokenizeChineseChars: boolean;
  doBasicTokenize: boolean;
  maxInputCharsPerWord?: number;
}

const PUNCTUATION = /^\p{P}$/u;
const ZS = /^\p{Zs}$/u;
const CONTROL = /^\p{C}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

/** BERT's _is_punctuation: the ASCII non-alphanumerics, and every Unicode P* character. */
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126) || PUNCTUATION.test(ch);
}

const isWhitespace = (ch: string) => ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ZS.test(ch);
const isControl = (ch: string) => ch !== "\t" && ch !== "\n" && ch !== "\r" && CONTROL.test(ch);

/** The CJK Unified Ideograph blocks BERT pads with spaces (not Hiragana, Katakana or Hangul). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class WordPieceTokenizer {
  private readonly settings: WordPieceSettings;
  private readonly added: AddedTokenSplitter;
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly idToVocabToken = new Map<number, string>();
  private readonly neverSplit: Set<string>;
  private readonly specialPattern: RegExp | null;
  private readonly unkId: number;

  constructor(settings: WordPieceSettings) {
    this.settings = settings;
    for (const [token, id] of settings.vocab) this.idToVocabToken.set(id, token);
    for (const t of settings.addedTokens) this.addedByContent.set(t.content, t);
    this.added = new AddedTokenSplitter(settings.addedTokens);
    this.neverSplit = new Set(settings.addedTokens.filter((t) => t.special).map((t) => t.content));
    // PreTrainedTokenizer.tokenize lower-cases everything but the special tokens before splitting them out.
    const kept = [...this.neverSplit, ...settings.addedTokens.filter((t) => !t.special && t.normalized).map((t) => t.content)];
    this.specialPattern = kept.length ? new RegExp(kept.sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"), "gu") : null;
    const unk = this.addedByContent.get(settings.unkToken)?.id ?? settings.vocab.get(settings.unkToken);
    if (unk === undefined) throw new Error(`vocab.txt: the unknown token ${JSON.stringify(settings.unkToken)} is not in the vocabulary`);
    this.unkId = unk;
  }

  get vocab(): ReadonlyMap<string, number> {
    return this.settings.vocab;
  }

  /** Python's tokenizer.tokenize(text): word pieces, special tokens kept whole. */
  tokenize(text: string): string[] {
    if (this.settings.doLowerCase) text = this.lowerAroundSpecials(text);
    const out: string[] = [];
    for (const frag of this.added.split(text)) {
      if ("added" in frag) out.push(frag.added.content);
      else for (const word of this.basicTokenize(frag.text)) out.push(...(this.neverSplit.has(word) ? [word] : this.wordPieces(word)));
    }
    return out;
  }

  /** Added tokens first, then vocab.txt, else [UNK]. */
  tokenToId(token: string): number {
    return this.addedByContent.get(token)?.id ?? this.settings.vocab.get(token) ?? this.unkId;
  }

  idToToken(id: number): string {
    const t = this.idToVocabToken.get(id);
    if (t === undefined) throw new Error(`token id ${id} is not in vocab.txt (${this.settings.vocab.size} tokens)`);
    return t;
  }

  private lowerAroundSpecials(text: string): string {
    if (!this.specialPattern) return text.toLowerCase();
    let out = "";
    let last = 0;
    for (const m of text.matchAll(this.specialPattern)) {
      out += text.slice(last, m.index).toLowerCase() + m[0];
      last = m.index! + m[0].length;
    }
    return out + text.slice(last).toLowerCase();
  }

  /** BasicTokenizer.tokenize: clean, pad CJK, NFC, split on whitespace, lower/strip accents, split punctuation. */
  private basicTokenize(text: string): string[] {
    const s = this.settings;
    if (!s.doBasicTokenize) return pythonSplit(text);
    let cleaned = "";
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
      if (isWhitespace(ch)) cleaned += " ";
      else if (s.tokenizeChineseChars && isChineseChar(cp)) cleaned += ` ${ch} `;
      else cleaned += ch;
    }
    const words: string[] = [];
    for (let token of pythonSplit(cleaned.normalize("NFC"))) {
      if (!this.neverSplit.has(token)) {
        if (s.doLowerCase) token = token.toLowerCase();
        if (s.stripAccents === true || (s.stripAccents === null && s.doLowerCase)) token = token.normalize("NFD").replace(NONSPACING_MARK, "");
      }
      words.push(...this.splitOnPunctuation(token));
    }
    return pythonSplit(words.join(" "));
  }

  private splitOnPunctuation(token: string): string[] {
    if (this.neverSplit.has(token)) return [token];
    const out: string[] = [];
    let current: string | null = null;
    for (const ch of token) {
      if (isPunctuation(ch)) {
        if (current !== null) out.push(current);
        out.push(ch);
        current = null;
      } else {
        current = (current ?? "") + ch;
      }
    }
    if (current !== null) out.push(current);
    return out;
  }

  /** WordpieceTokenizer.tokenize for one word: greedy longest match, `##` inside words. */
  private wordPieces(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > (this.settings.maxInputCharsPerWord ?? 100)) return [this.settings.unkToken];
    const pieces: string[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let piece: string | undefined;
      for (; start < end; end--) {
        const sub = (start > 0 ? "##" : "") + chars.slice(start, end).join("");
        if (this.settings.vocab.has(sub)) {
          piece = sub;
          break;
        }
      }
      if (piece === undefined) return [this.settings.unkToken];
      pieces.push(piece);
      start = end;
    }
    return pieces;
  }
}

/** vocab.txt as transformers' load_vocab reads it: one token per line, its id the line number (a later repeat wins). */
export function parseVocabTxt(text: string): Map<string, number> {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((line, i) => vocab.set(line, i));
  return vocab;
}
