/**
 * The Open Entity formats parsed from text (see ./open-entity.ts for the formats and the files):
 * no file system, so the JupyterLab runs dashboard reads a run's dataset through the Jupyter server
 * with the checks `lukelab analyze` uses.
 */
import { describeJson, lineAndColumn, locateJsonError } from "../io/json-text";

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

/** Labels of the crowd format left out because the label set does not have them (the ultra-fine types). */
export interface DroppedLabels {
  /** How many label occurrences were dropped. */
  labels: number;
  /** How many examples were left with no label at all by the dropping. */
  emptied: number;
}

/**
 * One split file's text (`file` names it in errors) read: its examples, its format, and what the crowd
 * format's label filter dropped.
 */
export function parseOpenEntitySplit(text: string, file: string, options: ReadOptions = {}): { examples: TypingExample[]; format: OpenEntityFormat; dropped: DroppedLabels } {
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
