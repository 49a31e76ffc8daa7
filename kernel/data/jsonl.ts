/** JSON Lines input with errors that name the file and the line. */
import { readJsonLines } from "../io/read";
import type { EncodeInput, LukeTask } from "../tokenizer";

export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = "InputError";
  }
}

export interface Numbered<T> {
  /** 1-based line number in the file. */
  line: number;
  value: T;
}

/**
 * Parses every non-blank line as JSON (through the shared reader: strict UTF-8, syntax errors at
 * file:line:column); `parse` validates one record and may throw a plain message, which becomes a
 * FileFormatError naming the file and the line ("file:line: message").
 */
export function readJsonl<T>(file: string, parse: (value: unknown) => T): Numbered<T>[] {
  const out: Numbered<T>[] = [];
  readJsonLines(file, (value, line) => {
    out.push({ line, value: parse(value) });
  });
  return out;
}

const TASKS = new Set(["entity_classification", "entity_pair_classification", "entity_span_classification", "none", null]);

export interface ForwardInput extends EncodeInput {
  task?: LukeTask;
}

/** One line of `lukelab forward` input: {"text": str, "spans": [[start, end], ...], "task"?: str}. */
export function parseForwardInput(value: unknown): ForwardInput {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`expected an object like {"text": ..., "spans": [[start, end]]}, found ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.text !== "string") throw new Error(`"text" must be a string, found ${JSON.stringify(v.text)}`);
  const spans = v.spans ?? [];
  if (!Array.isArray(spans)) throw new Error(`"spans" must be a list of [start, end] pairs, found ${JSON.stringify(spans)}`);
  spans.forEach((s, i) => {
    if (!Array.isArray(s) || s.length !== 2 || !s.every((n) => Number.isInteger(n))) {
      throw new Error(`spans[${i}] must be [start, end] with integer offsets, found ${JSON.stringify(s)}`);
    }
  });
  const out: ForwardInput = { text: v.text, spans: spans as [number, number][] };
  if (v.entities !== undefined) {
    if (!Array.isArray(v.entities) || !v.entities.every((e) => typeof e === "string")) {
      throw new Error(`"entities" must be a list of entity titles, found ${JSON.stringify(v.entities)}`);
    }
    out.entities = v.entities as string[];
  }
  if (v.task !== undefined) {
    if (!TASKS.has(v.task as string | null)) {
      throw new Error(`"task" must be one of entity_classification, entity_pair_classification, entity_span_classification, none; found ${JSON.stringify(v.task)}`);
    }
    out.task = v.task === "none" ? null : (v.task as LukeTask);
  }
  return out;
}
