/**
 * Character offsets in lukelab are Unicode code points, as in Python strings (and in the datasets,
 * which were made in Python). JS strings index UTF-16 units, so offsets are converted here, once,
 * at the API boundary; everything inside works on UTF-16 indices that never split a surrogate pair.
 */

/** Maps code point offsets of one text to UTF-16 offsets. */
export interface OffsetMap {
  /** Length of the text in code points. */
  readonly length: number;
  toUtf16(codePointOffset: number): number;
}

const SURROGATE = /[\uD800-\uDFFF]/;

export function offsetMap(text: string): OffsetMap {
  if (!SURROGATE.test(text)) return { length: text.length, toUtf16: (i) => i };
  // utf16At[k] = UTF-16 index of code point k; one entry past the end.
  const utf16At: number[] = [];
  for (let i = 0; i < text.length; i++) {
    utf16At.push(i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  utf16At.push(text.length);
  return { length: utf16At.length - 1, toUtf16: (k) => utf16At[k] };
}

/** Length of a string in code points (Python's len). */
export function codePointLength(text: string): number {
  return offsetMap(text).length;
}
