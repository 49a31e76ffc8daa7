/**
 * Turns the raw tokenizer files into settings, following what transformers' from_pretrained and
 * LukeTokenizer.__init__ do with them (which file wins, which token strips which whitespace).
 */
import type { AddedToken } from "./added-tokens";
import { LUKE_TASKS, type LukeTask } from "./types";

/** The tokenizer files, parsed. Only vocab, merges and entityVocab are required. */
export interface LukeTokenizerParts {
  /** vocab.json: byte-level BPE token → id. */
  vocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** merges.txt without its header, one [left, right] pair per line, in rank order. */
  merges: ReadonlyArray<readonly [string, string]>;
  /** entity_vocab.json: entity title → id; must contain [UNK], [PAD], [MASK], [MASK2]. */
  entityVocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** tokenizer_config.json (task, add_prefix_space, max_entity_length, ...). */
  config?: Readonly<Record<string, unknown>>;
  /** special_tokens_map.json. */
  specialTokensMap?: Readonly<Record<string, unknown>>;
  /** added_tokens.json: token → id, for tokens outside vocab.json (<ent>, <ent2>). */
  addedTokens?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
}

export interface ResolvedConfig {
  task: LukeTask;
  addPrefixSpace: boolean;
  /** max_entity_length as configured (the task may force 1 or 2). */
  configMaxEntityLength: number;
  maxMentionLength: number;
  /** null when the config sets none (transformers' VERY_LARGE_INTEGER). */
  modelMaxLength: number | null;
  cleanUpTokenizationSpaces: boolean;
  splitSpecialTokens: boolean;
  /** Special token contents by attribute name (bos_token, ..., mask_token). */
  specialTokens: Record<SpecialTokenName, string>;
  additionalSpecialTokens: string[];
  /** The <ent> and <ent2> contents actually inserted: additional_special_tokens[0] and [1]. */
  markerTokens: [string, string];
  /** Contents of entity_token_1 and entity_token_2 (normally the same as markerTokens). */
  entityTokenContents: [string, string];
  entityTokens: Record<EntitySpecialName, string>;
  /** Every added token with its id and stripping flags, by id. */
  addedTokens: AddedToken[];
}

export const SPECIAL_TOKEN_NAMES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKEN_NAMES)[number];
export const ENTITY_SPECIAL_NAMES = ["entity_unk_token", "entity_pad_token", "entity_mask_token", "entity_mask2_token"] as const;
export type EntitySpecialName = (typeof ENTITY_SPECIAL_NAMES)[number];

/** RoBERTa's special tokens: what a config that names none gets. */
export const SPECIAL_DEFAULTS: Readonly<Record<SpecialTokenName, string>> = {
  bos_token: "<s>",
  eos_token: "</s>",
  unk_token: "<unk>",
  sep_token: "</s>",
  pad_token: "<pad>",
  cls_token: "<s>",
  mask_token: "<mask>",
};
const ENTITY_DEFAULTS: Record<EntitySpecialName, string> = {
  entity_unk_token: "[UNK]",
  entity_pad_token: "[PAD]",
  entity_mask_token: "[MASK]",
  entity_mask2_token: "[MASK2]",
};

/** transformers treats a model_max_length above this as "none". */
const LARGE_INTEGER = 1e20;

export type TokenSpec = Omit<AddedToken, "id">;

/** A token value as the files write it: a string, or an AddedToken dict (with or without "__type"). */
export function tokenSpec(value: unknown, where: string, defaults: Partial<TokenSpec> = {}): TokenSpec {
  const base: TokenSpec = { content: "", lstrip: false, rstrip: false, singleWord: false, normalized: true, special: false, ...defaults };
  if (typeof value === "string") return { ...base, content: value };
  if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") {
    const v = value as Record<string, unknown>;
    const flag = (k: string, d: boolean) => (typeof v[k] === "boolean" ? (v[k] as boolean) : d);
    // A dict replaces the defaults wholesale, as AddedToken(**dict) does.
    return {
      content: v.content as string,
      lstrip: flag("lstrip", false),
      rstrip: flag("rstrip", false),
      singleWord: flag("single_word", false),
      normalized: flag("normalized", true),
      special: flag("special", defaults.special ?? false),
    };
  }
  throw new Error(`${where}: expected a token string or {"content": ...}, found ${JSON.stringify(value)}`);
}

/** A token → id table as a Map; every id must be a non-negative integer (`what` names the table in errors). */
export function asMap(m: ReadonlyMap<string, number> | Readonly<Record<string, number>>, what: string): Map<string, number> {
  if (!m || typeof m !== "object") throw new Error(`${what}: expected a token → id table, found ${JSON.stringify(m)}`);
  const out = m instanceof Map ? new Map(m) : new Map(Object.entries(m));
  for (const [key, id] of out) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw new Error(`${what}: the id of ${JSON.stringify(key)} must be a non-negative integer, found ${JSON.stringify(id)}`);
    }
  }
  return out;
}

function intSetting(config: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const v = config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new Error(`tokenizer_config.json: ${key} must be a positive integer, found ${JSON.stringify(v)}`);
  }
  return v;
}

/** A special token value as transformers holds it: a plain string, or an AddedToken with flags. */
type SpecialValue = { kind: "str"; content: string } | { kind: "added"; spec: TokenSpec };

function specialValue(value: unknown, where: string, defaults: Partial<TokenSpec> = {}): SpecialValue {
  return typeof value === "string" ? { kind: "str", content: value } : { kind: "added", spec: tokenSpec(value, where, defaults) };
}

const contentOf = (v: SpecialValue) => (v.kind === "str" ? v.content : v.spec.content);

/** Python's `token not in list` for a list of str and AddedToken (a str never equals an AddedToken). */
function sameValue(a: SpecialValue, b: SpecialValue): boolean {
  if (a.kind === "str" || b.kind === "str") return a.kind === "str" && b.kind === "str" && a.content === b.content;
  const x = a.spec;
  const y = b.spec;
  return x.content === y.content && x.lstrip === y.lstrip && x.rstrip === y.rstrip && x.singleWord === y.singleWord;
}

/**
 * from_pretrained + LukeTokenizer.__init__ + PreTrainedTokenizer.__init__, for the added tokens:
 * 1. tokens of added_tokens_decoder (or else added_tokens.json, without stripping) are registered;
 * 2. every special token value that is an AddedToken is then registered again, overriding those
 *    flags. LukeTokenizer wraps <s>, ..., <mask> and the entity markers in AddedTokens, so they
 *    always do: <s>..<mask> with the flags of the same token in added_tokens_decoder when there is
 *    one (else their own; a plain "<mask>" strips on its left), <ent>/<ent2> with the flags of
 *    entity_token_1/2. Plain strings in additional_special_tokens keep what step 1 gave them.
 */
export function resolveConfig(parts: LukeTokenizerParts, vocab: ReadonlyMap<string, number>): ResolvedConfig {
  const config = parts.config ?? {};
  const init: Record<string, unknown> = { ...config };

  const registered = new Map<string, AddedToken>();
  const decoderEntries = config.added_tokens_decoder;
  const fromDecoder = new Map<string, TokenSpec>();
  let additional: SpecialValue[] = (Array.isArray(init.additional_special_tokens) ? (init.additional_special_tokens as unknown[]) : []).map((t) =>
    specialValue(t, "tokenizer_config.json: additional_special_tokens"),
  );
  if (decoderEntries && typeof decoderEntries === "object") {
    for (const [id, spec] of Object.entries(decoderEntries as Record<string, unknown>)) {
      const t = tokenSpec(spec, `tokenizer_config.json: added_tokens_decoder["${id}"]`);
      if (!/^\d+$/.test(id)) throw new Error(`tokenizer_config.json: added_tokens_decoder key ${JSON.stringify(id)} is not an id`);
      registered.set(t.content, { ...t, id: Number(id) });
      fromDecoder.set(t.content, t);
    }
  } else {
    // Without added_tokens_decoder, special_tokens_map.json overrides the config's special tokens.
    for (const [key, value] of Object.entries(parts.specialTokensMap ?? {})) {
      const where = `special_tokens_map.json: ${key}`;
      if (key === "additional_special_tokens" && Array.isArray(value)) {
        for (const t of value) {
          const v = specialValue(t, where, { special: true });
          if (!additional.some((a) => sameValue(a, v))) additional.push(v);
        }
      } else if (value && typeof value === "object") {
        init[key] = { ...(value as object), special: true };
      } else {
        init[key] = value;
      }
    }
    if (parts.addedTokens) {
      const names = new Set<string>(additional.map(contentOf));
      for (const k of SPECIAL_TOKEN_NAMES) if (init[k] !== undefined && init[k] !== null) names.add(tokenSpec(init[k], `special token ${k}`).content);
      for (const [content, id] of asMap(parts.addedTokens, "added_tokens.json")) {
        const special = names.has(content);
        registered.set(content, { content, id, lstrip: false, rstrip: false, singleWord: false, normalized: !special, special });
      }
    }
  }

  const specialSpecs = {} as Record<SpecialTokenName, TokenSpec>;
  for (const name of SPECIAL_TOKEN_NAMES) {
    const value = init[name] ?? SPECIAL_DEFAULTS[name];
    const own = tokenSpec(value, `tokenizer_config.json: ${name}`, { lstrip: name === "mask_token", special: true });
    specialSpecs[name] = fromDecoder.get(own.content) ?? own;
  }
  const entityValue = (key: "entity_token_1" | "entity_token_2", fallback: string): SpecialValue => ({
    kind: "added",
    spec: tokenSpec(init[key] ?? fallback, `tokenizer_config.json: ${key}`, { special: true }),
  });
  const entityValues = [entityValue("entity_token_1", "<ent>"), entityValue("entity_token_2", "<ent2>")];
  additional = [...additional, ...entityValues];

  // all_special_tokens_extended: <s>..<mask> deduplicated by content, then the additional list
  // without those contents (but not deduplicated within itself).
  const seen = new Set<string>();
  const extended: SpecialValue[] = [];
  for (const name of SPECIAL_TOKEN_NAMES) {
    const spec = specialSpecs[name];
    if (seen.has(spec.content)) continue;
    seen.add(spec.content);
    extended.push({ kind: "added", spec });
  }
  for (const v of additional) if (!seen.has(contentOf(v))) extended.push(v);

  // _add_tokens: new tokens take the next id after the vocabulary and the tokens added so far.
  const nextId = () => {
    let n = vocab.size;
    for (const t of registered.values()) if (!vocab.has(t.content)) n++;
    return n;
  };
  for (const v of extended) {
    const content = contentOf(v);
    if (content === "") continue;
    const id = registered.get(content)?.id ?? vocab.get(content) ?? nextId();
    if (v.kind === "str") {
      if (!registered.has(content)) registered.set(content, { content, id, lstrip: false, rstrip: false, singleWord: false, normalized: false, special: true });
    } else {
      registered.set(content, { ...v.spec, special: true, id });
    }
  }

  const task = (init.task ?? null) as LukeTask;
  if (!LUKE_TASKS.includes(task)) {
    throw new Error(
      `tokenizer_config.json: task ${JSON.stringify(init.task)} is not supported; expected one of ${LUKE_TASKS.map((t) => JSON.stringify(t)).join(", ")}`,
    );
  }
  const entityTokens = {} as Record<EntitySpecialName, string>;
  for (const name of ENTITY_SPECIAL_NAMES) {
    const v = init[name] ?? ENTITY_DEFAULTS[name];
    entityTokens[name] = tokenSpec(v, `tokenizer_config.json: ${name}`).content;
  }
  const mml = init.model_max_length;
  const modelMaxLength = typeof mml === "number" && mml <= LARGE_INTEGER ? mml : null;

  const specialTokens = {} as Record<SpecialTokenName, string>;
  for (const name of SPECIAL_TOKEN_NAMES) specialTokens[name] = specialSpecs[name].content;
  const additionalContents = additional.map(contentOf);
  return {
    task,
    addPrefixSpace: init.add_prefix_space === true,
    configMaxEntityLength: intSetting(init, "max_entity_length", 32),
    maxMentionLength: intSetting(init, "max_mention_length", 30),
    modelMaxLength,
    cleanUpTokenizationSpaces: init.clean_up_tokenization_spaces === true,
    splitSpecialTokens: init.split_special_tokens === true,
    specialTokens,
    additionalSpecialTokens: additionalContents,
    markerTokens: [additionalContents[0], additionalContents[1]],
    entityTokenContents: [contentOf(entityValues[0]), contentOf(entityValues[1])],
    entityTokens,
    addedTokens: [...registered.values()].sort((a, b) => a.id - b.id),
  };
}
