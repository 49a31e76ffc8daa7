/**
 * The weight trees of BERT, RoBERTa and GPT-2, declared once, in the style of LUKE's (weight-tree.ts,
 * whose leaf builders and encoder layer they share): names as the Hugging Face state dict of
 * BertModel, RobertaModel and GPT2Model, PyTorch shapes, and the key rules of their checkpoints.
 *
 *   bert, roberta   embeddings.{word,position,token_type}_embeddings, embeddings.LayerNorm,
 *                   encoder.layer.N (LUKE's layer without the entity-aware queries), pooler.dense (optional)
 *   gpt2            wte, wpe, h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj}, ln_f
 *
 * GPT-2's projections are Conv1D: their `.weight` is already [in, out], our Linear layout, so they
 * are not transposed. Task-model files keep the base model under `bert.`, `roberta.` or
 * `transformer.`; their head weights (cls.*, lm_head.*, classifier.*, …) are left out and listed.
 */
import type { StateDict } from "./tensor-data";
import type { WordModelConfig, WordModelType } from "./word-model-config";
import { declareLayer, leafBuilders, type EmbeddingsWeights, type LayerNorm, type LayerWeights, type Linear, type Embedding, type WeightSpec } from "./weight-tree";

export interface BertWeights<W> {
  embeddings: EmbeddingsWeights<W>;
  encoder: { layer: LayerWeights<W>[] };
  /** Present when the checkpoint has one (BertModel's default); not used by the forward pass. */
  pooler?: { dense: Linear<W> };
}

export interface Gpt2LayerWeights<W> {
  ln_1: LayerNorm<W>;
  /** c_attn: [H, 3H], the query, key and value projections side by side. */
  attn: { c_attn: Linear<W>; c_proj: Linear<W> };
  ln_2: LayerNorm<W>;
  mlp: { c_fc: Linear<W>; c_proj: Linear<W> };
}

export interface Gpt2Weights<W> {
  wte: Embedding<W>;
  wpe: Embedding<W>;
  h: Gpt2LayerWeights<W>[];
  ln_f: LayerNorm<W>;
}

export type WordModelWeights<W> = { modelType: "bert" | "roberta"; tree: BertWeights<W> } | { modelType: "gpt2"; tree: Gpt2Weights<W> };

/** Where task models keep the base model. */
export const WORD_MODEL_PREFIXES: Record<WordModelType, string> = { bert: "bert.", roberta: "roberta.", gpt2: "transformer." };
/** The modules of the base model; keys outside them belong to a task head. */
export const WORD_MODEL_MODULES: Record<WordModelType, readonly string[]> = {
  bert: ["embeddings", "encoder", "pooler"],
  roberta: ["embeddings", "encoder", "pooler"],
  gpt2: ["wte", "wpe", "h", "ln_f"],
};
/** Buffers that older transformers saved: never weights. */
const IGNORED = [/^embeddings\.position_ids$/, /^embeddings\.token_type_ids$/, /^h\.\d+\.attn\.(bias|masked_bias)$/];

/** Walks the tree of `config` in state-dict order, calling `leaf` for every weight. */
export function declareWordModelWeights<W>(c: WordModelConfig, leaf: (spec: WeightSpec) => W, options: { pooler: boolean }): WordModelWeights<W> {
  const H = c.hiddenSize;
  const { linear, layerNorm, embedding } = leafBuilders(leaf);
  if (c.modelType === "gpt2") {
    // Conv1D: weight [in, out], as stored.
    const conv1d = (name: string, inF: number, outF: number): Linear<W> => ({
      kernel: leaf({ name: `${name}.weight`, shape: [inF, outF], init: "normal", transposed: false }),
      bias: leaf({ name: `${name}.bias`, shape: [outF], init: "zeros", transposed: false }),
    });
    return {
      modelType: "gpt2",
      tree: {
        wte: embedding("wte", c.vocabSize, H),
        wpe: embedding("wpe", c.maxPositionEmbeddings, H),
        h: Array.from({ length: c.numHiddenLayers }, (_, i) => ({
          ln_1: layerNorm(`h.${i}.ln_1`, H),
          attn: { c_attn: conv1d(`h.${i}.attn.c_attn`, H, 3 * H), c_proj: conv1d(`h.${i}.attn.c_proj`, H, H) },
          ln_2: layerNorm(`h.${i}.ln_2`, H),
          mlp: { c_fc: conv1d(`h.${i}.mlp.c_fc`, H, c.intermediateSize), c_proj: conv1d(`h.${i}.mlp.c_proj`, c.intermediateSize, H) },
        })),
        ln_f: layerNorm("ln_f", H),
      },
    };
  }
  const padding = c.modelType === "roberta" ? c.padTokenId : undefined;
  return {
    modelType: c.modelType,
    tree: {
      embeddings: {
        word_embeddings: embedding("embeddings.word_embeddings", c.vocabSize, H, c.padTokenId),
        position_embeddings: embedding("embeddings.position_embeddings", c.maxPositionEmbeddings, H, padding),
        token_type_embeddings: embedding("embeddings.token_type_embeddings", c.typeVocabSize, H),
        LayerNorm: layerNorm("embeddings.LayerNorm", H),
      },
      encoder: { layer: Array.from({ length: c.numHiddenLayers }, (_, i) => declareLayer(leaf, `encoder.layer.${i}`, H, c.intermediateSize, false)) },
      pooler: options.pooler ? { dense: linear("pooler.dense", H, H) } : undefined,
    },
  };
}

/** name → PyTorch shape of every weight (what checkWeights compares against). */
export function wordModelWeightShapes(c: WordModelConfig, options: { pooler: boolean }): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  declareWordModelWeights(c, (spec) => shapes.set(spec.name, spec.shape), options);
  return shapes;
}

export interface NormalisedWordModelKeys {
  stateDict: StateDict;
  /** Head weights and old buffers that were left out (as the file named them). */
  dropped: string[];
  /** Whether the file holds a pooler. */
  pooler: boolean;
}

/** Base-model keys without their task-model prefix; head weights and buffers dropped and listed. */
export function normaliseWordModelKeys(modelType: WordModelType, stateDict: StateDict): NormalisedWordModelKeys {
  const prefix = WORD_MODEL_PREFIXES[modelType];
  const modules = WORD_MODEL_MODULES[modelType];
  const out: StateDict = new Map();
  const dropped: string[] = [];
  for (const [key, tensor] of stateDict) {
    const name = key.startsWith(prefix) ? key.slice(prefix.length) : key;
    if (IGNORED.some((re) => re.test(name)) || !modules.some((m) => name.startsWith(`${m}.`))) dropped.push(key);
    else if (out.has(name)) throw new Error(`state dict: "${key}" is the weight ${name} a second time; expected it once, with or without the "${prefix}" prefix`);
    else out.set(name, tensor);
  }
  return { stateDict: out, dropped, pooler: [...out.keys()].some((k) => k.startsWith("pooler.")) };
}
