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
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FileFormatError, describeJson, lineAndColumn, locateJsonError, readText as readSharedText } from "../io/read";

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

/** The file's text through the shared reader (strict UTF-8, byte-order mark skipped), as a DatasetError on failure. */
function readText(file: string): string {
  if (!existsSync(file)) throw new DatasetError(file, undefined, "the file does not exist");
  try {
    return readSharedText(file, (m) => new DatasetError(file, undefined, m.slice(file.length + 2)));
  } catch (err) {
    if (err instanceof FileFormatError) throw new DatasetError(file, undefined, err.message.slice(file.length + 2));
    throw err;
  }
}

export function detectFormat(text: string): OpenEntityFormat | undefined {
  const first = text.trimStart()[0];
  return first === "[" ? "ernie" : first === "{" ? "crowd" : undefined;
}

const EXPECTED = "a JSON array of examples [{\"sent\", \"start\", \"end\", \"labels\"}, …] (ERNIE format) or one JSON object per line (UW crowd format)";

/**
 * A file that starts with "{" but is one JSON object spread over several lines (a pretty-printed
 * object, or an object wrapping the examples) is neither format: say what was found.
 */
function refuseWholeObject(file: string, text: string): void {
  if (text.trim().split("\n").filter((l) => l.trim() !== "").length < 2) return;
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return;
  }
  if (whole === null || typeof whole !== "object" || Array.isArray(whole)) return;
  const inner = Object.entries(whole).find(([, v]) => Array.isArray(v));
  const hint = inner ? `; if the examples are its "${inner[0]}" array, save that array alone as the file` : "";
  throw new DatasetError(file, undefined, `holds one JSON object over several lines (${describeJson(whole)}); expected ${EXPECTED}${hint}`);
}

/** Reads and validates one split file; see the module comment for the formats. */
export function readOpenEntityFile(file: string, options: ReadOptions = {}): TypingExample[] {
  return readOpenEntitySplit(file, options).examples;
}

/** Labels of the crowd format left out because the label set does not have them (the ultra-fine types). */
export interface DroppedLabels {
  /** How many label occurrences were dropped. */
  labels: number;
  /** How many examples were left with no label at all by the dropping. */
  emptied: number;
}

/** One split file read: its examples, its format, and what the crowd format's label filter dropped. */
export function readOpenEntitySplit(file: string, options: ReadOptions = {}): { examples: TypingExample[]; format: OpenEntityFormat; dropped: DroppedLabels } {
  const text = readText(file);
  const allowed = new Set(options.labels ?? OPEN_ENTITY_LABELS);
  const dropped: DroppedLabels = { labels: 0, emptied: 0 };
  if (text.trim() === "") throw new DatasetError(file, undefined, `is empty; expected ${EXPECTED}`);
  const format = options.format ?? detectFormat(text);
  if (format === undefined) {
    let found = "text that is not JSON";
    try {
      found = describeJson(JSON.parse(text));
    } catch {
      const [line, column] = lineAndColumn(text, text.length - text.trimStart().length);
      found = `text starting at line ${line}, column ${column} that is not JSON`;
    }
    throw new DatasetError(file, undefined, `is neither a JSON array (ERNIE format) nor JSON lines of objects (UW crowd format): expected ${EXPECTED}, found ${found}`);
  }
  if (format === "ernie") {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      const located = locateJsonError(text);
      if (!located) throw new DatasetError(file, undefined, `is not valid JSON (${(err as Error).message})`);
      const [line, column] = lineAndColumn(text, located.offset);
      throw new DatasetError(file, elementIndexAt(text, located.offset), `not valid JSON at line ${line}, column ${column}: ${located.detail}`);
    }
    if (!Array.isArray(data)) throw new DatasetError(file, undefined, `must hold a JSON array of examples (ERNIE format), found ${describeJson(data)}`);
    const examples = data.map((value, index) => {
      try {
        return parseErnieExample(value, index, allowed);
      } catch (err) {
        throw new DatasetError(file, index, (err as Error).message);
      }
    });
    return { examples, format, dropped };
  }
  refuseWholeObject(file, text);
  const out: TypingExample[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const index = out.length;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      const located = locateJsonError(line) ?? { offset: 0, detail: "not JSON" };
      const column = lineAndColumn(line, located.offset)[1];
      const pretty =
        line.trim() === "{" || line.trim() === "["
          ? " (read as JSON lines, one example per line: is the file one pretty-printed JSON value?)"
          : line.trimEnd().endsWith(",")
            ? " (read as JSON lines because the file starts with '{'; lines that end with ',' belong in a JSON array: is its opening '[' missing?)"
            : "";
      throw new DatasetError(file, index, `column ${column}: not valid JSON: ${located.detail}${pretty}`, i + 1);
    }
    try {
      const example = parseCrowdExample(value, index, allowed);
      const given = new Set((value as { y_str: string[] }).y_str).size;
      dropped.labels += given - example.labels.length;
      if (given > 0 && example.labels.length === 0) dropped.emptied++;
      out.push(example);
    } catch (err) {
      throw new DatasetError(file, index, (err as Error).message, i + 1);
    }
  });
  return { examples: out, format, dropped };
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
  /** Per split, the crowd-format labels left out because the label set does not have them. */
  dropped: Record<Split, DroppedLabels>;
}

/**
 * Reads `dir/{train,dev,test}.json` (all three, always: the original builds its label list from
 * train.json even when it does not train). Each file may be in either format.
 */
export function readOpenEntityDir(dir: string, options: ReadOptions = {}): OpenEntityDataset {
  if (!existsSync(dir)) throw new Error(`${dir}: the data folder does not exist; it must hold train.json, dev.json and test.json`);
  const files = Object.fromEntries(SPLITS.map((s) => [s, join(dir, `${s}.json`)])) as Record<Split, string>;
  const format = {} as Record<Split, OpenEntityFormat>;
  const dropped = {} as Record<Split, DroppedLabels>;
  const read = (split: Split) => {
    const r = readOpenEntitySplit(files[split], options);
    format[split] = r.format;
    dropped[split] = r.dropped;
    return r.examples;
  };
  return { train: read("train"), dev: read("dev"), test: read("test"), files, format, dropped };
}

/**
 * What in a dataset would make a run's numbers mislead, by split, naming the file: an empty split,
 * gold labels in dev/test that train never has (the model cannot learn them), crowd-format labels
 * dropped because the label set does not have them. `refuse` lists what makes a run with training
 * meaningless (no train or no dev examples: the best epoch is chosen by dev F1); `warn` the rest.
 */
export function datasetSurprises(data: Pick<OpenEntityDataset, "train" | "dev" | "test" | "files"> & { dropped?: Record<Split, DroppedLabels> }, use: { train: boolean; eval: boolean }): { refuse: string[]; warn: string[] } {
  const refuse: string[] = [];
  const warn: string[] = [];
  if (use.train && data.train.length === 0) refuse.push(`${data.files.train}: holds no examples, so there is nothing to train on (run with --no-train to only evaluate)`);
  if (use.train && data.dev.length === 0) refuse.push(`${data.files.dev}: holds no examples; training keeps the epoch with the best dev F1, which needs dev examples`);
  if (!use.train && use.eval && data.dev.length === 0) warn.push(`${data.files.dev}: holds no examples; its precision, recall and F1 are 0 and mean nothing`);
  if (use.eval && data.test.length === 0) warn.push(`${data.files.test}: holds no examples; its precision, recall and F1 are 0 and mean nothing`);
  if (use.train && data.train.length > 0) {
    const trained = new Set(data.train.flatMap((e) => e.labels));
    for (const split of ["dev", "test"] as const) {
      const unseen = new Map<string, number>();
      for (const e of data[split]) for (const l of e.labels) if (!trained.has(l)) unseen.set(l, (unseen.get(l) ?? 0) + 1);
      if (unseen.size > 0) {
        const list = [...unseen].map(([l, n]) => `"${l}" ×${n}`).join(", ");
        warn.push(`${data.files[split]}: gold labels that ${data.files.train} never has (${list}): the model cannot learn to predict them, so they only lower recall`);
      }
    }
  }
  for (const split of SPLITS) {
    const d = data.dropped?.[split];
    if (d && d.labels > 0) {
      warn.push(`${data.files[split]}: ${d.labels} labels outside the label set were left out (the crowd format's fine-grained types)${d.emptied > 0 ? `; ${d.emptied} examples were left with no label` : ""}`);
    }
  }
  return { refuse, warn };
}
