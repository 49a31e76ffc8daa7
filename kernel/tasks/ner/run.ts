/**
 * `lukelab ner run`: named entity recognition on CoNLL-2003 as upstream LUKE's NER example does it,
 * in entity typing's run folder (kernel/tasks/entity-typing/run.ts):
 *
 *   1. read eng.train / eng.testa / eng.testb (all three before anything is written), build the
 *      entity-span-classification model (entity typing's prepareModel with the span head; labels
 *      NIL + the entity types) and the span inputs (inputs.ts);
 *   2. with training: the same Trainer and AdamW, dev evaluated after every epoch with the weights
 *      of the best dev F1 kept, resume checkpoints every --resume-steps steps and at epoch ends (the
 *      same command started again continues), TensorBoard events in <output>/tensorboard/;
 *   3. with evaluation: dev and test with the kept weights → dev_predictions.txt / test_predictions.txt
 *      in CoNLL form (`token gold predicted`), entity-level metrics as seqeval computes them;
 *   4. the best model as a Hugging Face folder (unless --dont-save-model), results.json last, with
 *      entity typing's keys (dev_f1, test_f1, dev_f1_epoch{k}, best_epoch, per_label per type), so
 *      readResults and `lukelab analyze` read NER runs too.
 * Every output file is written whole or not at all.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { initBackend } from "../../backend";
import type { StateDict } from "../../checkpoint/tensor-data";
import { CONLL_TYPES, readConllDir, type ConllDocument } from "../../data/conll";
import { Luke } from "../../inference/luke";
import { AtomicFileWriter, writeFileAtomic } from "../../io/atomic";
import { LukeModel, lukeConfigToJson } from "../../model";
import type { NamedVariable } from "../../train/adamw";
import { ProgressBar, type ProgressOptions } from "../../train/progress";
import { subsample } from "../../train/random";
import { ResumeStore } from "../../train/resume";
import { EventWriter } from "../../train/tensorboard";
import { Trainer } from "../../train/trainer";
import { prepareModel } from "../entity-typing/model-setup";
import { checkOutputDir } from "../entity-typing/output-dir";
import { validateResults, type EntityTypingResults } from "../entity-typing/results";
import type { RunHooks } from "../entity-typing/run";
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

interface Meta {
  results: Record<string, number>;
  bestF1: number;
  bestEpoch: number | null;
  eventFile: string;
  eventBytes: number;
  trainingLoss: number[];
}

/** NIL, the CoNLL-2003 types (upstream's order), then any other type of the training data, sorted. */
export function nerLabels(train: readonly ConllDocument[]): string[] {
  const extra = new Set<string>();
  for (const d of train) for (const s of d.sentences) for (const e of s.entities) if (!CONLL_TYPES.includes(e.type)) extra.add(e.type);
  return ["NIL", ...CONLL_TYPES, ...[...extra].sort()];
}

function namedParameters(model: LukeModel): NamedVariable[] {
  const names = [...LukeModel.expectedWeights(model.config, model.head).keys()];
  const vars = model.trainableVariables();
  if (names.length !== vars.length) throw new Error(`internal: ${names.length} weight names for ${vars.length} variables`);
  return names.map((name, i) => ({ name, variable: vars[i] }));
}

function metricsOf(prefix: string, suffix: string, ev: NerEvaluation): Record<string, number> {
  const m = ev.metrics;
  return { [`${prefix}_precision${suffix}`]: m.precision, [`${prefix}_recall${suffix}`]: m.recall, [`${prefix}_f1${suffix}`]: m.f1 };
}

function writeLines(path: string, lines: Iterable<string>): void {
  const out = new AtomicFileWriter(path);
  try {
    for (const line of lines) out.write(line + "\n");
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}

/** Runs `ner run` with the given options (NER's defaults filled in). */
export async function runNer(partial: Partial<NerOptions>, hooks: RunHooks = {}): Promise<NerRunOutcome> {
  const options = resolveNerOptions(partial);
  const log = hooks.log ?? ((line: string) => (options.quiet ? undefined : process.stderr.write(`[ner] ${line}\n`)));
  const progressOptions: ProgressOptions = { silent: options.quiet, ...hooks.progress, onUpdate: hooks.onProgress };
  // The output folder first, as entity typing: a finished run is not trained over without --overwrite-output-dir.
  checkOutputDir(options.outputDir, options.overwriteOutputDir || options.restart);
  const backend = await initBackend();

  // 1. Data first: a bad file stops the run before anything is written.
  const data = readConllDir(options.dataDir);
  const labels = nerLabels(data.train);
  const { indices: trainIndices, withReplacement } = subsample(data.train.length, options.trainFracSize, options.seed);
  const trainDocuments = trainIndices.map((i) => data.train[i]);

  let checkpointFile = options.checkpointFile;
  if (!options.doTrain && !checkpointFile && existsSync(join(options.outputDir, "config.json"))) {
    checkpointFile = options.outputDir;
    log(`evaluating the model saved in ${options.outputDir}`);
  }
  const prepared = await prepareModel({ ...options, checkpointFile, labels, head: NER_HEAD });
  let luke = prepared.luke;
  log(`model: ${prepared.description}`);
  for (const note of prepared.notes) log(note);
  log(`backend: ${backend.backend} (${backend.reason})`);

  const positions = luke.config.maxPositionEmbeddings - luke.config.padTokenId - 1;
  const spanOptions = { maxSeqLength: Math.min(options.maxSeqLength, positions), maxEntityLength: options.maxEntityLength, maxMentionLength: options.maxMentionLength };
  let sets: Record<"train" | "dev" | "test", { sentences: NerSentence[]; features: SpanFeature[] }>;
  try {
    const build = (docs: ConllDocument[], file: string) => {
      const built = buildSpanFeatures(luke.tokenizer, docs, labels, spanOptions, file);
      if (built.truncated.length) {
        const t = built.truncated[0];
        log(`${file}: ${built.truncated.length} sentences longer than --max-seq-length ${spanOptions.maxSeqLength} keep only their first words (line ${t.line}: ${t.keptWords} of ${t.words}); the rest are predicted O`);
      }
      return built;
    };
    sets = {
      train: options.doTrain ? build(trainDocuments, data.files.train) : { sentences: [], features: [] },
      dev: build(data.dev, data.files.dev),
      test: options.doEval ? build(data.test, data.files.test) : { sentences: [], features: [] },
    };
  } catch (err) {
    luke.dispose();
    throw err;
  }
  log(
    `data: ${trainDocuments.length} train documents (${sets.train.sentences.length} sentences, ${sets.train.features.length} inputs), ` +
      `${sets.dev.sentences.length} dev and ${sets.test.sentences.length} test sentences from ${options.dataDir}`,
  );

  mkdirSync(options.outputDir, { recursive: true });
  const results: Record<string, unknown> = {};
  const evaluate = (split: "dev" | "test", model: LukeModel, label?: string) =>
    evaluateNer(model, sets[split].features, sets[split].sentences, labels, { batchSize: options.evalBatchSize, progress: { ...progressOptions, label: label ?? split } });

  let trained: { step: number; averageLoss: number; trainingLoss: number[]; best?: StateDict } | undefined;
  let resumed = false;
  try {
    if (options.doTrain) {
      const fingerprint = { ...nerFingerprint(options), training_inputs: sets.train.features.length, dev_sentences: sets.dev.sentences.length };
      const store = new ResumeStore<Meta>(options.outputDir, fingerprint);
      if (options.restart) store.clear();
      const point = store.load();
      if (point) {
        const model = LukeModel.fromStateDict(luke.config, point.weights, { head: NER_HEAD });
        luke.dispose();
        luke = new Luke(luke.tokenizer, model);
        resumed = true;
        log(`resuming from the checkpoint at step ${point.step} in ${store.dir}`);
      }
      trained = await train(options, hooks, log, progressOptions, luke, sets.train.features, store, point, results, evaluate);
      if (trained.best) {
        const model = LukeModel.fromStateDict(luke.config, trained.best, { head: NER_HEAD });
        luke.dispose();
        luke = new Luke(luke.tokenizer, model);
      }
    }

    // 3. The kept weights on dev and test.
    const perLabel: Record<string, unknown> = {};
    const confusion: Record<string, unknown> = {};
    if (options.doEval) {
      for (const split of ["dev", "test"] as const) {
        const ev = await evaluate(split, luke.model, `${split} (final)`);
        Object.assign(results, metricsOf(split, "", ev));
        perLabel[split] = ev.metrics.perType;
        writeLines(join(options.outputDir, `${split}_predictions.txt`), predictionLines(sets[split].sentences, ev.predictedTags));
        const c = spanConfusion(sets[split].sentences.map((s) => s.tags), ev.predictedTags);
        confusion[split] = c;
        writeLines(join(options.outputDir, `span_confusion_${split}.csv`), [["gold/predicted", ...c.labels].join(","), ...c.matrix.map((row, i) => [c.labels[i], ...row].join(","))]);
        hooks.onEvaluation?.(split, "final", ev.metrics);
        log(`${split}: precision ${ev.metrics.precision.toFixed(4)}, recall ${ev.metrics.recall.toFixed(4)}, f1 ${ev.metrics.f1.toFixed(4)}`);
      }
    }

    // 4. The model, then results.json.
    if (options.doTrain && options.saveModel) luke.save(options.outputDir);
    const logParams: Record<string, unknown> = { ...nerLogParameters(options), checkpoint_file: checkpointFile ?? null };
    if (trained) {
      Object.assign(logParams, {
        global_step: trained.step,
        average_loss: trained.averageLoss,
        output_dir: options.outputDir,
        training_samples: sets.train.features.length,
        dev_samples: sets.dev.sentences.length,
        test_samples: sets.test.sentences.length,
        train_constructed: withReplacement ? "with_replacement" : "without_replacement",
      });
    }
    const all: Record<string, unknown> = {
      ...results,
      experimental_configurations: { log_parameters: logParams, model_config: lukeConfigToJson(luke.config) },
    };
    if (trained) all.training_loss = trained.trainingLoss;
    if (options.doEval) all.per_label = perLabel;
    all.lukelab = {
      version: require("../../../../package.json").version,
      task: "ner",
      backend: backend.backend,
      labels,
      training_samples: "inputs (sentence chunks of at most --max-entity-length spans), not sentences; train documents are what --train-frac-size samples",
      metrics: "entity-level micro precision/recall/F1 as seqeval computes them (default mode), after upstream's greedy decoding",
      training_loss: "one value per optimiser step: the mean loss of its micro-batches, not divided by the gradient accumulation steps",
      model: prepared.description,
      resumed,
      // Per-type confusion over spans (metrics.ts spanConfusion), also in span_confusion_{dev,test}.csv.
      ...(options.doEval ? { span_confusion: confusion } : {}),
      // The trivial baseline: predicting no entity scores 0 precision, recall and F1.
      baseline: { all_o: { precision: 0, recall: 0, f1: 0 } },
    };
    const checked = validateResults(JSON.parse(JSON.stringify(all)), join(options.outputDir, "results.json"));
    writeFileAtomic(join(options.outputDir, "results.json"), JSON.stringify(all) + "\n");
    if (options.doTrain) new ResumeStore<Meta>(options.outputDir, {}).clear();
    return { results: checked, outputDir: options.outputDir, luke, resumed, labels };
  } catch (err) {
    luke.dispose();
    throw err;
  }
}

type Evaluate = (split: "dev" | "test", model: LukeModel, label?: string) => Promise<NerEvaluation>;

/** Step 2: training with epoch evaluations, best weights and resume checkpoints. */
async function train(
  options: NerOptions,
  hooks: RunHooks,
  log: (line: string) => void,
  progressOptions: ProgressOptions,
  luke: Luke,
  features: SpanFeature[],
  store: ResumeStore<Meta>,
  point: ReturnType<ResumeStore<Meta>["load"]>,
  results: Record<string, unknown>,
  evaluate: Evaluate,
): Promise<{ step: number; averageLoss: number; trainingLoss: number[]; best?: StateDict }> {
  const model = luke.model;
  const trainer = new Trainer(namedParameters(model), {
    numExamples: features.length,
    batchSize: options.trainBatchSize,
    gradientAccumulationSteps: options.gradientAccumulationSteps,
    numTrainEpochs: options.numTrainEpochs,
    seed: options.seed,
    learningRate: options.learningRate,
    lrSchedule: options.lrSchedule,
    warmupProportion: options.warmupProportion,
    maxGradNorm: options.maxGradNorm,
    adam: { betas: [options.adamB1, options.adamB2], eps: options.adamEps, weightDecay: options.weightDecay, correctBias: options.adamCorrectBias },
  });
  const eventsDir = join(options.outputDir, "tensorboard");
  let events: EventWriter | undefined;
  let best: StateDict | undefined = point?.best;
  let bestChanged = false;
  const meta: Meta = point ? point.meta : { results: {}, bestF1: -1, bestEpoch: null, eventFile: "", eventBytes: 0, trainingLoss: [] };
  try {
    if (point) {
      trainer.setState({ step: point.step, trainingLoss: meta.trainingLoss, optimizer: point.optimizer }, store.dir);
      events = new EventWriter(eventsDir, { name: meta.eventFile, truncateTo: meta.eventBytes });
    } else {
      if (existsSync(eventsDir)) for (const f of readdirSync(eventsDir)) if (f.startsWith("events.out.tfevents.")) rmSync(join(eventsDir, f));
      events = new EventWriter(eventsDir);
      meta.eventFile = events.name;
    }
    log(`training: ${trainer.totalSteps} optimiser steps (${trainer.stepsPerEpoch} per epoch, ${trainer.numEpochs} epochs), warm-up ${trainer.warmupSteps}`);

    const recordDev = (ev: NerEvaluation, suffix: string, step: number, when: number | "no_training") => {
      Object.assign(meta.results, metricsOf("dev", suffix, ev));
      events!.scalars(step, [
        { tag: "dev/precision", value: ev.metrics.precision },
        { tag: "dev/recall", value: ev.metrics.recall },
        { tag: "dev/f1", value: ev.metrics.f1 },
      ]);
      hooks.onEvaluation?.("dev", when, ev.metrics);
      log(`dev ${when === "no_training" ? "before training" : `epoch ${when}`}: precision ${ev.metrics.precision.toFixed(4)}, recall ${ev.metrics.recall.toFixed(4)}, f1 ${ev.metrics.f1.toFixed(4)}`);
    };
    const checkpoint = () => {
      events!.flush();
      meta.eventBytes = events!.bytesWritten;
      const state = trainer.getState();
      store.save({
        step: state.step,
        meta: { ...meta, trainingLoss: state.trainingLoss },
        weights: model.stateDict(),
        optimizer: state.optimizer,
        best: bestChanged ? best : best ? "unchanged" : undefined,
      });
      bestChanged = false;
    };

    if (!point && options.doEvaluatePriorTrain) recordDev(await evaluate("dev", model, "dev (before training)"), "_epoch_no_training", 0, "no_training");
    const bar = new ProgressBar("train", trainer.totalSteps, progressOptions);
    bar.start(trainer.step);
    let evaluatedAt = point ? point.step : -1;
    const epochEnd = async (epoch: number, step: number) => {
      const ev = await evaluate("dev", model, `dev (epoch ${epoch})`);
      recordDev(ev, `_epoch${epoch}`, step, epoch);
      if (ev.metrics.f1 > meta.bestF1) {
        meta.bestF1 = ev.metrics.f1;
        meta.bestEpoch = epoch;
        best = model.stateDict();
        bestChanged = true;
      }
      evaluatedAt = step;
    };
    await trainer.run({
      loss: (indices, dropoutSeed) => {
        const batch = indices.map((i) => features[i]);
        const inputs = collateSpans(batch.map((b) => b.encoding), model.config.padTokenId);
        const labels = labelsTensor(batch, inputs.entityIds!.shape[1]);
        const out = model.forward(inputs, { training: true, seed: dropoutSeed });
        return model.loss(out.logits!, labels, { problemType: "single_label_classification" });
      },
      afterStep: (info) => {
        events!.scalars(info.step, [
          { tag: "train/loss", value: info.loss },
          { tag: "train/learning_rate", value: info.learningRate },
        ]);
        bar.tick(1, `epoch ${info.epoch} loss ${info.loss.toFixed(4)}`);
        hooks.onStep?.({ ...info, totalSteps: trainer.totalSteps });
        if (options.saveSteps > 0 && info.step % options.saveSteps === 0) new Luke(luke.tokenizer, model).save(join(options.outputDir, `checkpoint-${info.step}`));
        if (!info.epochEnd && options.resumeSteps > 0 && info.step % options.resumeSteps === 0) checkpoint();
      },
      afterEpoch: async (epoch, step) => {
        await epochEnd(epoch, step);
        checkpoint();
      },
    });
    bar.finish();
    if (meta.bestEpoch === null && evaluatedAt !== trainer.step) {
      await epochEnd(0, trainer.step);
      checkpoint();
    }
    Object.assign(results, meta.results);
    if (meta.bestEpoch !== null) results.best_epoch = meta.bestEpoch;
    return { step: trainer.step, averageLoss: trainer.averageLoss, trainingLoss: [...trainer.trainingLoss], best };
  } finally {
    events?.close();
    trainer.dispose();
  }
}
