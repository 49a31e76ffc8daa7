/**
 * The options of `entity-typing run`: every option of the original (the thesis's
 * `python -m examples.cli [global options] entity-typing run [options]`, seed-features §1.1) with
 * its default, plus lukelab's own. One table drives the CLI parser, the help text, the
 * `log_parameters` of results.json and the resume fingerprint.
 */
import { createHash } from "node:crypto";
import { LR_SCHEDULES, type LrSchedule } from "../../train/schedules";

/**
 * A command-line mistake (an option's value out of range, conflicting options, an output folder that
 * cannot be used): the CLI prints it with a pointer to the usage and exits with 2 (docs/errors.md).
 */
export class EntityTypingUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_ENTITY_TYPING";
}

export const MODEL_SIZES = ["tiny", "base", "large"] as const;
export type ModelSize = (typeof MODEL_SIZES)[number];

export interface EntityTypingOptions {
  // --- global options of the original CLI
  /** Default: "exp_" + 8 letters derived from the other options (the original drew them at random). */
  outputDir: string;
  /** A Hugging Face LUKE folder (base, MaskedLM or entity-classification). Absent: a fresh model. */
  modelFile?: string;
  /** Accepted for compatibility: lukelab runs on one device (the TF.js backend). */
  numGpus: number;
  experimentLogger?: string;
  masterPort: number;
  localRank: number;
  // --- entity-typing run
  checkpointFile?: string;
  dataDir: string;
  doEval: boolean;
  doTrain: boolean;
  evalBatchSize: number;
  numTrainEpochs: number;
  seed: number;
  trainBatchSize: number;
  doEvaluatePriorTrain: boolean;
  outputAttentions: boolean;
  learningRate: number;
  lrSchedule: LrSchedule;
  weightDecay: number;
  hiddenDropoutProb: number;
  maxGradNorm: number;
  adamB1: number;
  adamB2: number;
  adamEps: number;
  adamCorrectBias: boolean;
  warmupProportion: number;
  gradientAccumulationSteps: number;
  fp16: boolean;
  fp16OptLevel: string;
  fp16MinLossScale: number;
  fp16MaxLossScale: number;
  saveSteps: number;
  trainFracSize: number;
  saveModel: boolean;
  // --- lukelab
  /** Size of a freshly initialised LUKE (used when there is no --model-file). */
  modelSize: ModelSize;
  /** A config.json for the fresh model instead of a size preset (vocabulary sizes come from the tokenizer). */
  modelConfig?: string;
  /** Tokenizer folder for a fresh model; default samples/tiny-luke's files. */
  tokenizer?: string;
  /** Resume checkpoint every N optimiser steps (and at every epoch end); 0 = epoch ends only. */
  resumeSteps: number;
  /** Start over even when the output folder holds a resumable checkpoint of the same run (implies overwriteOutputDir). */
  restart: boolean;
  /**
   * Replace a finished run that trained (its results.json) in the output folder. Without it such a
   * folder is refused before anything is read or written, as transformers' Trainer asks for
   * overwrite_output_dir. A resume checkpoint of an unfinished run is still used (see restart).
   */
  overwriteOutputDir: boolean;
  /** Quiet: no progress bars. */
  quiet: boolean;
  /** Words of context kept on each side of the mention (data/open-entity.ts withContextWindow); absent: the whole sentence, as the original. */
  contextWindow?: number;
}

export type OptionKind = "string" | "int" | "number" | "flag" | "switch" | "choice";

export interface OptionSpec {
  key: keyof EntityTypingOptions;
  /** The flag; for switches [on, off]. Aliases follow. */
  flags: string[];
  kind: OptionKind;
  /** The original's name in log_parameters (snake_case); undefined: not logged. */
  log?: string;
  choices?: readonly string[];
  help: string;
  /** Options of the original that have no meaning here: accepted, reported, ignored. */
  notApplicable?: string;
  group: "global" | "run" | "lukelab";
}

export const OPTION_SPECS: readonly OptionSpec[] = [
  { key: "outputDir", flags: ["--output-dir"], kind: "string", log: "output_dir", group: "global", help: "run folder (default exp_ + 8 letters derived from the options)" },
  { key: "modelFile", flags: ["--model-file"], kind: "string", log: "model_file", group: "global", help: "Hugging Face LUKE folder or Hub id (org/name[@revision]) to fine-tune; without it a fresh model (--model-size)" },
  { key: "numGpus", flags: ["--num-gpus"], kind: "int", log: "num_gpus", group: "global", help: "accepted; lukelab trains on the one TF.js backend", notApplicable: "lukelab runs on one device (the TF.js backend, GPU through tfjs-node-gpu when built)" },
  { key: "experimentLogger", flags: ["--experiment-logger", "--logger"], kind: "string", log: "experiment_logger", group: "global", help: "accepted; comet is not supported (TensorBoard event files are written instead)", notApplicable: "comet is not supported; TensorBoard event files are written instead" },
  { key: "masterPort", flags: ["--master-port"], kind: "int", log: "master_port", group: "global", help: "accepted; no multi-process training", notApplicable: "no multi-process training" },
  { key: "localRank", flags: ["--local-rank", "--local_rank"], kind: "int", log: "local_rank", group: "global", help: "accepted; no multi-process training", notApplicable: "no multi-process training" },
  { key: "checkpointFile", flags: ["--checkpoint-file"], kind: "string", log: "checkpoint_file", group: "run", help: "weights to start from (a .safetensors/.bin file, a model folder or a Hub id); with --no-train, the weights evaluated" },
  { key: "dataDir", flags: ["--data-dir"], kind: "string", log: "data_dir", group: "run", help: "folder with train.json, dev.json, test.json (ERNIE or UW crowd format)" },
  { key: "doEval", flags: ["--do-eval", "--no-eval"], kind: "switch", log: "do_eval", group: "run", help: "evaluate the best weights on dev and test at the end" },
  { key: "doTrain", flags: ["--do-train", "--no-train"], kind: "switch", log: "do_train", group: "run", help: "fine-tune" },
  { key: "evalBatchSize", flags: ["--eval-batch-size"], kind: "int", log: "eval_batch_size", group: "run", help: "examples per evaluation batch" },
  { key: "numTrainEpochs", flags: ["--num-train-epochs"], kind: "number", log: "num_train_epochs", group: "run", help: "epochs (fractions end part-way through the last one)" },
  { key: "seed", flags: ["--seed"], kind: "int", log: "seed", group: "run", help: "seed of the data order, subsampling, dropout and a fresh model's weights" },
  { key: "trainBatchSize", flags: ["--train-batch-size"], kind: "int", log: "train_batch_size", group: "run", help: "examples per micro-batch" },
  { key: "doEvaluatePriorTrain", flags: ["--do-evaluate-prior-train", "--no-evaluate-prior-train"], kind: "switch", log: "do_evaluate_prior_train", group: "run", help: "evaluate on dev before training" },
  { key: "outputAttentions", flags: ["--output-attentions", "--no-output-attentions"], kind: "switch", log: "output_attentions", group: "run", help: "write attention payloads of the dev and test examples (attentions_{dev,test}.jsonl)" },
  { key: "learningRate", flags: ["--learning-rate"], kind: "number", log: "learning_rate", group: "run", help: "peak learning rate" },
  { key: "lrSchedule", flags: ["--lr-schedule"], kind: "choice", choices: LR_SCHEDULES, log: "lr_schedule", group: "run", help: "learning-rate schedule" },
  { key: "weightDecay", flags: ["--weight-decay"], kind: "number", log: "weight_decay", group: "run", help: "AdamW weight decay (none for biases and LayerNorm weights)" },
  { key: "hiddenDropoutProb", flags: ["--hidden-dropout-prob"], kind: "number", log: "hidden_dropout_prob", group: "run", help: "overrides config.hidden_dropout_prob (every hidden dropout and the head's)" },
  { key: "maxGradNorm", flags: ["--max-grad-norm"], kind: "number", log: "max_grad_norm", group: "run", help: "clip gradients to this global norm; 0 = no clipping" },
  { key: "adamB1", flags: ["--adam-b1"], kind: "number", log: "adam_b1", group: "run", help: "AdamW β1" },
  { key: "adamB2", flags: ["--adam-b2"], kind: "number", log: "adam_b2", group: "run", help: "AdamW β2" },
  { key: "adamEps", flags: ["--adam-eps"], kind: "number", log: "adam_eps", group: "run", help: "AdamW ε" },
  { key: "adamCorrectBias", flags: ["--adam-correct-bias"], kind: "flag", log: "adam_correct_bias", group: "run", help: "Adam bias correction (off by default, as the original)" },
  { key: "warmupProportion", flags: ["--warmup-proportion"], kind: "number", log: "warmup_proportion", group: "run", help: "fraction of the steps spent warming up" },
  { key: "gradientAccumulationSteps", flags: ["--gradient-accumulation-steps"], kind: "int", log: "gradient_accumulation_steps", group: "run", help: "micro-batches per optimiser step" },
  { key: "fp16", flags: ["--fp16"], kind: "flag", log: "fp16", group: "run", help: "accepted; TF.js trains in float32", notApplicable: "TF.js trains in float32 (no apex amp)" },
  { key: "fp16OptLevel", flags: ["--fp16-opt-level"], kind: "string", log: "fp16_opt_level", group: "run", help: "accepted; no fp16", notApplicable: "no fp16" },
  { key: "fp16MinLossScale", flags: ["--fp16-min-loss-scale"], kind: "number", log: "fp16_min_loss_scale", group: "run", help: "accepted; no fp16", notApplicable: "no fp16" },
  { key: "fp16MaxLossScale", flags: ["--fp16-max-loss-scale"], kind: "number", log: "fp16_max_loss_scale", group: "run", help: "accepted; no fp16", notApplicable: "no fp16" },
  { key: "saveSteps", flags: ["--save-steps"], kind: "int", log: "save_steps", group: "run", help: "also save the weights every N optimiser steps to checkpoint-N/ (0 = never)" },
  { key: "trainFracSize", flags: ["--train-frac-size"], kind: "number", log: "train_frac_size", group: "run", help: "train on ⌊frac·N⌋ examples: below 1 without replacement, above 1 with" },
  { key: "saveModel", flags: ["--save-model", "--dont-save-model"], kind: "switch", log: "save_model", group: "run", help: "keep the best model in the output folder" },
  { key: "modelSize", flags: ["--model-size"], kind: "choice", choices: MODEL_SIZES, log: "model_size", group: "lukelab", help: "size of a fresh model when there is no --model-file" },
  { key: "modelConfig", flags: ["--model-config"], kind: "string", log: "model_config_file", group: "lukelab", help: "config.json of a fresh model (instead of --model-size)" },
  { key: "tokenizer", flags: ["--tokenizer"], kind: "string", log: "tokenizer", group: "lukelab", help: "tokenizer folder of a fresh model (default: samples/tiny-luke)" },
  { key: "resumeSteps", flags: ["--resume-steps"], kind: "int", log: "resume_steps", group: "lukelab", help: "write a resume checkpoint every N optimiser steps and at every epoch end (0 = epoch ends only)" },
  { key: "restart", flags: ["--restart"], kind: "flag", group: "lukelab", help: "start over, deleting a resumable checkpoint of this output folder (and a finished run's results)" },
  { key: "overwriteOutputDir", flags: ["--overwrite-output-dir"], kind: "flag", group: "lukelab", help: "replace a finished run in the output folder (refused without it); an unfinished run still resumes" },
  { key: "quiet", flags: ["--quiet"], kind: "flag", group: "lukelab", help: "no progress bars" },
  { key: "contextWindow", flags: ["--context-window"], kind: "int", log: "context_window", group: "lukelab", help: "keep N whitespace-separated words on each side of the mention (default: the whole sentence, as the original)" },
];

/** The original's defaults, and lukelab's for its own options. */
export const DEFAULT_OPTIONS: Omit<EntityTypingOptions, "outputDir"> = {
  numGpus: 1,
  masterPort: 29500,
  localRank: -1,
  dataDir: "data/open_entity",
  doEval: true,
  doTrain: true,
  evalBatchSize: 32,
  numTrainEpochs: 3.0,
  seed: 12,
  trainBatchSize: 2,
  doEvaluatePriorTrain: true,
  outputAttentions: false,
  learningRate: 1e-5,
  lrSchedule: "warmup_linear",
  weightDecay: 0.01,
  hiddenDropoutProb: 0.1,
  maxGradNorm: 0.0,
  adamB1: 0.9,
  adamB2: 0.98,
  adamEps: 1e-6,
  adamCorrectBias: false,
  warmupProportion: 0.06,
  gradientAccumulationSteps: 1,
  fp16: false,
  fp16OptLevel: "O2",
  fp16MinLossScale: 1,
  fp16MaxLossScale: 4,
  saveSteps: 0,
  trainFracSize: 1.0,
  saveModel: true,
  modelSize: "tiny",
  resumeSteps: 200,
  restart: false,
  overwriteOutputDir: false,
  quiet: false,
};

/** Options that do not change what a run computes, left out of its fingerprint. */
const NOT_FINGERPRINTED = new Set<keyof EntityTypingOptions>(["outputDir", "restart", "overwriteOutputDir", "quiet", "resumeSteps", "numGpus", "experimentLogger", "masterPort", "localRank", "fp16", "fp16OptLevel", "fp16MinLossScale", "fp16MaxLossScale"]);

/** What identifies a run: every option that changes its results. */
export function runFingerprint(options: Omit<EntityTypingOptions, "outputDir"> & { outputDir?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    if (NOT_FINGERPRINTED.has(spec.key)) continue;
    // Unset, --context-window leaves the fingerprint (and the default folder) of runs from before it existed as they were.
    if (spec.key === "contextWindow" && options.contextWindow === undefined) continue;
    out[spec.log ?? spec.key] = options[spec.key] ?? null;
  }
  return out;
}

/** The original's default output folder "exp_" + 8 letters; here derived from the options, so the same command finds its own folder again (and resumes). */
export function defaultOutputDir(options: Omit<EntityTypingOptions, "outputDir">): string {
  const digest = createHash("sha256").update(JSON.stringify(runFingerprint(options))).digest();
  const letters = Array.from(digest.subarray(0, 8), (b) => String.fromCharCode(97 + (b % 26))).join("");
  return `exp_${letters}`;
}

/** Fills defaults and checks ranges; errors name the option as the CLI spells it. */
export function resolveOptions(partial: Partial<EntityTypingOptions>): EntityTypingOptions {
  const merged = { ...DEFAULT_OPTIONS, ...stripUndefined(partial) } as Omit<EntityTypingOptions, "outputDir"> & { outputDir?: string };
  const flag = (key: keyof EntityTypingOptions) => OPTION_SPECS.find((s) => s.key === key)!.flags[0];
  const positiveInt = (key: keyof EntityTypingOptions) => {
    const v = merged[key];
    if (!Number.isInteger(v) || (v as number) < 1) throw new EntityTypingUsageError(`${flag(key)} must be a positive integer, got ${v}`);
  };
  positiveInt("trainBatchSize");
  positiveInt("evalBatchSize");
  positiveInt("gradientAccumulationSteps");
  for (const key of ["saveSteps", "resumeSteps"] as const) {
    if (!Number.isInteger(merged[key]) || merged[key] < 0) throw new EntityTypingUsageError(`${flag(key)} must be a non-negative integer, got ${merged[key]}`);
  }
  if (merged.contextWindow !== undefined && (!Number.isInteger(merged.contextWindow) || merged.contextWindow < 0)) {
    throw new EntityTypingUsageError(`--context-window must be a non-negative integer, got ${merged.contextWindow}`);
  }
  if (!Number.isInteger(merged.seed)) throw new EntityTypingUsageError(`--seed must be an integer, got ${merged.seed}`);
  const inRange = (key: keyof EntityTypingOptions, lo: number, hi: number, loOpen = false, hiOpen = false) => {
    const v = merged[key] as number;
    const ok = typeof v === "number" && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) throw new EntityTypingUsageError(`${flag(key)} must be in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}, got ${v}`);
  };
  inRange("numTrainEpochs", 0, Infinity, true, true);
  inRange("learningRate", 0, Infinity, false, true);
  inRange("weightDecay", 0, Infinity, false, true);
  inRange("hiddenDropoutProb", 0, 1, false, true);
  inRange("maxGradNorm", 0, Infinity, false, true);
  inRange("adamB1", 0, 1, false, true);
  inRange("adamB2", 0, 1, false, true);
  inRange("adamEps", 0, Infinity, false, true);
  inRange("warmupProportion", 0, 1);
  inRange("trainFracSize", 0, Infinity, true, true);
  if (!LR_SCHEDULES.includes(merged.lrSchedule)) throw new EntityTypingUsageError(`--lr-schedule must be one of ${LR_SCHEDULES.join(", ")}, got ${merged.lrSchedule}`);
  if (!MODEL_SIZES.includes(merged.modelSize)) throw new EntityTypingUsageError(`--model-size must be one of ${MODEL_SIZES.join(", ")}, got ${merged.modelSize}`);
  if (!merged.doTrain && !merged.doEval) throw new EntityTypingUsageError("--no-train with --no-eval leaves nothing to do");
  return { ...merged, outputDir: merged.outputDir ?? defaultOutputDir(merged) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The original's log_parameters: every run option in snake_case (training adds its counters). */
export function logParameters(options: EntityTypingOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) if (spec.log) out[spec.log] = options[spec.key] ?? null;
  return out;
}

/** One line per option of the original that has no effect here and was given a non-default value. */
export function notApplicableNotes(options: EntityTypingOptions): string[] {
  const notes: string[] = [];
  for (const spec of OPTION_SPECS) {
    if (!spec.notApplicable) continue;
    const value = options[spec.key];
    const def = (DEFAULT_OPTIONS as Partial<EntityTypingOptions>)[spec.key];
    if (value === undefined || value === def) continue;
    if (spec.key === "numGpus" && (value === 0 || value === 1)) continue;
    notes.push(`${spec.flags[0]} ${JSON.stringify(value)}: not applicable (${spec.notApplicable})`);
  }
  return notes;
}
