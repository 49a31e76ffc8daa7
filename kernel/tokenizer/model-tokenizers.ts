/**
 * The tokenizers of the models shown beside LUKE, read from their Hugging Face folders:
 *
 *   bert     WordPiece (vocab.txt), [CLS] text [SEP], token types 0 then 1 for a second text
 *   roberta  LUKE's byte-level BPE (vocab.json, merges.txt), <s> text </s>
 *   gpt2     the same byte-level BPE, no special tokens around the text
 *
 * Special tokens come from tokenizer_config.json (`added_tokens_decoder`, `cls_token`, ...), else
 * special_tokens_map.json, else the model's defaults, as transformers' slow tokenizers resolve them.
 */
import { join } from "node:path";
import type { AddedToken } from "./added-tokens";
import { tokenSpec } from "./config";
import { checkFolder, readJsonObject, readRequired, readWordFiles } from "./files";
import { TextTokenizer } from "./text-tokenizer";
import { WordPieceTokenizer, parseVocabTxt } from "./wordpiece";

export type WordModelKind = "bert" | "roberta" | "gpt2";
export const WORD_MODEL_KINDS: readonly WordModelKind[] = ["bert", "roberta", "gpt2"];

/** One text (or a pair) as the model takes it. */
export interface WordEncoding {
  tokens: string[];
  inputIds: number[];
  /** 0 for the first text, 1 for the second (BERT); all 0 for the others. */
  tokenTypeIds: number[];
  /** Index of the first token of the second text, when there is one. */
  secondStart?: number;
}

type SpecialName = "bos_token" | "eos_token" | "unk_token" | "sep_token" | "pad_token" | "cls_token" | "mask_token";

const DEFAULT_SPECIALS: Record<WordModelKind, Partial<Record<SpecialName, string>>> = {
  bert: { unk_token: "[UNK]", sep_token: "[SEP]", pad_token: "[PAD]", cls_token: "[CLS]", mask_token: "[MASK]" },
  roberta: { bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>", sep_token: "</s>", pad_token: "<pad>", cls_token: "<s>", mask_token: "<mask>" },
  gpt2: { bos_token: "<|endoftext|>", eos_token: "<|endoftext|>", unk_token: "<|endoftext|>" },
};

interface Pieces {
  tokenize(text: string): string[];
  tokenToId(token: string): number;
  idToToken(id: number): string;
}

export class WordModelTokenizer {
  /** The pad id batches are padded with (GPT-2 without a pad token: its end-of-text token). */
  readonly padTokenId: number;
  private readonly addBos: boolean;

  private constructor(
    readonly kind: WordModelKind,
    private readonly pieces: Pieces,
    private readonly specials: Partial<Record<SpecialName, string>>,
    config: Record<string, unknown>,
  ) {
    this.padTokenId = this.pieces.tokenToId(specials.pad_token ?? specials.eos_token ?? specials.unk_token!);
    this.addBos = kind === "gpt2" && config.add_bos_token === true;
  }

  /** Special tokens before the first piece of a text: [CLS] or <s>; GPT-2's <|endoftext|> only with add_bos_token. */
  get leadingSpecialTokens(): number {
    return this.kind === "gpt2" ? (this.addBos ? 1 : 0) : 1;
  }

  /** The pieces of a text, without the special tokens around it (Python's tokenizer.tokenize). */
  tokenize(text: string): string[] {
    return this.pieces.tokenize(text);
  }

  /** tokenizer(text) or tokenizer(text, pair): ids with the model's special tokens, and token types. */
  encode(text: string, pair?: string): WordEncoding {
    const a = this.tokenize(text).map((t) => this.pieces.tokenToId(t));
    const b = pair === undefined ? undefined : this.tokenize(pair).map((t) => this.pieces.tokenToId(t));
    const id = (name: SpecialName) => this.pieces.tokenToId(this.specials[name]!);
    let first: number[];
    let second: number[] = [];
    if (this.kind === "gpt2") {
      first = this.addBos ? [id("bos_token"), ...a] : a;
      if (b) second = this.addBos ? [id("bos_token"), ...b] : b;
    } else {
      first = [id("cls_token"), ...a, id("sep_token")];
      if (b) second = this.kind === "bert" ? [...b, id("sep_token")] : [id("sep_token"), ...b, id("sep_token")];
    }
    const inputIds = [...first, ...second];
    const secondType = this.kind === "bert" ? 1 : 0;
    const encoding: WordEncoding = {
      tokens: inputIds.map((i) => this.pieces.idToToken(i)),
      inputIds,
      tokenTypeIds: [...first.map(() => 0), ...second.map(() => secondType)],
    };
    if (b) encoding.secondStart = first.length + (this.kind === "roberta" ? 1 : 0);
    return encoding;
  }

  idToToken(id: number): string {
    return this.pieces.idToToken(id);
  }

  /** Reads the tokenizer files of a BERT, RoBERTa or GPT-2 folder; a missing or malformed file is named. */
  static fromFolder(dir: string, kind: WordModelKind): WordModelTokenizer {
    checkFolder(dir);
    const config = readJsonObject(dir, "tokenizer_config.json", false) ?? {};
    const map = readJsonObject(dir, "special_tokens_map.json", false) ?? {};
    const specials: Partial<Record<SpecialName, string>> = { ...DEFAULT_SPECIALS[kind] };
    for (const name of Object.keys({ ...DEFAULT_SPECIALS.roberta }) as SpecialName[]) {
      const value = config[name] ?? map[name];
      if (value !== undefined && value !== null) {
        const file = config[name] !== undefined ? "tokenizer_config.json" : "special_tokens_map.json";
        specials[name] = tokenSpec(value, `${join(dir, file)}: field "${name}"`).content;
      }
    }
    if (kind === "bert") {
      const vocab = parseVocabTxt(readRequired(dir, "vocab.txt"));
      const flag = (key: string, fallback: boolean | null): boolean | null => {
        const v = config[key];
        if (v === undefined) return fallback;
        if (v !== null && typeof v !== "boolean") {
          throw new Error(`${join(dir, "tokenizer_config.json")}: field "${key}" must be true, false or null, found ${JSON.stringify(v)}`);
        }
        return v;
      };
      const pieces = new WordPieceTokenizer({
        vocab,
        addedTokens: addedTokens(dir, config, specials, vocab, "vocab.txt"),
        unkToken: specials.unk_token!,
        doLowerCase: flag("do_lower_case", true) ?? true,
        stripAccents: flag("strip_accents", null),
        tokenizeChineseChars: flag("tokenize_chinese_chars", true) ?? true,
        doBasicTokenize: flag("do_basic_tokenize", true) ?? true,
      });
      return new WordModelTokenizer(kind, pieces, specials, config);
    }
    const files = readWordFiles(dir);
    const vocab = files.vocab as ReadonlyMap<string, number>;
    const added = addedTokens(dir, config, specials, vocab, "vocab.json", kind === "roberta" ? "<mask>" : undefined);
    const text = new TextTokenizer({
      vocab,
      merges: files.merges,
      addedTokens: added,
      unkToken: specials.unk_token!,
      specialTokens: added.filter((t) => t.special).map((t) => t.content),
      additionalSpecialTokens: [],
      addPrefixSpace: config.add_prefix_space === true,
      splitSpecialTokens: config.split_special_tokens === true,
      cleanUpTokenizationSpaces: config.clean_up_tokenization_spaces === true,
    });
    return new WordModelTokenizer(kind, text, specials, config);
  }
}

/**
 * The added tokens: tokenizer_config.json's added_tokens_decoder (what transformers ≥ 4.34 saves,
 * with every stripping flag), then each special token not listed there, with its vocabulary id.
 */
function addedTokens(
  dir: string,
  config: Record<string, unknown>,
  specials: Partial<Record<SpecialName, string>>,
  vocab: ReadonlyMap<string, number>,
  vocabFile: string,
  lstripToken?: string,
): AddedToken[] {
  const where = join(dir, "tokenizer_config.json");
  const byContent = new Map<string, AddedToken>();
  const decoder = config.added_tokens_decoder;
  if (decoder !== undefined && decoder !== null) {
    if (typeof decoder !== "object" || Array.isArray(decoder)) throw new Error(`${where}: field "added_tokens_decoder" must be an object of id → token`);
    for (const [id, value] of Object.entries(decoder as Record<string, unknown>)) {
      if (!/^\d+$/.test(id)) throw new Error(`${where}: field "added_tokens_decoder" has key ${JSON.stringify(id)}, expected an id`);
      const spec = tokenSpec(value, `${where}: field "added_tokens_decoder"["${id}"]`);
      byContent.set(spec.content, { ...spec, id: Number(id) });
    }
  }
  for (const [name, content] of Object.entries(specials)) {
    if (byContent.has(content)) continue;
    const id = vocab.get(content);
    if (id === undefined) throw new Error(`${join(dir, vocabFile)}: the ${name} ${JSON.stringify(content)} is not in the vocabulary`);
    const lstrip = content === lstripToken;
    byContent.set(content, { content, id, lstrip, rstrip: false, singleWord: false, normalized: false, special: true });
  }
  return [...byContent.values()].sort((a, b) => a.id - b.id);
}

