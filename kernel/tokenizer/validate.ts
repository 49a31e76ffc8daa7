/** Checks of user input; each error names the call, the input and the offending value. */
import { offsetMap } from "./code-points";
import type { TokenSpan } from "./entity-encoding";
import { LUKE_TASKS, type LukeTask } from "./types";

/** Validates [start, end) code point spans against the text and converts them to UTF-16 offsets. */
export function checkSpans(spans: unknown, text: string, where: string): TokenSpan[] {
  if (!Array.isArray(spans)) throw new Error(`${where}: spans must be an array of [start, end] pairs, found ${JSON.stringify(spans)}`);
  const offsets = offsetMap(text);
  return spans.map((span: unknown, i) => {
    const at = `${where}: spans[${i}] = ${JSON.stringify(span)}`;
    if (!Array.isArray(span) || span.length !== 2) throw new Error(`${at} is not a [start, end] pair`);
    const [s, e] = span as unknown[];
    if (!Number.isInteger(s) || !Number.isInteger(e)) throw new Error(`${at}: offsets must be integers (code points)`);
    const start = s as number;
    const end = e as number;
    if (end < start) throw new Error(`${at}: end ${end} is before start ${start}`);
    if (start < 0 || end > offsets.length) {
      throw new Error(`${at} is outside the text (length ${offsets.length} code points)`);
    }
    return [offsets.toUtf16(start), offsets.toUtf16(end)];
  });
}

export function checkEntities(entities: unknown, count: number, where: string): string[] {
  if (!Array.isArray(entities) || entities.some((t) => typeof t !== "string")) {
    throw new Error(`${where}: entities must be an array of entity titles (strings)`);
  }
  if (entities.length !== count) {
    throw new Error(`${where}: ${entities.length} entities for ${count} span${count === 1 ? "" : "s"}; give one title per span`);
  }
  return entities as string[];
}

export function checkTask(task: unknown, where: string): LukeTask {
  if (!LUKE_TASKS.includes(task as LukeTask)) {
    throw new Error(`${where}: task ${JSON.stringify(task)} is not supported; expected one of ${LUKE_TASKS.map((t) => JSON.stringify(t)).join(", ")}`);
  }
  return task as LukeTask;
}

/** The span count each task needs (the reference raises for the same inputs). */
export function checkTaskSpans(task: LukeTask, spans: TokenSpan[] | null, where: string): void {
  const n = spans?.length ?? 0;
  const given = spans === null ? "no spans" : `${n} span${n === 1 ? "" : "s"}`;
  if (task === "entity_classification" && n !== 1) {
    throw new Error(`${where}: task entity_classification needs exactly 1 span, found ${given}`);
  }
  if (task === "entity_pair_classification" && n !== 2) {
    throw new Error(`${where}: task entity_pair_classification needs exactly 2 spans (head, tail), found ${given}`);
  }
  if (task === "entity_span_classification" && n === 0) {
    throw new Error(`${where}: task entity_span_classification needs at least 1 span, found ${given}`);
  }
}

/** An optional integer option of at least `min`; undefined passes through. */
export function checkCount(value: number | undefined, name: string, min: number, where: string): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new Error(`${where}: ${name} must be an integer ≥ ${min}, found ${JSON.stringify(value)}`);
  }
  return value;
}
