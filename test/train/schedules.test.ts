/**
 * warmup_linear and warmup_constant give the learning rate transformers' schedulers give (in
 * torch's LambdaLR) at every optimiser step of a run (test/fixtures/training/schedules.json), and
 * the step arithmetic is the original's.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { learningRateAt, trainingSteps, type LrSchedule } from "../../kernel/train/schedules";
import { FIXTURES } from "../helpers";

const fixture = JSON.parse(readFileSync(join(FIXTURES, "training", "schedules.json"), "utf8")) as {
  schedules: { schedule: LrSchedule; learning_rate: number; total: number; warmup: number; lrs: number[] }[];
};

test("both schedules equal transformers' at every step", () => {
  assert.ok(fixture.schedules.length >= 10);
  for (const s of fixture.schedules) {
    const spec = { schedule: s.schedule, learningRate: s.learning_rate, warmupSteps: s.warmup, trainingSteps: s.total };
    s.lrs.forEach((want, step) => {
      const got = learningRateAt(spec, step);
      assert.ok(Math.abs(got - want) <= 1e-12 * s.learning_rate, `${s.schedule} total ${s.total} warm-up ${s.warmup} step ${step}: ${got} vs ${want}`);
    });
  }
});

test("the first step of a warm-up has learning rate 0, as LambdaLR gives it", () => {
  const spec = { schedule: "warmup_linear" as const, learningRate: 1e-5, warmupSteps: 59, trainingSteps: 999 };
  assert.equal(learningRateAt(spec, 0), 0);
  assert.equal(learningRateAt(spec, 59), 1e-5);
  assert.equal(learningRateAt(spec, 999), 0);
});

test("steps per epoch, total and warm-up follow the original's integer arithmetic", () => {
  // Open Entity with the paper's recipe: 1,998 examples, batch 2 × accumulation 2, 3 epochs.
  assert.deepEqual(trainingSteps(1998, 2, 2, 3, 0.06), { microBatchesPerEpoch: 999, stepsPerEpoch: 499, totalSteps: 1497, warmupSteps: 89 });
  // The defaults: batch 2, no accumulation.
  assert.deepEqual(trainingSteps(1998, 2, 1, 3, 0.06), { microBatchesPerEpoch: 999, stepsPerEpoch: 999, totalSteps: 2997, warmupSteps: 179 });
  // A last, smaller batch counts; fractional epochs truncate the total.
  assert.deepEqual(trainingSteps(43, 2, 1, 2.5, 0.06), { microBatchesPerEpoch: 22, stepsPerEpoch: 22, totalSteps: 55, warmupSteps: 3 });
});
