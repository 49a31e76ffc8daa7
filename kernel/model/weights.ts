/**
 * The weight tree of a LUKE model, named exactly as the Hugging Face state dict
 * (`luke.encoder.layer.3.attention.self.w2e_query.weight` is `luke.encoder.layer[3].attention.self.w2e_query.kernel`),
 * and everything that crosses the StateDict seam: expected names and shapes, validation with one
 * error for every problem, Hugging Face initialisation, and export back to PyTorch layouts.
 *
 * The only renaming is Linear `.weight` → `.kernel`, which is stored transposed ([in, out]; see
 * ops.ts for the measurement). The tied decoders (`lm_head.decoder.*`,
 * `entity_predictions.decoder.weight`) are not weights of their own: the heads reuse the embedding
 * tables, as transformers ties them.
 */
import { tf } from "../backend";
import type { StateDict, TensorData } from "../checkpoint/tensor-data";
import { numel } from "../checkpoint/tensor-data";
import type { LukeConfig } from "./config";
import type { Embedding, LayerNorm, Linear } from "./ops";

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

// ---------------------------------------------------------------------------------------------
// The tree. W is tf.Variable for a live model; declareWeights can fill it with anything else.

export interface SelfAttentionWeights<W = tf.Variable> {
  query: Linear<W>;
  key: Linear<W>;
  value: Linear<W>;
  /** Word queries scored against entity keys. Present only with use_entity_aware_attention. */
  w2e_query?: Linear<W>;
  /** Entity queries scored against word keys. */
  e2w_query?: Linear<W>;
  e2e_query?: Linear<W>;
}

export interface LayerWeights<W = tf.Variable> {
  attention: { self: SelfAttentionWeights<W>; output: { dense: Linear<W>; LayerNorm: LayerNorm<W> } };
  intermediate: { dense: Linear<W> };
  output: { dense: Linear<W>; LayerNorm: LayerNorm<W> };
}

export interface EmbeddingsWeights<W = tf.Variable> {
  word_embeddings: Embedding<W>;
  position_embeddings: Embedding<W>;
  token_type_embeddings: Embedding<W>;
  LayerNorm: LayerNorm<W>;
}

export interface EntityEmbeddingsWeights<W = tf.Variable> {
  entity_embeddings: Embedding<W>;
  /** Bias-free E→H projection; present only when entity_emb_size ≠ hidden_size. */
  entity_embedding_dense?: Linear<W>;
  /** A table of its own, not shared with the word positions. */
  position_embeddings: Embedding<W>;
  token_type_embeddings: Embedding<W>;
  LayerNorm: LayerNorm<W>;
}

export interface BaseWeights<W = tf.Variable> {
  embeddings: EmbeddingsWeights<W>;
  entity_embeddings: EntityEmbeddingsWeights<W>;
  encoder: { layer: LayerWeights<W>[] };
  pooler: { dense: Linear<W> };
}

export interface LmHeadWeights<W = tf.Variable> {
  dense: Linear<W>;
  layer_norm: LayerNorm<W>;
  /** The decoder bias; the decoder matrix is the word embedding table. */
  bias: W;
}

export interface EntityPredictionsWeights<W = tf.Variable> {
  transform: { dense: Linear<W>; LayerNorm: LayerNorm<W> };
  /** The decoder bias; the decoder matrix is the entity embedding table. */
  bias: W;
}

export interface LukeWeights<W = tf.Variable> {
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

/**
 * Walks the whole tree once, in state-dict order, calling `leaf` for every weight. The one place
 * that knows which weights exist, with which shapes.
 */
export function declareWeights<W>(c: LukeConfig, head: LukeHead, leaf: (spec: WeightSpec) => W): LukeWeights<W> {
  const H = c.hiddenSize;
  const linear = (name: string, inF: number, outF: number, bias = true): Linear<W> => ({
    kernel: leaf({ name: `${name}.weight`, shape: [outF, inF], init: "normal", transposed: true }),
    bias: bias ? leaf({ name: `${name}.bias`, shape: [outF], init: "zeros", transposed: false }) : undefined,
  });
  const layerNorm = (name: string, n: number): LayerNorm<W> => ({
    weight: leaf({ name: `${name}.weight`, shape: [n], init: "ones", transposed: false }),
    bias: leaf({ name: `${name}.bias`, shape: [n], init: "zeros", transposed: false }),
  });
  const embedding = (name: string, rows: number, dim: number, paddingIdx?: number): Embedding<W> => ({
    weight: leaf({ name: `${name}.weight`, shape: [rows, dim], init: "normal", transposed: false, paddingIdx }),
  });
  const vector = (name: string, n: number): W => leaf({ name, shape: [n], init: "zeros", transposed: false });

  const base: BaseWeights<W> = {
    embeddings: {
      // Both word tables carry padding_idx = pad_token_id (LukeEmbeddings re-creates position_embeddings with it).
      word_embeddings: embedding("luke.embeddings.word_embeddings", c.vocabSize, H, c.padTokenId),
      position_embeddings: embedding("luke.embeddings.position_embeddings", c.maxPositionEmbeddings, H, c.padTokenId),
      token_type_embeddings: embedding("luke.embeddings.token_type_embeddings", c.typeVocabSize, H),
      LayerNorm: layerNorm("luke.embeddings.LayerNorm", H),
    },
    entity_embeddings: {
      entity_embeddings: embedding("luke.entity_embeddings.entity_embeddings", c.entityVocabSize, c.entityEmbSize, 0),
      entity_embedding_dense:
        c.entityEmbSize !== H
          ? linear("luke.entity_embeddings.entity_embedding_dense", c.entityEmbSize, H, false)
          : undefined,
      position_embeddings: embedding("luke.entity_embeddings.position_embeddings", c.maxPositionEmbeddings, H),
      token_type_embeddings: embedding("luke.entity_embeddings.token_type_embeddings", c.typeVocabSize, H),
      LayerNorm: layerNorm("luke.entity_embeddings.LayerNorm", H),
    },
    encoder: {
      layer: Array.from({ length: c.numHiddenLayers }, (_, i) => {
        const at = `luke.encoder.layer.${i}`;
        return {
          attention: {
            self: {
              query: linear(`${at}.attention.self.query`, H, H),
              key: linear(`${at}.attention.self.key`, H, H),
              value: linear(`${at}.attention.self.value`, H, H),
              ...(c.useEntityAwareAttention
                ? {
                    w2e_query: linear(`${at}.attention.self.w2e_query`, H, H),
                    e2w_query: linear(`${at}.attention.self.e2w_query`, H, H),
                    e2e_query: linear(`${at}.attention.self.e2e_query`, H, H),
                  }
                : {}),
            },
            output: { dense: linear(`${at}.attention.output.dense`, H, H), LayerNorm: layerNorm(`${at}.attention.output.LayerNorm`, H) },
          },
          intermediate: { dense: linear(`${at}.intermediate.dense`, H, c.intermediateSize) },
          output: { dense: linear(`${at}.output.dense`, c.intermediateSize, H), LayerNorm: layerNorm(`${at}.output.LayerNorm`, H) },
        };
      }),
    },
    pooler: { dense: linear("luke.pooler.dense", H, H) },
  };

  switch (head) {
    case "none":
      return { luke: base };
    case "entity_classification":
      return { luke: base, classifier: linear("classifier", H, c.numLabels) };
    case "entity_pair_classification":
      // No bias: transformers builds this one as nn.Linear(2H, n, False).
      return { luke: base, classifier: linear("classifier", 2 * H, c.numLabels, false) };
    case "entity_span_classification":
      return { luke: base, classifier: linear("classifier", 3 * H, c.numLabels) };
    case "masked_lm":
      return {
        luke: base,
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

export function weightSpecs(c: LukeConfig, head: LukeHead): WeightSpec[] {
  const specs: WeightSpec[] = [];
  declareWeights(c, head, (spec) => specs.push(spec));
  return specs;
}

// ---------------------------------------------------------------------------------------------
// Checkpoint names that are not weights of ours.

/** Tied to the embedding tables, or a buffer: present in some files, never read. */
const IGNORED = new Set([
  "luke.embeddings.position_ids",
  "lm_head.decoder.weight",
  "lm_head.decoder.bias", // the same Parameter as lm_head.bias
  "entity_predictions.decoder.weight",
]);

/**
 * The checkpoint name of `name` in our tree: bare LukeModel files (the first luke-base/large
 * uploads) have no `luke.` prefix; everything else is taken as is.
 */
function canonicalName(name: string, expected: ReadonlyMap<string, WeightSpec>): string {
  if (!expected.has(name) && !IGNORED.has(name) && (expected.has(`luke.${name}`) || IGNORED.has(`luke.${name}`))) {
    return `luke.${name}`;
  }
  return name;
}

const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/**
 * Matches a StateDict to the specs. Returns the tensor for every spec, or throws ONE error listing
 * every mis-shaped, missing and unexpected weight.
 */
export function matchStateDict(
  specs: readonly WeightSpec[],
  weights: StateDict,
  head: LukeHead,
): Map<string, TensorData> {
  const expected = new Map(specs.map((s) => [s.name, s]));
  const found = new Map<string, TensorData>();
  const unexpected: string[] = [];
  for (const [raw, tensor] of weights) {
    const name = canonicalName(raw, expected);
    if (IGNORED.has(name)) continue;
    if (!expected.has(name)) unexpected.push(`  unexpected: ${raw} ${fmt(tensor.shape)}`);
    else found.set(name, tensor);
  }
  // lm_head.bias and lm_head.decoder.bias are one Parameter; a file may keep either name.
  const decoderBias = weights.get("lm_head.decoder.bias");
  if (expected.has("lm_head.bias") && !found.has("lm_head.bias") && decoderBias) found.set("lm_head.bias", decoderBias);

  const misShaped: string[] = [];
  const missing: string[] = [];
  for (const spec of specs) {
    const t = found.get(spec.name);
    if (!t) {
      missing.push(`  missing: ${spec.name} expected ${fmt(spec.shape)}`);
    } else if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      misShaped.push(`  mis-shaped: ${spec.name} expected ${fmt(spec.shape)}, found ${fmt(t.shape)}`);
    } else if (!(t.data instanceof Float32Array) || t.data.length !== numel(t.shape)) {
      misShaped.push(
        `  mis-typed: ${spec.name} expected float data of ${numel(spec.shape)} values, found ${t.dtype} with ${t.data.length}`,
      );
    }
  }
  const problems = [...misShaped, ...missing, ...unexpected];
  if (problems.length > 0) {
    throw new Error(
      `LUKE weights do not fit the config for head "${head}" (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n` +
        problems.join("\n"),
    );
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Layout conversion between PyTorch [out, in] and our [in, out].

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c];
  }
  return out;
}

let modelCount = 0;

/** Variable names must be unique per process; prefix each model's names with a counter. */
export function variableNamer(): (name: string) => string {
  const id = modelCount++;
  return (name) => `luke${id}/${name}`;
}

/** A variable in our layout from a tensor in PyTorch layout. */
export function variableFromData(spec: WeightSpec, data: Float32Array, varName: string): tf.Variable {
  const [rows, cols] = spec.shape;
  const values = spec.transposed ? transpose2d(data, rows, cols) : data;
  const shape = spec.transposed ? [cols, rows] : spec.shape;
  const t = tf.tensor(values, shape, "float32");
  const v = tf.variable(t, true, varName);
  t.dispose(); // the variable holds its own reference to the data
  return v;
}

/** A variable initialised as transformers' LukePreTrainedModel._init_weights does. */
export function variableFromInit(spec: WeightSpec, std: number, seed: number | undefined, varName: string): tf.Variable {
  const shape = spec.transposed ? [spec.shape[1], spec.shape[0]] : spec.shape;
  const value = tf.tidy(() => {
    if (spec.init === "ones") return tf.ones(shape);
    if (spec.init === "zeros") return tf.zeros(shape);
    const t = tf.randomNormal(shape, 0, std, "float32", seed);
    if (spec.paddingIdx === undefined) return t;
    const keep = tf.sub(1, tf.oneHot(tf.tensor1d([spec.paddingIdx], "int32"), shape[0])); // [1, rows]
    return tf.mul(t, tf.reshape(keep, [shape[0], 1]));
  });
  const v = tf.variable(value, true, varName);
  value.dispose();
  return v;
}

/** A variable back in PyTorch layout. */
export function variableToData(spec: WeightSpec, v: tf.Variable): TensorData {
  const data = v.dataSync() as Float32Array;
  const [rows, cols] = spec.shape;
  return {
    dtype: "float32",
    shape: [...spec.shape],
    data: spec.transposed ? transpose2d(data, cols, rows) : Float32Array.from(data),
  };
}
