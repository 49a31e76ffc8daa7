/**
 * End-to-end parity with Hugging Face transformers: the committed fixtures (scripts/make_fixtures.py)
 * hold two tiny random LUKE models, as safetensors and as pytorch_model.bin, with transformers'
 * outputs on written hard strings and Open Entity sentences. lukelab loads the same folders and must
 * give the same token ids and entity fields exactly, hidden states and logits within 1e-4 and
 * attention probabilities within 1e-5.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadLuke, tf } from "../../kernel";
import type { EncodeInput, ForwardResult } from "../../kernel";
import { FIXTURES, SHARED, describeWithModel, flatten, maxAbsDiff } from "../helpers";

interface TensorRef {
  shape: number[];
  offset: number;
}

interface ExpectedRecord {
  input: { text?: string; source?: { dataset: string; split: string; index: number }; spans: [number, number][] };
  tokens: string[];
  input_ids: number[];
  attention_mask: number[];
  entity_ids: number[];
  entity_position_ids: number[][];
  entity_attention_mask: number[];
  entity_start_positions?: number[];
  entity_end_positions?: number[];
  last_hidden_state: TensorRef;
  entity_last_hidden_state: TensorRef;
  logits: TensorRef;
  attentions?: TensorRef;
}

interface Expected {
  architecture: string;
  task: string;
  tolerance: { hidden: number; logits: number; attentions: number };
  inputs: ExpectedRecord[];
  batch: { rows: number[]; outputs: ExpectedRecord[] };
}

const MODELS = ["entity-aware", "plain-attention"];
const FORMATS = ["safetensors", "bin"];

const datasets = new Map<string, { sent: string }[]>();
function textOf(rec: ExpectedRecord): string {
  if (rec.input.text !== undefined) return rec.input.text;
  const src = rec.input.source!;
  const key = `${src.dataset}/${src.split}`;
  if (!datasets.has(key)) datasets.set(key, JSON.parse(readFileSync(join(SHARED, "data", src.dataset, `${src.split}.json`), "utf8")));
  return datasets.get(key)![src.index].sent;
}

function load(model: string): { expected: Expected; values: Float32Array } {
  const dir = join(FIXTURES, "parity", model);
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
  const buf = readFileSync(join(dir, "expected.f32"));
  const values = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { expected, values };
}

function slice(values: Float32Array, ref: TensorRef): Float32Array {
  const n = ref.shape.reduce((a, b) => a * b, 1);
  return values.subarray(ref.offset, ref.offset + n);
}

/** Shape of a nested array, following the first element. */
function shapeOf(x: unknown): number[] {
  const shape: number[] = [];
  let v = x;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/**
 * Expected values for one row of a padded batch, with padding removed the way Luke.forward removes
 * it: word rows beyond the real length, entity rows beyond the real count, and the matching columns
 * of the attention matrices.
 */
function unpadded(rec: ExpectedRecord, values: Float32Array) {
  const words = rec.attention_mask.reduce((a, b) => a + b, 0);
  const entities = rec.entity_attention_mask.reduce((a, b) => a + b, 0);
  const Lw = rec.attention_mask.length;
  const rows = (ref: TensorRef, keep: number) => {
    const width = ref.shape.slice(1).reduce((a, b) => a * b, 1);
    return slice(values, ref).subarray(0, keep * width);
  };
  const keepIdx = (i: number) => i < words || (i >= Lw && i < Lw + entities);
  let attentions: number[] | undefined;
  if (rec.attentions) {
    const [layers, heads, L] = rec.attentions.shape;
    const all = slice(values, rec.attentions);
    attentions = [];
    for (let l = 0; l < layers; l++)
      for (let h = 0; h < heads; h++)
        for (let q = 0; q < L; q++) {
          if (!keepIdx(q)) continue;
          for (let k = 0; k < L; k++) if (keepIdx(k)) attentions.push(all[((l * heads + h) * L + q) * L + k]);
        }
  }
  const logitsRef = rec.logits;
  const logits = logitsRef.shape.length === 2 ? rows(logitsRef, entities) : slice(values, logitsRef);
  return {
    words,
    entities,
    hidden: rows(rec.last_hidden_state, words),
    entityHidden: rows(rec.entity_last_hidden_state, entities),
    logits,
    attentions,
  };
}

function compare(label: string, got: ForwardResult, rec: ExpectedRecord, values: Float32Array, tol: Expected["tolerance"]): void {
  const want = unpadded(rec, values);
  assert.deepEqual(got.tokens, rec.tokens.slice(0, want.words), `${label}: tokens`);
  assert.deepEqual(got.inputIds, rec.input_ids.slice(0, want.words), `${label}: input_ids`);
  assert.deepEqual(got.entityIds, rec.entity_ids.slice(0, want.entities), `${label}: entity_ids`);
  assert.deepEqual(got.entityPositionIds, rec.entity_position_ids.slice(0, want.entities), `${label}: entity_position_ids`);
  if (rec.entity_start_positions) {
    assert.deepEqual(got.entityStartPositions, rec.entity_start_positions.slice(0, want.entities), `${label}: entity_start_positions`);
    assert.deepEqual(got.entityEndPositions, rec.entity_end_positions!.slice(0, want.entities), `${label}: entity_end_positions`);
  }
  assert.deepEqual(shapeOf(got.lastHiddenState), [want.words, rec.last_hidden_state.shape.at(-1)], `${label}: hidden shape`);
  const dh = maxAbsDiff(flatten(got.lastHiddenState), want.hidden);
  assert.ok(dh <= tol.hidden, `${label}: last_hidden_state differs by ${dh}`);
  const de = maxAbsDiff(flatten(got.entityLastHiddenState), want.entityHidden);
  assert.ok(de <= tol.hidden, `${label}: entity_last_hidden_state differs by ${de}`);
  const dl = maxAbsDiff(flatten(got.logits), want.logits);
  assert.ok(dl <= tol.logits, `${label}: logits differ by ${dl}`);
  if (want.attentions) {
    const got4 = got.attentions!;
    assert.equal(got4.length, rec.attentions!.shape[0], `${label}: layers of attentions`);
    const da = maxAbsDiff(flatten(got4), want.attentions);
    assert.ok(da <= tol.attentions, `${label}: attentions differ by ${da}`);
  }
}

for (const model of MODELS) {
  describe(`parity with transformers: ${model}`, () => {
    const { expected, values } = load(model);
    const inputs: EncodeInput[] = expected.inputs.map((rec) => ({ text: textOf(rec), spans: rec.input.spans }));

    test("the fixtures cover at least 30 inputs, written and from Open Entity", () => {
      assert.ok(expected.inputs.length >= 30, `${expected.inputs.length} inputs`);
      assert.ok(expected.inputs.some((r) => r.input.source?.dataset === "open-entity"));
      assert.ok(expected.inputs.filter((r) => r.attentions).length >= 10);
    });

    for (const format of FORMATS) {
      describeWithModel(format, () => loadLuke(join(FIXTURES, "parity", model, format)), (luke) => {

        test("every input on its own", async () => {
          const baseline = tf.memory().numTensors;
          for (let i = 0; i < inputs.length; i++) {
            const rec = expected.inputs[i];
            const [got] = await luke().forward([inputs[i]], { attentions: rec.attentions !== undefined });
            compare(`input ${i} (${JSON.stringify(inputs[i].text.slice(0, 30))})`, got, rec, values, expected.tolerance);
          }
          assert.equal(tf.memory().numTensors, baseline, "tensors left behind by forward");
        });

        test("one padded batch", async () => {
          const rows = expected.batch.rows.map((r) => inputs[r]);
          const got = await luke().forward(rows, { attentions: true, batchSize: rows.length });
          got.forEach((g, i) => compare(`batch row ${i}`, g, expected.batch.outputs[i], values, expected.tolerance));
          // The padded batch also encodes exactly as the reference's padded batch does.
          const batch = luke().encode(rows);
          assert.deepEqual(batch.inputIds, expected.batch.outputs.map((o) => o.input_ids));
          assert.deepEqual(batch.entityPositionIds, expected.batch.outputs.map((o) => o.entity_position_ids));
          assert.deepEqual(batch.entityAttentionMask, expected.batch.outputs.map((o) => o.entity_attention_mask));
        });
      });
    }
  });
}
