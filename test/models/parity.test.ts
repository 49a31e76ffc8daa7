/**
 * BERT, RoBERTa and GPT-2 against Hugging Face transformers: the committed fixtures
 * (scripts/make_model_fixtures.py) hold three tiny random models, as safetensors and as
 * pytorch_model.bin, with transformers' outputs (eager attention) on written hard strings and Open
 * Entity sentences. lukelab must give the same ids exactly, every hidden state within 1e-4 and
 * attention probabilities within 1e-5, alone and in a right-padded batch.
 */
import assert from "node:assert/strict";
import { cpSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadBert, loadGpt2, loadWordModel, tf } from "../../kernel";
import type { WordForwardResult } from "../../kernel";
import { describeWithModel, flatten, maxAbsDiff, tmpDir } from "../helpers";
import { FORMATS, MODEL_KINDS, loadExpected, modelDir, slice, textOf, type ModelExpected, type ModelRecord } from "./fixtures";

/** The reference's values for one (possibly padded) row, with padding removed. */
function unpadded(rec: ModelRecord, values: Float32Array) {
  const n = rec.attention_mask.reduce((a, b) => a + b, 0);
  const [layers1, L, H] = rec.hidden_states.shape;
  const states = slice(values, rec.hidden_states);
  const hiddenStates: number[] = [];
  for (let l = 0; l < layers1; l++) hiddenStates.push(...states.subarray(l * L * H, l * L * H + n * H));
  let attentions: number[] | undefined;
  if (rec.attentions) {
    const [layers, heads] = rec.attentions.shape;
    const all = slice(values, rec.attentions);
    attentions = [];
    for (let l = 0; l < layers; l++)
      for (let h = 0; h < heads; h++)
        for (let q = 0; q < n; q++) attentions.push(...all.subarray(((l * heads + h) * L + q) * L, ((l * heads + h) * L + q) * L + n));
  }
  return { n, hidden: slice(values, rec.last_hidden_state).subarray(0, n * H), hiddenStates, attentions };
}

function compare(label: string, got: WordForwardResult, rec: ModelRecord, values: Float32Array, tol: ModelExpected["tolerance"]): void {
  const want = unpadded(rec, values);
  assert.deepEqual(got.inputIds, rec.input_ids.slice(0, want.n), `${label}: input_ids`);
  assert.deepEqual(got.tokens, rec.tokens.slice(0, want.n), `${label}: tokens`);
  const dh = maxAbsDiff(flatten(got.lastHiddenState), want.hidden);
  assert.ok(dh <= tol.hidden, `${label}: last_hidden_state differs by ${dh}`);
  assert.equal(got.hiddenStates!.length, rec.hidden_states.shape[0], `${label}: number of hidden states`);
  const ds = maxAbsDiff(flatten(got.hiddenStates), want.hiddenStates);
  assert.ok(ds <= tol.hidden, `${label}: hidden_states differ by ${ds}`);
  if (want.attentions) {
    const da = maxAbsDiff(flatten(got.attentions), want.attentions);
    assert.ok(da <= tol.attentions, `${label}: attentions differ by ${da}`);
  }
}

for (const kind of MODEL_KINDS) {
  describe(`parity with transformers: ${kind}`, () => {
    const { expected, values } = loadExpected(kind);
    const texts = expected.inputs.map(textOf);

    test("the fixtures cover written strings, Open Entity sentences and attentions", () => {
      assert.ok(expected.inputs.length >= 30);
      assert.ok(expected.inputs.some((r) => r.input.source?.dataset === "open-entity"));
      assert.ok(expected.inputs.filter((r) => r.attentions).length >= 20);
    });

    for (const format of FORMATS) {
      describeWithModel(format, () => loadWordModel(modelDir(kind, format)), (model) => {

        test("every input on its own", async () => {
          const baseline = tf.memory().numTensors;
          for (let i = 0; i < texts.length; i++) {
            const [got] = await model().forward([texts[i]], { attentions: true, hiddenStates: true });
            compare(`input ${i} (${JSON.stringify(texts[i].slice(0, 30))})`, got, expected.inputs[i], values, expected.tolerance);
          }
          assert.equal(tf.memory().numTensors, baseline, "tensors left behind by forward");
        });

        test("one right-padded batch", async () => {
          const rows = expected.batch.rows.map((r) => texts[r]);
          const got = await model().forward(rows, { attentions: true, hiddenStates: true, batchSize: rows.length });
          got.forEach((g, i) => compare(`batch row ${i}`, g, expected.batch.outputs[i], values, expected.tolerance));
        });
      });
    }
  });
}

describe("malformed folders", () => {
  const copy = (kind: string) => {
    const dir = tmpDir();
    cpSync(modelDir(kind), dir, { recursive: true });
    return dir;
  };
  const editConfig = (dir: string, change: (c: Record<string, unknown>) => void) => {
    const path = join(dir, "config.json");
    const config = JSON.parse(readFileSync(path, "utf8"));
    change(config);
    writeFileSync(path, JSON.stringify(config));
  };

  test("a bad field is named with its file", async () => {
    const dir = copy("bert");
    editConfig(dir, (c) => (c.num_attention_heads = 0));
    await assert.rejects(loadBert(dir), (e: Error) => e.message.startsWith(join(dir, "config.json")) && /field "num_attention_heads" must be a positive integer, found 0/.test(e.message));
  });

  test("GPT-2 options that change the computation are refused", async () => {
    const dir = copy("gpt2");
    editConfig(dir, (c) => (c.scale_attn_by_inverse_layer_idx = true));
    await assert.rejects(loadGpt2(dir), /config\.json: field "scale_attn_by_inverse_layer_idx" is true/);
  });

  test("weights that do not fit the config are listed with the weight file", async () => {
    const dir = copy("roberta");
    editConfig(dir, (c) => (c.intermediate_size = 41));
    await assert.rejects(
      loadWordModel(dir),
      (e: Error) =>
        e.message.startsWith(join(dir, "model.safetensors")) &&
        /wrong shape.*\n  encoder\.layer\.0\.intermediate\.dense\.weight: expected shape \[41, 24\], found \[40, 24\]/s.test(e.message),
    );
  });

  test("a folder of another model type is refused by the typed loaders", async () => {
    await assert.rejects(loadBert(modelDir("gpt2")), /config\.json: field "model_type" is "gpt2", expected "bert"/);
  });
});
