/**
 * The config.json of the models shown beside LUKE: BERT and RoBERTa (BertConfig, RobertaConfig: the
 * same fields as LUKE's word side) and GPT-2 (GPT2Config: n_embd, n_layer, … mapped to the same
 * names). Unknown fields are kept in `extra`; every error names the file and the field.
 */
import { checkField, describeValue, type EncoderConfig, type Kind } from "./config";

export type WordModelType = "bert" | "roberta" | "gpt2";
export const WORD_MODEL_TYPES: readonly WordModelType[] = ["bert", "roberta", "gpt2"];

export interface WordModelConfig extends EncoderConfig {
  modelType: WordModelType;
  vocabSize: number;
  numHiddenLayers: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  /** BERT and RoBERTa; 0 for GPT-2, which has no token type table. */
  typeVocabSize: number;
  /** RoBERTa's positions start at padTokenId + 1; BERT's and GPT-2's at 0. */
  padTokenId: number;
  /** GPT-2's dropout on the embeddings (embd_pdrop); BERT's hidden dropout otherwise. */
  embeddingDropoutProb: number;
  initializerRange: number;
  architectures: readonly string[] | null;
  extra: Readonly<Record<string, unknown>>;
}

type Field = [json: string, key: keyof WordModelConfig, kind: Kind, fallback: unknown];

const BERT_FIELDS: Field[] = [
  ["vocab_size", "vocabSize", "posInt", 30522],
  ["hidden_size", "hiddenSize", "posInt", 768],
  ["num_hidden_layers", "numHiddenLayers", "posInt", 12],
  ["num_attention_heads", "numAttentionHeads", "posInt", 12],
  ["intermediate_size", "intermediateSize", "posInt", 3072],
  ["hidden_act", "hiddenAct", "act", "gelu"],
  ["hidden_dropout_prob", "hiddenDropoutProb", "probability", 0.1],
  ["attention_probs_dropout_prob", "attentionProbsDropoutProb", "probability", 0.1],
  ["max_position_embeddings", "maxPositionEmbeddings", "posInt", 512],
  ["type_vocab_size", "typeVocabSize", "posInt", 2],
  ["layer_norm_eps", "layerNormEps", "positive", 1e-12],
  ["pad_token_id", "padTokenId", "nonNegInt", 0],
  ["initializer_range", "initializerRange", "positive", 0.02],
];

const GPT2_FIELDS: Field[] = [
  ["vocab_size", "vocabSize", "posInt", 50257],
  ["n_embd", "hiddenSize", "posInt", 768],
  ["n_layer", "numHiddenLayers", "posInt", 12],
  ["n_head", "numAttentionHeads", "posInt", 12],
  ["activation_function", "hiddenAct", "act", "gelu_new"],
  ["resid_pdrop", "hiddenDropoutProb", "probability", 0.1],
  ["attn_pdrop", "attentionProbsDropoutProb", "probability", 0.1],
  ["embd_pdrop", "embeddingDropoutProb", "probability", 0.1],
  ["n_positions", "maxPositionEmbeddings", "posInt", 1024],
  ["layer_norm_epsilon", "layerNormEps", "positive", 1e-5],
  ["initializer_range", "initializerRange", "positive", 0.02],
];

/** GPT-2 options whose other values change the computation and are not implemented here. */
const GPT2_FIXED: [json: string, value: unknown][] = [
  ["scale_attn_weights", true],
  ["scale_attn_by_inverse_layer_idx", false],
  ["add_cross_attention", false],
];

/** The model type of a config.json object, or undefined when it is none of BERT, RoBERTa, GPT-2. */
export function wordModelType(json: Record<string, unknown>): WordModelType | undefined {
  return WORD_MODEL_TYPES.find((t) => t === json.model_type);
}

/** Parses the config.json of a BERT, RoBERTa or GPT-2; `where` (the file) starts every error. */
export function parseWordModelConfig(json: Record<string, unknown>, where: string): WordModelConfig {
  const modelType = wordModelType(json);
  if (!modelType) {
    throw new Error(`${where}: field "model_type" must be one of ${WORD_MODEL_TYPES.map((t) => `"${t}"`).join(", ")}, found ${describeValue(json.model_type)}`);
  }
  const gpt2 = modelType === "gpt2";
  const values: Record<string, unknown> = { modelType, typeVocabSize: 0, padTokenId: 0 };
  if (modelType === "roberta") Object.assign(values, { vocabSize: 50265, padTokenId: 1 });
  const fields = gpt2 ? GPT2_FIELDS : BERT_FIELDS;
  for (const [jsonName, key, kind, fallback] of fields) {
    const v = json[jsonName];
    if (v === undefined) {
      values[key] ??= fallback;
      continue;
    }
    const problem = checkField(kind, v);
    if (problem) throw new Error(`${where}: field "${jsonName}" must be ${problem}, found ${describeValue(v)}`);
    values[key] = v;
  }
  if (gpt2) {
    const inner = json.n_inner ?? null;
    if (inner !== null && checkField("posInt", inner)) throw new Error(`${where}: field "n_inner" must be null or a positive integer, found ${describeValue(inner)}`);
    values.intermediateSize = inner ?? 4 * (values.hiddenSize as number);
    for (const [name, expected] of GPT2_FIXED) {
      if (json[name] !== undefined && json[name] !== expected) {
        throw new Error(`${where}: field "${name}" is ${describeValue(json[name])}; only ${JSON.stringify(expected)} is supported`);
      }
    }
  } else {
    values.embeddingDropoutProb = values.hiddenDropoutProb;
    const positions = json.position_embedding_type;
    if (positions !== undefined && positions !== "absolute") {
      throw new Error(`${where}: field "position_embedding_type" is ${describeValue(positions)}; only "absolute" is supported`);
    }
  }
  const H = values.hiddenSize as number;
  const heads = values.numAttentionHeads as number;
  const [hName, nName] = gpt2 ? ["n_embd", "n_head"] : ["hidden_size", "num_attention_heads"];
  if (H % heads !== 0) throw new Error(`${where}: "${hName}" (${H}) must be a multiple of "${nName}" (${heads})`);
  const architectures = json.architectures;
  if (architectures !== undefined && architectures !== null && (!Array.isArray(architectures) || !architectures.every((a) => typeof a === "string"))) {
    throw new Error(`${where}: field "architectures" must be a list of strings, found ${describeValue(architectures)}`);
  }
  const known = new Set([...fields.map((f) => f[0]), "model_type", "architectures", "n_inner"]);
  const extra = Object.fromEntries(Object.entries(json).filter(([k]) => !known.has(k)));
  return { ...(values as Omit<WordModelConfig, "architectures" | "extra">), architectures: (architectures as string[] | undefined) ?? null, extra };
}
