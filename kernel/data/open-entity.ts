/**
 * Open Entity readers, for the two forms the dataset travels in:
 *
 *   ERNIE (what LUKE's original entity-typing example reads): one JSON array per split of
 *     {"sent": str, "start": int, "end": int, "labels": [str], "ents": [...] (ignored)}
 *     with character offsets into `sent`, end exclusive;
 *   UW crowd (the Ultra-Fine Entity Typing release that the newer LUKE example reads): JSON lines of
 *     {"left_context_token": [str], "mention_span": str, "right_context_token": [str], "y_str": [str], ...}
 *     turned into the same example: sent = " ".join(left + mention.split() + right), labels = y_str
 *     filtered to the label set (the 9 general types).
 *
 * Offsets are Unicode code points, as in Python strings (and as the tokenizer takes them), so an
 * emoji or a character outside the basic plane counts as one.
 *
 * Every problem is an error that names the file and the example (its 0-based position in the array,
 * or its 0-based position and 1-based line in a JSON-lines file): malformed JSON, a missing or
 * mistyped field, start after end, a span beyond the text, an unknown or repeated label. Examples
 * with no label are kept (they add no gold label, only possible false positives).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The 9 general Open Entity types, sorted, as the original builds its label list from train.json. */
export const OPEN_ENTITY_LABELS: readonly string[] = ["entity", "event", "group", "location", "object", "organization", "person", "place", "time"];

export type OpenEntityFormat = "ernie" | "crowd";

export interface TypingExample {
  /** 0-based position in its file. */
  index: number;
  /** The sentence (`sent`). */
  text: string;
  /** Mention start, in code points. */
  start: number;
  /** Mention end (exclusive), in code points. */
  end: number;
  /** Gold labels, each in the label set; may be empty. */
  labels: string[];
}

/** A problem with one example (or with the file as a whole when `index` is undefined). */
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly index: number | undefined,
    readonly detail: string,
    readonly line?: number,
  ) {
    const where = index === undefined ? (line === undefined ? "" : ` line ${line}:`) : ` example ${index}${line === undefined ? "" : ` (line ${line})`}:`;
    super(`${file}:${where} ${detail}`);
    this.name = "DatasetError";
  }
}

export interface ReadOptions {
  /** Default: detected from the first character ("[" → ernie, "{" → crowd). */
  format?: OpenEntityFormat;
  /** Allowed labels; default OPEN_ENTITY_LABELS. */
  labels?: readonly string[];
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v).slice(0, 80));

/** Validates the labels of one example: an array of distinct strings from `allowed`. */
function checkLabels(value: unknown, allowed: ReadonlySet<string>, what: string): string[] {
  if (!Array.isArray(value)) throw new Error(`"${what}" must be a list of label names, found ${show(value)}`);
  const seen = new Set<string>();
  for (const label of value) {
    if (typeof label !== "string") throw new Error(`"${what}" holds ${show(label)}, expected label names (strings)`);
    if (!allowed.has(label)) throw new Error(`unknown label "${label}"; the labels are ${[...allowed].join(", ")}`);
    if (seen.has(label)) throw new Error(`label "${label}" is repeated`);
    seen.add(label);
  }
  return [...seen];
}

function checkSpan(text: string, start: unknown, end: unknown): void {
  if (!Number.isInteger(start) || (start as number) < 0) throw new Error(`"start" must be a non-negative integer, found ${show(start)}`);
  if (!Number.isInteger(end) || (end as number) < 0) throw new Error(`"end" must be a non-negative integer, found ${show(end)}`);
  const [s, e] = [start as number, end as number];
  if (s > e) throw new Error(`start ${s} is after end ${e}`);
  if (s === e) throw new Error(`the mention is empty (start = end = ${s})`);
  const length = codePointLength(text);
  if (e > length) throw new Error(`the span [${s}, ${e}) goes beyond the text, which has ${length} characters (code points)`);
  const mention = Array.from(text).slice(s, e).join("");
  if (mention.trim() === "") throw new Error(`the span [${s}, ${e}) holds only white space`);
}

/** One ERNIE-style example. */
export function parseErnieExample(value: unknown, index: number, allowed: ReadonlySet<string>): TypingExample {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`expected an object {"sent", "start", "end", "labels"}, found ${show(value)}`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.sent !== "string") throw new Error(`"sent" must be a string, found ${show(v.sent)}`);
  checkSpan(v.sent, v.start, v.end);
  const labels = checkLabels(v.labels, allowed, "labels");
  return { index, text: v.sent, start: v.start as number, end: v.end as number, labels };
}

/** One UW crowd example, labels filtered to `allowed`. */
export function parseCrowdExample(value: unknown, index: number, allowed: ReadonlySet<string>): TypingExample {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`expected an object {"left_context_token", "mention_span", "right_context_token", "y_str"}, found ${show(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of ["left_context_token", "right_context_token"]) {
    const tokens = v[key];
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) {
      throw new Error(`"${key}" must be a list of strings, found ${show(tokens)}`);
    }
  }
  if (typeof v.mention_span !== "string") throw new Error(`"mention_span" must be a string, found ${show(v.mention_span)}`);
  const mentionTokens = v.mention_span.split(/\s+/).filter(Boolean);
  if (mentionTokens.length === 0) throw new Error(`"mention_span" is empty`);
  if (!Array.isArray(v.y_str) || !v.y_str.every((t) => typeof t === "string")) {
    throw new Error(`"y_str" must be a list of type names, found ${show(v.y_str)}`);
  }
  const left = (v.left_context_token as string[]).join(" ");
  const mention = mentionTokens.join(" ");
  const right = (v.right_context_token as string[]).join(" ");
  const text = [left, mention, right].filter((p) => p !== "").join(" ");
  const start = left === "" ? 0 : codePointLength(left) + 1;
  const end = start + codePointLength(mention);
  // The ultra-fine types beyond the label set are dropped, as the newer LUKE reader does.
  const labels = [...new Set((v.y_str as string[]).filter((t) => allowed.has(t)))];
  return { index, text, start, end, labels };
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): [number, number] {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return [line, offset - lineStart + 1];
}

/**
 * The index of the top-level array element that contains `offset` (how many elements start
 * before it, minus one), by scanning brackets outside strings; undefined before the array opens.
 */
export function elementIndexAt(text: string, offset: number): number | undefined {
  let depth = 0;
  let inString = false;
  let index = -1;
  let expectElement = false;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectElement && !/\s/.test(c) && c !== "]") {
      index++;
      expectElement = false;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === "]" || c === "}") depth--;
    else if (c === "," && depth === 1) expectElement = true;
  }
  if (depth === 0 && index < 0) return undefined;
  return Math.max(0, index + (expectElement && depth === 1 ? 1 : 0));
}

function readText(file: string): string {
  if (!existsSync(file)) throw new DatasetError(file, undefined, "the file does not exist");
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new DatasetError(file, undefined, `cannot be read (${(err as Error).message})`);
  }
}

export function detectFormat(text: string): OpenEntityFormat | undefined {
  const first = text.trimStart()[0];
  return first === "[" ? "ernie" : first === "{" ? "crowd" : undefined;
}

/** Reads and validates one split file; see the module comment for the formats. */
export function readOpenEntityFile(file: string, options: ReadOptions = {}): TypingExample[] {
  const text = readText(file);
  const allowed = new Set(options.labels ?? OPEN_ENTITY_LABELS);
  const format = options.format ?? detectFormat(text);
  if (format === undefined) {
    throw new DatasetError(file, undefined, `is neither a JSON array (ERNIE format) nor JSON lines of objects (UW crowd format)`);
  }
  if (format === "ernie") {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      const message = (err as Error).message;
      const position = /position (\d+)/.exec(message);
      if (!position) throw new DatasetError(file, undefined, `is not valid JSON (${message})`);
      const offset = Number(position[1]);
      const [line, column] = lineAndColumn(text, offset);
      throw new DatasetError(file, elementIndexAt(text, offset), `not valid JSON at line ${line}, column ${column} (${message})`);
    }
    if (!Array.isArray(data)) throw new DatasetError(file, undefined, `must hold a JSON array of examples, found ${show(data)}`);
    return data.map((value, index) => {
      try {
        return parseErnieExample(value, index, allowed);
      } catch (err) {
        throw new DatasetError(file, index, (err as Error).message);
      }
    });
  }
  const out: TypingExample[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const index = out.length;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new DatasetError(file, index, `not valid JSON (${(err as Error).message})`, i + 1);
    }
    try {
      out.push(parseCrowdExample(value, index, allowed));
    } catch (err) {
      throw new DatasetError(file, index, (err as Error).message, i + 1);
    }
  });
  return out;
}

/**
 * The mention with at most `words` whitespace-separated words of context on each side: the sentence
 * is cut to the substring from the start of the `words`-th word before the mention to the end of the
 * `words`-th word after it (spacing inside kept as it is), offsets moved to match. A word the mention
 * touches without a space (the "(" of "(Obama") counts as one of them. `words` = 0 keeps the mention alone.
 * Offsets are code points, as everywhere in this file.
 */
export function withContextWindow<T extends { text: string; start: number; end: number }>(example: T, words: number): T {
  if (!Number.isInteger(words) || words < 0) throw new Error(`the context window must be a non-negative number of words, got ${words}`);
  const cps = Array.from(example.text);
  const space = (i: number) => /\s/u.test(cps[i]);
  let from = example.start;
  for (let k = 0; k < words; k++) {
    let i = from;
    while (i > 0 && space(i - 1)) i--;
    if (i === 0) break;
    while (i > 0 && !space(i - 1)) i--;
    from = i;
  }
  let to = example.end;
  for (let k = 0; k < words; k++) {
    let i = to;
    while (i < cps.length && space(i)) i++;
    if (i === cps.length) break;
    while (i < cps.length && !space(i)) i++;
    to = i;
  }
  return { ...example, text: cps.slice(from, to).join(""), start: example.start - from, end: example.end - from };
}

export const SPLITS = ["train", "dev", "test"] as const;
export type Split = (typeof SPLITS)[number];

export interface OpenEntityDataset {
  train: TypingExample[];
  dev: TypingExample[];
  test: TypingExample[];
  files: Record<Split, string>;
  format: Record<Split, OpenEntityFormat>;
}

/**
 * Reads `dir/{train,dev,test}.json` (all three, always: the original builds its label list from
 * train.json even when it does not train). Each file may be in either format.
 */
export function readOpenEntityDir(dir: string, options: ReadOptions = {}): OpenEntityDataset {
  if (!existsSync(dir)) throw new Error(`${dir}: the data folder does not exist; it must hold train.json, dev.json and test.json`);
  const files = Object.fromEntries(SPLITS.map((s) => [s, join(dir, `${s}.json`)])) as Record<Split, string>;
  const format = {} as Record<Split, OpenEntityFormat>;
  const read = (split: Split) => {
    const examples = readOpenEntityFile(files[split], options);
    format[split] = options.format ?? detectFormat(readFileSync(files[split], "utf8"))!;
    return examples;
  };
  return { train: read("train"), dev: read("dev"), test: read("test"), files, format };
}
