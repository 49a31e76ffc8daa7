/**
 * The original studio-ousia checkpoint (`luke_large_500k.tar.gz`, seed-features.md §2.6): a tar.gz
 * holding pytorch_model.bin, metadata.json and entity_vocab.tsv (or entity_vocab.jsonl), possibly
 * inside one top-level folder. Converted to Hugging Face form exactly as transformers'
 * `convert_luke_original_pytorch_checkpoint_to_pytorch.py` does (luke-reference.md §6):
 *
 * - config = LukeConfig(use_entity_aware_attention=True, **metadata.model_config), vocab_size += 2;
 * - word embeddings get two rows: `<ent>` = the row of "@", `<ent2>` = the row of "#";
 * - every layer's w2e_query, e2w_query, e2e_query (weight and bias) = its query;
 * - the [MASK2] entity row = the [MASK] row. When the vocabulary has no [MASK2], it is appended
 *   (id = largest id + 1, entity_vocab_size += 1), as transformers' mLUKE conversion does; the
 *   LUKE script itself would stop with a KeyError there;
 * - the pretraining heads (lm_head.*, entity_predictions.*) are dropped.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLukeConfig } from "../model/config";
import { checkWeights, ENTITY_AWARE_QUERIES, isHeadKey, normaliseLukeKeys, weightShapes } from "../model/weight-tree";
import { readJsonObject } from "./hf-folder";
import { extractTarMembers } from "./tar";
import type { StateDict, TensorData } from "./tensor-data";
import { loadTorchCheckpoint } from "./torch-file";

/** LukeConfig's defaults (transformers configuration_luke.py), which metadata.model_config overrides. */
export const LUKE_CONFIG_DEFAULTS: Readonly<Record<string, unknown>> = {
  vocab_size: 50267,
  entity_vocab_size: 500000,
  hidden_size: 768,
  entity_emb_size: 256,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: "gelu",
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  use_entity_aware_attention: true,
  classifier_dropout: null,
  pad_token_id: 1,
  bos_token_id: 0,
  eos_token_id: 2,
};

export const ORIGINAL_MODEL_FILE = "pytorch_model.bin";
export const ORIGINAL_METADATA_FILE = "metadata.json";
export const ORIGINAL_ENTITY_VOCAB_FILES: readonly string[] = ["entity_vocab.tsv", "entity_vocab.jsonl"];

export interface OriginalLukeOptions {
  /** Word ids of "@" and "#" in the RoBERTa vocabulary (the tokenizer is supplied separately). */
  wordIdsOf: { at: number; hash: number };
  /**
   * How entity_vocab.jsonl entries are named: "title" (monolingual LUKE, the default) or
   * "language:title" (transformers' mLUKE conversion: `en:Tokyo`, special tokens bare).
   */
  jsonlKeys?: "title" | "language:title";
}

export interface OriginalLuke {
  /** A Hugging Face LukeConfig as a plain object (what config.json would hold). */
  config: Record<string, unknown>;
  /** Converted weights in canonical naming (`luke.`-prefixed LukeModel weights). */
  stateDict: StateDict;
  /** Entity title → id (what entity_vocab.json holds). */
  entityVocab: Record<string, number>;
  /** metadata.json as read. */
  metadata: Record<string, unknown>;
  /** Weights of the original file left out (pretraining heads, position ids). */
  dropped: string[];
  /** What the conversion did beyond the fixed steps, in words (e.g. "[MASK2] appended as id 9"). */
  notes: string[];
}

/** entity_vocab.tsv: `title<TAB>count` per line, the line number is the id (as transformers reads it). */
export function parseEntityVocabTsv(text: string, where: string): Record<string, number> {
  const vocab: Record<string, number> = {};
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((line, index) => {
    const fields = line.trimEnd().split("\t");
    if (fields.length !== 2) {
      throw new Error(`${where}: line ${index + 1} is ${JSON.stringify(line.slice(0, 80))}, expected "title<TAB>count"`);
    }
    vocab[fields[0]] = index;
  });
  return vocab;
}

const SPECIAL_ENTITIES = ["[MASK]", "[PAD]", "[UNK]"];

/** entity_vocab.jsonl: `{"id": 0, "entities": [["[PAD]", "en"]], "count": 0}` per line. */
export function parseEntityVocabJsonl(text: string, where: string, keys: "title" | "language:title" = "title"): Record<string, number> {
  const vocab: Record<string, number> = {};
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    const at = `${where}: line ${index + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (e) {
      throw new Error(`${at} is not JSON (${(e as Error).message})`);
    }
    const { id, entities } = (entry ?? {}) as { id?: unknown; entities?: unknown };
    if (!Number.isSafeInteger(id) || (id as number) < 0) throw new Error(`${at} has id ${JSON.stringify(id)}, expected a non-negative integer`);
    if (!Array.isArray(entities) || !entities.every((e) => Array.isArray(e) && typeof e[0] === "string")) {
      throw new Error(`${at} has entities ${JSON.stringify(entities)?.slice(0, 80)}, expected [[title, language], ...]`);
    }
    for (const [title, language] of entities as [string, unknown][]) {
      if (keys === "language:title") {
        if (SPECIAL_ENTITIES.includes(title)) {
          vocab[title] = id as number;
          break;
        }
        vocab[`${language}:${title}`] = id as number;
      } else {
        if (title in vocab && vocab[title] !== id) {
          throw new Error(`${at}: "${title}" already has id ${vocab[title]}, here id ${id}; use jsonlKeys: "language:title" for multilingual vocabularies`);
        }
        vocab[title] = id as number;
      }
    }
  });
  return vocab;
}

function intField(config: Record<string, unknown>, name: string, where: string): number {
  const v = config[name];
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new Error(`${where}: model_config.${name} is ${JSON.stringify(v)}, expected a non-negative integer`);
  }
  return v as number;
}

function copyTensor(t: TensorData): TensorData {
  return { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() };
}

/**
 * Applies the transformers conversion to an original state dict (keys without `luke.`).
 * Takes ownership of `stateDict`: the entity table may be changed in place.
 */
export function convertOriginalLuke(
  input: { stateDict: StateDict; metadata: Record<string, unknown>; entityVocab: Record<string, number> },
  options: OriginalLukeOptions,
  where = "original LUKE checkpoint",
): OriginalLuke {
  const { metadata } = input;
  const modelConfig = metadata.model_config;
  if (modelConfig === null || typeof modelConfig !== "object" || Array.isArray(modelConfig)) {
    throw new Error(`${where}: metadata.json has model_config ${JSON.stringify(modelConfig)}, expected an object`);
  }
  const config: Record<string, unknown> = {
    ...LUKE_CONFIG_DEFAULTS,
    ...(modelConfig as Record<string, unknown>),
    use_entity_aware_attention: true,
    model_type: "luke",
    architectures: ["LukeModel"],
  };
  const vocabSize = intField(config, "vocab_size", where);
  const hidden = intField(config, "hidden_size", where);
  const layers = intField(config, "num_hidden_layers", where);
  const entityVocab = { ...input.entityVocab };
  const sd: StateDict = new Map(input.stateDict);
  const dropped: string[] = [];
  const notes: string[] = [];
  const need = (key: string, shape: number[]): TensorData => {
    const t = sd.get(key);
    if (!t) throw new Error(`${where}: pytorch_model.bin has no ${key} (expected shape [${shape.join(", ")}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${where}: ${key} has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] from metadata.json model_config`);
    }
    return t;
  };

  // Word embeddings: <ent> = "@", <ent2> = "#".
  const words = need("embeddings.word_embeddings.weight", [vocabSize, hidden]);
  for (const [token, id] of [["@", options.wordIdsOf.at], ["#", options.wordIdsOf.hash]] as const) {
    if (!Number.isSafeInteger(id) || id < 0 || id >= vocabSize) {
      throw new Error(`${where}: the word id of "${token}" is ${id}, expected 0 ≤ id < ${vocabSize} (the word vocabulary size)`);
    }
  }
  const grown = new Float32Array((vocabSize + 2) * hidden);
  grown.set(words.data as Float32Array);
  grown.set(words.data.subarray(options.wordIdsOf.at * hidden, (options.wordIdsOf.at + 1) * hidden), vocabSize * hidden);
  grown.set(words.data.subarray(options.wordIdsOf.hash * hidden, (options.wordIdsOf.hash + 1) * hidden), (vocabSize + 1) * hidden);
  sd.set("embeddings.word_embeddings.weight", { dtype: "float32", shape: [vocabSize + 2, hidden], data: grown });
  config.vocab_size = vocabSize + 2;

  // Entity-aware queries start as copies of the word-to-word query.
  for (let i = 0; i < layers; i++) {
    const prefix = `encoder.layer.${i}.attention.self.`;
    for (const param of ["weight", "bias"]) {
      const q = need(`${prefix}query.${param}`, param === "weight" ? [hidden, hidden] : [hidden]);
      for (const query of ENTITY_AWARE_QUERIES) sd.set(`${prefix}${query}.${param}`, copyTensor(q));
    }
  }

  // [MASK2] starts as [MASK].
  const entityKey = "entity_embeddings.entity_embeddings.weight";
  const entities = sd.get(entityKey);
  if (!entities || entities.shape.length !== 2) throw new Error(`${where}: pytorch_model.bin has no 2-D ${entityKey}`);
  const [rows, width] = entities.shape;
  const maskId = entityVocab["[MASK]"];
  if (maskId === undefined) throw new Error(`${where}: the entity vocabulary has no [MASK] entity`);
  if (maskId >= rows) throw new Error(`${where}: [MASK] has entity id ${maskId}, but ${entityKey} has ${rows} rows`);
  const maskRow = entities.data.slice(maskId * width, (maskId + 1) * width);
  const mask2Id = entityVocab["[MASK2]"];
  if (mask2Id !== undefined) {
    if (mask2Id >= rows) throw new Error(`${where}: [MASK2] has entity id ${mask2Id}, but ${entityKey} has ${rows} rows`);
    entities.data.set(maskRow, mask2Id * width);
  } else {
    const id = Math.max(...Object.values(entityVocab)) + 1;
    if (id !== rows) {
      throw new Error(`${where}: [MASK2] is missing and would be appended as id ${id}, but ${entityKey} has ${rows} rows (expected ${id})`);
    }
    entityVocab["[MASK2]"] = id;
    const table = new Float32Array((rows + 1) * width);
    table.set(entities.data as Float32Array);
    table.set(maskRow, rows * width);
    sd.set(entityKey, { dtype: "float32", shape: [rows + 1, width], data: table });
    config.entity_vocab_size = intField(config, "entity_vocab_size", where) + 1;
    notes.push(`the entity vocabulary had no [MASK2]; it was appended as id ${id} with the [MASK] embedding, and entity_vocab_size became ${config.entity_vocab_size}`);
  }

  // Drop the pretraining heads (and a position-id buffer, which transformers rebuilds).
  for (const key of [...sd.keys()]) {
    if (isHeadKey(key)) {
      sd.delete(key);
      dropped.push(key);
    }
  }
  const normal = normaliseLukeKeys(sd, where);
  dropped.push(...normal.dropped);
  const lukeConfig = parseLukeConfig(config, `${where}: metadata.json model_config`);
  checkWeights(normal.stateDict, weightShapes(lukeConfig, "none"), where, "none");
  return { config, stateDict: normal.stateDict, entityVocab, metadata, dropped, notes };
}

/** Finds each wanted file at the top level of the archive or inside one top-level folder. */
function pick(names: string[], file: string, where: string): string | undefined {
  const hits = names.filter((n) => n === file || (n.endsWith(`/${file}`) && n.split("/").length === 2));
  if (hits.length > 1) throw new Error(`${where}: holds ${file} more than once (${hits.join(", ")}); expected one`);
  return hits[0];
}

/**
 * Loads and converts an original LUKE checkpoint: a `.tar.gz` / `.tar` (streamed; members are
 * copied to a temporary folder that is removed afterwards) or a folder holding its files.
 */
export async function loadOriginalLukeArchive(path: string, options: OriginalLukeOptions): Promise<OriginalLuke> {
  if (!existsSync(path)) throw new Error(`${path}: does not exist; expected the original LUKE checkpoint (e.g. luke_large_500k.tar.gz)`);
  const wantedFiles = [ORIGINAL_MODEL_FILE, ORIGINAL_METADATA_FILE, ...ORIGINAL_ENTITY_VOCAB_FILES];
  let temp: string | null = null;
  try {
    const files = new Map<string, { path: string; where: string }>();
    if (statSync(path).isDirectory()) {
      for (const f of wantedFiles) if (existsSync(join(path, f))) files.set(f, { path: join(path, f), where: join(path, f) });
    } else {
      temp = mkdtempSync(join(tmpdir(), "lukelab-luke-archive-"));
      const isWanted = (name: string) => wantedFiles.some((f) => name === f || (name.endsWith(`/${f}`) && name.split("/").length === 2));
      const { members, extracted } = await extractTarMembers(path, isWanted, temp);
      const names = [...extracted.keys()];
      for (const f of wantedFiles) {
        const member = pick(names, f, path);
        if (member) files.set(f, { path: extracted.get(member)!, where: `${path}: ${member}` });
      }
      const missing = [ORIGINAL_MODEL_FILE, ORIGINAL_METADATA_FILE].filter((f) => !files.has(f));
      if (missing.length || !ORIGINAL_ENTITY_VOCAB_FILES.some((f) => files.has(f))) {
        const seen = members.filter((m) => m.type === "0" || m.type === "7").map((m) => m.name);
        throw new Error(
          `${path}: expected ${wantedFiles.slice(0, 2).join(", ")} and ${ORIGINAL_ENTITY_VOCAB_FILES.join(" or ")} ` +
            `(at the top level or in one folder); missing ${[...missing, ...(ORIGINAL_ENTITY_VOCAB_FILES.some((f) => files.has(f)) ? [] : ["an entity vocabulary"])].join(", ")}; ` +
            `the archive holds ${seen.length ? seen.slice(0, 12).join(", ") + (seen.length > 12 ? ", …" : "") : "no files"}`,
        );
      }
    }
    for (const f of [ORIGINAL_MODEL_FILE, ORIGINAL_METADATA_FILE]) {
      if (!files.has(f)) throw new Error(`${path}: has no ${f}; expected ${wantedFiles.slice(0, 2).join(", ")} and ${ORIGINAL_ENTITY_VOCAB_FILES.join(" or ")}`);
    }
    const vocabFile = ORIGINAL_ENTITY_VOCAB_FILES.find((f) => files.has(f));
    if (!vocabFile) throw new Error(`${path}: has no entity vocabulary; expected ${ORIGINAL_ENTITY_VOCAB_FILES.join(" or ")}`);

    const metaFile = files.get(ORIGINAL_METADATA_FILE)!;
    let metadata: Record<string, unknown>;
    try {
      metadata = readJsonObject(metaFile.path);
    } catch (e) {
      throw new Error((e as Error).message.replace(metaFile.path, metaFile.where));
    }
    const vocab = files.get(vocabFile)!;
    const text = readFileSync(vocab.path, "utf8");
    const entityVocab = vocabFile.endsWith(".tsv") ? parseEntityVocabTsv(text, vocab.where) : parseEntityVocabJsonl(text, vocab.where, options.jsonlKeys);
    const model = files.get(ORIGINAL_MODEL_FILE)!;
    let stateDict: StateDict;
    try {
      stateDict = loadTorchCheckpoint(model.path);
    } catch (e) {
      throw new Error((e as Error).message.split(model.path).join(model.where));
    }
    return convertOriginalLuke({ stateDict, metadata, entityVocab }, options, path);
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}
