/**
 * `entity-typing run`: what the original's examples/entity_typing/main.py run() does, for the CLI
 * and the notebook API alike.
 *
 *   1. read and check train/dev/test (all three, before anything is written), build the model;
 *   2. with training: evaluate dev first (optional), train with the original's loop, evaluate dev
 *      after every epoch and keep the weights of the best dev F1; a resume checkpoint is committed
 *      every --resume-steps optimiser steps and at every epoch end, and the same command started
 *      again continues from it;
 *   3. with evaluation: dev and test with the kept weights → {dev,test}_predictions.jsonl
 *      (and attentions_{dev,test}.jsonl with --output-attentions);
 *   4. the best model as a Hugging Face folder in the output folder (unless --dont-save-model),
 *      TensorBoard events in <output>/tensorboard/, and results.json last.
 * Every output file is written whole or not at all.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { initBackend, tf } from "../../backend";
import type { StateDict } from "../../checkpoint/tensor-data";
import { datasetSurprises, OPEN_ENTITY_LABELS, readOpenEntityDir, SPLITS, withContextWindow, type TypingExample } from "../../data/open-entity";
import { Luke } from "../../inference/luke";
import { AtomicFileWriter, writeFileAtomic } from "../../io/atomic";
import { LukeModel, lukeConfigToJson } from "../../model";
import { ProgressBar, type ProgressOptions, type ProgressSnapshot } from "../../train/progress";
import { subsample } from "../../train/random";
import { ResumeStore } from "../../train/resume";
import { EventWriter } from "../../train/tensorboard";
import { Trainer, type StepInfo } from "../../train/trainer";
import type { AttentionRecord } from "./attention-records";
import { evaluateSplit, type SplitEvaluation } from "./evaluate";
import { collate, encodeExamples, targetsTensor, type EncodedExample } from "./inputs";
import type { Prf } from "./metrics";
import { HEAD, prepareModel } from "./model-setup";
import { checkOutputDir } from "./output-dir";
import { logParameters, notApplicableNotes, resolveOptions, runFingerprint, type EntityTypingOptions } from "./options";
import { validateResults, type EntityTypingResults } from "./results";
import { baselineRecord } from "./baseline";
import { PROGRESS_FILE, PROGRESS_FORMAT, type RunProgress } from "./progress";

export interface RunHooks {
  /** Log lines (default: stderr unless --quiet). */
  log?: (line: string) => void;
  /** After every optimiser step. */
  onStep?: (info: StepInfo & { totalSteps: number }) => void;
  /** After each dev evaluation during training ("no_training" for the prior one) and the final ones. */
  onEvaluation?: (split: "dev" | "test", when: number | "no_training" | "final", metrics: Prf) => void;
  /** Progress snapshots of the training and evaluation bars. */
  onProgress?: (p: ProgressSnapshot) => void;
  /** Progress bar settings (stream, TTY); default stderr, silent with --quiet. */
  progress?: ProgressOptions;
}

export interface RunOutcome {
  results: EntityTypingResults;
  outputDir: string;
  /** The model with the kept weights; the caller owns it (dispose). */
  luke: Luke;
  /** Whether the run continued from a resume checkpoint. */
  resumed: boolean;
}

/** The caller's state in a resume checkpoint (JSON). */
interface Meta {
  results: Record<string, number>;
  bestF1: number;
  bestEpoch: number | null;
  eventFile: string;
  eventBytes: number;
  trainingLoss: number[];
}

const EVENTS_DIR = "tensorboard";

function splitMetrics(prefix: string, suffix: string, m: Prf): Record<string, number> {
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

/** Runs `entity-typing run` with the given options (defaults filled in as the original's). */
export async function runEntityTyping(partial: Partial<EntityTypingOptions>, hooks: RunHooks = {}): Promise<RunOutcome> {
  const options = resolveOptions(partial);
  // The output folder first: a file in the way or a finished run is refused before any work.
  const folder = checkOutputDir(options.outputDir, options.overwriteOutputDir || options.restart);
  const log = hooks.log ?? ((line: string) => (options.quiet ? undefined : process.stderr.write(`[entity-typing] ${line}\n`)));
  // Warnings are printed with --quiet too.
  const warn = hooks.log ?? ((line: string) => process.stderr.write(`[entity-typing] ${line}\n`));
  const progressOptions: ProgressOptions = { silent: options.quiet, ...hooks.progress, onUpdate: hooks.onProgress };
  const backend = await initBackend();
  for (const note of notApplicableNotes(options)) log(note);
  const labels = OPEN_ENTITY_LABELS;

  // 1. Data first: a bad file stops the run before anything is written.
  const data = readOpenEntityDir(options.dataDir);
  if (options.contextWindow !== undefined) {
    const words = options.contextWindow;
    for (const split of SPLITS) data[split] = data[split].map((ex) => withContextWindow(ex, words));
  }
  // Data that would make the numbers meaningless is refused; data that only makes them mislead is named.
  const surprises = datasetSurprises(data, { train: options.doTrain, eval: options.doEval });
  if (surprises.refuse.length > 0) throw new Error(surprises.refuse.join("\n"));
  for (const w of surprises.warn) warn(`warning: ${w}`);
  const { indices: trainIndices, withReplacement } = subsample(data.train.length, options.trainFracSize, options.seed);
  const trainExamples: TypingExample[] = trainIndices.map((i) => data.train[i]);

  // --no-train evaluates --checkpoint-file, else the model an earlier run saved in the output folder.
  let checkpointFile = options.checkpointFile;
  if (!options.doTrain && !checkpointFile && existsSync(join(options.outputDir, "config.json"))) {
    checkpointFile = options.outputDir;
    log(`evaluating the model saved in ${options.outputDir}`);
  }
  if (!options.doTrain && !checkpointFile && !options.modelFile) {
    log("note: --no-train without --model-file, --checkpoint-file or a saved model evaluates a freshly initialised model");
  }
  const prepared = await prepareModel({ ...options, checkpointFile, labels });
  let luke = prepared.luke;
  log(`model: ${prepared.description}`);
  for (const note of prepared.notes) log(note);
  log(`backend: ${backend.backend} (${backend.reason})`);

  const maxWords = luke.config.maxPositionEmbeddings - luke.config.padTokenId - 1;
  let encoded: { train: EncodedExample[]; dev: EncodedExample[]; test: EncodedExample[] };
  try {
    encoded = {
      train: options.doTrain ? encodeExamples(luke.tokenizer, trainExamples, labels, data.files.train, maxWords) : [],
      dev: encodeExamples(luke.tokenizer, data.dev, labels, data.files.dev, maxWords),
      test: options.doEval ? encodeExamples(luke.tokenizer, data.test, labels, data.files.test, maxWords) : [],
    };
  } catch (err) {
    luke.dispose();
    throw err;
  }
  log(`data: ${data.train.length} train (${trainExamples.length} used), ${data.dev.length} dev, ${data.test.length} test examples from ${options.dataDir}`);

  mkdirSync(options.outputDir, { recursive: true });
  if (folder === "finished-training" || folder === "finished-evaluation") {
    // Asked for (or an evaluation): the old results go now, so a run killed from here on is an unfinished run, not a finished one.
    log(`replacing the finished ${folder === "finished-training" ? "run" : "evaluation"} in ${options.outputDir}`);
    rmSync(join(options.outputDir, "results.json"), { force: true });
  }
  const results: Record<string, unknown> = {};
  const evaluate = async (split: "dev" | "test", model: LukeModel, extra: { attentions?: AttentionRecord[]; label?: string } = {}): Promise<SplitEvaluation> => {
    const examples = split === "dev" ? data.dev : data.test;
    const evaluation = await evaluateSplit(model, encoded[split], {
      batchSize: options.evalBatchSize,
      labels,
      tokenizer: luke.tokenizer,
      sentences: examples.map((e) => e.text),
      indices: examples.map((e) => e.index),
      onAttention: extra.attentions ? (r) => extra.attentions!.push(r) : undefined,
      progress: { ...progressOptions, label: extra.label ?? split },
    });
    return evaluation;
  };

  let trainedState: { step: number; averageLoss: number; trainingLoss: number[]; best?: StateDict } | undefined;
  let resumed = false;
  try {
    if (options.doTrain) {
      const fingerprint = { ...runFingerprint(options), training_examples: trainExamples.length, dev_examples: data.dev.length };
      const store = new ResumeStore<Meta>(options.outputDir, fingerprint);
      if (options.restart) store.clear();
      const point = store.load();
      if (point) {
        const model = LukeModel.fromStateDict(luke.config, point.weights, { head: HEAD });
        luke.dispose();
        luke = new Luke(luke.tokenizer, model);
        resumed = true;
        log(`resuming from the checkpoint at step ${point.step} in ${store.dir}`);
      }
      trainedState = await train(options, hooks, log, progressOptions, luke, encoded.train, store, point, results, evaluate);
      if (trainedState.best) {
        const model = LukeModel.fromStateDict(luke.config, trainedState.best, { head: HEAD });
        luke.dispose();
        luke = new Luke(luke.tokenizer, model);
      }
    }

    // 3. Final evaluation of the kept weights.
    const perLabel: Record<string, unknown> = {};
    let predictBlock: Record<string, unknown> | undefined;
    if (options.doEval) {
      predictBlock = { label_list: [...labels] };
      for (const split of ["dev", "test"] as const) {
        const attentions: AttentionRecord[] | undefined = options.outputAttentions ? [] : undefined;
        const ev = await evaluate(split, luke.model, { attentions, label: `${split} (final)` });
        Object.assign(results, splitMetrics(split, "", ev.metrics));
        perLabel[split] = ev.perLabel;
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
        if (attentions) writeLines(join(options.outputDir, `attentions_${split}.jsonl`), attentions.map((r) => JSON.stringify(r)));
        hooks.onEvaluation?.(split, "final", ev.metrics);
        log(`${split}: precision ${ev.metrics.precision.toFixed(4)}, recall ${ev.metrics.recall.toFixed(4)}, f1 ${ev.metrics.f1.toFixed(4)}`);
      }
    }

    // 4. The model, then results.json.
    if (options.doTrain && options.saveModel) luke.save(options.outputDir);
    const logParams: Record<string, unknown> = { ...logParameters(options), checkpoint_file: checkpointFile ?? null };
    if (trainedState) {
      Object.assign(logParams, {
        global_step: trainedState.step,
        average_loss: trainedState.averageLoss,
        output_dir: options.outputDir,
        training_samples: trainExamples.length,
        dev_samples: data.dev.length,
        test_samples: data.test.length,
        train_constructed: withReplacement ? "with_replacement" : "without_replacement",
      });
    }
    const all: Record<string, unknown> = {
      ...results,
      experimental_configurations: { log_parameters: logParams, model_config: lukeConfigToJson(luke.config) },
    };
    if (predictBlock) all.evaluation_predict_label = predictBlock;
    if (trainedState) all.training_loss = trainedState.trainingLoss;
    if (options.doEval) all.per_label = perLabel;
    all.lukelab = {
      version: require("../../../../package.json").version,
      backend: backend.backend,
      training_loss: "one value per optimiser step: the mean loss of its micro-batches, not divided by the gradient accumulation steps",
      model: prepared.description,
      resumed,
      // The best constant answer (chosen on the training examples), the bar a trained model must clear.
      baseline: baselineRecord({ train: trainExamples, dev: data.dev, test: data.test }, labels),
    };
    const checked = validateResults(JSON.parse(JSON.stringify(all)), join(options.outputDir, "results.json"));
    writeFileAtomic(join(options.outputDir, "results.json"), JSON.stringify(all) + "\n");
    if (options.doTrain) {
      new ResumeStore<Meta>(options.outputDir, {}).clear();
      rmSync(join(options.outputDir, PROGRESS_FILE), { force: true });
    }
    return { results: checked, outputDir: options.outputDir, luke, resumed };
  } catch (err) {
    luke.dispose();
    throw err;
  }
}

type Evaluate = (split: "dev" | "test", model: LukeModel, extra?: { attentions?: AttentionRecord[]; label?: string }) => Promise<SplitEvaluation>;

/** Step 2: training with epoch evaluations, best weights and resume checkpoints. */
async function train(
  options: EntityTypingOptions,
  hooks: RunHooks,
  log: (line: string) => void,
  progressOptions: ProgressOptions,
  luke: Luke,
  train: EncodedExample[],
  store: ResumeStore<Meta>,
  point: ReturnType<ResumeStore<Meta>["load"]>,
  results: Record<string, unknown>,
  evaluate: Evaluate,
): Promise<{ step: number; averageLoss: number; trainingLoss: number[]; best?: StateDict }> {
  const model = luke.model;
  const trainer = new Trainer(model.namedVariables(), {
    numExamples: train.length,
    batchSize: options.trainBatchSize,
    gradientAccumulationSteps: options.gradientAccumulationSteps,
    numTrainEpochs: options.numTrainEpochs,
    seed: options.seed,
    learningRate: options.learningRate,
    lrSchedule: options.lrSchedule,
    warmupProportion: options.warmupProportion,
    maxGradNorm: options.maxGradNorm,
    adam: {
      betas: [options.adamB1, options.adamB2],
      eps: options.adamEps,
      weightDecay: options.weightDecay,
      correctBias: options.adamCorrectBias,
    },
  });
  const eventsDir = join(options.outputDir, EVENTS_DIR);
  let events: EventWriter | undefined;
  let best: StateDict | undefined = point?.best;
  let bestChanged = false;
  const meta: Meta = point
    ? point.meta
    : { results: {}, bestF1: -1, bestEpoch: null, eventFile: "", eventBytes: 0, trainingLoss: [] };
  try {
    if (point) {
      trainer.setState({ step: point.step, trainingLoss: meta.trainingLoss, optimizer: point.optimizer }, store.dir);
      events = new EventWriter(eventsDir, { name: meta.eventFile, truncateTo: meta.eventBytes });
    } else {
      // A fresh start: event files of an earlier, unfinished attempt would duplicate the curve.
      if (existsSync(eventsDir)) for (const f of readdirSync(eventsDir)) if (f.startsWith("events.out.tfevents.")) rmSync(join(eventsDir, f));
      events = new EventWriter(eventsDir);
      meta.eventFile = events.name;
    }
    log(
      `training: ${trainer.totalSteps} optimiser steps (${trainer.stepsPerEpoch} per epoch, ${trainer.numEpochs} epochs), ` +
        `warm-up ${trainer.warmupSteps}, batch ${options.trainBatchSize} × ${options.gradientAccumulationSteps} accumulation`,
    );

    const recordDev = (ev: SplitEvaluation, suffix: string, step: number, when: number | "no_training") => {
      Object.assign(meta.results, splitMetrics("dev", suffix, ev.metrics));
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

    // progress.json (./progress): the dev metrics so far, for watchers of a run still training.
    const writeProgress = (step: number) => {
      const progress: RunProgress = {
        format: PROGRESS_FORMAT,
        step,
        total_steps: trainer.totalSteps,
        num_train_epochs: options.numTrainEpochs,
        dev: meta.results,
        best_epoch: meta.bestEpoch,
        updated: new Date().toISOString(),
      };
      writeFileAtomic(join(options.outputDir, PROGRESS_FILE), JSON.stringify(progress) + "\n");
    };

    if (!point && options.doEvaluatePriorTrain) {
      recordDev(await evaluate("dev", model, { label: "dev (before training)" }), "_epoch_no_training", 0, "no_training");
      writeProgress(0);
    }

    const bar = new ProgressBar("train", trainer.totalSteps, progressOptions);
    bar.start(trainer.step);
    let evaluatedAt = point ? point.step : -1;
    const epochEnd = async (epoch: number, step: number) => {
      const ev = await evaluate("dev", model, { label: `dev (epoch ${epoch})` });
      recordDev(ev, `_epoch${epoch}`, step, epoch);
      if (ev.metrics.f1 > meta.bestF1) {
        meta.bestF1 = ev.metrics.f1;
        meta.bestEpoch = epoch;
        best = model.stateDict();
        bestChanged = true;
      }
      evaluatedAt = step;
      writeProgress(step);
    };
    await trainer.run({
      loss: (indices, dropoutSeed) => {
        const batch = indices.map((i) => train[i]);
        const inputs = collate(batch.map((b) => b.encoding), model.config.padTokenId);
        const targets = targetsTensor(batch.map((b) => b.targets));
        const out = model.forward(inputs, { training: true, seed: dropoutSeed });
        return model.loss(out.logits!, targets, { problemType: "multi_label_classification" });
      },
      afterStep: (info) => {
        events!.scalars(info.step, [
          { tag: "train/loss", value: info.loss },
          { tag: "train/learning_rate", value: info.learningRate },
        ]);
        bar.tick(1, `epoch ${info.epoch} loss ${info.loss.toFixed(4)}`);
        hooks.onStep?.({ ...info, totalSteps: trainer.totalSteps });
        if (options.saveSteps > 0 && info.step % options.saveSteps === 0) {
          new Luke(luke.tokenizer, model).save(join(options.outputDir, `checkpoint-${info.step}`));
        }
        if (!info.epochEnd && options.resumeSteps > 0 && info.step % options.resumeSteps === 0) checkpoint();
      },
      afterEpoch: async (epoch, step) => {
        await epochEnd(epoch, step);
        checkpoint();
      },
    });
    bar.finish();
    // Fewer than one epoch: the original never evaluated and had no weights to keep; evaluate the end.
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
