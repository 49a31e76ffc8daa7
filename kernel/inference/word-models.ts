/**
 * A loaded BERT, RoBERTa or GPT-2: the tokenizer and the model of one Hugging Face folder (or Hub
 * id), run on texts with attentions and hidden states out, in the shapes `Luke.forward` gives, so
 * the same views show them beside LUKE's.
 *
 *   const bert = await loadBert("../samples/tiny-bert");        // or "google-bert/bert-base-uncased"
 *   const [r] = await bert.forward(["Beyoncé lives in Los Angeles."], { attentions: true });
 *   showAttention({ tokens: r.tokens, attentions: r.attentions! });
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { initBackend, tf } from "../backend";
import { loadHfCheckpoint } from "../checkpoint";
import { resolveModelPath, type HubOptions } from "../hub";
import { WordModel, parseWordModelConfig, wordModelType, type WordModelOutputs, type WordModelType } from "../model";
import { WordModelTokenizer, type WordEncoding } from "../tokenizer";
import { readJsonObject } from "../checkpoint";
import { nest } from "./luke";

/** A text, or a text and a second one (BERT's sentence pair: token types 0 then 1). */
export type WordModelInput = string | { text: string; pair?: string };

export interface WordForwardOptions {
  attentions?: boolean;
  hiddenStates?: boolean;
  /** Texts per forward pass (default 16). */
  batchSize?: number;
}

/** What the model computed for one text, padding removed; arrays are plain numbers. */
export interface WordForwardResult {
  tokens: string[];
  inputIds: number[];
  tokenTypeIds: number[];
  /** Index of the second text's first token, for a pair. */
  secondStart?: number;
  /** [tokens, hidden] */
  lastHiddenState: number[][];
  /** [layer][head][query][key] */
  attentions?: number[][][][];
  /** [layer + 1][tokens, hidden] */
  hiddenStates?: number[][][];
}

export class WordModelRunner {
  constructor(
    readonly tokenizer: WordModelTokenizer,
    readonly model: WordModel,
    /** What views call the model (default: its model type in capitals, e.g. "BERT"). */
    readonly name: string = DISPLAY_NAMES[model.config.modelType],
  ) {}

  get modelType(): WordModelType {
    return this.model.config.modelType;
  }

  encode(input: WordModelInput): WordEncoding {
    const { text, pair } = typeof input === "string" ? { text: input, pair: undefined } : input;
    if (typeof text !== "string") throw new Error(`a ${this.name} input must be a string or { text, pair? }, found ${JSON.stringify(input)}`);
    return this.tokenizer.encode(text, pair);
  }

  /** Runs the model over texts in batches (right-padded) and returns plain numbers per text. */
  async forward(inputs: WordModelInput[], options: WordForwardOptions = {}): Promise<WordForwardResult[]> {
    const size = options.batchSize ?? 16;
    const results: WordForwardResult[] = [];
    for (let at = 0; at < inputs.length; at += size) {
      results.push(...(await this.forwardEncoded(inputs.slice(at, at + size).map((i) => this.encode(i)), options)));
    }
    return results;
  }

  /** Runs already encoded texts as one padded batch. */
  async forwardEncoded(encodings: WordEncoding[], options: WordForwardOptions = {}): Promise<WordForwardResult[]> {
    const length = Math.max(...encodings.map((e) => e.inputIds.length));
    const pad = (row: number[], value: number) => [...row, ...new Array(length - row.length).fill(value)];
    const tensors = tf.tidy(() => ({
      inputIds: tf.tensor2d(encodings.map((e) => pad(e.inputIds, this.tokenizer.padTokenId)), undefined, "int32"),
      attentionMask: tf.tensor2d(encodings.map((e) => pad(e.inputIds.map(() => 1), 0)), undefined, "int32"),
      tokenTypeIds: tf.tensor2d(encodings.map((e) => pad(e.tokenTypeIds, 0)), undefined, "int32"),
    }));
    let outputs: WordModelOutputs | undefined;
    try {
      outputs = this.model.forward(tensors, { outputAttentions: options.attentions, outputHiddenStates: options.hiddenStates });
      const o = outputs;
      const flat = async (t: tf.Tensor) => nest({ data: (await t.data()) as Float32Array, shape: t.shape });
      const hidden = (await flat(o.lastHiddenState)) as number[][][];
      const attentions = o.attentions && ((await Promise.all(o.attentions.map(flat))) as number[][][][][]);
      const states = o.hiddenStates && ((await Promise.all(o.hiddenStates.map(flat))) as number[][][][]);
      return encodings.map((e, row) => {
        const n = e.inputIds.length;
        const result: WordForwardResult = {
          tokens: e.tokens,
          inputIds: e.inputIds,
          tokenTypeIds: e.tokenTypeIds,
          lastHiddenState: hidden[row].slice(0, n),
        };
        if (e.secondStart !== undefined) result.secondStart = e.secondStart;
        if (attentions) result.attentions = attentions.map((layer) => layer[row].map((h) => h.slice(0, n).map((keys) => keys.slice(0, n))));
        if (states) result.hiddenStates = states.map((s) => s[row].slice(0, n));
        return result;
      });
    } finally {
      tf.dispose(tensors);
      if (outputs) tf.dispose(outputs);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

const DISPLAY_NAMES: Record<WordModelType, string> = { bert: "BERT", roberta: "RoBERTa", gpt2: "GPT-2" };

/** The model_type of a model folder's config.json (undefined when the folder has none). */
export function folderModelType(dir: string): string | undefined {
  const path = join(dir, "config.json");
  if (!existsSync(path)) return undefined;
  const type = readJsonObject(path).model_type;
  return typeof type === "string" ? type : undefined;
}

export interface WordModelLoadOptions {
  hub?: HubOptions;
  /** What views call the model. */
  name?: string;
}

/**
 * Loads a BERT, RoBERTa or GPT-2 Hugging Face folder (config.json, model.safetensors or
 * pytorch_model.bin, tokenizer files), or a model on the Hub by id (`org/name[@revision]`), as
 * loadLuke does. `expected` refuses a folder of another model type.
 */
export async function loadWordModel(dirOrId: string, options: WordModelLoadOptions & { expected?: WordModelType } = {}): Promise<WordModelRunner> {
  await initBackend();
  const dir = await resolveModelPath(dirOrId, options.hub);
  const checkpoint = loadHfCheckpoint(dir);
  const configPath = join(dir, "config.json");
  const type = wordModelType(checkpoint.config);
  if (options.expected && type !== options.expected) {
    throw new Error(`${configPath}: field "model_type" is ${JSON.stringify(checkpoint.config.model_type)}, expected "${options.expected}"`);
  }
  const config = parseWordModelConfig(checkpoint.config, configPath);
  const tokenizer = WordModelTokenizer.fromFolder(dir, config.modelType);
  const model = WordModel.fromStateDict(config, checkpoint.stateDict, { where: checkpoint.source });
  return new WordModelRunner(tokenizer, model, options.name);
}

/** A BERT folder or Hub id (`bert-base-uncased` style: WordPiece, lower-cased). */
export const loadBert = (dirOrId: string, options: WordModelLoadOptions = {}) => loadWordModel(dirOrId, { ...options, expected: "bert" });
/** A RoBERTa folder or Hub id. */
export const loadRoberta = (dirOrId: string, options: WordModelLoadOptions = {}) => loadWordModel(dirOrId, { ...options, expected: "roberta" });
/** A GPT-2 folder or Hub id. */
export const loadGpt2 = (dirOrId: string, options: WordModelLoadOptions = {}) => loadWordModel(dirOrId, { ...options, expected: "gpt2" });
