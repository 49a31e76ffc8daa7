/**
 * Round trip: lukelab loads a Hugging Face folder (pytorch_model.bin), saves it as safetensors with
 * its tokenizer, and transformers loads the saved folder and computes what lukelab computes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadLuke } from "../../kernel";
import { FIXTURES, ROOT, flatten, maxAbsDiff, ready, runPython, tmpDir } from "../helpers";

interface Reference {
  loading: { missing_keys: string[]; unexpected_keys: string[]; mismatched_keys: string[] };
  architecture: string;
  rows: { input_ids: number[]; entity_position_ids: number[][]; logits: number[] | number[][]; last_hidden_state: number[][]; entity_last_hidden_state: number[][] }[];
}

for (const model of ["entity-aware", "plain-attention"]) {
  test(`${model}: saved by lukelab, loaded by transformers, same outputs`, async () => {
    await ready();
    const expected = JSON.parse(readFileSync(join(FIXTURES, "parity", model, "expected.json"), "utf8"));
    const inputs = expected.inputs
      .filter((r: { input: { text?: string } }) => r.input.text !== undefined)
      .slice(0, 8)
      .map((r: { input: { text: string; spans: [number, number][] } }) => r.input);
    assert.equal(inputs.length, 8, `${model}: expected.json has too few text inputs`);
    const luke = await loadLuke(join(FIXTURES, "parity", model, "bin"));
    const dir = tmpDir();
    try {
      luke.save(dir);
      const ours = await luke.forward(inputs);
      const ref = runPython<Reference>(join(ROOT, "test", "parity", "reference_outputs.py"), [], { dir, inputs });
      assert.equal(ref.architecture, expected.architecture);
      assert.deepEqual(ref.loading.missing_keys, []);
      assert.deepEqual(ref.loading.unexpected_keys, []);
      assert.deepEqual(ref.loading.mismatched_keys, []);
      // A reference that returns no rows (or fewer) must fail, not pass by comparing nothing.
      assert.equal(ours.length, inputs.length, "lukelab: one output per input");
      assert.equal(ref.rows.length, inputs.length, `transformers returned ${ref.rows.length} rows for ${inputs.length} inputs`);
      ref.rows.forEach((row, i) => {
        assert.ok(row.logits && flatten(row.logits).length > 0, `input ${i}: transformers gave no logits`);
        assert.ok(flatten(row.last_hidden_state).length > 0 && flatten(row.entity_last_hidden_state).length > 0, `input ${i}: empty hidden states`);
        assert.deepEqual(ours[i].inputIds, row.input_ids, `input ${i}: input_ids`);
        assert.deepEqual(ours[i].entityPositionIds, row.entity_position_ids, `input ${i}: entity_position_ids`);
        assert.ok(maxAbsDiff(flatten(ours[i].logits), flatten(row.logits)) <= 1e-4, `input ${i}: logits`);
        assert.ok(maxAbsDiff(flatten(ours[i].lastHiddenState), flatten(row.last_hidden_state)) <= 1e-4, `input ${i}: hidden`);
        assert.ok(maxAbsDiff(flatten(ours[i].entityLastHiddenState), flatten(row.entity_last_hidden_state)) <= 1e-4, `input ${i}: entity hidden`);
      });
    } finally {
      luke.dispose();
    }
  });
}
