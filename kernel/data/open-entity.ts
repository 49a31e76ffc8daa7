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
import { FileFormatError, readText as readSharedText } from "../io/read";
import { DatasetError, parseOpenEntitySplit, type DroppedLabels, type OpenEntityFormat, type ReadOptions, type TypingExample } from "./open-entity-parse";

export * from "./open-entity-parse";

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

/** Reads and validates one split file; see the module comment for the formats. */
export function readOpenEntityFile(file: string, options: ReadOptions = {}): TypingExample[] {
  return readOpenEntitySplit(file, options).examples;
}

/** One split file read: its examples, its format, and what the crowd format's label filter dropped. */
export function readOpenEntitySplit(file: string, options: ReadOptions = {}): { examples: TypingExample[]; format: OpenEntityFormat; dropped: DroppedLabels } {
  return parseOpenEntitySplit(readText(file), file, options);
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
