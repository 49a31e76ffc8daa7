/**
 * Marked-up sentences (see ./parse) to entity-typing examples, the original's
 * tests/from_text_to_input.py without its fixed paths, fixed label and single mention:
 *
 *   {"sent", "start", "end", "labels", "entity"}   one per mention, in order
 *
 * with `sent` the sentence without markup, [start, end) the mention in code points, `labels` the
 * mention's own (`<…|a,b>`) or the default ones, `entity` = sent[start:end]. This is the ERNIE form
 * readOpenEntityFile reads, so the array can be a split file of `entity-typing run`.
 *
 * Inputs, each sentence named for errors:
 *   a JSON object {name: sentence}      the original's form; keys are names only ("key "dn_Ada"")
 *   a JSON array of sentences           ("element 3", 0-based like the datasets' examples)
 *   text, one sentence per line         blank lines skipped ("line 7", 1-based)
 *   JSON lines                          each a JSON string or an object with a "sent" or a "text"
 *                                       field (one of them) and, optionally, "labels": the line's
 *                                       default labels ("line 7")
 */
import { existsSync } from "node:fs";
import { FileFormatError, lineAndColumn, locateJsonError, readText } from "../io/read";
import { extname } from "node:path";
import { OPEN_ENTITY_LABELS } from "../data/open-entity";
import { MarkupError, parseMarkedSentence } from "./parse";

/** One example, as entity-typing reads it (ERNIE form) plus the mention's text. */
export interface MarkupExample {
  sent: string;
  start: number;
  end: number;
  labels: string[];
  entity: string;
}

export type MarkupFormat = "object" | "array" | "text" | "jsonl";

export interface MarkupOptions {
  /** Labels of mentions written without `|…`; default none. */
  labels?: readonly string[];
  /**
   * The allowed label names: default the 9 Open Entity labels, which `entity-typing run` requires;
   * null allows any name (for a dataset with other labels).
   */
  labelSet?: readonly string[] | null;
}

/** A named marked-up sentence, with the default labels of its source line when it has its own. */
interface Sentence {
  where: string;
  text: unknown;
  labels?: readonly string[];
}

/** A JSON.parse message on one line (V8 quotes the text around the error, newlines included). */
const oneLine = (message: string) => message.replace(/\r?\n/g, "\\n");
/** Where JSON text breaks and why (io/read.ts's scanner), whatever Node's message says: "line 3, column 7: not valid JSON: …". */
function jsonProblem(text: string, err: Error, withLine: boolean): string {
  const located = locateJsonError(text);
  if (!located) return `not valid JSON (${oneLine(err.message)})`;
  const [line, column] = lineAndColumn(text, located.offset);
  return `${withLine ? `line ${line}, ` : ""}column ${column}: not valid JSON: ${located.detail}`;
}
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

function checkDefaultLabels(labels: readonly string[], labelSet: readonly string[] | undefined, what: string): void {
  const seen = new Set<string>();
  for (const l of labels) {
    if (typeof l !== "string" || l.trim() === "") throw new Error(`${what}: label names must be non-empty strings, found ${show(l)}`);
    if (labelSet && !labelSet.includes(l)) throw new Error(`${what}: unknown label "${l}"; the labels are ${labelSet.join(", ")}`);
    if (seen.has(l)) throw new Error(`${what}: label "${l}" is repeated`);
    seen.add(l);
  }
}

/** Examples of named sentences; errors say `prefix` + where + column. */
function examplesOf(sentences: readonly Sentence[], options: MarkupOptions, prefix: string): MarkupExample[] {
  const labelSet = options.labelSet === null ? undefined : (options.labelSet ?? OPEN_ENTITY_LABELS);
  const defaults = options.labels ?? [];
  checkDefaultLabels(defaults, labelSet, "the default labels");
  const out: MarkupExample[] = [];
  for (const s of sentences) {
    const where = `${prefix}${s.where}`;
    if (typeof s.text !== "string") throw new Error(`${where}: expected a sentence (a string), found ${show(s.text)}`);
    if (s.labels) checkDefaultLabels(s.labels, labelSet, `${where}: "labels"`);
    let parsed;
    try {
      parsed = parseMarkedSentence(s.text, { labelSet });
    } catch (err) {
      throw err instanceof MarkupError ? err.at(where) : err;
    }
    for (const m of parsed.mentions) out.push({ sent: parsed.text, start: m.start, end: m.end, labels: [...(m.labels ?? s.labels ?? defaults)], entity: m.entity });
  }
  return out;
}

function textSentences(text: string): Sentence[] {
  return text.split("\n").flatMap((line, i) => {
    const t = line.replace(/\r$/, "");
    return t.trim() === "" ? [] : [{ where: `line ${i + 1}`, text: t }];
  });
}

function objectSentences(value: Record<string, unknown>): Sentence[] {
  return Object.entries(value).map(([key, text]) => ({ where: `key ${JSON.stringify(key)}`, text }));
}

function arraySentences(value: unknown[]): Sentence[] {
  return value.map((text, i) => ({ where: `element ${i}`, text }));
}

function jsonlSentences(text: string): Sentence[] {
  return text.split("\n").flatMap((raw, i): Sentence[] => {
    if (raw.trim() === "") return [];
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new Error(`${where}: ${jsonProblem(raw.replace(/\r$/, ""), err as Error, false)}`);
    }
    if (typeof value === "string") return [{ where, text: value }];
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`${where}: expected a sentence (a JSON string) or an object with "sent" or "text", found ${show(value)}`);
    }
    const v = value as Record<string, unknown>;
    if ("sent" in v && "text" in v) throw new Error(`${where}: has both "sent" and "text"; give the sentence in one of them`);
    if (!("sent" in v) && !("text" in v)) throw new Error(`${where}: has neither "sent" nor "text" (the marked-up sentence)`);
    const sentence = "sent" in v ? v.sent : v.text;
    if (v.labels !== undefined && (!Array.isArray(v.labels) || !v.labels.every((l) => typeof l === "string"))) {
      throw new Error(`${where}: "labels" must be a list of label names, found ${show(v.labels)}`);
    }
    return [{ where, text: sentence, labels: v.labels as string[] | undefined }];
  });
}

/**
 * Examples from marked-up sentences given in a notebook: a string (one sentence per line), an array
 * of sentences, or an object {name: sentence}. Throws a MarkupError naming the sentence and column.
 */
export function markupExamples(input: string | readonly string[] | Readonly<Record<string, string>>, options: MarkupOptions = {}): MarkupExample[] {
  if (typeof input === "string") return examplesOf(textSentences(input), options, "");
  if (Array.isArray(input)) return examplesOf(arraySentences(input as unknown[]), options, "");
  if (input !== null && typeof input === "object") return examplesOf(objectSentences(input as Record<string, unknown>), options, "");
  throw new Error(`markupExamples: expected a string, an array of sentences or an object {name: sentence}, found ${show(input)}`);
}

/**
 * The form of a file: by extension (.txt text, .jsonl JSON lines), else by content: a JSON object
 * or array, else JSON lines when the first line is JSON, else text.
 */
export function detectMarkupFormat(file: string, text: string): MarkupFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".txt") return "text";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  const parses = (t: string): { value: unknown } | undefined => {
    try {
      return { value: JSON.parse(t) };
    } catch {
      return undefined;
    }
  };
  const whole = parses(text);
  if (whole && Array.isArray(whole.value)) return "array";
  if (whole && whole.value !== null && typeof whole.value === "object") return "object";
  if (!(whole && ext === ".json") && parses(text.split("\n").find((l) => l.trim() !== "") ?? "")) return "jsonl";
  // A .json file that is not JSON: read as an object, so the error says where the JSON breaks.
  return ext === ".json" ? "object" : "text";
}

/** Reads a file of marked-up sentences (any form above); errors name the file, the sentence and the column. */
export function readMarkupFile(file: string, options: MarkupOptions & { format?: MarkupFormat } = {}): MarkupExample[] {
  if (!existsSync(file)) throw new Error(`${file}: the file does not exist`);
  let text: string;
  try {
    // Strict UTF-8 (bytes that are not are refused at their offset); a byte-order mark is skipped.
    text = readText(file);
  } catch (err) {
    throw err instanceof FileFormatError ? err : new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const format = options.format ?? detectMarkupFormat(file, text);
  const prefix = `${file}: `;
  let sentences: Sentence[];
  try {
    if (format === "text") sentences = textSentences(text);
    else if (format === "jsonl") sentences = jsonlSentences(text);
    else {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new Error(`${jsonProblem(text, err as Error, true)}; a .json file holds an object {name: sentence} or an array of sentences`);
      }
      if (format === "array" && !Array.isArray(value)) throw new Error(`expected a JSON array of sentences, found ${show(value)}`);
      if (format === "object" && (value === null || typeof value !== "object" || Array.isArray(value))) {
        throw new Error(`expected a JSON object {name: sentence}, found ${show(value)}`);
      }
      sentences = Array.isArray(value) ? arraySentences(value) : objectSentences(value as Record<string, unknown>);
    }
  } catch (err) {
    throw new Error(`${prefix}${(err as Error).message}`);
  }
  if (sentences.length === 0) throw new Error(`${file}: holds no sentences`);
  return examplesOf(sentences, options, prefix);
}

/** The examples as a JSON array, one example per line (what `lukelab markup` writes). */
export function markupJson(examples: readonly MarkupExample[]): string {
  return `[\n${examples.map((e) => JSON.stringify({ sent: e.sent, start: e.start, end: e.end, labels: e.labels, entity: e.entity })).join(",\n")}\n]\n`;
}
