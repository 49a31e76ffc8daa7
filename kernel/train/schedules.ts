/**
 * Learning-rate schedules, as transformers' get_linear_schedule_with_warmup and
 * get_constant_schedule_with_warmup wrapped in torch's LambdaLR: the k-th optimiser step (k from 0)
 * runs with base_lr · λ(k). The first step therefore has a learning rate of 0 whenever there is a
 * warm-up, exactly as in the original (LambdaLR applies λ(0) at construction and the scheduler is
 * stepped after each optimiser step).
 */

export const LR_SCHEDULES = ["warmup_linear", "warmup_constant"] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** transformers' _get_linear_schedule_with_warmup_lr_lambda. */
export function warmupLinear(step: number, warmupSteps: number, trainingSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  return Math.max(0, (trainingSteps - step) / Math.max(1, trainingSteps - warmupSteps));
}

/** transformers' _get_constant_schedule_with_warmup_lr_lambda. */
export function warmupConstant(step: number, warmupSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  return 1;
}

export interface ScheduleSpec {
  schedule: LrSchedule;
  learningRate: number;
  /** The original's int(num_train_steps · warmup_proportion). */
  warmupSteps: number;
  trainingSteps: number;
}

/** The learning rate of optimiser step `step` (0-based). */
export function learningRateAt(spec: ScheduleSpec, step: number): number {
  const factor =
    spec.schedule === "warmup_linear" ? warmupLinear(step, spec.warmupSteps, spec.trainingSteps) : warmupConstant(step, spec.warmupSteps);
  return spec.learningRate * factor;
}

/**
 * The original's step arithmetic (examples/utils/trainer.py and entity_typing/main.py):
 * steps per epoch = ⌊micro-batches / accumulation⌋, total = int(steps per epoch · epochs),
 * warm-up = int(total · warmup proportion).
 */
export function trainingSteps(
  examples: number,
  batchSize: number,
  accumulation: number,
  epochs: number,
  warmupProportion: number,
): { microBatchesPerEpoch: number; stepsPerEpoch: number; totalSteps: number; warmupSteps: number } {
  const microBatchesPerEpoch = Math.ceil(examples / batchSize);
  const stepsPerEpoch = Math.floor(microBatchesPerEpoch / accumulation);
  const totalSteps = Math.trunc(stepsPerEpoch * epochs);
  const warmupSteps = Math.trunc(totalSteps * warmupProportion);
  return { microBatchesPerEpoch, stepsPerEpoch, totalSteps, warmupSteps };
}
