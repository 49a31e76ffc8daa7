/** Reading the Hugging Face tokenizer files, with errors that name the file. */
import { existsSync, statSync } from "node:fs";
import { parseJsonText, readText } from "../io/read";
import { join } from "node:path";
import { pythonSplit } from "./char-classes";
import { asMap, type LukeTokenizerParts } from "./config";

/** Reads a required file; a missing one is named in the error together with the folder. */
export function readRequired(dir: string, name: string): string {
  const path = join(dir, name);
  if (!existsSync(path)) {
    throw new Error(`tokenizer folder ${dir}: required file ${name} is missing`);
  }
  return readText(path);
}

/** Parses JSON, naming the file and where the parser stopped when it is malformed. */
export function parseJsonFile(path: string, text: string): unknown {
  return parseJsonText(text, path);
}

/** Reads and parses a JSON object file; `undefined` when optional and absent. */
export function readJsonObject(dir: string, name: string, required: boolean): Record<string, unknown> | undefined {
  const path = join(dir, name);
  if (!required && !existsSync(path)) return undefined;
  const value = parseJsonFile(path, readRequired(dir, name));
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${path}: expected a JSON object, found ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A token → id table (vocab.json, entity_vocab.json, added_tokens.json); every value must be an integer. */
export function toIdMap(path: string, obj: Record<string, unknown>): Map<string, number> {
  return asMap(obj as Record<string, number>, path);
}

/**
 * merges.txt as the reference reads it: `text.split("\n")[1:-1]`, i.e. the first line is a header and
 * the last element is dropped (a file without a final newline loses its last merge there too), each
 * line split on whitespace. Lines that are not two symbols can never match a pair, so they are skipped.
 */
export function parseMerges(text: string): Array<[string, string]> {
  // Python reads the file in text mode, which turns \r\n and \r into \n.
  const lines = text.replace(/\r\n?/g, "\n").split("\n").slice(1, -1);
  const out: Array<[string, string]> = [];
  for (const line of lines) {
    const parts = pythonSplit(line);
    if (parts.length === 2) out.push([parts[0], parts[1]]);
  }
  return out;
}

/** Python's sort order for str keys (code points), which differs from JS's UTF-16 order outside the BMP. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/**
 * `json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)` for a flat string → value table,
 * as transformers writes vocab.json and entity_vocab.json. Built by hand because a JS object would
 * reorder integer-like keys ("0", "1", ...) ahead of the others.
 */
export function sortedJsonTable(entries: Iterable<[string, unknown]>): string {
  const sorted = [...entries].sort((x, y) => compareCodePoints(x[0], y[0]));
  if (sorted.length === 0) return "{}";
  return "{\n" + sorted.map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n") + "\n}";
}

export function checkFolder(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`tokenizer folder ${dir} does not exist`);
  return dir;
}

/** The word-level files of a folder: vocab.json and merges.txt (required) and the optional JSON settings. */
export function readWordFiles(dir: string): Omit<LukeTokenizerParts, "entityVocab"> {
  checkFolder(dir);
  const vocabObj = readJsonObject(dir, "vocab.json", true)!;
  const addedObj = readJsonObject(dir, "added_tokens.json", false);
  return {
    vocab: toIdMap(join(dir, "vocab.json"), vocabObj),
    merges: parseMerges(readRequired(dir, "merges.txt")),
    config: readJsonObject(dir, "tokenizer_config.json", false),
    specialTokensMap: readJsonObject(dir, "special_tokens_map.json", false),
    addedTokens: addedObj && toIdMap(join(dir, "added_tokens.json"), addedObj),
  };
}
