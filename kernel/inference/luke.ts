/**
 * A loaded LUKE: the tokenizer and the model of one checkpoint folder, and the few steps that
 * join them (encode → tensors → forward → plain numbers or labelled predictions).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { initBackend, tf } from "../backend";
import { loadHfCheckpoint, normaliseLukeKeys, saveHfCheckpoint } from "../checkpoint";
import { LukeModel, lukeConfigToJson, parseLukeConfig } from "../model";
import type { LukeConfig, LukeHead, LukeInputs, LukeOutputs } from "../model";
import { LukeTokenizer } from "../tokenizer";
import type { BatchEncoding, EncodeInput, LukeTask } from "../tokenizer";

export interface LoadOptions {
  /** Which head to build; by default read from config.json `architectures` or the weight names. */
  head?: LukeHead;
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
    const id2label = this.config.id2label ?? {};
    const n = Object.keys(id2label).length;
    return Array.from({ length: n }, (_, i) => id2label[i] ?? `LABEL_${i}`);
  }

  /** Tokenises a batch with padding to the longest row. Spans are in code points. */
  encode(inputs: EncodeInput[], options: RunOptions = {}): BatchEncoding {
    return this.tokenizer.encodeBatch(inputs, {
      task: options.task === undefined ? this.tokenizer.task : options.task,
      padding: true,
      maxLength: options.maxLength,
      truncation: options.maxLength !== undefined,
    });
  }

  /** The batch as int32 tensors; the caller owns them (see `disposeInputs`). */
  toTensors(batch: BatchEncoding): LukeInputs {
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
    const tensors = this.toTensors(batch);
    let outputs: LukeOutputs | undefined;
    try {
      outputs = this.model.forward(tensors, {
        outputAttentions: options.attentions,
        outputHiddenStates: options.hiddenStates,
      });
      const [hidden, entityHidden, logits, attentions, hiddenStates, entityHiddenStates] = await Promise.all([
        outputs.lastHiddenState.array(),
        outputs.entityLastHiddenState?.array(),
        outputs.logits?.array() as Promise<unknown[]> | undefined,
        options.attentions ? Promise.all(outputs.attentions!.map((a) => a.array())) : undefined,
        options.hiddenStates ? Promise.all(outputs.hiddenStates!.map((h) => h.array())) : undefined,
        options.hiddenStates && outputs.entityHiddenStates
          ? Promise.all(outputs.entityHiddenStates.map((h) => h.array()))
          : undefined,
      ]);
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
          result.logits = this.model.head === "entity_span_classification" ? (rowLogits as number[][]).slice(0, entities) : rowLogits;
        }
        if (attentions) {
          result.attentions = attentions.map((layer) =>
            layer[row].map((head) => head.filter((_, q) => keep(q)).map((keys) => keys.filter((_, k) => keep(k)))),
          );
        }
        if (hiddenStates) result.hiddenStates = hiddenStates.map((h) => h[row].slice(0, words));
        if (entityHiddenStates) result.entityHiddenStates = entityHiddenStates.map((h) => h[row].slice(0, entities));
        return result;
      });
    } finally {
      disposeInputs(tensors);
      if (outputs) disposeOutputs(outputs);
    }
  }

  /** Labelled predictions: one per input (entity classification, pair) or per span (span task). */
  async predict(inputs: EncodeInput[], options: PredictOptions = {}): Promise<Prediction[]> {
    if (this.model.head === "none" || this.model.head === "masked_lm") {
      throw new Error(`predict needs a classification head; this checkpoint's head is "${this.model.head}"`);
    }
    const labels = this.labels;
    const problem = this.config.extra?.problem_type;
    const multiLabel =
      options.multiLabel ??
      (problem === "multi_label_classification" ? true : problem === "single_label_classification" ? false : this.model.head === "entity_classification");
    const threshold = options.threshold ?? 0.5;
    const results = await this.forward(inputs, options);
    const predictions: Prediction[] = [];
    results.forEach((result, i) => {
      const { text, spans = [] } = inputs[i];
      const chars = Array.from(text);
      const mention = (s: [number, number]) => chars.slice(s[0], s[1]).join("");
      const rows =
        this.model.head === "entity_span_classification"
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

  /** Writes a Hugging Face folder (config.json, model.safetensors, tokenizer files) that transformers loads. */
  save(dir: string): void {
    saveHfCheckpoint(dir, { config: lukeConfigToJson(this.config), stateDict: this.model.stateDict() });
    this.tokenizer.save(dir);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Loads a Hugging Face LUKE folder: config.json, model.safetensors or pytorch_model.bin, tokenizer files. */
export async function loadLuke(dir: string, options: LoadOptions = {}): Promise<Luke> {
  await initBackend();
  if (!existsSync(join(dir, "config.json"))) {
    throw new Error(`${dir} is not a LUKE checkpoint folder: config.json is missing`);
  }
  const checkpoint = loadHfCheckpoint(dir);
  const config = parseLukeConfig(checkpoint.config, join(dir, "config.json"));
  const { stateDict } = normaliseLukeKeys(checkpoint.stateDict);
  const head = options.head ?? LukeModel.inferHead(config, stateDict.keys());
  const model = LukeModel.fromStateDict(config, stateDict, { head });
  const tokenizer = LukeTokenizer.fromFolder(dir);
  return new Luke(tokenizer, model);
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

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function softmax(xs: number[]): number[] {
  const max = Math.max(...xs);
  const exps = xs.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
