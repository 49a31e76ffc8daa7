/**
 * Evaluation of an NER model on a split: span logits in eval mode (no dropout), batch by batch,
 * then upstream's decoding per sentence and seqeval's entity-level metrics (metrics.ts).
 */
import { tf } from "../../backend";
import { disposeInputs } from "../../inference/luke";
import type { LukeModel } from "../../model";
import { ProgressBar, type ProgressOptions } from "../../train/progress";
import { collateSpans, type NerSentence, type SpanFeature } from "./inputs";
import { decodeSpans, nerMetrics, spansToTags, type NerMetrics, type ScoredSpan } from "./metrics";

/** A candidate whose argmax is not NIL, with its softmax probability. */
export interface SpanCandidate extends ScoredSpan {
  probability: number;
}

/**
 * The non-NIL candidates of every sentence: argmax label, its logit (the score upstream sorts by)
 * and its probability. Returns one list per sentence index (`sentenceCount` lists).
 */
export async function scoreSpans(
  model: LukeModel,
  features: readonly SpanFeature[],
  labels: readonly string[],
  sentenceCount: number,
  options: { batchSize: number; progress?: ProgressOptions & { label?: string } },
): Promise<SpanCandidate[][]> {
  const out: SpanCandidate[][] = Array.from({ length: sentenceCount }, () => []);
  const batches = Math.ceil(features.length / options.batchSize);
  const bar = options.progress ? new ProgressBar(options.progress.label ?? "eval", batches, options.progress) : undefined;
  for (let at = 0; at < features.length; at += options.batchSize) {
    const batch = features.slice(at, at + options.batchSize);
    const inputs = collateSpans(batch.map((f) => f.encoding), model.config.padTokenId);
    let logits: number[][][];
    try {
      const t = tf.tidy(() => {
        const o = model.forward(inputs, { training: false });
        return o.logits as tf.Tensor3D;
      });
      logits = (await t.array()) as number[][][];
      t.dispose();
    } finally {
      disposeInputs(inputs);
    }
    batch.forEach((f, b) => {
      f.spans.forEach(([start, end], j) => {
        const row = logits[b][j];
        let best = 0;
        for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
        if (best === 0) return;
        const max = row[best];
        const z = row.reduce((s, v) => s + Math.exp(v - max), 0);
        out[f.sentence].push({ start, end, type: labels[best], score: max, probability: 1 / z });
      });
    });
    bar?.tick();
  }
  bar?.finish();
  return out;
}

export interface NerEvaluation {
  metrics: NerMetrics;
  /** Predicted IOB2 tags per sentence. */
  predictedTags: string[][];
  /** Kept spans per sentence. */
  predicted: SpanCandidate[][];
}

export async function evaluateNer(
  model: LukeModel,
  features: readonly SpanFeature[],
  sentences: readonly NerSentence[],
  labels: readonly string[],
  options: { batchSize: number; progress?: ProgressOptions & { label?: string } },
): Promise<NerEvaluation> {
  const candidates = await scoreSpans(model, features, labels, sentences.length, options);
  const predicted = candidates.map((c) => decodeSpans(c) as SpanCandidate[]);
  const predictedTags = sentences.map((s, i) => spansToTags(s.words.length, predicted[i]));
  return { metrics: nerMetrics(sentences.map((s) => s.tags), predictedTags), predictedTags, predicted };
}

/** The CoNLL predictions file: `token gold predicted` per line, a blank line after each sentence. */
export function predictionLines(sentences: readonly NerSentence[], predictedTags: readonly string[][]): string[] {
  const lines: string[] = [];
  sentences.forEach((s, i) => {
    s.words.forEach((w, k) => lines.push(`${w} ${s.tags[k]} ${predictedTags[i][k]}`));
    lines.push("");
  });
  return lines;
}
