/**
 * Evaluation of an entity-typing model on a split: logits in eval mode (no dropout), batch by
 * batch in file order, then the original's metrics; optionally the attention records of every
 * example.
 */
import { tf } from "../../backend";
import { disposeInputs, disposeOutputs } from "../../inference/luke";
import type { LukeModel, LukeOutputs } from "../../model";
import type { LukeTokenizer } from "../../tokenizer";
import { ProgressBar, type ProgressOptions } from "../../train/progress";
import { encodeFloat16Base64, type AttentionRecord } from "./attention-records";
import { collate, type EncodedExample } from "./inputs";
import { microPrf, perLabelPrf, type Counts, type LabelFigures, type Prf } from "./metrics";

export interface SplitEvaluation {
  logits: number[][];
  targets: number[][];
  metrics: Prf & Counts;
  perLabel: Record<string, LabelFigures>;
}

export interface EvaluateOptions {
  batchSize: number;
  labels: readonly string[];
  /** Called with each example's attention record, in order. */
  onAttention?: (record: AttentionRecord) => void;
  /** The texts, for attention records. */
  sentences?: readonly string[];
  /** Example indices in the file, for attention records (default 0…n−1). */
  indices?: readonly number[];
  tokenizer?: LukeTokenizer;
  progress?: ProgressOptions & { label?: string };
}

export async function evaluateSplit(model: LukeModel, data: readonly EncodedExample[], options: EvaluateOptions): Promise<SplitEvaluation> {
  const padId = model.config.padTokenId;
  const logits: number[][] = [];
  const batches = Math.ceil(data.length / options.batchSize);
  const bar = options.progress ? new ProgressBar(options.progress.label ?? "eval", batches, options.progress) : undefined;
  for (let at = 0; at < data.length; at += options.batchSize) {
    const batch = data.slice(at, at + options.batchSize);
    const inputs = collate(batch.map((b) => b.encoding), padId);
    let outputs: LukeOutputs | undefined;
    try {
      outputs = model.forward(inputs, { training: false, outputAttentions: options.onAttention !== undefined });
      logits.push(...((await outputs.logits!.array()) as number[][]));
      if (options.onAttention) await emitAttentions(outputs, batch, at, options);
    } finally {
      disposeInputs(inputs);
      if (outputs) disposeOutputs(outputs);
    }
    bar?.tick();
  }
  bar?.finish();
  const targets = data.map((d) => d.targets);
  return { logits, targets, metrics: microPrf(logits, targets), perLabel: perLabelPrf(logits, targets, options.labels) };
}

async function emitAttentions(outputs: LukeOutputs, batch: readonly EncodedExample[], offset: number, options: EvaluateOptions): Promise<void> {
  const layers = outputs.attentions!;
  const [, heads, total] = layers[0].shape;
  const wordLength = total - batch.reduce((m, b) => Math.max(m, b.encoding.entityIds.length), 0);
  for (let row = 0; row < batch.length; row++) {
    const enc = batch[row].encoding;
    const words = enc.attentionMask.reduce((a, b) => a + b, 0);
    const entities = enc.entityAttentionMask.reduce((a, b) => a + b, 0);
    const keep = [...Array(words).keys(), ...Array.from({ length: entities }, (_, k) => wordLength + k)];
    const S = keep.length;
    // [L, H, S, S] for this row: gather the kept queries and keys of every layer.
    const values = tf.tidy(() => {
      const idx = tf.tensor1d(keep, "int32");
      const perLayer = layers.map((a) => {
        const r = tf.squeeze(tf.slice(a, [row, 0, 0, 0], [1, heads, total, total]), [0]);
        return tf.gather(tf.gather(r, idx, 1), idx, 2);
      });
      return tf.stack(perLayer);
    });
    const data = (await values.data()) as Float32Array;
    values.dispose();
    const index = options.indices?.[offset + row] ?? offset + row;
    const entityNames = enc.entityIds.slice(0, entities).map((id) => options.tokenizer?.entityTitle(id) ?? `entity ${id}`);
    options.onAttention!({
      index,
      sentence: options.sentences?.[offset + row] ?? "",
      tokens: [...enc.tokens.slice(0, words), ...entityNames],
      word_count: words,
      entity_count: entities,
      entity_position_ids: enc.entityPositionIds.slice(0, entities).map((r) => r.filter((p) => p >= 0)),
      shape: [layers.length, heads, S, S],
      dtype: "float16",
      data: encodeFloat16Base64(data),
    });
  }
}
