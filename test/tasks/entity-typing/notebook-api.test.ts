/**
 * Entity typing from notebook cells: trainEntityTyping with a live view that redraws in place,
 * evaluate and predict with the kept model, and no tensor left behind once the run is disposed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { tf } from "../../../kernel/backend";
import { TrainingView, evaluateEntityTyping, trainEntityTyping } from "../../../kernel/tasks/entity-typing/notebook";
import { FIXTURES, ROOT, ready, tmpDir } from "../../helpers";

const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const MICRO = join(FIXTURES, "training", "micro-config.json");

test("train, evaluate and predict from cells, with a live view and no leaked tensor", { timeout: 300_000 }, async () => {
  await ready();
  const before = tf.memory().numTensors;
  const shown: string[] = [];
  const outputDir = join(tmpDir(), "nb");
  const run = await trainEntityTyping(
    { dataDir: SAMPLE, outputDir, modelConfig: MICRO, numTrainEpochs: 2, learningRate: 1e-3, trainBatchSize: 4 },
    { display: { html: (s) => void shown.push(s) }, refreshMs: 0 },
  );
  try {
    // The view was redrawn as training went, and ends with the summary and the chart.
    assert.ok(shown.length > 10, `${shown.length} redraws`);
    const last = shown[shown.length - 1];
    assert.match(last, /<svg[^>]*>.*training loss.*dev F1.*<\/svg>/s);
    assert.match(last, /done: best epoch \d, dev F1 [\d.]+, test F1 [\d.]+/);
    assert.ok(shown.some((s) => /train +\d+%\|/.test(s)), "progress with rate and ETA was shown");

    assert.equal(run.results.training_loss!.length, 2 * 11);
    const dev = await run.evaluate("dev");
    assert.equal(dev.metrics.f1, run.results.dev_f1);
    const [p] = await run.predict([{ text: "Grace Hopper 👩‍💻 wrote a compiler .", start: 0, end: 12 }]);
    assert.equal(p.mention, "Grace Hopper");
    assert.equal(p.scores.length, 9);
    assert.deepEqual(p.labels, p.scores.filter((s) => s.score > 0.5).map((s) => s.label).sort((a, b) => run.labels.indexOf(a) - run.labels.indexOf(b)));
  } finally {
    run.dispose();
  }
  assert.equal(tf.memory().numTensors, before, "every tensor of the run is freed");

  // Evaluation only, of the model the run saved.
  const evaluated = await evaluateEntityTyping({ dataDir: SAMPLE, outputDir, overwriteOutputDir: true });
  try {
    assert.equal(evaluated.results.dev_f1, run.results.dev_f1);
  } finally {
    evaluated.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test("the view redraws at most every refreshMs, except for evaluations and the end", () => {
  let t = 0;
  const shown: string[] = [];
  const view = new TrainingView({ html: (s) => void shown.push(s) }, 1000, () => t);
  for (let i = 1; i <= 10; i++) {
    t += 100;
    view.step({ step: i, epoch: 0, loss: 1 / i, learningRate: 1e-3, epochEnd: false });
  }
  assert.equal(shown.length, 1);
  view.evaluation(10, { precision: 0.5, recall: 0.5, f1: 0.5 }, "epoch 0");
  view.finish("done");
  assert.equal(shown.length, 3);
  assert.match(shown[2], /done/);
});
