/**
 * LukePool: inference on worker threads gives what one process gives, row for row, whatever the
 * split; errors in a worker reach the caller with the worker named; nothing leaks in the caller.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { tf } from "../../kernel/backend";
import { loadLuke, type Luke } from "../../kernel/inference/luke";
import { LukePool, concatRaw, sliceBatch, splitRows } from "../../kernel/inference/pool";
import { ROOT, flatten, maxAbsDiff, ready } from "../helpers";

const MODEL = join(ROOT, "samples", "tiny-luke");
const INPUTS = [
  { text: "Beyoncé lives in Los Angeles.", spans: [[0, 7]] as [number, number][] },
  { text: "Ada Lovelace wrote the first program .", spans: [[0, 12]] as [number, number][] },
  { text: "The storm 🌀 reached the coast of Florida on Tuesday .", spans: [[4, 9]] as [number, number][] },
  { text: "It rained .", spans: [[0, 2]] as [number, number][] },
  { text: "Katherine Johnson calculated the flight paths by hand .", spans: [[0, 17]] as [number, number][] },
];

let luke: Luke;
let pool: LukePool;

before(async () => {
  await ready();
  luke = await loadLuke(MODEL);
  pool = await LukePool.open(MODEL, { threads: 2 });
});

after(async () => {
  await pool?.close();
  luke?.dispose();
});

test("rows are split evenly, none empty, in order", () => {
  assert.deepEqual(splitRows(5, 2), [[0, 3], [3, 5]]);
  assert.deepEqual(splitRows(32, 2), [[0, 16], [16, 32]]);
  assert.deepEqual(splitRows(2, 4), [[0, 1], [1, 2]]);
  assert.deepEqual(splitRows(7, 3), [[0, 3], [3, 5], [5, 7]]);
});

test("raw outputs of row ranges join back along the batch axis", () => {
  const a = { lastHiddenState: { data: Float32Array.from([1, 2, 3, 4]), shape: [1, 2, 2] }, attentions: [{ data: Float32Array.from([9]), shape: [1, 1, 1, 1] }] };
  const b = { lastHiddenState: { data: Float32Array.from([5, 6, 7, 8, 9, 10, 11, 12]), shape: [2, 2, 2] }, attentions: [{ data: Float32Array.from([7, 8]), shape: [2, 1, 1, 1] }] };
  const joined = concatRaw([a, b]);
  assert.deepEqual(joined.lastHiddenState.shape, [3, 2, 2]);
  assert.deepEqual(Array.from(joined.lastHiddenState.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(joined.attentions!.map((t) => [t.shape, Array.from(t.data)]), [[[3, 1, 1, 1], [9, 7, 8]]]);
  assert.equal(joined.logits, undefined, "an output no part has stays absent");
});

test("forward on two workers equals Luke.forward: states, attentions, logits, for every row", async () => {
  const options = { attentions: true, hiddenStates: true };
  const want = await luke.forward(INPUTS, options);
  const before = tf.memory().numTensors;
  const got = await pool.forward(INPUTS, options);
  assert.equal(tf.memory().numTensors, before, "the pool makes no tensors in the caller");
  assert.equal(pool.threads, 2);
  assert.equal(got.length, INPUTS.length);
  for (let i = 0; i < INPUTS.length; i++) {
    assert.deepEqual(got[i].tokens, want[i].tokens);
    assert.deepEqual(got[i].entityPositionIds, want[i].entityPositionIds);
    for (const key of ["lastHiddenState", "entityLastHiddenState", "logits", "attentions", "hiddenStates", "entityHiddenStates"] as const) {
      const a = flatten(got[i][key]);
      const b = flatten(want[i][key]);
      assert.equal(a.length, b.length, `${key} of input ${i}: sizes differ`);
      assert.ok(a.length > 0, `${key} of input ${i} is empty`);
      // Same ops on the same padded rows; native TensorFlow may block a smaller matMul differently.
      assert.ok(maxAbsDiff(a, b) <= 1e-5, `${key} of input ${i}: max |Δ| ${maxAbsDiff(a, b)}`);
    }
  }
});

test("predict on the pool equals Luke.predict; batches larger than the workers' share are queued", async () => {
  const want = await luke.predict(INPUTS);
  const got = await pool.predict(INPUTS, { batchSize: 2 });
  assert.deepEqual(got.map((p) => p.labels), want.map((p) => p.labels));
  assert.deepEqual(got.map((p) => p.mentions), want.map((p) => p.mentions));
  // Scores are sigmoids of logits that agree within 1e-5 (above): native TensorFlow blocks the matMuls
  // of a 2-row batch differently from a 5-row one (measured: 1.1e-6 between them in one process).
  got.forEach((p, i) => {
    const diff = maxAbsDiff(p.scores.map((s) => s.score), want[i].scores.map((s) => s.score));
    assert.ok(diff <= 1e-5, `scores of input ${i}: max |Δ| ${diff}`);
  });
});

test("one padded batch: every worker gets rows of the same length", async () => {
  const batch = luke.encode(INPUTS);
  const part = sliceBatch(batch, 3, 5);
  assert.equal(part.inputIds.length, 2);
  assert.equal(part.inputIds[0].length, batch.inputIds[0].length);
  const raw = await pool.runBatch(batch);
  assert.deepEqual(raw.lastHiddenState.shape, [INPUTS.length, batch.inputIds[0].length, luke.config.hiddenSize]);
});

test("a failure inside a worker rejects with the worker named, and the pool goes on working", async () => {
  const batch = luke.encode(INPUTS.slice(0, 2));
  const broken = { ...batch, entityPositionIds: batch.entityPositionIds.map(() => [[1, 2]]), entityIds: batch.entityIds.map(() => [1, 1, 1]) };
  await assert.rejects(pool.runBatch(broken), /pool worker \d/);
  const again = await pool.forward(INPUTS.slice(0, 2));
  assert.equal(again.length, 2);
});

test("a pool without a tokenizer runs encoded batches only; a closed pool refuses work", async () => {
  const bare = await LukePool.fromModel(luke.model, { threads: 1 });
  await assert.rejects(bare.forward(INPUTS), /no tokenizer/);
  const raw = await bare.runBatch(luke.encode(INPUTS.slice(0, 1)));
  assert.equal(raw.logits!.shape[0], 1);
  await bare.close();
  await assert.rejects(bare.runBatch(luke.encode(INPUTS.slice(0, 1))), /closed/);
  await assert.rejects(LukePool.fromModel(luke.model, { threads: 0 }), /positive integer/);
});
