/**
 * Bias probe definitions: templates with a name slot, target words and groups of fillers, from a
 * YAML/JSON file or a notebook object, checked before any model runs. Every error names the file,
 * line and column (for a file) and the key, e.g.
 *   samples/bias/doctor-nurse.yaml:12:5: templates[1]: has no {name} slot
 *
 *   name: doctor-nurse                  # optional; default: the file name
 *   templates:                          # each with exactly one {name} (or {Name}: first letter upper-cased)
 *     - The doctor asked the nurse a question . {name}
 *     - { id: nd, text: "The nurse asked the doctor a question . {name}" }
 *   targets: [doctor, nurse]            # words whose attention is measured; each exactly once per template
 *   groups:                             # two or more groups of fillers (names or pronouns)
 *     group_a: [Anna, Maria]
 *     group_b: [James, Peter]
 *     group_c: { file: names/c.txt }    # or a file, one filler per line, relative to the probe file
 *   labels: [person]                    # optional: label scores compared (default: every label)
 *   from: [mention, entity]             # optional: attention from the mention's tokens and/or the [MASK] entity
 *   layer: last                         # optional: the layer compared between groups (0-based, or "last")
 *   contrasts: [[doctor, nurse]]        # optional: also attention to one target minus another, per example
 *   compare: [[group_a, group_b]]       # optional: pairs of groups (default: every pair, in file order)
 *   by_template: false                  # optional: also compare within each template
 *
 * The filler is the mention: the entity-typing span the model classifies (the original's <Name>).
 */
import { basename, dirname, extname, isAbsolute, resolve } from "node:path";
import { parseJsonText, readText } from "../../io/read";
import { parseYamlWithPositions } from "../../io/yaml-source";

/** Where attention is measured from: the mention's word tokens (averaged) or the [MASK] entity. */
export type AttentionFrom = "mention" | "entity";
export const ATTENTION_FROM: readonly AttentionFrom[] = ["mention", "entity"];

/** A probe as a notebook writes it (or a probe file holds it). */
export interface BiasProbeDefinition {
  name?: string;
  description?: string;
  templates: readonly (string | { id?: string; text: string })[];
  targets: readonly string[];
  groups: Readonly<Record<string, readonly string[]>>;
  labels?: readonly string[];
  from?: AttentionFrom | readonly AttentionFrom[];
  layer?: number | "last";
  contrasts?: readonly (readonly [string, string])[];
  compare?: readonly (readonly [string, string])[];
  by_template?: boolean;
}

export interface ProbeTemplate {
  id: string;
  /** The template as written, slot included. */
  text: string;
}

/** A probe checked and normalised. */
export interface BiasProbe {
  name: string;
  description?: string;
  templates: ProbeTemplate[];
  targets: string[];
  /** Groups in definition order. */
  groups: { name: string; fillers: string[] }[];
  /** Label scores to compare; undefined = every label of the model. */
  labels?: string[];
  from: AttentionFrom[];
  /** 0-based layer, or "last". */
  layer: number | "last";
  /** Pairs of targets [a, b]: attention to a minus attention to b is compared too. */
  contrasts: [string, string][];
  compare: [string, string][];
  byTemplate: boolean;
  /** Locates a key path of the definition (file:line:col), for errors found when the model is known. */
  locate(path: readonly (string | number)[]): string;
}

/** One filled template. Offsets are code points of `text`, [start, end). */
export interface FilledTemplate {
  template: string;
  group: string;
  filler: string;
  text: string;
  mention: [number, number];
}

/** A probe definition that cannot be used; the message names the file, place and key. */
export class BiasProbeError extends Error {}

/** Where a definition came from. */
export interface ProbeSource {
  where: string;
  /** Relative name-list files are read from this folder. */
  baseDir: string;
  locate(path: readonly (string | number)[], at?: "key" | "value"): string;
}

const TOP_KEYS = ["name", "description", "templates", "targets", "groups", "labels", "from", "layer", "contrasts", "compare", "by_template"];
const SLOT = /\{([^{}]*)\}/g;
const NAME_RE = /^[A-Za-z0-9._-]+$/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** Code-point length. */
const cpLength = (s: string) => Array.from(s).length;

const isLetterOrDigit = (c: string) => /[\p{L}\p{N}\p{M}_]/u.test(c);

/**
 * Whole-word, case-sensitive occurrences of `word` in `text` (UTF-16 indices): neither neighbour is a
 * letter, digit, mark or "_" (or whatever `isWordChar` says, e.g. for a string of UTF-8 bytes).
 */
export function wordOccurrences(text: string, word: string, isWordChar: (c: string) => boolean = isLetterOrDigit): number[] {
  const out: number[] = [];
  const inWord = (c: string | undefined) => c !== undefined && isWordChar(c);
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (!inWord(text[at - 1]) && !inWord(text[at + word.length])) out.push(at);
  }
  return out;
}

/** Fills a template's slot: {name} as given, {Name} with the first letter upper-cased. */
export function fillTemplate(template: string, filler: string): { text: string; mention: [number, number] } {
  const match = /\{(name|Name)\}/.exec(template);
  if (!match) throw new Error(`template ${show(template)} has no {name} slot`);
  const value = match[1] === "Name" ? filler.charAt(0).toUpperCase() + filler.slice(1) : filler;
  const before = template.slice(0, match.index);
  const text = before + value + template.slice(match.index + match[0].length);
  const start = cpLength(before);
  return { text, mention: [start, start + cpLength(value)] };
}

/** Checks a definition (from a file or an object). */
export function checkProbe(def: unknown, source: ProbeSource): BiasProbe {
  const fail = (path: (string | number)[], message: string, at: "key" | "value" = "value"): never => {
    const key = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("");
    throw new BiasProbeError(`${source.locate(path, at)}: ${key ? `${key}: ` : ""}${message}`);
  };
  if (!isObject(def)) fail([], `a bias probe is a mapping with templates, targets and groups, got ${show(def)}`);
  const d = def as Record<string, unknown>;
  for (const key of Object.keys(d)) if (!TOP_KEYS.includes(key)) fail([key], `unknown key; a bias probe has ${TOP_KEYS.join(", ")}`, "key");

  const defaultName = /\.(ya?ml|json)$/i.test(source.where) ? basename(source.where, extname(source.where)) : "bias-probe";
  const name = d.name ?? defaultName;
  if (typeof name !== "string" || !NAME_RE.test(name)) fail(["name"], `must be letters, digits, ".", "_" or "-" (it names the output files), got ${show(d.name)}`);
  if (d.description !== undefined && typeof d.description !== "string") fail(["description"], `must be a string, got ${show(d.description)}`);

  // Templates.
  if (!Array.isArray(d.templates) || d.templates.length === 0) {
    fail(["templates"], `needs a list of templates, each with one {name} slot, e.g. ["The doctor asked the nurse a question . {name}"]`);
  }
  const templates: ProbeTemplate[] = [];
  (d.templates as unknown[]).forEach((raw, i) => {
    let id = `t${i + 1}`;
    let text: unknown = raw;
    let textPath: (string | number)[] = ["templates", i];
    if (isObject(raw)) {
      for (const k of Object.keys(raw)) if (k !== "id" && k !== "text") fail(["templates", i, k], "unknown key; a template has id and text", "key");
      if (raw.id !== undefined) {
        if (typeof raw.id !== "string" || !NAME_RE.test(raw.id)) fail(["templates", i, "id"], `must be letters, digits, ".", "_" or "-", got ${show(raw.id)}`);
        id = raw.id as string;
      }
      text = raw.text;
      textPath = ["templates", i, "text"];
    }
    if (typeof text !== "string" || text.trim() === "") fail(textPath, `a template is a non-empty string (or { id, text }), got ${show(text)}`);
    const t = text as string;
    const slots = [...t.matchAll(SLOT)].map((m) => m[1]);
    const unknown = slots.find((s) => s !== "name" && s !== "Name");
    if (unknown !== undefined) fail(textPath, `has an unknown slot {${unknown}}; the slot is {name} (or {Name} to upper-case the filler's first letter)`);
    if (slots.length === 0) fail(textPath, `has no {name} slot: write {name} where the name or pronoun goes, e.g. "The doctor asked the nurse a question . {name}"`);
    if (slots.length > 1) fail(textPath, `has ${slots.length} slots; a template has exactly one {name}`);
    if (/[{}]/.test(t.replace(SLOT, ""))) fail(textPath, `has an unmatched "{" or "}"`);
    if (templates.some((x) => x.id === id)) fail(isObject(raw) ? ["templates", i, "id"] : textPath, `repeats the template id "${id}"`);
    templates.push({ id, text: t });
  });

  // Targets: each a word found exactly once in every template, outside the slot.
  if (!Array.isArray(d.targets) || d.targets.length === 0) fail(["targets"], `needs a list of target words whose attention is measured, e.g. [doctor, nurse]`);
  const targets: string[] = [];
  (d.targets as unknown[]).forEach((w, i) => {
    if (typeof w !== "string" || !/^\S+$/.test(w)) fail(["targets", i], `a target is one word (no spaces), got ${show(w)}`);
    if (targets.includes(w as string)) fail(["targets", i], `repeats the target "${w}"`);
    templates.forEach((t, k) => {
      const found = wordOccurrences(t.text.replace(SLOT, "\u0000"), w as string).length;
      if (found !== 1) {
        fail(["targets", i], `"${w}" ${found === 0 ? "is not in" : `occurs ${found} times in`} template ${t.id} (templates[${k}]: ${show(t.text)}); each target must occur exactly once in every template, as a whole word (case-sensitive)`);
      }
    });
    targets.push(w as string);
  });

  // Groups.
  if (!isObject(d.groups) || Object.keys(d.groups).length < 2) fail(["groups"], `needs at least two groups of fillers, e.g. groups: { group_a: [Anna, Maria], group_b: [James, Peter] }`);
  const groups: BiasProbe["groups"] = [];
  const byTemplate = d.by_template ?? false;
  if (typeof byTemplate !== "boolean") fail(["by_template"], `must be true or false, got ${show(d.by_template)}`);
  const owner = new Map<string, string>();
  for (const [g, list] of Object.entries(d.groups as Record<string, unknown>)) {
    if (!NAME_RE.test(g)) fail(["groups", g], `a group name is letters, digits, ".", "_" or "-"`, "key");
    // A list of fillers, or { file: PATH }: one filler per line ("#" comments and blank lines skipped).
    let entries: { value: unknown; fail: (message: string) => never }[];
    if (isObject(list) && Object.keys(list).length === 1 && typeof list.file === "string") {
      const file = isAbsolute(list.file) ? list.file : resolve(source.baseDir, list.file);
      const text = readText(file, (message) => new BiasProbeError(`${source.locate(["groups", g, "file"])}: groups.${g}.file: ${message}`));
      entries = [];
      text.split(/\r?\n/).forEach((line, n) => {
        const value = line.replace(/#.*$/, "").trim();
        if (value !== "") entries.push({ value, fail: (message) => { throw new BiasProbeError(`${file}:${n + 1}: group ${g}: ${message}`); } });
      });
    } else if (Array.isArray(list)) {
      entries = list.map((value, i) => ({ value, fail: (message: string) => fail(["groups", g, i], message) }));
    } else {
      return fail(["groups", g], `must be a list of fillers (names or pronouns) or { file: names.txt }, got ${show(list)}`);
    }
    const fillers: string[] = [];
    entries.forEach(({ value: f, fail: bad }) => {
      if (typeof f !== "string" || f.trim() !== f || f === "" || /[{}]/.test(f)) bad(`a filler is a non-empty string without surrounding spaces or braces, got ${show(f)}`);
      if (fillers.includes(f as string)) bad(`repeats "${f}" in group ${g}`);
      const other = owner.get(f as string);
      if (other !== undefined) bad(`"${f}" is also in group ${other}; a filler belongs to one group`);
      owner.set(f as string, g);
      fillers.push(f as string);
    });
    const examples = fillers.length * templates.length;
    if (examples < 2) {
      fail(["groups", g], `has ${fillers.length} filler${fillers.length === 1 ? "" : "s"} × ${templates.length} template${templates.length === 1 ? "" : "s"} = ${examples} example${examples === 1 ? "" : "s"}; a group needs at least two examples for a t-test`);
    }
    if (byTemplate && fillers.length < 2) fail(["groups", g], `has ${fillers.length} filler${fillers.length === 1 ? "" : "s"}; with by_template each group needs at least two fillers (two examples per template)`);
    groups.push({ name: g, fillers });
  }

  // Labels: names only here; checked against the model when it runs.
  let labels: string[] | undefined;
  if (d.labels !== undefined) {
    if (!Array.isArray(d.labels) || d.labels.length === 0) fail(["labels"], `must be a list of the model's label names, e.g. [person], got ${show(d.labels)}`);
    labels = [];
    (d.labels as unknown[]).forEach((l, i) => {
      if (typeof l !== "string" || l === "") fail(["labels", i], `must be a label name, got ${show(l)}`);
      if (labels!.includes(l as string)) fail(["labels", i], `repeats the label "${l}"`);
      labels!.push(l as string);
    });
  }

  const fromRaw = d.from ?? ATTENTION_FROM;
  const fromList = Array.isArray(fromRaw) ? fromRaw : [fromRaw];
  if (fromList.length === 0) fail(["from"], `must name mention, entity or both`);
  const from: AttentionFrom[] = [];
  fromList.forEach((f, i) => {
    if (!ATTENTION_FROM.includes(f as AttentionFrom)) fail(Array.isArray(fromRaw) ? ["from", i] : ["from"], `must be "mention" (the mention's word tokens, averaged) or "entity" (the [MASK] entity), got ${show(f)}`);
    if (!from.includes(f as AttentionFrom)) from.push(f as AttentionFrom);
  });

  const layer = d.layer ?? "last";
  if (layer !== "last" && !(Number.isInteger(layer) && (layer as number) >= 0)) fail(["layer"], `must be a 0-based layer number or "last", got ${show(d.layer)}`);

  const contrasts: [string, string][] = [];
  if (d.contrasts !== undefined) {
    if (!Array.isArray(d.contrasts)) fail(["contrasts"], `must be a list of pairs of targets, e.g. [[doctor, nurse]], got ${show(d.contrasts)}`);
    (d.contrasts as unknown[]).forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(["contrasts", i], `must be a pair of targets [a, b] (attention to a minus attention to b), got ${show(pair)}`);
      const p = pair as unknown[];
      p.forEach((t, k) => {
        if (typeof t !== "string" || !targets.includes(t)) fail(["contrasts", i, k], `${show(t)} is not a target; the targets are ${targets.join(", ")}`);
      });
      if (p[0] === p[1]) fail(["contrasts", i], `contrasts target ${String(p[0])} with itself`);
      if (contrasts.some(([a, b]) => a === p[0] && b === p[1])) fail(["contrasts", i], `repeats the contrast ${String(p[0])} − ${String(p[1])}`);
      contrasts.push([p[0] as string, p[1] as string]);
    });
  }

  const groupNames = groups.map((g) => g.name);
  let compare: [string, string][] = [];
  if (d.compare === undefined) {
    for (let i = 0; i < groupNames.length; i++) for (let j = i + 1; j < groupNames.length; j++) compare.push([groupNames[i], groupNames[j]]);
  } else {
    if (!Array.isArray(d.compare) || d.compare.length === 0) fail(["compare"], `must be a list of pairs of group names, e.g. [[group_a, group_b]], got ${show(d.compare)}`);
    compare = (d.compare as unknown[]).map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(["compare", i], `must be a pair of group names, got ${show(pair)}`);
      const p = pair as unknown[];
      p.forEach((g, k) => {
        if (typeof g !== "string" || !groupNames.includes(g)) fail(["compare", i, k], `${show(g)} is not a group; the groups are ${groupNames.join(", ")}`);
      });
      if (p[0] === p[1]) fail(["compare", i], `compares group ${String(p[0])} with itself`);
      return [p[0] as string, p[1] as string];
    });
  }

  return {
    name: name as string,
    description: d.description as string | undefined,
    templates,
    targets,
    groups,
    labels,
    from,
    layer: layer as number | "last",
    contrasts,
    compare,
    byTemplate: byTemplate as boolean,
    locate: (path) => source.locate(path),
  };
}

/** Every filled template: templates in order, then groups, then fillers. */
export function fillProbe(probe: BiasProbe): FilledTemplate[] {
  const out: FilledTemplate[] = [];
  for (const t of probe.templates) {
    for (const g of probe.groups) {
      for (const filler of g.fillers) out.push({ template: t.id, group: g.name, filler, ...fillTemplate(t.text, filler) });
    }
  }
  return out;
}

/** A source for a definition given as an object (a notebook). */
export function objectProbeSource(where = "bias probe", baseDir = process.cwd()): ProbeSource {
  return { where, baseDir, locate: () => where };
}

/** A probe as a notebook object, checked. */
export function biasProbe(def: BiasProbeDefinition, where = "bias probe"): BiasProbe {
  return checkProbe(def, objectProbeSource(where));
}

/** Reads and checks a probe file: .yaml/.yml as YAML, .json as JSON (parsed as YAML to keep positions). */
export function readProbeFile(path: string): BiasProbe {
  const text = readText(path, (message) => new BiasProbeError(message));
  const ext = extname(path).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(ext)) throw new BiasProbeError(`${path}: a bias probe file is .yaml, .yml or .json`);
  if (ext === ".json") {
    try {
      parseJsonText(text, path);
    } catch (err) {
      throw new BiasProbeError((err as Error).message);
    }
  }
  const doc = parseYamlWithPositions(text, path, (message) => new BiasProbeError(message));
  return checkProbe(doc.value, { where: path, baseDir: dirname(resolve(path)), locate: doc.locate });
}
