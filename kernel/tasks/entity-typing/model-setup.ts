/**
 * The model an entity-typing run fine-tunes or evaluates, as the original prepares it:
 *
 *   - from a Hugging Face LUKE folder or Hub id (--model-file; org/name[@revision], fetched into the
 *     huggingface_hub cache, see kernel/hub): a base LukeModel, a LukeForMaskedLM or an
 *     entity-classification checkpoint. Weights of other heads are dropped; a missing classifier is
 *     initialised as the original's head (N(0, initializer_range), zero bias); missing w2e/e2w/e2e
 *     queries are copied from `query` (the original does so at load time);
 *   - or freshly initialised (no --model-file): a LUKE of --model-size (or --model-config) with the
 *     tokenizer of --tokenizer (default samples/tiny-luke's), initialised as transformers'
 *     _init_weights from the run's seed.
 *
 * Then, as the original: config.hidden_dropout_prob is overwritten with --hidden-dropout-prob, the
 * label set becomes the 9 Open Entity types, and the entity vocabulary is cut down to the rows
 * entity typing uses. The original kept 2 rows ([PAD], [MASK]); lukelab keeps the 4 special rows
 * ([PAD], [UNK], [MASK], [MASK2]) so the saved tokenizer stays a valid LukeTokenizer. This matters
 * for real checkpoints: luke-large's 500k×256 entity table would otherwise cost AdamW 1.5 GB of
 * moments for rows no example uses.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { initBackend, tf } from "../../backend";
import { resolveModelPath } from "../../hub";
import { loadHfCheckpoint, loadSafetensors, loadTorchCheckpoint, normaliseLukeKeys, readJsonObject } from "../../checkpoint";
import type { StateDict, TensorData } from "../../checkpoint/tensor-data";
import { Luke } from "../../inference/luke";
import { isHeadKey, LukeModel, lukeConfigToJson, parseLukeConfig, type LukeConfig, type LukeHead } from "../../model";
import { readWordFiles } from "../../tokenizer/files";
import { LukeTokenizer } from "../../tokenizer";
import { deriveSeed, STREAM } from "../../train/random";
import type { ModelSize } from "./options";

export const HEAD = "entity_classification" as const;

/** samples/tiny-luke: the tokenizer a fresh model uses unless --tokenizer says otherwise. */
export const DEFAULT_TOKENIZER_DIR = resolve(__dirname, "..", "..", "..", "..", "samples", "tiny-luke");

/** Sizes of a fresh LUKE: tiny for tests and samples, base and large as luke-base/luke-large. */
export const MODEL_SIZE_PRESETS: Record<ModelSize, Record<string, number>> = {
  tiny: { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512, entity_emb_size: 64 },
  base: { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, entity_emb_size: 256 },
  large: { hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16, intermediate_size: 4096, entity_emb_size: 256 },
};

export interface ModelSource {
  modelFile?: string;
  modelSize: ModelSize;
  modelConfig?: string;
  tokenizer?: string;
  checkpointFile?: string;
  seed: number;
  hiddenDropoutProb: number;
  labels: readonly string[];
  /** The task head (default entity typing's); NER uses "entity_span_classification". */
  head?: "entity_classification" | "entity_span_classification";
}

/** config.json architectures and problem_type of each head a task fine-tunes. */
const HEAD_CONFIG: Record<NonNullable<ModelSource["head"]>, { architecture: string; problemType: string }> = {
  entity_classification: { architecture: "LukeForEntityClassification", problemType: "multi_label_classification" },
  entity_span_classification: { architecture: "LukeForEntitySpanClassification", problemType: "single_label_classification" },
};

export interface PreparedModel {
  luke: Luke;
  /** What was loaded or made, for the log and results.json. */
  description: string;
  /** Things the user may want to know (initialised head, copied queries, cut entity vocabulary). */
  notes: string[];
}

/** A weights file (.safetensors or PyTorch .bin) or a model folder → state dict in canonical names. */
export function loadWeights(path: string): StateDict {
  if (!existsSync(path)) throw new Error(`${path}: the weights to load do not exist`);
  let raw: StateDict;
  if (statSync(path).isDirectory()) raw = loadHfCheckpoint(path).stateDict;
  else if (path.endsWith(".safetensors")) raw = loadSafetensors(path).stateDict;
  else raw = loadTorchCheckpoint(path);
  return normaliseLukeKeys(raw, path).stateDict;
}

/** The tokenizer of `dir` set up for entity classification, its entity vocabulary cut to the special rows. */
function typingTokenizer(dir: string, head: LukeHead = HEAD): { tokenizer: LukeTokenizer; entityRows: number[] } {
  const original = LukeTokenizer.fromFolder(dir);
  const specials = [original.entityPadId, original.entityUnkId, original.entityMaskId, original.entityMask2Id];
  const entityVocab = new Map<string, number>();
  specials.forEach((id, row) => entityVocab.set(original.entityTitle(id)!, row));
  const parts = readWordFiles(dir);
  const tokenizer = new LukeTokenizer({ ...parts, config: { ...(parts.config ?? {}), task: head }, entityVocab });
  return { tokenizer, entityRows: specials };
}

/** The label set, dropout and architecture of the run, on top of a model's own config. */
function typingConfig(base: Record<string, unknown>, source: ModelSource, entityVocabSize: number, where: string): LukeConfig {
  const json: Record<string, unknown> = { ...base };
  json.entity_vocab_size = entityVocabSize;
  json.hidden_dropout_prob = source.hiddenDropoutProb;
  json.id2label = Object.fromEntries(source.labels.map((l, i) => [String(i), l]));
  json.label2id = Object.fromEntries(source.labels.map((l, i) => [l, i]));
  delete json.num_labels;
  json.architectures = [HEAD_CONFIG[source.head ?? HEAD].architecture];
  json.problem_type = HEAD_CONFIG[source.head ?? HEAD].problemType;
  return parseLukeConfig(json, where);
}

function normalTensor(shape: number[], std: number, seed: number): TensorData {
  const data = tf.tidy(() => tf.randomNormal(shape, 0, std, "float32", seed).dataSync() as Float32Array);
  return { dtype: "float32", shape, data: Float32Array.from(data) };
}

/** Fits a checkpoint's weights to the entity-typing model; returns the notes of what was changed. */
function adaptWeights(weights: StateDict, config: LukeConfig, entityRows: number[], seed: number, where: string, head: LukeHead = HEAD): { weights: StateDict; notes: string[] } {
  const notes: string[] = [];
  const expected = LukeModel.expectedWeights(config, head);
  const out: StateDict = new Map();
  const dropped: string[] = [];
  for (const [name, t] of weights) {
    if (expected.has(name)) out.set(name, t);
    else if (isHeadKey(name)) dropped.push(name);
    else out.set(name, t); // left for fromStateDict to report as unexpected
  }
  if (dropped.length) notes.push(`dropped ${dropped.length} weights of another head (${dropped[0]}, …)`);

  // The entity table: keep the special rows, in the order of the new entity vocabulary.
  const tableName = "luke.entity_embeddings.entity_embeddings.weight";
  const table = out.get(tableName);
  if (table && !(table.shape[0] === entityRows.length && entityRows.every((r, i) => r === i))) {
    const [rows, dim] = table.shape;
    const bad = entityRows.find((r) => r >= rows);
    if (bad !== undefined) throw new Error(`${where}: the entity table has ${rows} rows, but the tokenizer's special entity id ${bad} is outside it`);
    const data = new Float32Array(entityRows.length * dim);
    entityRows.forEach((r, i) => data.set((table.data as Float32Array).subarray(r * dim, (r + 1) * dim), i * dim));
    out.set(tableName, { dtype: "float32", shape: [entityRows.length, dim], data });
    notes.push(`entity vocabulary cut from ${rows} to ${entityRows.length} rows ([PAD], [UNK], [MASK], [MASK2])`);
  }

  // Entity-aware queries missing from older files: copies of `query`.
  let copied = 0;
  for (const name of expected.keys()) {
    const m = /^(luke\.encoder\.layer\.\d+\.attention\.self)\.(w2e|e2w|e2e)_query\.(weight|bias)$/.exec(name);
    if (!m || out.has(name)) continue;
    const source = out.get(`${m[1]}.query.${m[3]}`);
    if (!source) continue;
    out.set(name, { dtype: "float32", shape: [...source.shape], data: Float32Array.from(source.data as Float32Array) });
    copied++;
  }
  if (copied) notes.push(`copied ${copied} entity-aware query weights from the word query, as the original does`);

  // A missing or differently sized classifier: a new head.
  const weight = out.get("classifier.weight");
  const wantShape = expected.get("classifier.weight")!;
  if (weight && weight.shape.join() !== wantShape.join()) {
    out.delete("classifier.weight");
    out.delete("classifier.bias");
    notes.push(`the checkpoint's classifier has ${weight.shape[0]} outputs, not ${wantShape[0]}: a new one is initialised`);
  }
  if (!out.has("classifier.weight")) {
    out.set("classifier.weight", normalTensor(wantShape, config.initializerRange, deriveSeed(seed, STREAM.init, 1)));
    out.set("classifier.bias", { dtype: "float32", shape: [wantShape[0]], data: new Float32Array(wantShape[0]) });
    if (!notes.some((n) => n.includes("classifier"))) notes.push(`initialised the classification head (${wantShape[0]} labels), as the original does`);
  }
  return { weights: out, notes };
}

/** Whether `path` is a Hugging Face model folder (config.json inside). */
function isModelFolder(path: string | undefined): path is string {
  return path !== undefined && existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, "config.json"));
}

/**
 * Builds the model and tokenizer of a run (see the module comment). --checkpoint-file replaces the
 * weights; when it is a model folder and there is no --model-file, its config and tokenizer are
 * used too (evaluating an earlier run's output folder).
 */
export async function prepareModel(given: ModelSource): Promise<PreparedModel> {
  await initBackend();
  const notes: string[] = [];
  let description: string;
  let config: LukeConfig;
  let weights: StateDict | undefined;
  let tokenizer: LukeTokenizer;
  let entityRows: number[];

  // Hub ids (org/name[@revision]) become their cache snapshot folders; a folder that exists wins.
  // When --checkpoint-file replaces the weights, --model-file's own weights are not downloaded.
  const checkpointFile = given.checkpointFile && (await resolveModelPath(given.checkpointFile));
  const modelFile = given.modelFile && (await resolveModelPath(given.modelFile, { weights: !checkpointFile }));
  const tokenizerDir = given.tokenizer && (await resolveModelPath(given.tokenizer, { weights: false }));
  const source: ModelSource = { ...given, modelFile, checkpointFile, tokenizer: tokenizerDir };
  const named = (path: string) => (path === modelFile ? given.modelFile : path === checkpointFile ? given.checkpointFile : path);

  const modelDir = source.modelFile ?? (isModelFolder(source.checkpointFile) ? source.checkpointFile : undefined);
  if (modelDir) {
    if (!isModelFolder(modelDir)) throw new Error(`--model-file ${modelDir}: not a Hugging Face LUKE folder (config.json is missing)`);
    ({ tokenizer, entityRows } = typingTokenizer(source.tokenizer ?? modelDir, source.head));
    const replaced = source.checkpointFile !== undefined && source.checkpointFile !== modelDir;
    const checkpoint = replaced ? { config: readJsonObject(join(modelDir, "config.json")), stateDict: undefined } : loadHfCheckpoint(modelDir);
    config = typingConfig(checkpoint.config, source, entityRows.length, join(modelDir, "config.json"));
    if (checkpoint.stateDict) weights = normaliseLukeKeys(checkpoint.stateDict, modelDir).stateDict;
    description = `${named(modelDir)} (${config.numHiddenLayers} layers, hidden ${config.hiddenSize})`;
  } else {
    const tokDir = source.tokenizer ?? DEFAULT_TOKENIZER_DIR;
    ({ tokenizer, entityRows } = typingTokenizer(tokDir, source.head));
    const shape = source.modelConfig ? readJsonObject(source.modelConfig) : MODEL_SIZE_PRESETS[source.modelSize];
    const base: Record<string, unknown> = {
      hidden_act: "gelu",
      attention_probs_dropout_prob: 0.1,
      initializer_range: 0.02,
      layer_norm_eps: 1e-5,
      max_position_embeddings: 514,
      type_vocab_size: 1,
      use_entity_aware_attention: true,
      ...shape,
      vocab_size: tokenizer.totalVocabSize,
      pad_token_id: tokenizer.padTokenId,
      bos_token_id: tokenizer.clsTokenId,
      eos_token_id: tokenizer.sepTokenId,
    };
    config = typingConfig(base, source, entityRows.length, source.modelConfig ?? `--model-size ${source.modelSize}`);
    const what = source.modelConfig ? `LUKE from ${source.modelConfig}` : `${source.modelSize} LUKE`;
    description = `a fresh ${what} (${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, seed ${source.seed}) with the tokenizer of ${tokDir}`;
  }

  if (source.checkpointFile && source.checkpointFile !== modelDir) {
    weights = loadWeights(source.checkpointFile);
    description += `, weights from ${named(source.checkpointFile)}`;
  }
  let model: LukeModel;
  if (weights) {
    const adapted = adaptWeights(weights, config, entityRows, source.seed, source.checkpointFile ?? modelDir ?? "weights", source.head);
    notes.push(...adapted.notes);
    model = LukeModel.fromStateDict(config, adapted.weights, { head: source.head ?? HEAD });
  } else {
    model = LukeModel.random(config, { head: source.head ?? HEAD, seed: deriveSeed(source.seed, STREAM.init) });
  }
  return { luke: new Luke(tokenizer, model), description, notes };
}
