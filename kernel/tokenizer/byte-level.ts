/**
 * Text to and from GPT-2's byte-level symbols: every UTF-8 byte becomes one printable character, so BPE
 * works on strings without whitespace or control characters (a space becomes "Ġ"). The byte map itself
 * is in kernel/portable/tokens.ts, which the attention views also use.
 */
import { BYTE_TO_CHAR, CHAR_TO_BYTE } from "../portable/tokens";

/**
 * UTF-8 encodes `text` and maps each byte to its character. Hand-rolled rather than TextEncoder
 * because words are short and this runs once per word: a per-call TextEncoder allocation dominated.
 * A lone surrogate becomes U+FFFD, as TextEncoder does.
 */
export function toByteLevel(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out += BYTE_TO_CHAR[c];
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x800) {
      out += BYTE_TO_CHAR[0xc0 | (c >> 6)] + BYTE_TO_CHAR[0x80 | (c & 63)];
    } else if (c < 0x10000) {
      out += BYTE_TO_CHAR[0xe0 | (c >> 12)] + BYTE_TO_CHAR[0x80 | ((c >> 6) & 63)] + BYTE_TO_CHAR[0x80 | (c & 63)];
    } else {
      out +=
        BYTE_TO_CHAR[0xf0 | (c >> 18)] +
        BYTE_TO_CHAR[0x80 | ((c >> 12) & 63)] +
        BYTE_TO_CHAR[0x80 | ((c >> 6) & 63)] +
        BYTE_TO_CHAR[0x80 | (c & 63)];
    }
  }
  return out;
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Inverse of toByteLevel for a run of BPE token strings; invalid UTF-8 becomes U+FFFD, like Python's
 * `errors="replace"`. Characters outside the byte map (e.g. an added token's text) pass through as UTF-8.
 */
export function fromByteLevel(text: string): string {
  const bytes: number[] = [];
  for (const ch of text) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b !== undefined) bytes.push(b);
    else bytes.push(...new TextEncoder().encode(ch));
  }
  return utf8Decoder.decode(Uint8Array.from(bytes));
}
