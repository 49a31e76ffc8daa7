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
  if (decoded !== null) {
    const t = decoded.replace(/^ /, "").replace(/\n/g, "↵").replace(/\t/g, "⇥");
    return t.length === 0 ? "␣" : t;
  }
  let t = token;
  if (t.startsWith("Ġ") || t.startsWith("▁")) t = t.slice(1);
  t = t.replace(/Ċ/g, "↵").replace(/Ġ/g, " ");
  return t.length === 0 ? "␣" : t;
}

/** Shortens a label to at most `max` code points with an ellipsis. */
export function truncateLabel(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, Math.max(1, max - 1)).join("") + "…";
}

export function tokenLabels(att: Pick<Attention, "words" | "entities">, max = 24): string[] {
  return [...att.words.map((w) => truncateLabel(prettifyToken(w), max)), ...att.entities.map((e) => truncateLabel(e, max))];
}

