/**
 * A loaded LUKE: the tokenizer and the model of one checkpoint folder, and the few steps that
 * join them (encode → tensors → forward → plain numbers or labelled predictions).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { initBackend, tf } from "../backend";
import { loadHfCheckpoint, normaliseLukeKeys, saveHfCheckpoint } from "../checkpoint";
import { resolveModelPath, type HubOptions } from "../hub";
import { LukeModel, lukeConfigToJson, parseLukeConfig } from "../model";
import type { LukeConfig, LukeHead, LukeInputs, LukeOutputs } from "../model";
import { LukeTokenizer } from "../tokenizer";
import type { BatchEncoding, EncodeInput, LukeTask } from "../tokenizer";
import { sigmoid } from "../portable/maths";

export interface LoadOptions {
  /** Which head to build; by default read from config.json `architectures` or the weight names. */
  head?: LukeHead;
  /** For a Hub id: cache, endpoint, token, offline and progress settings (default: the environment's). */
  hub?: HubOptions;
}

export interface RunOptions {
  /** Tokenizer task for these inputs; by default the tokenizer's own (tokenizer_config.json). */
  task?: LukeTask;
  /** Also return the attention probabilities of every layer. */
  attentions?: boolean;
  /** Also return the hidden states after the embeddings and after every layer. */
  hiddenStates?: boolean;
  /** Inputs per forward pass (default 16). */
  batchSize?: number;
  /** Word-sequence limit; longer inputs are truncated as the reference tokenizer does. */
  maxLength?: number;
}

/** What the model computed for one input, padding removed; arrays are plain numbers. */
export interface ForwardResult {
  tokens: string[];
  inputIds: number[];
  entityIds: number[];
  entityPositionIds: number[][];
  entityStartPositions?: number[];
  entityEndPositions?: number[];
  /** [words, hidden] */
  lastHiddenState: number[][];
  /** [entities, hidden] */
  entityLastHiddenState: number[][];
  /** Entity classification: [labels]; pair: [labels]; span: [entities, labels]. Absent without a head. */
  logits?: number[] | number[][];
  /** [layer][head][query][key] over words then entities. */
  attentions?: number[][][][];
  /** [layer + 1][words, hidden] and [layer + 1][entities, hidden]. */
  hiddenStates?: number[][][];
  entityHiddenStates?: number[][][];
}

export interface LabelScore {
  label: string;
  /** Sigmoid probability (multi-label) or softmax probability (single-label). */
  score: number;
}

export interface Prediction {
  text: string;
  /** The mentions the prediction is about, as text, in code points of `text`. */
  mentions: string[];
  /** Labels predicted (multi-label: score ≥ threshold; single-label: the best one). */
  labels: string[];
  /** Every label with its score, best first. */
  scores: LabelScore[];
}

export interface PredictOptions extends RunOptions {
  /** Multi-label decision threshold on the sigmoid (default 0.5, i.e. logit > 0). */
  threshold?: number;
  /**
   * Sigmoid per label (Open Entity style) or softmax over labels. Default: multi-label for
   * entity classification (as LUKE's Open Entity fine-tuning is), softmax otherwise, unless
   * config.json says `problem_type`.
   */
  multiLabel?: boolean;
}

export class Luke {
  constructor(
    readonly tokenizer: LukeTokenizer,
    readonly model: LukeModel,
  ) {}

  get config(): LukeConfig {
    return this.model.config;
  }

  /** Label names in id order (from config.json id2label). */
  get labels(): string[] {
    return labelNames(this.config);
  }

  /** Tokenises a batch with padding to the longest row. Spans are in code points. */
  encode(inputs: EncodeInput[], options: RunOptions = {}): BatchEncoding {
    return encodeInputs(this.tokenizer, inputs, options);
  }

  /** The batch as int32 tensors; the caller owns them (see `disposeInputs`). */
  toTensors(batch: BatchEncoding): LukeInputs {
    return batchTensors(batch);
  }

  /** Runs the model over inputs in batches and returns plain numbers per input. */
  async forward(inputs: EncodeInput[], options: RunOptions = {}): Promise<ForwardResult[]> {
    const size = options.batchSize ?? 16;
    const results: ForwardResult[] = [];
    for (let at = 0; at < inputs.length; at += size) {
      const batch = this.encode(inputs.slice(at, at + size), options);
      results.push(...(await this.forwardBatch(batch, options)));
    }
    return results;
  }

  /** Runs one already encoded batch; padding is stripped from every row of the result. */
  async forwardBatch(batch: BatchEncoding, options: RunOptions = {}): Promise<ForwardResult[]> {
    const raw = await runModel(this.model, batch, options);
    return batchResults(batch, raw, this.model.head);
  }

  /** Labelled predictions: one per input (entity classification, pair) or per span (span task). */
  async predict(inputs: EncodeInput[], options: PredictOptions = {}): Promise<Prediction[]> {
    checkPredictHead(this.model.head);
    return labelledPredictions(inputs, await this.forward(inputs, options), this.config, this.model.head, options);
  }

  /**
   * Named entities of a raw text with code-point offsets, type and score (a model with the entity-span
   * head: a `ner run` folder or luke-large-finetuned-conll-2003); see kernel/tasks/ner/notebook.ts.
   */
  async ner(text: string): Promise<import("../tasks/ner/notebook").RecognizedEntity[]> {
    return (await import("../tasks/ner/notebook")).recognizeEntities(this, text);
  }

  /**
   * Attention over every span entity of each sentence (or only the predicted ones), one view per
   * sentence, for showAttention; see kernel/tasks/ner/attention.ts.
   */
  async nerAttention(text: string, options?: import("../tasks/ner/attention").NerAttentionOptions): Promise<import("../tasks/ner/attention").NerAttentionView[]> {
    return (await import("../tasks/ner/attention")).nerAttention(this, text, options);
  }

  /** Writes a Hugging Face folder (config.json, model.safetensors, tokenizer files) that transformers loads. */
  save(dir: string): void {
    saveHfCheckpoint(dir, { config: lukeConfigToJson(this.config), stateDict: this.model.stateDict() });
    this.tokenizer.save(dir);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Loads a Hugging Face LUKE folder (config.json, model.safetensors or pytorch_model.bin, tokenizer
 * files), or a model on the Hub by id: `org/name` or `org/name@revision`, downloaded into (or found
 * in) the cache Python's huggingface_hub uses. A folder that exists wins over a Hub id.
 */
export async function loadLuke(dirOrId: string, options: LoadOptions = {}): Promise<Luke> {
  await initBackend();
  const dir = await resolveModelPath(dirOrId, options.hub);
  if (!existsSync(join(dir, "config.json"))) {
    throw new Error(`${dir} is not a LUKE checkpoint folder: config.json is missing`);
  }
  const checkpoint = loadHfCheckpoint(dir);
  const config = parseLukeConfig(checkpoint.config, join(dir, "config.json"));
  const { stateDict } = normaliseLukeKeys(checkpoint.stateDict);
  const head = options.head ?? LukeModel.inferHead(config, stateDict.keys());
  const model = LukeModel.fromStateDict(config, stateDict, { head, where: checkpoint.source });
  const tokenizer = LukeTokenizer.fromFolder(dir);
  return new Luke(tokenizer, model);
}

/**
 * A model output as flat values and a shape: what a worker thread sends back (transferable), and
 * what `nest` turns into the nested arrays that `batchResults` reads.
 */
export interface FlatTensor {
  data: Float32Array;
  shape: number[];
}

/** What one forward pass over a padded batch computed, every row and position included. */
export interface RawOutputs {
  lastHiddenState: FlatTensor;
  entityLastHiddenState?: FlatTensor;
  logits?: FlatTensor;
  attentions?: FlatTensor[];
  hiddenStates?: FlatTensor[];
  entityHiddenStates?: FlatTensor[];
}

async function flat(t: tf.Tensor): Promise<FlatTensor> {
  return { data: (await t.data()) as Float32Array, shape: t.shape };
}

/** Label names in id order (config.json id2label; LABEL_i where one is missing). */
export function labelNames(config: LukeConfig): string[] {
  const id2label = config.id2label ?? {};
  return Array.from({ length: Object.keys(id2label).length }, (_, i) => id2label[i] ?? `LABEL_${i}`);
}

/** A batch padded to its longest row, with the tokenizer's task unless the options name one. */
export function encodeInputs(tokenizer: LukeTokenizer, inputs: EncodeInput[], options: RunOptions = {}): BatchEncoding {
  return tokenizer.encodeBatch(inputs, {
    task: options.task === undefined ? tokenizer.task : options.task,
    padding: true,
    maxLength: options.maxLength,
    truncation: options.maxLength !== undefined,
  });
}

/** The model over one encoded batch; tensors made here are disposed here. */
export async function runModel(model: LukeModel, batch: BatchEncoding, options: RunOptions = {}): Promise<RawOutputs> {
  const tensors = batchTensors(batch);
  let outputs: LukeOutputs | undefined;
  try {
    outputs = model.forward(tensors, { outputAttentions: options.attentions, outputHiddenStates: options.hiddenStates });
    const o = outputs;
    const [lastHiddenState, entityLastHiddenState, logits, attentions, hiddenStates, entityHiddenStates] = await Promise.all([
      flat(o.lastHiddenState),
      o.entityLastHiddenState && flat(o.entityLastHiddenState),
      o.logits && flat(o.logits),
      options.attentions ? Promise.all(o.attentions!.map(flat)) : undefined,
      options.hiddenStates ? Promise.all(o.hiddenStates!.map(flat)) : undefined,
      options.hiddenStates && o.entityHiddenStates ? Promise.all(o.entityHiddenStates.map(flat)) : undefined,
    ]);
    return { lastHiddenState, entityLastHiddenState, logits, attentions, hiddenStates, entityHiddenStates };
  } finally {
    disposeInputs(tensors);
    if (outputs) disposeOutputs(outputs);
  }
}

/** The batch as int32 tensors; the caller owns them (see `disposeInputs`). */
export function batchTensors(batch: BatchEncoding): LukeInputs {
  return tf.tidy(() => {
    const inputs: LukeInputs = {
      inputIds: tf.tensor2d(batch.inputIds, undefined, "int32"),
      attentionMask: tf.tensor2d(batch.attentionMask, undefined, "int32"),
    };
    const entities = batch.entityIds[0]?.length ?? 0;
    if (entities > 0) {
      inputs.entityIds = tf.tensor2d(batch.entityIds, undefined, "int32");
      inputs.entityPositionIds = tf.tensor3d(batch.entityPositionIds, undefined, "int32");
      inputs.entityAttentionMask = tf.tensor2d(batch.entityAttentionMask, undefined, "int32");
      if (batch.entityStartPositions && batch.entityEndPositions) {
        inputs.entityStartPositions = tf.tensor2d(batch.entityStartPositions, undefined, "int32");
        inputs.entityEndPositions = tf.tensor2d(batch.entityEndPositions, undefined, "int32");
      }
    }
    return inputs;
  });
}

/** Flat values → nested arrays, as tf.Tensor.array() gives them. */
export function nest(t: FlatTensor): unknown[] {
  const build = (offset: number, dim: number): unknown[] => {
    const n = t.shape[dim];
    if (dim === t.shape.length - 1) return Array.from(t.data.subarray(offset, offset + n));
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => build(offset + i * stride, dim + 1));
  };
  return t.shape.length === 0 ? [t.data[0]] : build(0, 0);
}

/** One ForwardResult per row of the batch, padding removed, from the raw outputs of that batch. */
export function batchResults(batch: BatchEncoding, raw: RawOutputs, head: LukeHead): ForwardResult[] {
  const hidden = nest(raw.lastHiddenState) as number[][][];
  const entityHidden = raw.entityLastHiddenState && (nest(raw.entityLastHiddenState) as number[][][]);
  const logits = raw.logits && nest(raw.logits);
  const attentions = raw.attentions?.map((a) => nest(a) as number[][][][]);
  const hiddenStates = raw.hiddenStates?.map((h) => nest(h) as number[][][]);
  const entityHiddenStates = raw.entityHiddenStates?.map((h) => nest(h) as number[][][]);
  const wordLength = batch.inputIds[0].length;
  return batch.inputIds.map((_, row) => {
    const words = count(batch.attentionMask[row]);
    const entities = count(batch.entityAttentionMask[row] ?? []);
    const keep = (i: number) => i < words || (i >= wordLength && i < wordLength + entities);
    const result: ForwardResult = {
      tokens: batch.tokens[row].slice(0, words),
      inputIds: batch.inputIds[row].slice(0, words),
      entityIds: (batch.entityIds[row] ?? []).slice(0, entities),
      entityPositionIds: (batch.entityPositionIds[row] ?? []).slice(0, entities),
      lastHiddenState: hidden[row].slice(0, words),
      entityLastHiddenState: entityHidden ? entityHidden[row].slice(0, entities) : [],
    };
    if (batch.entityStartPositions && batch.entityEndPositions) {
      result.entityStartPositions = batch.entityStartPositions[row].slice(0, entities);
      result.entityEndPositions = batch.entityEndPositions[row].slice(0, entities);
    }
    if (logits) {
      const rowLogits = logits[row] as number[] | number[][];
      result.logits = head === "entity_span_classification" ? (rowLogits as number[][]).slice(0, entities) : rowLogits;
    }
    if (attentions) {
      result.attentions = attentions.map((layer) =>
        layer[row].map((h) => h.filter((_, q) => keep(q)).map((keys) => keys.filter((_, k) => keep(k)))),
      );
    }
    if (hiddenStates) result.hiddenStates = hiddenStates.map((h) => h[row].slice(0, words));
    if (entityHiddenStates) result.entityHiddenStates = entityHiddenStates.map((h) => h[row].slice(0, entities));
    return result;
  });
}

export function checkPredictHead(head: LukeHead): void {
  if (head === "none" || head === "masked_lm") {
    throw new Error(`predict needs a classification head; this checkpoint's head is "${head}"`);
  }
}

/** Labels and scores from forward results: one prediction per input, or per span for the span task. */
export function labelledPredictions(
  inputs: EncodeInput[],
  results: ForwardResult[],
  config: LukeConfig,
  head: LukeHead,
  options: PredictOptions = {},
): Prediction[] {
  const labels = labelNames(config);
  const problem = config.extra?.problem_type;
  const multiLabel =
    options.multiLabel ??
    (problem === "multi_label_classification" ? true : problem === "single_label_classification" ? false : head === "entity_classification");
  const threshold = options.threshold ?? 0.5;
  const predictions: Prediction[] = [];
  results.forEach((result, i) => {
    const { text, spans = [] } = inputs[i];
    const chars = Array.from(text);
    const mention = (s: [number, number]) => chars.slice(s[0], s[1]).join("");
    const rows =
      head === "entity_span_classification"
        ? (result.logits as number[][]).map((l, e) => ({ logits: l, mentions: [mention(spans[e])] }))
        : [{ logits: result.logits as number[], mentions: spans.map(mention) }];
    for (const row of rows) {
      const probs = multiLabel ? row.logits.map(sigmoid) : softmax(row.logits);
      const scores = probs.map((score, id) => ({ label: labels[id] ?? `LABEL_${id}`, score })).sort((a, b) => b.score - a.score);
      const chosen = multiLabel ? scores.filter((s) => s.score >= threshold).map((s) => s.label) : [scores[0].label];
      predictions.push({ text, mentions: row.mentions, labels: chosen, scores });
    }
  });
  return predictions;
}

export function disposeInputs(inputs: LukeInputs): void {
  for (const t of Object.values(inputs)) (t as tf.Tensor | undefined)?.dispose();
}

export function disposeOutputs(outputs: LukeOutputs): void {
  for (const value of Object.values(outputs)) {
    if (Array.isArray(value)) value.forEach((t: tf.Tensor) => t.dispose());
    else (value as tf.Tensor | undefined)?.dispose();
  }
}

function count(mask: number[]): number {
  let n = 0;
  for (const m of mask) n += m ? 1 : 0;
  return n;
}

function softmax(xs: number[]): number[] {
  const max = Math.max(...xs);
  const exps = xs.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
