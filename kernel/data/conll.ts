/**
 * CoNLL-2003 readers: the shared task's files (`eng.train`, `eng.testa`, `eng.testb`) as upstream
 * LUKE's NER example reads them, into documents of sentences.
 *
 * Format: one token a line, four space-separated columns `word POS chunk NE` (only the first and
 * the last are used; any count of 2 or more columns is taken, as upstream takes `parts[0]` and
 * `parts[-1]`), a blank line between sentences, a `-DOCSTART- …` line at the start of each
 * document. Tags are IOB1 (B- only where two entities of the same type touch) or IOB2; entity spans
 * are read as upstream and `seqeval` read them: a B- tag, an I- tag after O, or a change of type
 * starts an entity; O or a sentence end closes it.
 *
 * Every problem stops with the file and the 1-based line: a line with one column, a tag that is not
 * O, B-TYPE or I-TYPE, a CR character, bytes that are not UTF-8. Sentences before the first
 * `-DOCSTART-` form a document of their own (files without `-DOCSTART-` lines are one document).
 */
import { join } from "node:path";
import { readText } from "../io/read";

/** The four CoNLL-2003 entity types, in the order of upstream LUKE's label list after "NIL". */
export const CONLL_TYPES: readonly string[] = ["MISC", "PER", "ORG", "LOC"];

/** The file of each split, as upstream names them. */
export const CONLL_FILES = { train: "eng.train", dev: "eng.testa", test: "eng.testb" } as const;
export type ConllSplit = keyof typeof CONLL_FILES;
export const CONLL_SPLITS: readonly ConllSplit[] = ["train", "dev", "test"];

/** An entity of a sentence: words [start, end) of the sentence. */
export interface ConllEntity {
  start: number;
  end: number;
  type: string;
}

export interface ConllSentence {
  words: string[];
  /** The NE column as written (IOB1 or IOB2). */
  tags: string[];
  /** Entities read from the tags. */
  entities: ConllEntity[];
  /** 1-based line of the sentence's first token, for messages. */
  line: number;
}

export interface ConllDocument {
  /** 0-based position in its file. */
  index: number;
  sentences: ConllSentence[];
}

export interface ConllFile {
  file: string;
  documents: ConllDocument[];
}

/** A malformed line: the message names the file and the 1-based line. */
export class ConllFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = "ConllFormatError";
  }
}

const TAG = /^(?:O|[BI]-[^\s-][^\s]*)$/;

/**
 * Entities of a tag sequence, as seqeval's get_entities reads IOB1/IOB2 (default mode): an entity
 * starts at B-, at I- after O and at a change of type, and ends before O, B- or a change of type.
 */
export function tagsToEntities(tags: readonly string[]): ConllEntity[] {
  const out: ConllEntity[] = [];
  let start = -1;
  let type = "";
  tags.forEach((tag, i) => {
    const t = tag === "O" ? "" : tag.slice(2);
    if (start >= 0 && (tag === "O" || tag.startsWith("B-") || t !== type)) {
      out.push({ start, end: i, type });
      start = -1;
    }
    if (tag !== "O" && start < 0) {
      start = i;
      type = t;
    }
  });
  if (start >= 0) out.push({ start, end: tags.length, type });
  return out;
}

/** Parses the text of a CoNLL file; `file` names it in errors. */
export function parseConll(text: string, file: string): ConllFile {
  const documents: ConllDocument[] = [];
  let doc: ConllDocument | undefined;
  let words: string[] = [];
  let tags: string[] = [];
  let first = 0;
  const closeSentence = () => {
    if (!words.length) return;
    if (!doc) {
      doc = { index: documents.length, sentences: [] };
      documents.push(doc);
    }
    doc.sentences.push({ words, tags, entities: tagsToEntities(tags), line: first });
    words = [];
    tags = [];
  };
  const lines = text.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (raw.includes("\r")) throw new ConllFormatError(file, lineNo, "a CR character: convert the file to Unix line ends (LF)");
    const line = raw.trim();
    if (line === "") return closeSentence();
    if (line.startsWith("-DOCSTART-")) {
      closeSentence();
      doc = { index: documents.length, sentences: [] };
      documents.push(doc);
      return;
    }
    const parts = line.split(/[ \t]+/);
    if (parts.length < 2) {
      throw new ConllFormatError(file, lineNo, `expected "word POS chunk tag" (at least a word and a tag), found ${JSON.stringify(raw)}`);
    }
    const tag = parts[parts.length - 1];
    if (!TAG.test(tag)) {
      throw new ConllFormatError(file, lineNo, `the last column must be O, B-TYPE or I-TYPE, found ${JSON.stringify(tag)}`);
    }
    if (!words.length) first = lineNo;
    words.push(parts[0]);
    tags.push(tag);
  });
  closeSentence();
  // A -DOCSTART- with no sentence after it (a trailing one) is no document.
  const kept = documents.filter((d) => d.sentences.length > 0).map((d, index) => ({ ...d, index }));
  return { file, documents: kept };
}

/** Reads one CoNLL file (strict UTF-8). */
export function readConllFile(path: string): ConllFile {
  return parseConll(readText(path), path);
}

export type ConllData = Record<ConllSplit, ConllDocument[]> & { files: Record<ConllSplit, string> };

/** Reads eng.train, eng.testa and eng.testb of a folder; a missing file is named with what is expected. */
export function readConllDir(dir: string, splits: readonly ConllSplit[] = CONLL_SPLITS): ConllData {
  const out = { files: {} } as ConllData;
  for (const split of CONLL_SPLITS) {
    const path = join(dir, CONLL_FILES[split]);
    out.files[split] = path;
    out[split] = splits.includes(split) ? readConllFile(path).documents : [];
  }
  return out;
}

/** Counts of a split, as the dataset's README tables them. */
export interface ConllCounts {
  documents: number;
  sentences: number;
  tokens: number;
  entities: number;
  perType: Record<string, number>;
}

export function conllCounts(documents: readonly ConllDocument[]): ConllCounts {
  const counts: ConllCounts = { documents: documents.length, sentences: 0, tokens: 0, entities: 0, perType: {} };
  for (const d of documents) {
    for (const s of d.sentences) {
      counts.sentences++;
      counts.tokens += s.words.length;
      counts.entities += s.entities.length;
      for (const e of s.entities) counts.perType[e.type] = (counts.perType[e.type] ?? 0) + 1;
    }
  }
  return counts;
}
