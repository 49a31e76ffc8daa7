/**
 * Training, for any task: AdamW with the original's bias-correction switch, the warm-up schedules,
 * gradient accumulation and clipping, the loop, resumable checkpoints, TensorBoard event files,
 * progress bars and the live loss chart.
 */
export { AdamW, NO_DECAY, type AdamWOptions, type AdamWState, type NamedVariable } from "./adamw";
export { LR_SCHEDULES, learningRateAt, trainingSteps, warmupConstant, warmupLinear, type LrSchedule, type ScheduleSpec } from "./schedules";
export { accumulateGradients, clipGradientsByGlobalNorm, disposeGradients, globalNorm, type Gradients } from "./gradients";
export { Rng, STREAM, deriveSeed, dropoutSeed, epochOrder, permutation, subsample } from "./random";
export { Trainer, type StepInfo, type TrainerHooks, type TrainerOptions, type TrainerState } from "./trainer";
export { RESUME_DIR, ResumeStore, fingerprintDifferences, type ResumePoint } from "./resume";
export { EventWriter, crc32c, eventFileName, maskedCrc32c, scalarsEvent, tfRecord, type Scalar } from "./tensorboard";
export { ProgressBar, formatDuration, formatProgress, formatRate, type ProgressOptions, type ProgressSnapshot } from "./progress";
export { downsample, lineChartSvg, niceTicks, type ChartOptions, type Series } from "./line-chart";
