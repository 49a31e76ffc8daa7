/**
 * The run of a fine-tuning task (`entity-typing run`, `ner run`), shared by every task (it lives with
 * entity typing, whose run folder, options, model set-up and results.json NER reuses): the task
 * says how to read its data, build its inputs, compute a micro-batch's loss, evaluate a split and
 * what its final evaluation writes; everything else is here, once:
 *
 *   1. the output folder checked first, the data read (all splits, before anything is written),
 *      the training sample drawn (--train-frac-size), the model built (prepareModel, the task's head);
 *   2. with training: Trainer and AdamW from the shared options, dev evaluated first (optional) and
 *      after every epoch with the weights of the best dev F1 kept, --save-steps model folders, a
 *      resume checkpoint every --resume-steps optimiser steps and at every epoch end (the same command
 *      started again continues from it), TensorBoard events in <output>/tensorboard/;
 *   3. with evaluation: dev and test with the kept weights (the task writes its prediction files);
 *   4. the best model as a Hugging Face folder (unless --dont-save-model), results-summary.json (results.json without its per-example data), then results.json last.
 * Every output file is written whole or not at all.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { initBackend, type tf } from "../../backend";
import type { StateDict } from "../../checkpoint/tensor-data";
import { Luke } from "../../inference/luke";
import { AtomicFileWriter, writeFileAtomic } from "../../io/atomic";
import { LukeModel, lukeConfigToJson } from "../../model";
import { ProgressBar, type ProgressOptions, type ProgressSnapshot } from "../../train/progress";
import { subsample } from "../../train/random";
import { ResumeStore } from "../../train/resume";
import { EventWriter } from "../../train/tensorboard";
import { Trainer, type StepInfo } from "../../train/trainer";
import type { Prf } from "./metrics";
import { prepareModel, type ModelSource } from "./model-setup";
import type { EntityTypingOptions } from "./options";
import { checkOutputDir } from "./output-dir";
import { PROGRESS_FILE, PROGRESS_FORMAT, type RunProgress } from "./progress";
import { SUMMARY_FILE } from "./results-summary";
import { validateResults, writeResults, type EntityTypingResults } from "./results";

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

/** The options every task shares (entity typing's table without its task-only options). */
export type SharedRunOptions = Omit<EntityTypingOptions, "contextWindow" | "outputAttentions">;

export type Split = "dev" | "test";

/** What a task gives the loop once its inputs are built (the model's tokenizer is known by then). */
export interface TaskInputs<Ev extends { metrics: Prf }> {
  /** How many inputs training draws its batches from. */
  trainingInputs: number;
  /** log_parameters' training_samples, dev_samples and test_samples. */
  samples: { training: number; dev: number; test: number };
  /** Added to the resume fingerprint (a changed data set must not resume). */
  fingerprint: Record<string, unknown>;
  /** The loss of the training inputs `indices` (one micro-batch), dropout on. */
  loss(model: LukeModel, indices: readonly number[], dropoutSeed: number): tf.Scalar;
  /** Evaluates a split; `final` is the evaluation of the kept weights. */
  evaluate(split: Split, model: LukeModel, label: string, final: boolean): Promise<Ev>;
  /** After a split's final evaluation: writes its files and returns its per_label entry. */
  finalSplit(split: Split, ev: Ev): unknown;
  /** results.json blocks after experimental_configurations. */
  resultBlocks?(): Record<string, unknown>;
  /** Entries of results.json's lukelab block after `resumed`. */
  lukelabExtra(): Record<string, unknown>;
}

export interface TaskDefinition<D, Ev extends { metrics: Prf }> {
  /** The log prefix ("entity-typing", "ner"). */
  name: string;
  head: NonNullable<ModelSource["head"]>;
  options: SharedRunOptions;
  /** Log lines before anything is read. */
  notes?: string[];
  /** The task's resume fingerprint of its options. */
  fingerprint: Record<string, unknown>;
  /** results.json log_parameters of the options. */
  logParameters: Record<string, unknown>;
  /** lukelab block entries after `version`, and after `backend` (given the labels). */
  lukelabHead?: Record<string, unknown>;
  lukelabInfo?(labels: readonly string[]): Record<string, unknown>;
  /** Reads and checks the data; `trainSize` is what --train-frac-size samples from. */
  read(warn: (line: string) => void): { data: D; labels: readonly string[]; trainSize: number };
  /** Builds the inputs (throwing on bad data; the model is disposed then). */
  inputs(context: InputContext<D>): TaskInputs<Ev>;
}

/** What a task's inputs are built from. */
export interface InputContext<D> {
  luke: Luke;
  data: D;
  labels: readonly string[];
  /** The training sample (--train-frac-size) as indices into the training data. */
  trainIndices: readonly number[];
  log: (line: string) => void;
  /** Progress bar settings for evaluations (add a label). */
  progress: ProgressOptions;
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

export function splitMetrics(prefix: string, suffix: string, m: Prf): Record<string, number> {
  return { [`${prefix}_precision${suffix}`]: m.precision, [`${prefix}_recall${suffix}`]: m.recall, [`${prefix}_f1${suffix}`]: m.f1 };
}

/** Writes a text file a line at a time, whole or not at all. */
export function writeLines(path: string, lines: Iterable<string>): void {
  const out = new AtomicFileWriter(path);
  try {
    for (const line of lines) out.write(line + "\n");
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}

/** Runs a task (see the module comment). */
export async function runTask<D, Ev extends { metrics: Prf }>(task: TaskDefinition<D, Ev>, hooks: RunHooks = {}): Promise<RunOutcome> {
  const options = task.options;
  // The output folder first: a file in the way or a finished run is refused before any work.
  const folder = checkOutputDir(options.outputDir, options.overwriteOutputDir || options.restart);
  const log = hooks.log ?? ((line: string) => (options.quiet ? undefined : process.stderr.write(`[${task.name}] ${line}\n`)));
  // Warnings are printed with --quiet too.
  const warn = hooks.log ?? ((line: string) => process.stderr.write(`[${task.name}] ${line}\n`));
  const progressOptions: ProgressOptions = { silent: options.quiet, ...hooks.progress, onUpdate: hooks.onProgress };
  const backend = await initBackend();
  for (const note of task.notes ?? []) log(note);

  // 1. Data first: a bad file stops the run before anything is written.
  const { data, labels, trainSize } = task.read(warn);
  const { indices: trainIndices, withReplacement } = subsample(trainSize, options.trainFracSize, options.seed);

  // --no-train evaluates --checkpoint-file, else the model an earlier run saved in the output folder.
  let checkpointFile = options.checkpointFile;
  if (!options.doTrain && !checkpointFile && existsSync(join(options.outputDir, "config.json"))) {
    checkpointFile = options.outputDir;
    log(`evaluating the model saved in ${options.outputDir}`);
  }
  if (!options.doTrain && !checkpointFile && !options.modelFile) {
    log("note: --no-train without --model-file, --checkpoint-file or a saved model evaluates a freshly initialised model");
  }
  const prepared = await prepareModel({ ...options, checkpointFile, labels, head: task.head });
  let luke = prepared.luke;
  log(`model: ${prepared.description}`);
  for (const note of prepared.notes) log(note);
  log(`backend: ${backend.backend} (${backend.reason})`);

  let inputs: TaskInputs<Ev>;
  try {
    inputs = task.inputs({ luke, data, labels, trainIndices, log, progress: progressOptions });
  } catch (err) {
    luke.dispose();
    throw err;
  }

  mkdirSync(options.outputDir, { recursive: true });
  if (folder === "finished-training" || folder === "finished-evaluation") {
    // Asked for (or an evaluation): the old results go now, so a run killed from here on is an unfinished run, not a finished one.
    log(`replacing the finished ${folder === "finished-training" ? "run" : "evaluation"} in ${options.outputDir}`);
    rmSync(join(options.outputDir, "results.json"), { force: true });
    rmSync(join(options.outputDir, SUMMARY_FILE), { force: true });
  }
  const results: Record<string, unknown> = {};
  const withModel = (model: LukeModel) => {
    luke.dispose();
    luke = new Luke(luke.tokenizer, model);
  };

  let trained: Trained | undefined;
  let resumed = false;
  try {
    if (options.doTrain) {
      const fingerprint = { ...task.fingerprint, ...inputs.fingerprint };
      const store = new ResumeStore<Meta>(options.outputDir, fingerprint);
      if (options.restart) store.clear();
      const point = store.load();
      if (point) {
        withModel(LukeModel.fromStateDict(luke.config, point.weights, { head: task.head }));
        resumed = true;
        log(`resuming from the checkpoint at step ${point.step} in ${store.dir}`);
      }
      trained = await train({ options, hooks, log, progressOptions, luke, inputs, store, point, results });
      if (trained.best) withModel(LukeModel.fromStateDict(luke.config, trained.best, { head: task.head }));
    }

    // 3. Final evaluation of the kept weights.
    const perLabel: Record<string, unknown> = {};
    if (options.doEval) {
      for (const split of ["dev", "test"] as const) {
        const ev = await inputs.evaluate(split, luke.model, `${split} (final)`, true);
        Object.assign(results, splitMetrics(split, "", ev.metrics));
        perLabel[split] = inputs.finalSplit(split, ev);
        hooks.onEvaluation?.(split, "final", ev.metrics);
        log(`${split}: precision ${ev.metrics.precision.toFixed(4)}, recall ${ev.metrics.recall.toFixed(4)}, f1 ${ev.metrics.f1.toFixed(4)}`);
      }
    }

    // 4. The model, then results.json.
    if (options.doTrain && options.saveModel) luke.save(options.outputDir);
    const logParams: Record<string, unknown> = { ...task.logParameters, checkpoint_file: checkpointFile ?? null };
    if (trained) {
      Object.assign(logParams, {
        global_step: trained.step,
        average_loss: trained.averageLoss,
        output_dir: options.outputDir,
        training_samples: inputs.samples.training,
        dev_samples: inputs.samples.dev,
        test_samples: inputs.samples.test,
        train_constructed: withReplacement ? "with_replacement" : "without_replacement",
      });
    }
    const all: Record<string, unknown> = {
      ...results,
      experimental_configurations: { log_parameters: logParams, model_config: lukeConfigToJson(luke.config) },
      ...inputs.resultBlocks?.(),
    };
    if (trained) all.training_loss = trained.trainingLoss;
    if (options.doEval) all.per_label = perLabel;
    all.lukelab = {
      version: require("../../../../package.json").version,
      ...task.lukelabHead,
      backend: backend.backend,
      ...task.lukelabInfo?.(labels),
      training_loss: "one value per optimiser step: the mean loss of its micro-batches, not divided by the gradient accumulation steps",
      model: prepared.description,
      resumed,
      ...inputs.lukelabExtra(),
    };
    const checked = validateResults(JSON.parse(JSON.stringify(all)), join(options.outputDir, "results.json"));
    writeResults(options.outputDir, JSON.stringify(all) + "\n", checked);
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

interface Trained {
  step: number;
  averageLoss: number;
  trainingLoss: number[];
  best?: StateDict;
}

interface TrainContext<Ev extends { metrics: Prf }> {
  options: SharedRunOptions;
  hooks: RunHooks;
  log: (line: string) => void;
  progressOptions: ProgressOptions;
  luke: Luke;
  inputs: TaskInputs<Ev>;
  store: ResumeStore<Meta>;
  point: ReturnType<ResumeStore<Meta>["load"]>;
  results: Record<string, unknown>;
}

/** Step 2: training with epoch evaluations, best weights and resume checkpoints. */
async function train<Ev extends { metrics: Prf }>(ctx: TrainContext<Ev>): Promise<Trained> {
  const { options, hooks, log, luke, inputs, store, point } = ctx;
  const model = luke.model;
  const trainer = new Trainer(model.namedVariables(), {
    numExamples: inputs.trainingInputs,
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

    const recordDev = (metrics: Prf, suffix: string, step: number, when: number | "no_training") => {
      Object.assign(meta.results, splitMetrics("dev", suffix, metrics));
      events!.scalars(step, [
        { tag: "dev/precision", value: metrics.precision },
        { tag: "dev/recall", value: metrics.recall },
        { tag: "dev/f1", value: metrics.f1 },
      ]);
      hooks.onEvaluation?.("dev", when, metrics);
      log(`dev ${when === "no_training" ? "before training" : `epoch ${when}`}: precision ${metrics.precision.toFixed(4)}, recall ${metrics.recall.toFixed(4)}, f1 ${metrics.f1.toFixed(4)}`);
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

    // progress.json (./entity-typing/progress.ts): the dev metrics so far, for watchers of a run still
    // training (the JupyterLab runs dashboard); removed once results.json is written.
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
      recordDev((await inputs.evaluate("dev", model, "dev (before training)", false)).metrics, "_epoch_no_training", 0, "no_training");
      writeProgress(0);
    }

    const bar = new ProgressBar("train", trainer.totalSteps, ctx.progressOptions);
    bar.start(trainer.step);
    let evaluatedAt = point ? point.step : -1;
    const epochEnd = async (epoch: number, step: number) => {
      const { metrics } = await inputs.evaluate("dev", model, `dev (epoch ${epoch})`, false);
      recordDev(metrics, `_epoch${epoch}`, step, epoch);
      if (metrics.f1 > meta.bestF1) {
        meta.bestF1 = metrics.f1;
        meta.bestEpoch = epoch;
        best = model.stateDict();
        bestChanged = true;
      }
      writeProgress(step);
      evaluatedAt = step;
    };
    await trainer.run({
      loss: (indices, dropoutSeed) => inputs.loss(model, indices, dropoutSeed),
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
    Object.assign(ctx.results, meta.results);
    if (meta.bestEpoch !== null) ctx.results.best_epoch = meta.bestEpoch;
    return { step: trainer.step, averageLoss: trainer.averageLoss, trainingLoss: [...trainer.trainingLoss], best };
  } finally {
    events?.close();
    trainer.dispose();
  }
}
