/**
 * Tokens as the views show them: GPT-2's byte-level map (also used by the tokenizer), decoding
 * byte-level BPE symbols back to text, and short labels.
 */
import type { Attention } from "./attention-payload";

/** bytes_to_unicode() of GPT-2 and transformers, indexed by byte: every byte is one printable character. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCharCode(256 + n++);
  return table;
})();

/** The inverse of BYTE_TO_CHAR. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/**
 * Text from byte-level BPE symbols (GPT-2, RoBERTa, LUKE: every byte is drawn as one printable
 * character, a space as Ġ), or null when the string is not byte-level or its bytes are not whole UTF-8
 * (a token that holds half of "é" stays as it is).
 */
export function decodeByteLevel(text: string): string | null {
  const bytes: number[] = [];
  for (const ch of text) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) return null;
    bytes.push(b);
  }
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return null;
    let cp = len === 1 ? b : b & (0xff >> (len + 1));
    for (let j = 1; j < len; j++) {
      if ((bytes[i + j] & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (bytes[i + j] & 0x3f);
    }
    if ((len === 3 && cp < 0x800) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/** A token as shown: byte-level BPE decoded (Ġ is a space, Ċ a newline), SentencePiece's ▁ dropped. */
export function prettifyToken(token: string): string {
  const decoded = decodeByteLevel(token);
  if (decoded !== null) return shown(decoded);
  let t = token;
  if (t.startsWith("Ġ") || t.startsWith("▁")) t = t.slice(1);
  t = t.replace(/Ċ/g, "↵").replace(/Ġ/g, " ");
  return t.length === 0 ? "␣" : t;
}

/** Decoded text as a label: the leading space dropped, newline and tab drawn, nothing as ␣. */
function shown(text: string): string {
  const t = visible(text);
  return t.length === 0 ? "␣" : t;
}

function visible(text: string): string {
  return text.replace(/^ /, "").replace(/\n/g, "↵").replace(/\t/g, "⇥");
}

/** Marks a piece whose character starts or ends in a neighbouring piece. */
export const CONTINUED = "…";

/** How one word token is shown. */
export interface WordText {
  /** The characters the piece contributes, with CONTINUED where a character is split across pieces. */
  label: string;
  /** For a tooltip: the raw piece, and its bytes when it holds part of a character. */
  title: string;
}

/**
 * The word tokens of one sequence as shown. Byte-level BPE splits a character of several UTF-8 bytes
 * (é, a CJK character, an emoji) across pieces, each half mojibake on its own ("Ã", "©"). When the whole
 * sequence is byte-level and its bytes are valid UTF-8 (an unfinished character at the very end is
 * allowed), each character is shown once, on the piece where it completes, preceded by CONTINUED; the
 * pieces before it end with CONTINUED (or are CONTINUED alone). Any other sequence (WordPiece's ##,
 * SentencePiece's ▁, a WordPiece "café") is shown token by token with prettifyToken.
 */
export function wordTexts(words: readonly string[]): WordText[] {
  let cached = wordTextCache.get(words);
  if (!cached) {
    cached = byteLevelTexts(words) ?? words.map((w) => ({ label: prettifyToken(w), title: w }));
    wordTextCache.set(words, cached);
  }
  return cached;
}
const wordTextCache = new WeakMap<readonly string[], WordText[]>();

function byteLevelTexts(words: readonly string[]): WordText[] | null {
  const pieces: number[][] = [];
  for (const w of words) {
    const bytes: number[] = [];
    for (const ch of w) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b === undefined) return null;
      bytes.push(b);
    }
    pieces.push(bytes);
  }
  const out: WordText[] = [];
  // The character being read: its code point so far, the bytes still to come, its lead byte.
  let cp = 0, need = 0, total = 0;
  for (let p = 0; p < pieces.length; p++) {
    const bytes = pieces[p];
    const opensInside = need > 0;
    let text = "";
    for (const b of bytes) {
      if (need > 0) {
        if ((b & 0xc0) !== 0x80) return null;
        cp = (cp << 6) | (b & 0x3f);
        if (--need === 0) {
          if ((total === 3 && cp < 0x800) || (total === 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return null;
          text += String.fromCodePoint(cp);
        }
        continue;
      }
      total = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      if (total === 0) return null;
      if (total === 1) text += String.fromCharCode(b);
      else {
        cp = b & (0xff >> (total + 1));
        need = total - 1;
      }
    }
    const closesInside = need > 0;
    const split = opensInside || closesInside;
    let label = split ? visible(text) : shown(text);
    if (opensInside && closesInside && label === "") label = CONTINUED;
    else label = (opensInside ? CONTINUED : "") + label + (closesInside ? CONTINUED : "");
    const hexBytes = bytes.map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
    out.push({ label, title: split ? `${words[p]} (bytes ${hexBytes}; a character continues ${opensInside && closesInside ? "from the piece before and into the next" : opensInside ? "from the piece before" : "into the next piece"})` : words[p] });
  }
  return out;
}

/** Shortens a label to at most `max` code points with an ellipsis. */
export function truncateLabel(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, Math.max(1, max - 1)).join("") + "…";
}

export function tokenLabels(att: Pick<Attention, "words" | "entities">, max = 24): string[] {
  return [...wordTexts(att.words).map((w) => truncateLabel(w.label, max)), ...att.entities.map((e) => truncateLabel(e, max))];
}

/** Tooltips of the tokens: the raw piece (with its bytes when a character is split), the entity's name. */
export function tokenTitles(att: Pick<Attention, "words" | "entities">): string[] {
  return [...wordTexts(att.words).map((w, i) => `word ${i}: ${w.title}`), ...att.entities.map((e, i) => `entity ${i}: ${e}`)];
}
