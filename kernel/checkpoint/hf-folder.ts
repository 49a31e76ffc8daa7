/**
 * Hugging Face model folders: `config.json` plus `model.safetensors` or `pytorch_model.bin`
 * (or their sharded `*.index.json` forms). What saveHfCheckpoint writes, transformers'
 * `from_pretrained` loads, and loadHfCheckpoint reads what transformers saves.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { readJson } from "../io/read";
import { normaliseLukeKeys } from "../model/weight-tree";
import { loadSafetensors, saveSafetensors } from "./safetensors";
import type { StateDict } from "./tensor-data";
import { loadTorchCheckpoint } from "./torch-file";

export const CONFIG_FILE = "config.json";
export const SAFETENSORS_FILE = "model.safetensors";
export const TORCH_FILE = "pytorch_model.bin";
/** Weight files in the order they are looked for (transformers' preference). */
export const WEIGHT_FILES: readonly string[] = [SAFETENSORS_FILE, `${SAFETENSORS_FILE}.index.json`, TORCH_FILE, `${TORCH_FILE}.index.json`];

export interface HfCheckpoint {
  /** config.json, parsed. */
  config: Record<string, unknown>;
  /** Weights with the names the file has (use normaliseLukeKeys for the canonical form). */
  stateDict: StateDict;
  /** The weight file (or index file) that was read. */
  source: string;
}

/** Reads a JSON object from a file; errors name the file and what was wrong. */
export function readJsonObject(path: string): Record<string, unknown> {
  const value = readJson(path);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${path}: holds JSON ${Array.isArray(value) ? "array" : String(value === null ? "null" : typeof value)}, expected an object`);
  }
  return value as Record<string, unknown>;
}

function loadWeightFile(path: string): StateDict {
  return path.endsWith(".safetensors") ? loadSafetensors(path).stateDict : loadTorchCheckpoint(path);
}

function loadSharded(dir: string, indexPath: string): StateDict {
  const index = readJsonObject(indexPath);
  const map = index.weight_map;
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new Error(`${indexPath}: "weight_map" is ${JSON.stringify(map)}, expected an object of weight name → shard file`);
  }
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== "string" || shard !== basename(shard) || shard === "." || shard === "..") {
      throw new Error(`${indexPath}: weight "${name}" maps to ${JSON.stringify(shard)}, expected a file name in ${dir}`);
    }
    byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
  }
  const out: StateDict = new Map();
  for (const [shard, names] of byShard) {
    const path = join(dir, shard);
    if (!existsSync(path)) throw new Error(`${indexPath}: shard ${shard} (holding ${names.length} weights, e.g. ${names[0]}) is missing from ${dir}`);
    const part = loadWeightFile(path);
    for (const name of names) {
      const t = part.get(name);
      if (!t) throw new Error(`${path}: has no weight "${name}", which ${basename(indexPath)} places in it`);
      out.set(name, t);
    }
  }
  return out;
}

/**
 * Loads a Hugging Face model folder: config.json and the weights, preferring model.safetensors,
 * then its sharded index, then pytorch_model.bin, then its sharded index.
 */
export function loadHfCheckpoint(dir: string): HfCheckpoint {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`${dir}: is not a folder; expected a Hugging Face model folder with ${CONFIG_FILE} and one of ${WEIGHT_FILES.join(", ")}`);
  }
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(configPath)) throw new Error(`${dir}: has no ${CONFIG_FILE}; a Hugging Face model folder needs one next to its weights`);
  const config = readJsonObject(configPath);
  const found = WEIGHT_FILES.find((f) => existsSync(join(dir, f)));
  if (!found) throw new Error(`${dir}: has no weights; looked for ${WEIGHT_FILES.join(", ")}`);
  const source = join(dir, found);
  const stateDict = found.endsWith(".index.json") ? loadSharded(dir, source) : loadWeightFile(source);
  return { config, stateDict, source };
}

export interface SavedHfCheckpoint {
  /** Paths written. */
  files: string[];
  /** Keys left out because transformers does not need them (position ids, tied decoders). */
  dropped: string[];
}

/**
 * Writes config.json and model.safetensors into `dir` (created if needed), each atomically.
 * Keys are normalised first (`luke.` prefix on the base model), which is how transformers saves
 * LUKE task models; LukeModel.from_pretrained strips the prefix itself. `model_type` defaults to "luke".
 */
export function saveHfCheckpoint(dir: string, checkpoint: { config: Record<string, unknown>; stateDict: StateDict }): SavedHfCheckpoint {
  const { config } = checkpoint;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`${dir}: the config to save is ${JSON.stringify(config)}, expected an object`);
  }
  mkdirSync(dir, { recursive: true });
  const { stateDict, dropped } = normaliseLukeKeys(checkpoint.stateDict, dir);
  const weightsPath = join(dir, SAFETENSORS_FILE);
  const configPath = join(dir, CONFIG_FILE);
  saveSafetensors(weightsPath, stateDict, { format: "pt" });
  const full: Record<string, unknown> = { model_type: "luke", ...config };
  const sorted = Object.fromEntries(Object.keys(full).sort().map((k) => [k, full[k]]));
  writeFileAtomic(configPath, JSON.stringify(sorted, null, 2) + "\n");
  return { files: [weightsPath, configPath], dropped };
}
