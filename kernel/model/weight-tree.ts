/**
 * The weight tree of a LUKE model, declared once: which weights a LUKE of a given config and head
 * has, named exactly as the Hugging Face state dict, with their PyTorch shapes and how transformers
 * initialises them; which keys a checkpoint may hold that are not weights; the `luke.` prefix rule;
 * and the one checker of a state dict against the tree. LukeModel (fromStateDict, random,
 * stateDict), Hugging Face folders, the original archive's conversion and saving all use it.
 *
 * No TF.js here: a leaf is whatever declareWeights' callback returns (tf.Variables in a live
 * model, made by weights.ts; specs or shapes elsewhere), so checkpoint code checks files without
 * a backend, and kernel/checkpoint imports this file rather than the model importing checkpoint code.
 *
 * `luke.encoder.layer.3.attention.self.w2e_query.weight` is `luke.encoder.layer[3].attention.self.w2e_query.kernel`:
 * the one renaming is Linear `.weight` → `.kernel`, stored transposed ([in, out]; ops.ts says why).
 * The tied decoders (`lm_head.decoder.*`, `entity_predictions.decoder.weight`) are not weights of
 * their own: the heads reuse the embedding tables, as transformers ties them.
 */
import type { LukeConfig } from "./config";
import type { StateDict } from "./tensor-data";
import { numel } from "./tensor-data";

export type LukeHead =
  | "entity_classification"
  | "entity_pair_classification"
  | "entity_span_classification"
  | "masked_lm"
  | "none";

export const LUKE_HEADS: readonly LukeHead[] = [
  "entity_classification",
  "entity_pair_classification",
  "entity_span_classification",
  "masked_lm",
  "none",
];

/** The modules of LukeModel: `luke.`-prefixed in task-model files, bare in LukeModel files. */
export const BASE_MODULES: readonly string[] = ["embeddings", "entity_embeddings", "encoder", "pooler"];
/** The modules of the task heads, named as transformers names them (never prefixed). */
export const HEAD_MODULES: readonly string[] = ["classifier", "lm_head", "entity_predictions"];
/** Where task models keep the base model: `luke.encoder.…`. */
export const BASE_PREFIX = "luke.";
/** The entity-aware query projections (use_entity_aware_attention); the original starts them as copies of `query`. */
export const ENTITY_AWARE_QUERIES = ["w2e_query", "e2w_query", "e2e_query"] as const;

// ---------------------------------------------------------------------------------------------
// The tree. W is the leaf: tf.Variable in a live model (weights.ts names that the default).

/** nn.Linear: `kernel` is the Hugging Face `.weight`, kept as [in, out]. */
export interface Linear<W> {
  kernel: W;
  bias?: W;
}

/** nn.LayerNorm's affine parameters (`weight` is γ, `bias` is β). */
export interface LayerNorm<W> {
  weight: W;
  bias: W;
}

/** nn.Embedding: a [rows, dim] table. */
export interface Embedding<W> {
  weight: W;
}

export interface SelfAttentionWeights<W> {
  query: Linear<W>;
  key: Linear<W>;
  value: Linear<W>;
  /** Word queries scored against entity keys. Present only with use_entity_aware_attention. */
  w2e_query?: Linear<W>;
  /** Entity queries scored against word keys. */
  e2w_query?: Linear<W>;
  e2e_query?: Linear<W>;
}

export interface LayerWeights<W> {
  attention: { self: SelfAttentionWeights<W>; output: { dense: Linear<W>; LayerNorm: LayerNorm<W> } };
  intermediate: { dense: Linear<W> };
  output: { dense: Linear<W>; LayerNorm: LayerNorm<W> };
}

export interface EmbeddingsWeights<W> {
  word_embeddings: Embedding<W>;
  position_embeddings: Embedding<W>;
  token_type_embeddings: Embedding<W>;
  LayerNorm: LayerNorm<W>;
}

export interface EntityEmbeddingsWeights<W> {
  entity_embeddings: Embedding<W>;
  /** Bias-free E→H projection; present only when entity_emb_size ≠ hidden_size. */
  entity_embedding_dense?: Linear<W>;
  /** A table of its own, not shared with the word positions. */
  position_embeddings: Embedding<W>;
  token_type_embeddings: Embedding<W>;
  LayerNorm: LayerNorm<W>;
}

export interface BaseWeights<W> {
  embeddings: EmbeddingsWeights<W>;
  entity_embeddings: EntityEmbeddingsWeights<W>;
  encoder: { layer: LayerWeights<W>[] };
  pooler: { dense: Linear<W> };
}

export interface LmHeadWeights<W> {
  dense: Linear<W>;
  layer_norm: LayerNorm<W>;
  /** The decoder bias; the decoder matrix is the word embedding table. */
  bias: W;
}

export interface EntityPredictionsWeights<W> {
  transform: { dense: Linear<W>; LayerNorm: LayerNorm<W> };
  /** The decoder bias; the decoder matrix is the entity embedding table. */
  bias: W;
}

export interface LukeWeights<W> {
  luke: BaseWeights<W>;
  classifier?: Linear<W>;
  lm_head?: LmHeadWeights<W>;
  entity_predictions?: EntityPredictionsWeights<W>;
}

/** One weight as the checkpoint has it, plus how Hugging Face initialises it. */
export interface WeightSpec {
  /** Hugging Face state-dict key. */
  name: string;
  /** PyTorch shape ([out, in] for a Linear weight). */
  shape: number[];
  init: "normal" | "zeros" | "ones";
  /** A Linear weight: stored as [in, out], so transposed on the way in and out. */
  transposed: boolean;
  /** nn.Embedding padding_idx: this row starts at zero. */
  paddingIdx?: number;
}

/** The config fields the tree depends on (numLabels only for the classification heads). */
export type WeightTreeConfig = Pick<
  LukeConfig,
  | "vocabSize"
  | "entityVocabSize"
  | "hiddenSize"
  | "entityEmbSize"
  | "numHiddenLayers"
  | "intermediateSize"
  | "maxPositionEmbeddings"
  | "typeVocabSize"
  | "useEntityAwareAttention"
  | "padTokenId"
  | "numLabels"
>;

/** The leaf builders of the tree (nn.Linear, nn.LayerNorm, nn.Embedding, a bare vector), for any module name. */
export function leafBuilders<W>(leaf: (spec: WeightSpec) => W) {
  return {
    linear: (name: string, inF: number, outF: number, bias = true): Linear<W> => ({
      kernel: leaf({ name: `${name}.weight`, shape: [outF, inF], init: "normal", transposed: true }),
      bias: bias ? leaf({ name: `${name}.bias`, shape: [outF], init: "zeros", transposed: false }) : undefined,
    }),
    layerNorm: (name: string, n: number): LayerNorm<W> => ({
      weight: leaf({ name: `${name}.weight`, shape: [n], init: "ones", transposed: false }),
      bias: leaf({ name: `${name}.bias`, shape: [n], init: "zeros", transposed: false }),
    }),
    embedding: (name: string, rows: number, dim: number, paddingIdx?: number): Embedding<W> => ({
      weight: leaf({ name: `${name}.weight`, shape: [rows, dim], init: "normal", transposed: false, paddingIdx }),
    }),
    vector: (name: string, n: number): W => leaf({ name, shape: [n], init: "zeros", transposed: false }),
  };
}

/** One post-LN encoder layer at `at` (e.g. `luke.encoder.layer.3`): LUKE's, and BERT's and RoBERTa's without entity-aware queries. */
export function declareLayer<W>(leaf: (spec: WeightSpec) => W, at: string, H: number, intermediate: number, entityAware: boolean): LayerWeights<W> {
  const { linear, layerNorm } = leafBuilders(leaf);
  const self: SelfAttentionWeights<W> = {
    query: linear(`${at}.attention.self.query`, H, H),
    key: linear(`${at}.attention.self.key`, H, H),
    value: linear(`${at}.attention.self.value`, H, H),
  };
  // After value, as transformers' LukeSelfAttention declares them (state-dict order).
  if (entityAware) for (const q of ENTITY_AWARE_QUERIES) self[q] = linear(`${at}.attention.self.${q}`, H, H);
  return {
    attention: {
      self,
      output: { dense: linear(`${at}.attention.output.dense`, H, H), LayerNorm: layerNorm(`${at}.attention.output.LayerNorm`, H) },
    },
    intermediate: { dense: linear(`${at}.intermediate.dense`, H, intermediate) },
    output: { dense: linear(`${at}.output.dense`, intermediate, H), LayerNorm: layerNorm(`${at}.output.LayerNorm`, H) },
  };
}

/**
 * Walks the whole tree once, in state-dict order, calling `leaf` for every weight. The one place
 * that knows which weights exist, with which shapes.
 */
export function declareWeights<W>(c: WeightTreeConfig, head: LukeHead, leaf: (spec: WeightSpec) => W): LukeWeights<W> {
  const H = c.hiddenSize;
  const { linear, layerNorm, embedding, vector } = leafBuilders(leaf);
  const base = (module: string) => `${BASE_PREFIX}${module}`;

  const luke: BaseWeights<W> = {
    embeddings: {
      // Both word tables carry padding_idx = pad_token_id (LukeEmbeddings re-creates position_embeddings with it).
      word_embeddings: embedding(base("embeddings.word_embeddings"), c.vocabSize, H, c.padTokenId),
      position_embeddings: embedding(base("embeddings.position_embeddings"), c.maxPositionEmbeddings, H, c.padTokenId),
      token_type_embeddings: embedding(base("embeddings.token_type_embeddings"), c.typeVocabSize, H),
      LayerNorm: layerNorm(base("embeddings.LayerNorm"), H),
    },
    entity_embeddings: {
      entity_embeddings: embedding(base("entity_embeddings.entity_embeddings"), c.entityVocabSize, c.entityEmbSize, 0),
      entity_embedding_dense:
        c.entityEmbSize !== H ? linear(base("entity_embeddings.entity_embedding_dense"), c.entityEmbSize, H, false) : undefined,
      position_embeddings: embedding(base("entity_embeddings.position_embeddings"), c.maxPositionEmbeddings, H),
      token_type_embeddings: embedding(base("entity_embeddings.token_type_embeddings"), c.typeVocabSize, H),
      LayerNorm: layerNorm(base("entity_embeddings.LayerNorm"), H),
    },
    encoder: {
      layer: Array.from({ length: c.numHiddenLayers }, (_, i) =>
        declareLayer(leaf, base(`encoder.layer.${i}`), H, c.intermediateSize, c.useEntityAwareAttention),
      ),
    },
    pooler: { dense: linear(base("pooler.dense"), H, H) },
  };

  switch (head) {
    case "none":
      return { luke };
    case "entity_classification":
      return { luke, classifier: linear("classifier", H, c.numLabels) };
    case "entity_pair_classification":
      // No bias: transformers builds this one as nn.Linear(2H, n, False).
      return { luke, classifier: linear("classifier", 2 * H, c.numLabels, false) };
    case "entity_span_classification":
      return { luke, classifier: linear("classifier", 3 * H, c.numLabels) };
    case "masked_lm":
      return {
        luke,
        lm_head: {
          dense: linear("lm_head.dense", H, H),
          layer_norm: layerNorm("lm_head.layer_norm", H),
          bias: vector("lm_head.bias", c.vocabSize),
        },
        entity_predictions: {
          transform: {
            dense: linear("entity_predictions.transform.dense", H, c.entityEmbSize),
            LayerNorm: layerNorm("entity_predictions.transform.LayerNorm", c.entityEmbSize),
          },
          bias: vector("entity_predictions.bias", c.entityVocabSize),
        },
      };
  }
}

/** Every weight of the tree, in state-dict order. */
export function weightSpecs(c: WeightTreeConfig, head: LukeHead): WeightSpec[] {
  const specs: WeightSpec[] = [];
  declareWeights(c, head, (spec) => specs.push(spec));
  return specs;
}

/** Every weight a checkpoint must hold for `head`: name → PyTorch shape ([out, in] for Linear). */
export function weightShapes(c: WeightTreeConfig, head: LukeHead): Map<string, number[]> {
  return new Map(weightSpecs(c, head).map((s) => [s.name, s.shape]));
}

// ---------------------------------------------------------------------------------------------
// Checkpoint keys: the prefix rule and the keys that are not weights.

/** Tied to the embedding tables in transformers: the model rebuilds them, so files need not carry them. */
export const TIED_DECODER_KEYS: readonly string[] = ["lm_head.decoder.weight", "lm_head.decoder.bias", "entity_predictions.decoder.weight"];

/**
 * Keys (in canonical naming) that files may hold but that are no weights of the tree: the tied
 * decoders and the word position-id buffer older transformers saved. Never read. One exception:
 * `lm_head.decoder.bias` is the same Parameter as `lm_head.bias`, so a file holding only the
 * decoder's name has it read as `lm_head.bias`.
 */
export const IGNORED_KEYS: readonly string[] = [`${BASE_PREFIX}embeddings.position_ids`, ...TIED_DECODER_KEYS];

/** The canonical name of a checkpoint key: base-model keys `luke.`-prefixed, everything else as it is. */
export function canonicalKey(key: string): string {
  return BASE_MODULES.some((m) => key.startsWith(`${m}.`)) ? BASE_PREFIX + key : key;
}

/** True for keys of a task head (classifier.*, lm_head.*, entity_predictions.*). */
export function isHeadKey(key: string): boolean {
  return HEAD_MODULES.some((m) => key.startsWith(`${m}.`));
}

export interface NormalisedKeys {
  stateDict: StateDict;
  /** Keys of the input that were dropped because they are in IGNORED_KEYS (as the input named them). */
  dropped: string[];
}

/**
 * Puts a LUKE state dict in canonical naming: base-model keys get the `luke.` prefix whether or not
 * the file had it (LukeModel files have none, task-model files have it); task-head keys and unknown
 * keys are kept as they are; IGNORED_KEYS are dropped and listed. A weight present both with and
 * without the prefix is an error naming both. Tensors are shared, not copied; idempotent.
 */
export function normaliseLukeKeys(stateDict: StateDict, where = "state dict"): NormalisedKeys {
  const out: StateDict = new Map();
  const dropped: string[] = [];
  const origin = new Map<string, string>();
  for (const [key, tensor] of stateDict) {
    let name = canonicalKey(key);
    if (name === "lm_head.decoder.bias" && !stateDict.has("lm_head.bias")) name = "lm_head.bias";
    if (IGNORED_KEYS.includes(name)) {
      dropped.push(key);
      continue;
    }
    const earlier = origin.get(name);
    if (earlier !== undefined) {
      throw new Error(`${where}: "${earlier}" and "${key}" are the same weight ${name}; expected it once, with or without the "${BASE_PREFIX}" prefix`);
    }
    origin.set(name, key);
    out.set(name, tensor);
  }
  return { stateDict: out, dropped };
}

const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/**
 * Compares a state dict in canonical naming with the expected names and shapes (weightShapes) and
 * throws ONE Error listing every missing, mis-shaped, non-float and unexpected weight. `where`
 * names the checkpoint (file or folder); `head`, when given, is named too.
 */
export function checkWeights(stateDict: StateDict, expected: ReadonlyMap<string, readonly number[]>, where: string, head?: LukeHead): void {
  const missing: string[] = [];
  const misShaped: string[] = [];
  const misTyped: string[] = [];
  const unexpected: string[] = [];
  for (const [name, shape] of expected) {
    const t = stateDict.get(name);
    if (!t) missing.push(`  ${name}: expected shape ${fmt(shape)}`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      misShaped.push(`  ${name}: expected shape ${fmt(shape)}, found ${fmt(t.shape)}`);
    } else if (!(t.data instanceof Float32Array) || t.data.length !== numel(shape)) {
      misTyped.push(`  ${name}: expected float data of ${numel(shape)} values, found ${t.dtype} with ${t.data.length}`);
    }
  }
  for (const [name, t] of stateDict) if (!expected.has(name)) unexpected.push(`  ${name}: shape ${fmt(t.shape)}`);
  const count = missing.length + misShaped.length + misTyped.length + unexpected.length;
  if (count === 0) return;
  const model = head === undefined ? "the model" : `a LUKE with head "${head}"`;
  const parts = [
    `${where}: the weights do not match ${model} (${count} problem${count > 1 ? "s" : ""}; ${expected.size} expected, ${stateDict.size} found)`,
  ];
  if (missing.length) parts.push(`missing (${missing.length}):`, ...missing);
  if (misShaped.length) parts.push(`wrong shape (${misShaped.length}):`, ...misShaped);
  if (misTyped.length) parts.push(`wrong type (${misTyped.length}):`, ...misTyped);
  if (unexpected.length) parts.push(`unexpected (${unexpected.length}):`, ...unexpected);
  throw new Error(parts.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The base model's shapes from config.json field names (kept for callers of earlier versions).

/** The config.json fields that fix the base model's weight shapes. */
export interface LukeShapeConfig {
  vocab_size: number;
  entity_vocab_size: number;
  hidden_size: number;
  entity_emb_size: number;
  num_hidden_layers: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  use_entity_aware_attention?: boolean;
}

/**
 * LukeModel's weight names and shapes (pooler included) for a config given by its config.json
 * fields: weightShapes(config, "none"), with `prefix` ("" for the bare LukeModel naming) in place of `luke.`.
 */
export function lukeBaseWeightShapes(c: LukeShapeConfig, prefix = BASE_PREFIX): Map<string, number[]> {
  const config: WeightTreeConfig = {
    vocabSize: c.vocab_size,
    entityVocabSize: c.entity_vocab_size,
    hiddenSize: c.hidden_size,
    entityEmbSize: c.entity_emb_size,
    numHiddenLayers: c.num_hidden_layers,
    intermediateSize: c.intermediate_size,
    maxPositionEmbeddings: c.max_position_embeddings,
    typeVocabSize: c.type_vocab_size,
    useEntityAwareAttention: c.use_entity_aware_attention ?? true,
    padTokenId: 0, // decides only which row starts at zero, not a shape
    numLabels: 0,
  };
  return new Map([...weightShapes(config, "none")].map(([name, shape]) => [prefix + name.slice(BASE_PREFIX.length), shape]));
}
