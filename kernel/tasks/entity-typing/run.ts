/**
 * `entity-typing run`: what the original's examples/entity_typing/main.py run() does, for the CLI
 * and the notebook API alike. The run itself (output folder, model, training with epoch evaluations,
 * best weights, resume, TensorBoard, results.json) is the run loop every task shares (./run-loop.ts); this file
 * gives it Open Entity's data and inputs, the multi-label loss, and what the final evaluation writes:
 * {dev,test}_predictions.jsonl (and attentions_{dev,test}.jsonl with --output-attentions), the
 * predictions block of results.json and the constant-answer baseline.
 */
import { join } from "node:path";
import { datasetSurprises, OPEN_ENTITY_LABELS, readOpenEntityDir, SPLITS, withContextWindow, type OpenEntityDataset } from "../../data/open-entity";
import type { LukeModel } from "../../model";
import { runTask, writeLines, type InputContext, type RunHooks, type RunOutcome, type Split, type TaskInputs } from "./run-loop";
import type { AttentionRecord } from "./attention-records";
import { evaluateSplit, type SplitEvaluation } from "./evaluate";
import { collate, encodeExamples, targetsTensor } from "./inputs";
import { HEAD } from "./model-setup";
import { logParameters, notApplicableNotes, resolveOptions, runFingerprint, type EntityTypingOptions } from "./options";
import { baselineRecord } from "./baseline";

export type { RunHooks, RunOutcome } from "./run-loop";

type Evaluation = SplitEvaluation & { attentions?: AttentionRecord[] };

/** Runs `entity-typing run` with the given options (defaults filled in as the original's). */
export async function runEntityTyping(partial: Partial<EntityTypingOptions>, hooks: RunHooks = {}): Promise<RunOutcome> {
  const options = resolveOptions(partial);
  const labels = OPEN_ENTITY_LABELS;
  return runTask<OpenEntityDataset, Evaluation>(
    {
      name: "entity-typing",
      head: HEAD,
      options,
      notes: notApplicableNotes(options),
      fingerprint: runFingerprint(options),
      logParameters: logParameters(options),
      read: (warn) => {
        const data = readOpenEntityDir(options.dataDir);
        if (options.contextWindow !== undefined) {
          const words = options.contextWindow;
          for (const split of SPLITS) data[split] = data[split].map((ex) => withContextWindow(ex, words));
        }
        // Data that would make the numbers meaningless is refused; data that only makes them mislead is named.
        const surprises = datasetSurprises(data, { train: options.doTrain, eval: options.doEval });
        if (surprises.refuse.length > 0) throw new Error(surprises.refuse.join("\n"));
        for (const w of surprises.warn) warn(`warning: ${w}`);
        return { data, labels, trainSize: data.train.length };
      },
      inputs: (context) => typingInputs(options, context),
    },
    hooks,
  );
}

/** Open Entity's inputs, loss, evaluation and final files for the run loop. */
function typingInputs(options: EntityTypingOptions, { luke, data, trainIndices, log, progress }: InputContext<OpenEntityDataset>): TaskInputs<Evaluation> {
  const labels = OPEN_ENTITY_LABELS;
  const trainExamples = trainIndices.map((i) => data.train[i]);
  const maxWords = luke.config.maxPositionEmbeddings - luke.config.padTokenId - 1;
  const encoded = {
    train: options.doTrain ? encodeExamples(luke.tokenizer, trainExamples, labels, data.files.train, maxWords) : [],
    dev: encodeExamples(luke.tokenizer, data.dev, labels, data.files.dev, maxWords),
    test: options.doEval ? encodeExamples(luke.tokenizer, data.test, labels, data.files.test, maxWords) : [],
  };
  log(`data: ${data.train.length} train (${trainExamples.length} used), ${data.dev.length} dev, ${data.test.length} test examples from ${options.dataDir}`);
  const predictBlock: Record<string, unknown> = { label_list: [...labels] };
  return {
    trainingInputs: encoded.train.length,
    samples: { training: trainExamples.length, dev: data.dev.length, test: data.test.length },
    fingerprint: { training_examples: trainExamples.length, dev_examples: data.dev.length },
    loss: (model: LukeModel, indices, dropoutSeed) => {
      const batch = indices.map((i) => encoded.train[i]);
      const inputs = collate(batch.map((b) => b.encoding), model.config.padTokenId);
      const targets = targetsTensor(batch.map((b) => b.targets));
      const out = model.forward(inputs, { training: true, seed: dropoutSeed });
      return model.loss(out.logits!, targets, { problemType: "multi_label_classification" });
    },
    evaluate: async (split: Split, model: LukeModel, label: string, final: boolean) => {
      const examples = split === "dev" ? data.dev : data.test;
      const attentions: AttentionRecord[] | undefined = final && options.outputAttentions ? [] : undefined;
      const ev = await evaluateSplit(model, encoded[split], {
        batchSize: options.evalBatchSize,
        labels,
        tokenizer: luke.tokenizer,
        sentences: examples.map((e) => e.text),
        indices: examples.map((e) => e.index),
        onAttention: attentions ? (r) => attentions.push(r) : undefined,
        progress: { ...progress, label },
      });
      return { ...ev, attentions };
    },
    finalSplit: (split, ev) => {
      predictBlock[split] = { predict_logits: ev.logits, true_labels: ev.targets };
      writeLines(
        join(options.outputDir, `${split}_predictions.jsonl`),
        ev.logits.map((row, i) =>
          JSON.stringify({
            predictions: row.flatMap((v, j) => (v > 0 ? [labels[j]] : [])),
            labels: ev.targets[i].flatMap((v, j) => (v > 0 ? [labels[j]] : [])),
          }),
        ),
      );
      if (ev.attentions) writeLines(join(options.outputDir, `attentions_${split}.jsonl`), ev.attentions.map((r) => JSON.stringify(r)));
      return ev.perLabel;
    },
    resultBlocks: () => (options.doEval ? { evaluation_predict_label: predictBlock } : {}),
    // The best constant answer (chosen on the training examples), the bar a trained model must clear.
    lukelabExtra: () => ({ baseline: baselineRecord({ train: trainExamples, dev: data.dev, test: data.test }, labels) }),
  };
}
