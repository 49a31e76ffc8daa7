/**
 * The file-system-free half of read.ts: JSON text to values with errors that name the file and the
 * place (FileFormatError), strict UTF-8 decoding. Used by read.ts and by the browser extension.
 */

/** A file whose content is wrong, with the place: 1-based line and column (code points) and/or byte offset. */
export class FileFormatError extends Error {
  readonly code = "ERR_LUKELAB_FILE_FORMAT";
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly place: { line?: number; column?: number; byteOffset?: number } = {},
  ) {
    super(`${file}${formatPlace(place)}: ${detail}`);
    this.name = "FileFormatError";
  }
  get line(): number | undefined {
    return this.place.line;
  }
  get column(): number | undefined {
    return this.place.column;
  }
}

function formatPlace(p: { line?: number; column?: number; byteOffset?: number }): string {
  if (p.byteOffset !== undefined) return `: byte ${p.byteOffset}${p.line === undefined ? "" : ` (line ${p.line})`}`;
  if (p.line === undefined) return "";
  return p.column === undefined ? `:${p.line}` : `:${p.line}:${p.column}`;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * UTF-8 bytes to text. A leading byte-order mark (EF BB BF) is skipped; any byte sequence that is
 * not UTF-8 is refused with a FileFormatError naming the byte offset and line, never replaced by
 * U+FFFD in silence.
 */
export function decodeUtf8Strict(bytes: Uint8Array, file: string): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
    const shown = Array.from(bytes.subarray(offset, offset + 4), (b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ");
    const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    const hint = utf16
      ? "it starts with a UTF-16 byte-order mark; save it as UTF-8"
      : "lukelab reads UTF-8 only; save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)";
    throw new FileFormatError(file, `not valid UTF-8 (bytes ${shown}); ${hint}`, { byteOffset: offset, line });
  }
}

/** The byte offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // no overlong forms
      if (b === 0xed) hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f; // nothing past U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (i + k >= n || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return n;
}

/** 1-based line and column of a UTF-16 offset in `text`; the column counts code points, as editors do. */
export function lineAndColumn(text: string, offset: number): [number, number] {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (let i = lineStart; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) i++;
    column++;
  }
  return [line, column];
}

/** One JSON value from `text` (read from `file`); a syntax error is a FileFormatError at its line and column. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw jsonSyntaxError(text, file, err as Error);
  }
}

export interface JsonLine {
  /** 1-based line number in the file. */
  line: number;
  value: unknown;
}

/**
 * Every non-blank line of `text` as one JSON value. A syntax error names the line and the column
 * within it; `onLine(value, line)` may check each value and throw a plain message, which becomes a
 * FileFormatError at that line. A line holding `[` or `{` alone hints at a pretty-printed JSON file.
 */
export function parseJsonLines(text: string, file: string, onLine?: (value: unknown, line: number) => void): JsonLine[] {
  const out: JsonLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const located = locateJsonError(raw) ?? { offset: raw.length, detail: (err as Error).message };
      const column = lineAndColumn(raw, located.offset)[1];
      const whole = raw.trim() === "[" || raw.trim() === "{" ? " (this file is read as JSON lines, one value per line; is it one pretty-printed JSON value?)" : "";
      throw new FileFormatError(file, `not valid JSON: ${located.detail}${whole}`, { line: i + 1, column });
    }
    if (onLine) {
      try {
        onLine(value, i + 1);
      } catch (err) {
        if (err instanceof FileFormatError) throw err;
        throw new FileFormatError(file, (err as Error).message, { line: i + 1 });
      }
    }
    out.push({ line: i + 1, value });
  }
  return out;
}

/** A short description of a JSON value for messages: `an object with keys "a", "b"`, `a string "…"`. */
export function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length} element${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") {
    const keys = Object.keys(value as object);
    if (keys.length === 0) return "an empty object {}";
    const shown = keys.slice(0, 5).map((k) => JSON.stringify(k)).join(", ");
    return `an object with keys ${shown}${keys.length > 5 ? ", …" : ""}`;
  }
  if (typeof value === "string") return `a string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  return `${typeof value === "number" ? "the number" : "the value"} ${String(value)}`;
}

function jsonSyntaxError(text: string, file: string, err: Error): FileFormatError {
  const located = locateJsonError(text);
  if (!located) {
    // The scanner accepts what JSON.parse refused: not expected; keep Node's words and say so.
    return new FileFormatError(file, `not valid JSON (${err.message})`);
  }
  const [line, column] = lineAndColumn(text, located.offset);
  return new FileFormatError(file, `not valid JSON: ${located.detail}`, { line, column });
}

// ---------------------------------------------------------------------------------------------
// The locating scanner: the JSON grammar, iterative (no recursion, so deep nesting cannot overflow).

export interface JsonErrorPlace {
  /** UTF-16 offset in the text of the first character that cannot be JSON. */
  offset: number;
  /** What is wrong there and, where there is a common cause, what to do. */
  detail: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function showChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  if (cp === 0xfeff) return "a byte-order mark (U+FEFF)";
  if (cp < 0x20 || cp === 0x7f) return `the control character U+${cp.toString(16).padStart(4, "0").toUpperCase()}`;
  return `'${String.fromCodePoint(cp)}'`;
}

const WORD_HINTS: Record<string, string> = {
  NaN: "NaN is not JSON (Python's json module writes it for float('nan'); write with allow_nan=False, or store null)",
  Infinity: "Infinity is not JSON (Python's json module writes it for float('inf'); write with allow_nan=False, or store null or a large number)",
  True: "True is Python, not JSON; JSON writes true",
  False: "False is Python, not JSON; JSON writes false",
  None: "None is Python, not JSON; JSON writes null",
  undefined: "undefined is not JSON; use null",
};

/**
 * Where `text` stops being one JSON value, and why; undefined when it is valid JSON. Used after
 * JSON.parse has refused `text`, to name the place whatever Node's message says.
 */
export function locateJsonError(text: string): JsonErrorPlace | undefined {
  const n = text.length;
  let i = 0;
  // What the parser expects next; containers on a stack ("[" or "{").
  const stack: string[] = [];
  const fail = (offset: number, detail: string): JsonErrorPlace => ({ offset, detail });
  const skipWs = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const unexpected = (what: string): JsonErrorPlace => {
    if (i >= n) {
      if (n === 0 || text.trim() === "") return fail(0, "the file is empty; expected a JSON value");
      return fail(i, `the text ends where ${what} was expected (is the file cut short?)`);
    }
    const c = text[i];
    if (c === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) return fail(i, "comments are not allowed in JSON");
    if (c === "'") return fail(i, "strings must be in double quotes (\"), not single quotes");
    if (text.charCodeAt(i) === 0xfeff) return fail(i, "a byte-order mark (U+FEFF) inside the text; remove it");
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 40));
    if (word) {
      if (WORD_HINTS[word[0]]) return fail(i, WORD_HINTS[word[0]]);
      return fail(i, `unexpected word "${word[0]}" where ${what} was expected${stack[stack.length - 1] === "{" && what.includes("key") ? " (keys must be in double quotes)" : ""}`);
    }
    return fail(i, `unexpected ${showChar(text, i)} where ${what} was expected`);
  };

  // Parses one scalar at i (string, number, literal) or opens a container; returns an error or undefined.
  const value = (): JsonErrorPlace | "open" | undefined => {
    skipWs();
    if (i >= n) return unexpected("a value");
    const c = text[i];
    if (c === "{" || c === "[") {
      stack.push(c);
      i++;
      return "open";
    }
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const lit of ["true", "false", "null"]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        if (i < n && /[\w$]/.test(text[i])) {
          i -= lit.length;
          return unexpected("a value");
        }
        return undefined;
      }
    }
    return unexpected("a value");
  };

  const string = (): JsonErrorPlace | undefined => {
    const start = i;
    i++;
    while (i < n) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return undefined;
      }
      if (code === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) break;
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail(i + 1, "a \\u escape needs four hexadecimal digits");
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) return fail(i, `the escape \\${e} is not JSON (the escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
        i += 2;
        continue;
      }
      if (code === 0x0a || code === 0x0d) return fail(start, "this string is not closed before the end of its line (a missing \")");
      if (code < 0x20) return fail(i, `${showChar(text, i)} inside a string; write it as an escape (\\n, \\t, \\u00XX)`);
      i++;
    }
    return fail(start, "this string is not closed: the text ends inside it (is the file cut short?)");
  };

  const number = (): JsonErrorPlace | undefined => {
    const start = i;
    if (text[i] === "-") {
      i++;
      if (text.startsWith("Infinity", i)) return fail(start, WORD_HINTS.Infinity);
    }
    const digits = () => {
      const s = i;
      while (i < n && text[i] >= "0" && text[i] <= "9") i++;
      return i - s;
    };
    if (text[i] === "0") {
      i++;
      if (i < n && text[i] >= "0" && text[i] <= "9") return fail(i, "a number with a leading zero is not JSON");
    } else if (digits() === 0) return fail(start, i >= n ? "the text ends inside a number (is the file cut short?)" : `a number needs digits, found ${showChar(text, i)}`);
    if (text[i] === ".") {
      const dot = i++;
      if (digits() === 0) return fail(dot, "a number needs digits after its decimal point");
    }
    if (text[i] === "e" || text[i] === "E") {
      const e = i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (digits() === 0) return fail(e, "a number needs digits in its exponent");
    }
    return undefined;
  };

  // Top-level value, then containers driven by the stack.
  let r = value();
  if (r && r !== "open") return r;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    // Just opened, or after a value: decide what comes next. The closing bracket ends either.
    skipWs();
    const justOpened = r === "open";
    const close = top === "[" ? "]" : "}";
    if (text[i] === close) {
      i++;
      stack.pop();
      r = undefined;
      continue;
    }
    if (!justOpened) {
      // After a member: otherwise a comma.
      if (text[i] !== ",") {
        if (i < n && (text[i] === "]" || text[i] === "}")) return fail(i, `'${text[i]}' does not match the '${top}' it would close; expected ',' or '${close}'`);
        return unexpected(`',' or '${close}'`);
      }
      const comma = i;
      i++;
      skipWs();
      if (text[i] === close) return fail(comma, `a comma before '${close}' (a trailing comma); remove it`);
    }
    if (top === "{") {
      skipWs();
      if (text[i] !== '"') return unexpected(justOpened ? "a key in double quotes or '}'" : "a key in double quotes");
      const e = string();
      if (e) return e;
      skipWs();
      if (text[i] !== ":") return unexpected("':' after the key");
      i++;
    }
    r = value();
    if (r && r !== "open") return r;
  }
  skipWs();
  if (i < n) return fail(i, `unexpected ${showChar(text, i)} after the end of the JSON value${text[i] === "{" || text[i] === "[" ? " (one value per file; is it JSON lines?)" : ""}`);
  return undefined;
}
