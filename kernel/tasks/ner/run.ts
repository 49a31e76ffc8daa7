/**
 * `lukelab ner run`: named entity recognition on CoNLL-2003 as upstream LUKE's NER example does it,
 * in the run folder every task shares (the run loop, ../entity-typing/run-loop.ts: output folder, model, training
 * with dev evaluated after every epoch and the best dev F1's weights kept, resume, TensorBoard,
 * --save-steps, results.json with dev_f1, test_f1, dev_f1_epoch{k}, best_epoch, per_label per type).
 * This file gives the loop:
 *
 *   - eng.train / eng.testa / eng.testb (all three read before anything is written), the labels
 *     (NIL + the entity types) and the span inputs (inputs.ts);
 *   - the span head's cross-entropy loss;
 *   - evaluation: upstream's greedy decoding and seqeval's entity-level metrics; the final evaluation
 *     writes dev_predictions.txt / test_predictions.txt in CoNLL form (`token gold predicted`) and the
 *     per-type span confusion (span_confusion_{dev,test}.csv, and in results.json).
 */
import { join } from "node:path";
import { CONLL_TYPES, readConllDir, type ConllData, type ConllDocument } from "../../data/conll";
import type { Luke } from "../../inference/luke";
import type { LukeModel } from "../../model";
import type { EntityTypingResults } from "../entity-typing/results";
import { runTask, writeLines, type InputContext, type RunHooks, type Split, type TaskInputs } from "../entity-typing/run-loop";
import { evaluateNer, predictionLines, type NerEvaluation } from "./evaluate";
import { spanConfusion } from "./metrics";
import { buildSpanFeatures, collateSpans, labelsTensor, type NerSentence, type SpanFeature } from "./inputs";
import { nerFingerprint, nerLogParameters, resolveNerOptions, type NerOptions } from "./options";

export const NER_HEAD = "entity_span_classification" as const;

export interface NerRunOutcome {
  results: EntityTypingResults;
  outputDir: string;
  /** The model with the kept weights; the caller owns it (dispose). */
  luke: Luke;
  resumed: boolean;
  labels: string[];
}

/** NIL, the CoNLL-2003 types (upstream's order), then any other type of the training data, sorted. */
export function nerLabels(train: readonly ConllDocument[]): string[] {
  const extra = new Set<string>();
  for (const d of train) for (const s of d.sentences) for (const e of s.entities) if (!CONLL_TYPES.includes(e.type)) extra.add(e.type);
  return ["NIL", ...CONLL_TYPES, ...[...extra].sort()];
}

/** Runs `ner run` with the given options (NER's defaults filled in). */
export async function runNer(partial: Partial<NerOptions>, hooks: RunHooks = {}): Promise<NerRunOutcome> {
  const options = resolveNerOptions(partial);
  let labels: string[] = [];
  const outcome = await runTask<ConllData, NerEvaluation>(
    {
      name: "ner",
      head: NER_HEAD,
      options,
      fingerprint: nerFingerprint(options),
      logParameters: nerLogParameters(options),
      lukelabHead: { task: "ner" },
      lukelabInfo: (names) => ({
        labels: [...names],
        training_samples: "inputs (sentence chunks of at most --max-entity-length spans), not sentences; train documents are what --train-frac-size samples",
        metrics: "entity-level micro precision/recall/F1 as seqeval computes them (default mode), after upstream's greedy decoding",
      }),
      read: () => {
        const data = readConllDir(options.dataDir);
        labels = nerLabels(data.train);
        return { data, labels, trainSize: data.train.length };
      },
      inputs: (context) => nerInputs(options, context),
    },
    hooks,
  );
  return { ...outcome, labels };
}

/** CoNLL's span inputs, loss, evaluation and final files for the run loop. */
function nerInputs(options: NerOptions, { luke, data, labels, trainIndices, log, progress }: InputContext<ConllData>): TaskInputs<NerEvaluation> {
  const trainDocuments = trainIndices.map((i) => data.train[i]);
  const positions = luke.config.maxPositionEmbeddings - luke.config.padTokenId - 1;
  const spanOptions = { maxSeqLength: Math.min(options.maxSeqLength, positions), maxEntityLength: options.maxEntityLength, maxMentionLength: options.maxMentionLength };
  const build = (docs: ConllDocument[], file: string) => {
    const built = buildSpanFeatures(luke.tokenizer, docs, labels, spanOptions, file);
    if (built.truncated.length) {
      const t = built.truncated[0];
      log(`${file}: ${built.truncated.length} sentences longer than --max-seq-length ${spanOptions.maxSeqLength} keep only their first words (line ${t.line}: ${t.keptWords} of ${t.words}); the rest are predicted O`);
    }
    return built;
  };
  const none = { sentences: [] as NerSentence[], features: [] as SpanFeature[] };
  const sets = {
    train: options.doTrain ? build(trainDocuments, data.files.train) : none,
    dev: build(data.dev, data.files.dev),
    test: options.doEval ? build(data.test, data.files.test) : none,
  };
  log(
    `data: ${trainDocuments.length} train documents (${sets.train.sentences.length} sentences, ${sets.train.features.length} inputs), ` +
      `${sets.dev.sentences.length} dev and ${sets.test.sentences.length} test sentences from ${options.dataDir}`,
  );
  const confusion: Record<string, unknown> = {};
  return {
    trainingInputs: sets.train.features.length,
    samples: { training: sets.train.features.length, dev: sets.dev.sentences.length, test: sets.test.sentences.length },
    fingerprint: { training_inputs: sets.train.features.length, dev_sentences: sets.dev.sentences.length },
    loss: (model: LukeModel, indices, dropoutSeed) => {
      const batch = indices.map((i) => sets.train.features[i]);
      const inputs = collateSpans(batch.map((b) => b.encoding), model.config.padTokenId);
      const target = labelsTensor(batch, inputs.entityIds!.shape[1]);
      const out = model.forward(inputs, { training: true, seed: dropoutSeed });
      return model.loss(out.logits!, target, { problemType: "single_label_classification" });
    },
    evaluate: (split: Split, model: LukeModel, label: string) =>
      evaluateNer(model, sets[split].features, sets[split].sentences, labels, { batchSize: options.evalBatchSize, progress: { ...progress, label } }),
    finalSplit: (split, ev) => {
      writeLines(join(options.outputDir, `${split}_predictions.txt`), predictionLines(sets[split].sentences, ev.predictedTags));
      const c = spanConfusion(sets[split].sentences.map((s) => s.tags), ev.predictedTags);
      confusion[split] = c;
      writeLines(join(options.outputDir, `span_confusion_${split}.csv`), [["gold/predicted", ...c.labels].join(","), ...c.matrix.map((row, i) => [c.labels[i], ...row].join(","))]);
      return ev.metrics.perType;
    },
    lukelabExtra: () => ({
      // Per-type confusion over spans (metrics.ts spanConfusion), also in span_confusion_{dev,test}.csv.
      ...(options.doEval ? { span_confusion: confusion } : {}),
      // The trivial baseline: predicting no entity scores 0 precision, recall and F1.
      baseline: { all_o: { precision: 0, recall: 0, f1: 0 } },
    }),
  };
}
