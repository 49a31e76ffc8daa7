/**
 * One marked-up sentence: mentions in angle brackets, each optionally with its labels,
 *
 *   "<Ada Lovelace|person> wrote to <Charles Babbage> in 1843 ."
 *
 * becomes the sentence without markup and one mention per bracket pair, in order. The rules:
 *   `<…>`           a mention; white space just inside the brackets stays in the sentence but not in
 *                   the span ("< Ada >" marks "Ada");
 *   `<…|a,b>`       the mention's labels (comma-separated, spaces around names ignored); `<…|>` says
 *                   "no labels" (overriding the default labels);
 *   `\<` `\>`       literal angle brackets; `\|` a literal bar (needed only inside a mention); `\\` a
 *                   literal backslash; any other backslash is kept as it is;
 * and every other character is kept. Offsets are code points of the sentence without markup, end
 * exclusive (as Python slices it). A problem (a "<" never closed, an empty mention, a "<" inside a
 * mention, a ">" outside one, an empty or unknown label, no mention at all) is a MarkupError whose
 * column (1-based, code points of the marked-up sentence) points at the character to fix.
 */

export interface MarkedMention {
  /** Start in code points of the sentence without markup. */
  start: number;
  /** End (exclusive) in code points. */
  end: number;
  /** The mention's text, sentence[start:end]. */
  entity: string;
  /** Labels given with `|`, or undefined when none were written (the default labels apply). */
  labels?: string[];
}

export interface MarkedSentence {
  /** The sentence without markup. */
  text: string;
  mentions: MarkedMention[];
}

export interface ParseMarkupOptions {
  /** Allowed label names; a label outside them is an error. Undefined: any non-empty name. */
  labelSet?: readonly string[];
}

/** A problem at one column of one marked-up sentence; `where` names the sentence once it is known. */
export class MarkupError extends Error {
  constructor(
    readonly column: number,
    readonly detail: string,
    readonly where?: string,
  ) {
    super(`${where ? `${where}, ` : ""}column ${column}: ${detail}`);
    this.name = "MarkupError";
  }

  /** The same error, placed: e.g. `data.json: key "dn_Ada"`. */
  at(where: string): MarkupError {
    return new MarkupError(this.column, this.detail, where);
  }
}

const ESCAPABLE = new Set(["<", ">", "|", "\\"]);
const isSpace = (c: string) => /\s/u.test(c);

/** Parses the label list written after `|`: its characters and the column of each. */
function parseLabels(chars: readonly string[], columns: readonly number[], end: number, options: ParseMarkupOptions): string[] {
  const text = chars.join("");
  if (text.trim() === "") return [];
  const allowed = options.labelSet ? new Set(options.labelSet) : undefined;
  const out: string[] = [];
  let from = 0;
  for (let k = 0; k <= chars.length; k++) {
    if (k < chars.length && chars[k] !== ",") continue;
    const name = chars.slice(from, k).join("").trim();
    const first = chars.slice(from, k).findIndex((c) => !isSpace(c));
    const at = first >= 0 ? columns[from + first] : (columns[k] ?? end);
    if (name === "") throw new MarkupError(at, `an empty label name in "|${text}" (write names separated by commas, or "|" alone for no labels)`);
    if (allowed && !allowed.has(name)) throw new MarkupError(at, `unknown label "${name}"; the labels are ${[...allowed].join(", ")}`);
    if (out.includes(name)) throw new MarkupError(at, `label "${name}" is repeated`);
    out.push(name);
    from = k + 1;
  }
  return out;
}

/** Parses one marked-up sentence; throws a MarkupError (without `where`) on a problem. */
export function parseMarkedSentence(sentence: string, options: ParseMarkupOptions = {}): MarkedSentence {
  if (typeof sentence !== "string") throw new MarkupError(1, `expected a sentence (a string), found ${JSON.stringify(sentence)?.slice(0, 60) ?? String(sentence)}`);
  const chars = Array.from(sentence);
  const out: string[] = [];
  const mentions: MarkedMention[] = [];
  // The open mention: its "<" column, where its text starts in `out`, and its label characters once "|" is seen.
  let open: { column: number; start: number; labels?: string[]; labelColumns: number[] } | undefined;
  const keep = (c: string, column: number) => {
    if (open?.labels) {
      open.labels.push(c);
      open.labelColumns.push(column);
    } else out.push(c);
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const column = i + 1;
    if (c === "\\" && i + 1 < chars.length && ESCAPABLE.has(chars[i + 1])) {
      keep(chars[++i], column);
      continue;
    }
    if (c === "<") {
      if (open) throw new MarkupError(column, `"<" inside the mention opened at column ${open.column}; mentions cannot be nested (write \\< for a literal "<")`);
      open = { column, start: out.length, labelColumns: [] };
      continue;
    }
    if (c === ">") {
      if (!open) throw new MarkupError(column, `">" without a "<" before it (write \\> for a literal ">")`);
      const raw = out.slice(open.start);
      let s = 0;
      let e = raw.length;
      while (s < e && isSpace(raw[s])) s++;
      while (e > s && isSpace(raw[e - 1])) e--;
      if (s === e) throw new MarkupError(open.column, `the mention opened here is empty${raw.length ? " (only white space)" : ""}`);
      const labels = open.labels ? parseLabels(open.labels, open.labelColumns, column, options) : undefined;
      mentions.push({ start: open.start + s, end: open.start + e, entity: raw.slice(s, e).join(""), ...(labels ? { labels } : {}) });
      open = undefined;
      continue;
    }
    if (c === "|" && open && !open.labels) {
      open.labels = [];
      continue;
    }
    keep(c, column);
  }
  if (open) throw new MarkupError(open.column, `"<" is never closed (no ">" before the end of the sentence)`);
  if (mentions.length === 0) throw new MarkupError(1, `no mention is marked; put each mention in angle brackets, e.g. "<Ada Lovelace> wrote …"`);
  return { text: out.join(""), mentions };
}
