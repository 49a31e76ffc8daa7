/**
 * LukeConfig: the hyper-parameters of a LUKE network, read from and written to a Hugging Face
 * `config.json`. Port of transformers/models/luke/configuration_luke.py plus the label fields of
 * PretrainedConfig that the heads read (id2label, label2id, num_labels, architectures).
 *
 * Fields are camelCase here and snake_case in JSON. Anything in the JSON that LUKE does not read
 * (transformers_version, bert_model_name, torch_dtype, ...) is kept verbatim in `extra`, so a
 * parse → write round trip gives a config.json that transformers loads with the same values.
 */

/** Activations transformers' ACT2FN offers that we implement (see ops.ts `activation`). */
export const HIDDEN_ACTS = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish", "tanh"] as const;
export type HiddenAct = (typeof HIDDEN_ACTS)[number];

export interface LukeConfig {
  /** Word vocabulary: RoBERTa's 50265 plus `<ent>` and `<ent2>`. */
  readonly vocabSize: number;
  readonly entityVocabSize: number;
  readonly hiddenSize: number;
  /** Width of the entity table; when it differs from hiddenSize a bias-free E→H projection is added. */
  readonly entityEmbSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  /** "gelu" is the exact erf form, as in PyTorch; "gelu_new" is the tanh approximation. */
  readonly hiddenAct: HiddenAct;
  readonly hiddenDropoutProb: number;
  readonly attentionProbsDropoutProb: number;
  /** Rows of both position tables. The checkpoints use 514: word positions start at padTokenId + 1. */
  readonly maxPositionEmbeddings: number;
  /** The checkpoints use 1, so token type ids must be 0. */
  readonly typeVocabSize: number;
  readonly initializerRange: number;
  /** The default is 1e-12 but every released checkpoint uses 1e-5: always read config.json. */
  readonly layerNormEps: number;
  /** False for mLUKE: one query projection, no w2e/e2w/e2e weights. */
  readonly useEntityAwareAttention: boolean;
  /** Read only by the Sequence/Token/MultipleChoice heads, which we do not build; kept for round trips. */
  readonly classifierDropout: number | null;
  readonly padTokenId: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly id2label: Readonly<Record<number, string>>;
  readonly label2id: Readonly<Record<string, number>>;
  readonly numLabels: number;
  /** e.g. ["LukeForEntityClassification"]; null when the file has none. */
  readonly architectures: readonly string[] | null;
  /** Every other field of config.json, unchanged, so it is written back. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** The fields the encoder layers read: LUKE's, and those of BERT, RoBERTa and GPT-2 (word-model-config.ts). */
export type EncoderConfig = Pick<
  LukeConfig,
  "hiddenSize" | "numAttentionHeads" | "hiddenAct" | "hiddenDropoutProb" | "attentionProbsDropoutProb" | "layerNormEps"
>;

/** The Python defaults of LukeConfig.__init__ (and PretrainedConfig's num_labels = 2). */
export const DEFAULT_LUKE_CONFIG = {
  vocabSize: 50267,
  entityVocabSize: 500000,
  hiddenSize: 768,
  entityEmbSize: 256,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  hiddenAct: "gelu" as HiddenAct,
  hiddenDropoutProb: 0.1,
  attentionProbsDropoutProb: 0.1,
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  initializerRange: 0.02,
  layerNormEps: 1e-12,
  useEntityAwareAttention: true,
  classifierDropout: null as number | null,
  padTokenId: 1,
  bosTokenId: 0,
  eosTokenId: 2,
  numLabels: 2,
} as const;

export type Kind = "posInt" | "nonNegInt" | "int" | "positive" | "probability" | "bool" | "act" | "nullableProbability";

/** JSON name, TS name and the check applied: the whole mapping in one table. */
const FIELDS: readonly [json: string, key: keyof typeof DEFAULT_LUKE_CONFIG, kind: Kind][] = [
  ["vocab_size", "vocabSize", "posInt"],
  ["entity_vocab_size", "entityVocabSize", "posInt"],
  ["hidden_size", "hiddenSize", "posInt"],
  ["entity_emb_size", "entityEmbSize", "posInt"],
  ["num_hidden_layers", "numHiddenLayers", "posInt"],
  ["num_attention_heads", "numAttentionHeads", "posInt"],
  ["intermediate_size", "intermediateSize", "posInt"],
  ["hidden_act", "hiddenAct", "act"],
  ["hidden_dropout_prob", "hiddenDropoutProb", "probability"],
  ["attention_probs_dropout_prob", "attentionProbsDropoutProb", "probability"],
  ["max_position_embeddings", "maxPositionEmbeddings", "posInt"],
  ["type_vocab_size", "typeVocabSize", "posInt"],
  ["initializer_range", "initializerRange", "positive"],
  ["layer_norm_eps", "layerNormEps", "positive"],
  ["use_entity_aware_attention", "useEntityAwareAttention", "bool"],
  ["classifier_dropout", "classifierDropout", "nullableProbability"],
  ["pad_token_id", "padTokenId", "nonNegInt"],
  ["bos_token_id", "bosTokenId", "int"],
  ["eos_token_id", "eosTokenId", "int"],
];

/** Fields handled outside FIELDS; everything else goes to `extra`. */
const LABEL_FIELDS = ["id2label", "label2id", "num_labels", "architectures", "model_type"];

export function describeValue(v: unknown): string {
  return v === undefined ? "nothing" : `${JSON.stringify(v)} (${v === null ? "null" : typeof v})`;
}

export function checkField(kind: Kind, v: unknown): string | undefined {
  const isNum = typeof v === "number" && Number.isFinite(v);
  switch (kind) {
    case "posInt":
      return isNum && Number.isInteger(v) && (v as number) > 0 ? undefined : "a positive integer";
    case "nonNegInt":
      return isNum && Number.isInteger(v) && (v as number) >= 0 ? undefined : "a non-negative integer";
    case "int":
      return isNum && Number.isInteger(v) ? undefined : "an integer";
    case "positive":
      return isNum && (v as number) > 0 ? undefined : "a positive number";
    case "probability":
      return isNum && (v as number) >= 0 && (v as number) < 1 ? undefined : "a number in [0, 1)";
    case "nullableProbability":
      return v === null || (isNum && (v as number) >= 0 && (v as number) < 1) ? undefined : "null or a number in [0, 1)";
    case "bool":
      return typeof v === "boolean" ? undefined : "true or false";
    case "act":
      return typeof v === "string" && (HIDDEN_ACTS as readonly string[]).includes(v)
        ? undefined
        : `one of ${HIDDEN_ACTS.map((a) => `"${a}"`).join(", ")}`;
  }
}

/** Labels in HF's shape: id2label wins over num_labels; default LABEL_0..LABEL_{n-1}. */
function defaultLabels(n: number): Record<number, string> {
  const out: Record<number, string> = {};
  for (let i = 0; i < n; i++) out[i] = `LABEL_${i}`;
  return out;
}

function invert(id2label: Readonly<Record<number, string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, label] of Object.entries(id2label)) out[label] = Number(id);
  return out;
}

/** Checks that hold between fields; returns a message or undefined. */
function crossCheck(c: LukeConfig): string | undefined {
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    return `"hidden_size" (${c.hiddenSize}) must be a multiple of "num_attention_heads" (${c.numAttentionHeads})`;
  }
  if (c.padTokenId >= c.vocabSize) return `"pad_token_id" (${c.padTokenId}) must be below "vocab_size" (${c.vocabSize})`;
  if (c.numLabels !== Object.keys(c.id2label).length) {
    return `"num_labels" (${c.numLabels}) disagrees with the ${Object.keys(c.id2label).length} entries of "id2label"`;
  }
  return undefined;
}

/**
 * Parses a config.json object. Every error names the field, what was found, what was expected,
 * and `where` (usually the file path).
 */
export function parseLukeConfig(json: Record<string, unknown>, where: string): LukeConfig {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`${where}: a LUKE config must be a JSON object, found ${describeValue(json)}`);
  }
  if (json.model_type !== undefined && json.model_type !== "luke") {
    throw new Error(`${where}: field "model_type" must be "luke", found ${describeValue(json.model_type)}`);
  }
  const values: Record<string, unknown> = { ...DEFAULT_LUKE_CONFIG };
  for (const [jsonName, key, kind] of FIELDS) {
    if (!(jsonName in json)) continue;
    const problem = checkField(kind, json[jsonName]);
    if (problem) throw new Error(`${where}: field "${jsonName}" must be ${problem}, found ${describeValue(json[jsonName])}`);
    values[key] = json[jsonName];
  }

  // id2label and label2id: an object each when given (null is "not given").
  const mapping = (field: "id2label" | "label2id", what: string): [string, unknown][] | undefined => {
    const value = json[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) throw new Error(`${where}: field "${field}" must be an object of ${what}, found ${describeValue(value)}`);
    return Object.entries(value as Record<string, unknown>);
  };

  let id2label: Record<number, string>;
  const idEntries = mapping("id2label", "id → label");
  if (idEntries) {
    id2label = {};
    for (const [id, label] of idEntries) {
      if (!/^\d+$/.test(id)) throw new Error(`${where}: field "id2label" has key "${id}", expected a non-negative integer`);
      if (typeof label !== "string") {
        throw new Error(`${where}: field "id2label" maps ${id} to ${describeValue(label)}, expected a string`);
      }
      id2label[Number(id)] = label;
    }
  } else {
    const n = json.num_labels ?? DEFAULT_LUKE_CONFIG.numLabels;
    const problem = checkField("nonNegInt", n);
    if (problem) throw new Error(`${where}: field "num_labels" must be ${problem}, found ${describeValue(n)}`);
    id2label = defaultLabels(n as number);
  }

  let label2id: Record<string, number>;
  const labelEntries = mapping("label2id", "label → id");
  if (labelEntries) {
    label2id = {};
    for (const [label, id] of labelEntries) {
      if (checkField("nonNegInt", id)) {
        throw new Error(`${where}: field "label2id" maps "${label}" to ${describeValue(id)}, expected a non-negative integer`);
      }
      label2id[label] = id as number;
    }
  } else {
    label2id = invert(id2label);
  }

  let architectures: string[] | null = null;
  if (json.architectures !== undefined && json.architectures !== null) {
    if (!Array.isArray(json.architectures) || !json.architectures.every((a) => typeof a === "string")) {
      throw new Error(`${where}: field "architectures" must be a list of strings, found ${describeValue(json.architectures)}`);
    }
    architectures = [...json.architectures];
  }

  const extra: Record<string, unknown> = {};
  const known = new Set([...FIELDS.map((f) => f[0]), ...LABEL_FIELDS]);
  for (const [k, v] of Object.entries(json)) if (!known.has(k)) extra[k] = v;

  const config = {
    ...(values as Omit<LukeConfig, "id2label" | "label2id" | "numLabels" | "architectures" | "extra">),
    id2label,
    label2id,
    numLabels: Object.keys(id2label).length,
    architectures,
    extra,
  };
  const problem = crossCheck(config);
  if (problem) throw new Error(`${where}: ${problem}`);
  return config;
}

/**
 * Builds a config in code: DEFAULT_LUKE_CONFIG overridden by `overrides`. Giving numLabels without
 * id2label makes LABEL_0..LABEL_{n-1}, as transformers does.
 */
export function createLukeConfig(overrides: Partial<LukeConfig> = {}): LukeConfig {
  const id2label = overrides.id2label ?? defaultLabels(overrides.numLabels ?? DEFAULT_LUKE_CONFIG.numLabels);
  const config: LukeConfig = {
    ...DEFAULT_LUKE_CONFIG,
    architectures: null,
    extra: {},
    ...overrides,
    id2label,
    label2id: overrides.label2id ?? invert(id2label),
    numLabels: Object.keys(id2label).length,
  };
  // Run the same checks as for a file, so a bad override fails the same way.
  return parseLukeConfig(lukeConfigToJson(config), "createLukeConfig");
}

/** Writes config.json content (snake_case, model_type "luke", id2label keys as strings). */
export function lukeConfigToJson(config: LukeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config.extra };
  for (const [jsonName, key] of FIELDS) out[jsonName] = config[key];
  out.model_type = "luke";
  if (config.architectures) out.architectures = [...config.architectures];
  out.id2label = Object.fromEntries(Object.entries(config.id2label).map(([id, label]) => [String(id), label]));
  out.label2id = { ...config.label2id };
  return out;
}
