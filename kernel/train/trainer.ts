/**
 * The training loop of the original's examples/utils/trainer.py, for any task: the task gives a
 * loss for a micro-batch of example indices; the loop owns the order of the examples, gradient
 * accumulation, clipping, the AdamW step with its schedule, and the step counters.
 *
 * Faithful to the original:
 *   - steps per epoch = ⌊micro-batches / accumulation⌋, total = int(steps per epoch · epochs)
 *     (fractional epochs end part-way through the last one), warm-up = int(total · proportion);
 *   - the k-th optimiser step uses lr · λ(k) (so the first step of a warm-up has lr 0);
 *   - each micro-batch's loss is divided by the accumulation steps before backward, gradients are
 *     summed, clipped by global norm (0 = off), then one AdamW step;
 *   - an epoch ends when the step count is a multiple of the steps per epoch (the evaluation hook).
 * Different on purpose:
 *   - the training loss is recorded once per optimiser step, as the mean of its micro-batch losses
 *     *before* the division by the accumulation steps (the original logged each micro-batch's
 *     divided loss, so its curve was too small by that factor);
 *   - micro-batches left over at the end of an epoch (when the accumulation steps do not divide
 *     them) are skipped; the original ran them and carried their gradients into the next epoch's
 *     first step (seed-features §4.11);
 *   - the order of the examples and the dropout masks are functions of (seed, epoch, micro-batch)
 *     (random.ts), so a run resumed from a checkpoint continues exactly as an uninterrupted one.
 */
import { tf } from "../backend";
import { AdamW, type AdamWOptions, type AdamWState, type NamedVariable } from "./adamw";
import { accumulateGradients, clipGradientsByGlobalNorm, disposeGradients, type Gradients } from "./gradients";
import { dropoutSeed, epochOrder } from "./random";
import { learningRateAt, trainingSteps, type LrSchedule, type ScheduleSpec } from "./schedules";

export interface TrainerOptions {
  /** Training examples (after any subsampling). */
  numExamples: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  numTrainEpochs: number;
  seed: number;
  learningRate: number;
  lrSchedule: LrSchedule;
  warmupProportion: number;
  /** 0 = no clipping. */
  maxGradNorm: number;
  adam: AdamWOptions;
  /** The order of the examples in an epoch; default epochOrder(numExamples, seed, epoch). */
  order?: (epoch: number) => number[];
}

export interface StepInfo {
  /** Optimiser steps done, this one included (the original's global_step). */
  step: number;
  /** Epoch of this step, from 0. */
  epoch: number;
  /** Mean micro-batch loss of this step (not divided by the accumulation steps). */
  loss: number;
  /** Learning rate this step used. */
  learningRate: number;
  /** Global gradient norm before clipping; only when clipping is on. */
  gradNorm?: number;
  /** Whether this step completed an epoch. */
  epochEnd: boolean;
}

export interface TrainerHooks {
  /**
   * The loss of the micro-batch made of these training examples, computed in training mode with
   * `dropoutSeed`; called inside tf.variableGrads, so everything it creates is freed afterwards.
   */
  loss(indices: number[], dropoutSeed: number): tf.Scalar;
  /** After every optimiser step. */
  afterStep?(info: StepInfo): void | Promise<void>;
  /** After the step that completes an epoch (the original's step_callback evaluation). */
  afterEpoch?(epoch: number, step: number): void | Promise<void>;
}

/** What a checkpoint needs to continue: counters and losses here, moments in the optimizer. */
export interface TrainerState {
  step: number;
  trainingLoss: number[];
  optimizer: AdamWState;
}

export class Trainer {
  readonly optimizer: AdamW;
  readonly microBatchesPerEpoch: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly schedule: ScheduleSpec;
  /** Optimiser steps done. */
  step = 0;
  /** One value per optimiser step. */
  trainingLoss: number[] = [];
  private readonly hfName = new Map<string, string>();
  private stopRequested = false;

  constructor(
    private readonly params: NamedVariable[],
    readonly options: TrainerOptions,
  ) {
    const o = options;
    for (const [name, value] of Object.entries({ batchSize: o.batchSize, gradientAccumulationSteps: o.gradientAccumulationSteps })) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
    }
    if (!(o.numTrainEpochs > 0)) throw new Error(`numTrainEpochs must be positive, got ${o.numTrainEpochs}`);
    if (!(o.warmupProportion >= 0 && o.warmupProportion <= 1)) throw new Error(`warmupProportion must be in [0, 1], got ${o.warmupProportion}`);
    if (!(o.learningRate >= 0)) throw new Error(`learningRate must be ≥ 0, got ${o.learningRate}`);
    const plan = trainingSteps(o.numExamples, o.batchSize, o.gradientAccumulationSteps, o.numTrainEpochs, o.warmupProportion);
    if (plan.stepsPerEpoch === 0) {
      throw new Error(
        `${o.numExamples} training examples in batches of ${o.batchSize} give ${plan.microBatchesPerEpoch} micro-batches, ` +
          `fewer than the ${o.gradientAccumulationSteps} gradient accumulation steps of one optimiser step`,
      );
    }
    if (plan.totalSteps === 0) throw new Error(`${o.numTrainEpochs} epochs of ${plan.stepsPerEpoch} steps is no optimiser step at all`);
    this.microBatchesPerEpoch = plan.microBatchesPerEpoch;
    this.stepsPerEpoch = plan.stepsPerEpoch;
    this.totalSteps = plan.totalSteps;
    this.warmupSteps = plan.warmupSteps;
    this.schedule = { schedule: o.lrSchedule, learningRate: o.learningRate, warmupSteps: plan.warmupSteps, trainingSteps: plan.totalSteps };
    for (const p of params) this.hfName.set(p.variable.name, p.name);
    this.optimizer = new AdamW(params, o.adam);
  }

  /** Epochs the loop visits: ⌈total / steps per epoch⌉. */
  get numEpochs(): number {
    return Math.ceil(this.totalSteps / this.stepsPerEpoch);
  }

  get finished(): boolean {
    return this.step >= this.totalSteps;
  }

  /** The mean training loss per optimiser step so far (the original's average_loss). */
  get averageLoss(): number {
    return this.trainingLoss.length ? this.trainingLoss.reduce((a, b) => a + b, 0) / this.trainingLoss.length : NaN;
  }

  /** Makes run() return after the current optimiser step (a notebook's stop button, a signal). */
  requestStop(): void {
    this.stopRequested = true;
  }

  /**
   * Trains from the current step to the end (or until requestStop). Between optimiser steps the
   * only live tensors it adds are the optimizer's moments.
   */
  async run(hooks: TrainerHooks): Promise<void> {
    this.stopRequested = false;
    const { batchSize, gradientAccumulationSteps: acc, seed, maxGradNorm, numExamples } = this.options;
    const vars = this.params.map((p) => p.variable);
    while (!this.finished && !this.stopRequested) {
      const epoch = Math.floor(this.step / this.stepsPerEpoch);
      const order = this.options.order ? this.options.order(epoch) : epochOrder(numExamples, seed, epoch);
      if (order.length !== numExamples) throw new Error(`the order of epoch ${epoch} has ${order.length} entries for ${numExamples} examples`);
      for (let s = this.step % this.stepsPerEpoch; s < this.stepsPerEpoch && !this.finished && !this.stopRequested; s++) {
        const grads: Gradients = new Map();
        const losses: number[] = [];
        try {
          for (let a = 0; a < acc; a++) {
            const microBatch = s * acc + a;
            const indices = order.slice(microBatch * batchSize, (microBatch + 1) * batchSize);
            const micro = epoch * this.microBatchesPerEpoch + microBatch;
            let kept: tf.Scalar | undefined;
            const { value, grads: g } = tf.variableGrads(() => {
              const loss = hooks.loss(indices, dropoutSeed(seed, micro));
              kept = tf.keep(loss);
              return acc > 1 ? (tf.div(loss, acc) as tf.Scalar) : loss;
            }, vars);
            try {
              losses.push((await kept!.data())[0]);
            } finally {
              if (kept !== value) kept?.dispose();
              value.dispose();
            }
            accumulateGradients(grads, new Map(Object.entries(g).map(([varName, t]) => [this.hfName.get(varName) ?? varName, t])));
          }
          const gradNorm = clipGradientsByGlobalNorm(grads, maxGradNorm);
          const learningRate = learningRateAt(this.schedule, this.step);
          this.optimizer.step(grads, learningRate);
          this.step += 1;
          const loss = losses.reduce((x, y) => x + y, 0) / losses.length;
          this.trainingLoss.push(loss);
          const epochEnd = this.step % this.stepsPerEpoch === 0;
          disposeGradients(grads);
          await hooks.afterStep?.({ step: this.step, epoch, loss, learningRate, gradNorm, epochEnd });
          if (epochEnd) await hooks.afterEpoch?.(epoch, this.step);
        } finally {
          disposeGradients(grads);
        }
      }
    }
  }

  getState(): TrainerState {
    return { step: this.step, trainingLoss: [...this.trainingLoss], optimizer: this.optimizer.getState() };
  }

  setState(state: TrainerState, where = "trainer state"): void {
    if (!Number.isInteger(state.step) || state.step < 0 || state.step > this.totalSteps) {
      throw new Error(`${where}: step ${state.step} is outside [0, ${this.totalSteps}]`);
    }
    if (state.trainingLoss.length !== state.step) {
      throw new Error(`${where}: ${state.trainingLoss.length} recorded losses for ${state.step} steps`);
    }
    this.optimizer.setState(state.optimizer, where);
    this.step = state.step;
    this.trainingLoss = [...state.trainingLoss];
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
