/**
 * Hugging Face LUKE weight names: one canonical form (`luke.`-prefixed base model, heads as they are),
 * the expected shapes of the base model (luke-reference.md §6), and a checker that reports every
 * problem at once.
 */
import type { StateDict } from "./tensor-data";

const BASE_PREFIXES = ["embeddings.", "entity_embeddings.", "encoder.", "pooler."];
const HEAD_PREFIXES = ["classifier.", "lm_head.", "entity_predictions."];

/** Tied to the embedding tables in transformers: the model rebuilds them, so files need not carry them. */
export const TIED_DECODER_KEYS: readonly string[] = ["lm_head.decoder.weight", "lm_head.decoder.bias", "entity_predictions.decoder.weight"];

export interface NormalisedKeys {
  stateDict: StateDict;
  /** Keys that were dropped because they carry nothing the model needs (`…embeddings.position_ids`, tied decoders). */
  dropped: string[];
}

/**
 * Puts a LUKE state dict in canonical naming: base-model keys get the `luke.` prefix whether or not
 * the file had it (LukeModel files have none, task-model files have it); task-head keys
 * (classifier.*, lm_head.*, entity_predictions.*) and unknown keys are kept as they are; the
 * position-id buffer and the tied decoders are dropped and listed. Tensors are shared, not copied.
 */
export function normaliseLukeKeys(stateDict: StateDict, where = "state dict"): NormalisedKeys {
  const out: StateDict = new Map();
  const dropped: string[] = [];
  const origin = new Map<string, string>();
  for (const [key, tensor] of stateDict) {
    if (key.endsWith("embeddings.position_ids") || TIED_DECODER_KEYS.includes(key)) {
      dropped.push(key);
      continue;
    }
    const canonical = BASE_PREFIXES.some((p) => key.startsWith(p)) ? `luke.${key}` : key;
    const earlier = origin.get(canonical);
    if (earlier !== undefined) {
      throw new Error(`${where}: "${earlier}" and "${key}" are the same weight ${canonical}; expected it once, with or without the "luke." prefix`);
    }
    origin.set(canonical, key);
    out.set(canonical, tensor);
  }
  return { stateDict: out, dropped };
}

/** True for keys of the task heads (kept unprefixed). */
export function isHeadKey(key: string): boolean {
  return HEAD_PREFIXES.some((p) => key.startsWith(p));
}

/** The LukeConfig fields that fix the base model's weight shapes. */
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
 * Expected `luke.`-prefixed weight names and shapes of LukeModel (with pooler) for a config,
 * as in luke-reference.md §6. `prefix` may be "" for the bare LukeModel naming.
 */
export function lukeBaseWeightShapes(c: LukeShapeConfig, prefix = "luke."): Map<string, number[]> {
  const H = c.hidden_size;
  const E = c.entity_emb_size;
  const m = new Map<string, number[]>();
  const add = (k: string, shape: number[]) => m.set(prefix + k, shape);
  const layerNorm = (k: string, n: number) => (add(`${k}.weight`, [n]), add(`${k}.bias`, [n]));
  const linear = (k: string, out: number, inp: number) => (add(`${k}.weight`, [out, inp]), add(`${k}.bias`, [out]));

  add("embeddings.word_embeddings.weight", [c.vocab_size, H]);
  add("embeddings.position_embeddings.weight", [c.max_position_embeddings, H]);
  add("embeddings.token_type_embeddings.weight", [c.type_vocab_size, H]);
  layerNorm("embeddings.LayerNorm", H);
  add("entity_embeddings.entity_embeddings.weight", [c.entity_vocab_size, E]);
  if (E !== H) add("entity_embeddings.entity_embedding_dense.weight", [H, E]);
  add("entity_embeddings.position_embeddings.weight", [c.max_position_embeddings, H]);
  add("entity_embeddings.token_type_embeddings.weight", [c.type_vocab_size, H]);
  layerNorm("entity_embeddings.LayerNorm", H);
  const queries = c.use_entity_aware_attention === false ? ["query"] : ["query", "w2e_query", "e2w_query", "e2e_query"];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `encoder.layer.${i}`;
    for (const q of [...queries, "key", "value"]) linear(`${l}.attention.self.${q}`, H, H);
    linear(`${l}.attention.output.dense`, H, H);
    layerNorm(`${l}.attention.output.LayerNorm`, H);
    linear(`${l}.intermediate.dense`, c.intermediate_size, H);
    linear(`${l}.output.dense`, H, c.intermediate_size);
    layerNorm(`${l}.output.LayerNorm`, H);
  }
  linear("pooler.dense", H, H);
  return m;
}

/**
 * Compares a state dict with the expected names and shapes and throws ONE Error listing every
 * missing, unexpected and mis-shaped weight. `where` names the checkpoint (file or folder).
 */
export function checkWeights(stateDict: StateDict, expected: Map<string, number[]>, where: string): void {
  const missing: string[] = [];
  const misShaped: string[] = [];
  const unexpected: string[] = [];
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  for (const [name, shape] of expected) {
    const t = stateDict.get(name);
    if (!t) missing.push(`  ${name}: expected shape ${fmt(shape)}`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      misShaped.push(`  ${name}: expected shape ${fmt(shape)}, found ${fmt(t.shape)}`);
    }
  }
  for (const [name, t] of stateDict) if (!expected.has(name)) unexpected.push(`  ${name}: shape ${fmt(t.shape)}`);
  if (!missing.length && !misShaped.length && !unexpected.length) return;
  const parts = [`${where}: the weights do not match the model (${expected.size} expected, ${stateDict.size} found)`];
  if (missing.length) parts.push(`missing (${missing.length}):`, ...missing);
  if (misShaped.length) parts.push(`wrong shape (${misShaped.length}):`, ...misShaped);
  if (unexpected.length) parts.push(`unexpected (${unexpected.length}):`, ...unexpected);
  throw new Error(parts.join("\n"));
}
