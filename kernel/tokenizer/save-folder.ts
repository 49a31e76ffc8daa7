/**
 * Writes a tokenizer folder the way transformers' save_pretrained does (tokenizer_config.json with
 * added_tokens_decoder, special_tokens_map.json, added_tokens.json, vocab.json, merges.txt,
 * entity_vocab.json), each file atomically, so LukeTokenizer.from_pretrained(dir) loads it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AddedToken } from "./added-tokens";
import type { ResolvedConfig } from "./config";
import { writeFileAtomic as writeAtomic } from "../io/atomic";
import { sortedJsonTable } from "./files";

export interface SavedTokenizer {
  vocab: ReadonlyMap<string, number>;
  merges: ReadonlyArray<readonly [string, string]>;
  entityVocab: ReadonlyMap<string, number>;
  settings: ResolvedConfig;
  /** tokenizer_config.json as loaded; keys we do not manage are kept. */
  rawConfig: Readonly<Record<string, unknown>>;
  addedTokens: readonly AddedToken[];
  vocabSize: number;
}

/** Keys transformers drops on save (they point at files of the source folder). */
const SOURCE_KEYS = ["tokenizer_file", "special_tokens_map_file", "vocab_file", "merges_file", "entity_vocab_file", "name_or_path"];

export function saveTokenizerFolder(dir: string, t: SavedTokenizer): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create the tokenizer folder ${dir}: ${(err as Error).message}`);
  }
  const s = t.settings;
  writeAtomic(join(dir, "vocab.json"), sortedJsonTable(t.vocab) + "\n");
  writeAtomic(join(dir, "merges.txt"), "#version: 0.2\n" + t.merges.map(([a, b]) => `${a} ${b}\n`).join(""));
  writeAtomic(join(dir, "entity_vocab.json"), sortedJsonTable(t.entityVocab) + "\n");

  const additional = [...new Set(s.additionalSpecialTokens)];
  const config: Record<string, unknown> = { ...t.rawConfig };
  for (const k of SOURCE_KEYS) delete config[k];
  Object.assign(config, {
    add_prefix_space: s.addPrefixSpace,
    task: s.task,
    max_entity_length: s.configMaxEntityLength,
    max_mention_length: s.maxMentionLength,
    // As AddedTokens: transformers gives the markers these flags over added_tokens_decoder's.
    entity_token_1: addedTokenDict(t.addedTokens, s.entityTokenContents[0]),
    entity_token_2: addedTokenDict(t.addedTokens, s.entityTokenContents[1]),
    ...s.entityTokens,
    ...s.specialTokens,
    additional_special_tokens: additional,
    clean_up_tokenization_spaces: s.cleanUpTokenizationSpaces,
    errors: "replace",
    tokenizer_class: "LukeTokenizer",
    // The stripping flags live here: with this key, transformers reads no other file for them.
    added_tokens_decoder: Object.fromEntries(
      t.addedTokens.map((a) => [
        String(a.id),
        { content: a.content, lstrip: a.lstrip, normalized: a.normalized, rstrip: a.rstrip, single_word: a.singleWord, special: a.special },
      ]),
    ),
  });
  if (s.modelMaxLength !== null) config.model_max_length = s.modelMaxLength;
  if (s.splitSpecialTokens) config.split_special_tokens = true;
  writeAtomic(join(dir, "tokenizer_config.json"), JSON.stringify(config, null, 2) + "\n");

  const byContent = new Map(t.addedTokens.map((a) => [a.content, a]));
  const entry = (content: string) => {
    const a = byContent.get(content);
    return a && (a.lstrip || a.rstrip || a.singleWord)
      ? { content, lstrip: a.lstrip, normalized: a.normalized, rstrip: a.rstrip, single_word: a.singleWord }
      : content;
  };
  const map: Record<string, unknown> = {};
  for (const [name, content] of Object.entries(s.specialTokens)) map[name] = entry(content);
  map.additional_special_tokens = additional.map(entry);
  writeAtomic(join(dir, "special_tokens_map.json"), JSON.stringify(map, null, 2) + "\n");
  const beyond = t.addedTokens.filter((a) => a.id >= t.vocabSize).map((a) => [a.content, a.id] as [string, number]);
  writeAtomic(join(dir, "added_tokens.json"), sortedJsonTable(beyond) + "\n");
}

function addedTokenDict(tokens: readonly AddedToken[], content: string): Record<string, unknown> {
  const a = tokens.find((x) => x.content === content);
  return {
    __type: "AddedToken",
    content,
    lstrip: a?.lstrip ?? false,
    normalized: a?.normalized ?? true,
    rstrip: a?.rstrip ?? false,
    single_word: a?.singleWord ?? false,
    special: true,
  };
}
