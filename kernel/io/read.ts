/**
 * Reading files whole, with errors that name the file and the place: the one reader every JSON,
 * JSON-lines and text input of lukelab goes through.
 *
 *   readText(path)                  → string: strict UTF-8 (a byte-order mark is skipped)
 *   decodeUtf8Strict(bytes, file)   → string: the same, for bytes already in memory
 *   readJson(path)                  → unknown: one JSON value (alias: readJsonFile)
 *   parseJsonText(text, file)       → unknown: one JSON value from text already read
 *   readJsonLines(path, onLine?)    → { line, value }[]: one JSON value per non-blank line
 *   parseJsonLines(text, file, onLine?)
 *   locateJsonError(text)           → { offset, detail } | undefined: where and why text is not JSON
 *   lineAndColumn(text, offset)     → [line, column], 1-based, columns in code points
 *
 * Every failure is a FileFormatError (or, for a file that cannot be read at all, the error `make`
 * builds) whose message starts with the place, as compilers write it:
 *
 *   data/train.json:3:17: not valid JSON: a comma before "]" (a trailing comma); remove it
 *   data/dev.json: byte 1042 (line 12): not valid UTF-8 (byte 0xe9 …); save the file as UTF-8
 *
 * JSON.parse decides what is valid (it is fast and exact); when it refuses, a small scanner of the
 * JSON grammar (RFC 8259) finds the first offending character, because Node's own message names a
 * position only for some errors ("Unexpected token" in Node 20 names none). `onLine` in the JSON-lines
 * readers sees each value with its 1-based line; a message it throws becomes a FileFormatError at that
 * line. Errors from these functions are data errors: the CLI exits 1 on them (docs/errors.md).
 */
import { readFileSync } from "node:fs";
import { FileFormatError, decodeUtf8Strict, describeJson, parseJsonLines, parseJsonText, type JsonLine } from "./json-text";

// The parsing half (no file system) lives in json-text.ts, which the browser extension uses too.
export * from "./json-text";

const defaultMake = (m: string) => new Error(m);

/** The bytes of a file; a failure is `make("<path>: cannot be read (<code>)")`. */
export function readBytes(path: string, make: (message: string) => Error = defaultMake): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw make(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A file's text, strictly UTF-8 (see decodeUtf8Strict); a read failure is `make("<path>: …")`. */
export function readText(path: string, make: (message: string) => Error = defaultMake): string {
  return decodeUtf8Strict(readBytes(path, make), path);
}

/** A file's JSON value (strict UTF-8, see readText); errors say where the file is not JSON. */
export function readJson(path: string, make: (message: string) => Error = defaultMake): unknown {
  return parseJsonText(readText(path, make), path);
}

/** The same as readJson. */
export const readJsonFile = readJson;

/** A JSON object (not an array, string or number) from a file; anything else is refused with what was found. */
export function readJsonObject(path: string, make: (message: string) => Error = defaultMake): Record<string, unknown> {
  const value = readJson(path, make);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new FileFormatError(path, `expected a JSON object {…}, found ${describeJson(value)}`, { line: 1, column: 1 });
  }
  return value as Record<string, unknown>;
}

/** A JSON-lines file (strict UTF-8); see parseJsonLines. */
export function readJsonLines(path: string, onLine?: (value: unknown, line: number) => void, make: (message: string) => Error = defaultMake): JsonLine[] {
  return parseJsonLines(readText(path, make), path, onLine);
}
