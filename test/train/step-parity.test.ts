/**
 * One training step against PyTorch/transformers (test/fixtures/training/step.*, made by
 * scripts/make_training_fixtures.py): from samples/tiny-luke's weights and the same batch, the BCE
 * loss, the gradients of named parameters, and the weights after AdamW updates (bias correction
 * off and on, the original's weight-decay groups; and through the Trainer: gradient accumulation,
 * clipping and two scheduled steps) agree within 1e-5 relative (max |ours − theirs| / max |theirs|
 * per tensor). The pooler, which the loss does not reach, gets no gradient and no update on either
 * side.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { tf } from "../../kernel/backend";
import { loadHfCheckpoint, normaliseLukeKeys } from "../../kernel/checkpoint";
import { LukeModel, parseLukeConfig, weightSpecs, type LukeInputs } from "../../kernel/model";
import { LukeTokenizer } from "../../kernel/tokenizer";
import { AdamW, type NamedVariable } from "../../kernel/train/adamw";
import { Trainer, type StepInfo } from "../../kernel/train/trainer";
import { collate, toEncodeInput } from "../../kernel/tasks/entity-typing/inputs";
import { FIXTURES, ROOT, expectNoLeak, ready } from "../helpers";

interface Ref {
  shape: number[];
  offset: number;
}
const DIR = join(FIXTURES, "training");
const fixture = JSON.parse(readFileSync(join(DIR, "step.json"), "utf8"));
const buf = readFileSync(join(DIR, "step.f32"));
const values = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
const tensorOf = (ref: Ref) => values.subarray(ref.offset, ref.offset + ref.shape.reduce((a, b) => a * b, 1));
const MODEL = join(ROOT, "samples", "tiny-luke");
const TOLERANCE = 1e-5;

/** max |a − b| / max |b|: the error relative to the tensor's own scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function makeModel(): LukeModel {
  const checkpoint = loadHfCheckpoint(MODEL);
  const config = parseLukeConfig({ ...checkpoint.config, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }, MODEL);
  return LukeModel.fromStateDict(config, normaliseLukeKeys(checkpoint.stateDict).stateDict, { head: "entity_classification" });
}

function named(model: LukeModel): NamedVariable[] {
  const names = [...LukeModel.expectedWeights(model.config, model.head).keys()];
  return model.trainableVariables().map((variable, i) => ({ name: names[i], variable }));
}

const rows = JSON.parse(readFileSync(join(ROOT, "samples", "open-entity-sample", "train.json"), "utf8"));
const examples: { sent: string; start: number; end: number }[] = fixture.examples.map((i: number) => rows[i]);
let tokenizer: LukeTokenizer;
const encode = (which: number[]) =>
  which.map((i) => tokenizer.encode(toEncodeInput({ text: examples[i].sent, start: examples[i].start, end: examples[i].end }), { task: "entity_classification" }));
const targets = (which: number[]) => tf.tensor2d(which.map((i) => fixture.targets[i]), undefined, "float32");

function lossOf(model: LukeModel, which: number[]): tf.Scalar {
  const inputs: LukeInputs = collate(encode(which), model.config.padTokenId);
  const out = model.forward(inputs, { training: true, seed: 1 });
  return model.loss(out.logits!, targets(which), { problemType: "multi_label_classification" });
}

/**
 * Weights after the update within TOLERANCE of PyTorch's; returns the worst error of the update
 * itself (after − before, relative to the update's scale), which is reported, not asserted: an
 * update is ~1e-3 of a weight, so float32 rounding of the weight alone is ~1e-4 of it.
 */
function checkAfter(model: LukeModel, before: Map<string, { data: ArrayLike<number> }>, after: Record<string, Ref>, what: string): { weights: number; updates: number } {
  const state = model.stateDict();
  let weights = 0;
  let updates = 0;
  for (const name of fixture.chosen as string[]) {
    const ours = state.get(name)!.data;
    const theirs = tensorOf(after[name]);
    const err = relativeError(ours, theirs);
    weights = Math.max(weights, err);
    assert.ok(err <= TOLERANCE, `${what}: ${name} after the step differs by ${err.toExponential(2)} (relative)`);
    const b = before.get(name)!.data;
    const dOurs = Array.from(ours, (v, i) => v - b[i]);
    const dTheirs = Array.from(theirs, (v, i) => v - b[i]);
    if (dTheirs.some((v) => v !== 0)) updates = Math.max(updates, relativeError(dOurs, dTheirs));
    else assert.ok(dOurs.every((v) => v === 0), `${what}: ${name} must not change (no gradient)`);
  }
  return { weights, updates };
}

before(async () => {
  await ready();
  tokenizer = LukeTokenizer.fromFolder(MODEL);
});

test("the batch encodes to the fixture's ids", () => {
  const enc = encode([0, 1, 2, 3]);
  enc.forEach((e, i) => {
    const words = (fixture.attention_mask[i] as number[]).reduce((a, b) => a + b, 0);
    assert.deepEqual(e.inputIds, fixture.input_ids[i].slice(0, words));
    assert.deepEqual(e.entityIds, fixture.entity_ids[i]);
    assert.deepEqual(e.entityPositionIds, fixture.entity_position_ids[i]);
  });
});

test("loss and gradients of named parameters match PyTorch", async () => {
  const model = makeModel();
  try {
    const vars = named(model);
    const byVar = new Map(vars.map((v) => [v.variable.name, v.name]));
    const transposed = new Set(weightSpecs(model.config, model.head).filter((s) => s.transposed).map((s) => s.name));
    const { value, grads } = tf.variableGrads(() => lossOf(model, [0, 1, 2, 3]), vars.map((v) => v.variable));
    const loss = (await value.data())[0];
    assert.ok(Math.abs(loss - fixture.loss) / fixture.loss <= TOLERANCE, `loss ${loss} vs ${fixture.loss}`);
    const ours = new Map(Object.entries(grads).map(([k, g]) => [byVar.get(k)!, g]));
    const report: Record<string, number> = {};
    for (const name of fixture.chosen as string[]) {
      const ref = fixture.grads[name] as Ref | null;
      if (ref === null) {
        assert.ok(!ours.has(name), `${name}: PyTorch has no gradient, we have one`);
        continue;
      }
      // Linear weights are held as [in, out]; PyTorch's gradient is [out, in].
      const g = ours.get(name)!;
      const inPyTorchLayout = transposed.has(name) ? tf.tidy(() => tf.transpose(g).dataSync()) : g.dataSync();
      const err = relativeError(inPyTorchLayout, tensorOf(ref));
      report[name] = err;
      assert.ok(err <= TOLERANCE, `gradient of ${name} differs by ${err.toExponential(2)} (relative)`);
    }
    for (const name of fixture.no_grad as string[]) assert.ok(!ours.has(name), `${name} should get no gradient`);
    console.log(`loss ${loss} (PyTorch ${fixture.loss}); worst gradient error ${Math.max(...Object.values(report)).toExponential(2)}`);
    value.dispose();
    tf.dispose(Object.values(grads));
  } finally {
    model.dispose();
  }
});

for (const name of ["A", "B"] as const) {
  test(`one AdamW step, bias correction ${fixture.cases[name].correct_bias ? "on" : "off"}, matches PyTorch (case ${name})`, async () => {
    const c = fixture.cases[name];
    const model = makeModel();
    const before = model.stateDict();
    try {
      const vars = named(model);
      const byVar = new Map(vars.map((v) => [v.variable.name, v.name]));
      const optimizer = new AdamW(vars, { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, correctBias: c.correct_bias });
      await expectNoLeak(async () => {
        const { value, grads } = tf.variableGrads(() => lossOf(model, [0, 1, 2, 3]), vars.map((v) => v.variable));
        optimizer.step(new Map(Object.entries(grads).map(([k, g]) => [byVar.get(k)!, g])), c.lr[0]);
        value.dispose();
        tf.dispose(Object.values(grads));
        // The optimizer keeps two moments per updated parameter: everything else is freed.
        optimizer.dispose();
      });
      const err = checkAfter(model, before, c.after, `case ${name}`);
      console.log(`case ${name}: worst weight error ${err.weights.toExponential(2)}, worst update error ${err.updates.toExponential(2)}`);
    } finally {
      model.dispose();
    }
  });
}

test("the Trainer's accumulation, clipping and scheduled steps match PyTorch (case C)", async () => {
  const c = fixture.cases.C;
  const model = makeModel();
  const before = model.stateDict();
  try {
    const steps: StepInfo[] = [];
    const trainer = new Trainer(named(model), {
      numExamples: 4,
      batchSize: 2,
      gradientAccumulationSteps: c.accumulation,
      numTrainEpochs: 2,
      seed: 0,
      learningRate: c.lr[0],
      lrSchedule: "warmup_linear", // 2 steps, no warm-up: λ = 1, then 1/2
      warmupProportion: 0,
      maxGradNorm: c.max_grad_norm,
      adam: { betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.01, correctBias: true },
      order: () => [0, 1, 2, 3],
    });
    const baseline = tf.memory().numTensors;
    await trainer.run({ loss: (indices) => lossOf(model, indices), afterStep: (info) => void steps.push(info) });
    // Live tensors after training: the optimizer's two moments per updated parameter, nothing else.
    assert.equal(tf.memory().numTensors, baseline + trainer.optimizer.numStateTensors);
    trainer.dispose();
    assert.equal(tf.memory().numTensors, baseline);

    assert.equal(steps.length, 2);
    steps.forEach((s, k) => {
      const ref = c.steps[k];
      assert.ok(Math.abs(s.learningRate - ref.lr) < 1e-15, `step ${k}: lr ${s.learningRate} vs ${ref.lr}`);
      const meanLoss = (ref.micro_losses[0] + ref.micro_losses[1]) / 2;
      assert.ok(Math.abs(s.loss - meanLoss) / meanLoss <= TOLERANCE, `step ${k}: loss ${s.loss} vs ${meanLoss}`);
      assert.ok(Math.abs(s.gradNorm! - ref.grad_norm) / ref.grad_norm <= 1e-4, `step ${k}: grad norm ${s.gradNorm} vs ${ref.grad_norm}`);
    });
    const err = checkAfter(model, before, c.after, "case C");
    console.log(`case C: worst weight error ${err.weights.toExponential(2)}, worst update error ${err.updates.toExponential(2)}`);
  } finally {
    model.dispose();
  }
});
