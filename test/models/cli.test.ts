/** `lukelab forward` on BERT, RoBERTa and GPT-2 folders: a separate process, files in and out, against transformers. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, flatten, maxAbsDiff, tmpDir } from "../helpers";
import { MODEL_KINDS, loadExpected, modelDir, slice } from "./fixtures";

const CLI = join(ROOT, "bin", "lukelab.js");
const lukelab = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });

for (const kind of MODEL_KINDS) {
  test(`forward --attentions on a ${kind} folder writes tokens, ids, hidden states and attentions as transformers`, () => {
    const { expected, values } = loadExpected(kind);
    const records = expected.inputs.filter((r) => r.attentions && r.input.text).slice(0, 5);
    const dir = tmpDir();
    const input = join(dir, "in.jsonl");
    writeFileSync(input, records.map((r) => JSON.stringify({ text: r.input.text })).join("\n") + "\n");
    const output = join(dir, "out.jsonl");
    const r = lukelab("forward", "--model", modelDir(kind, "bin"), "--input", input, "--output", output, "--attentions", "--batch-size", "3");
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(output, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, records.length);
    lines.forEach((got, i) => {
      const want = records[i];
      const keys = ["tokens", "input_ids", ...(kind === "bert" ? ["token_type_ids"] : []), "last_hidden_state", "attentions"];
      assert.deepEqual(Object.keys(got), keys);
      assert.deepEqual(got.tokens, want.tokens);
      assert.deepEqual(got.input_ids, want.input_ids);
      assert.ok(maxAbsDiff(flatten(got.last_hidden_state), slice(values, want.last_hidden_state)) <= 1e-4);
      assert.ok(maxAbsDiff(flatten(got.attentions), slice(values, want.attentions!)) <= 1e-5);
    });
  });
}

test("an input with spans for a model without entities is refused at its line, and no output is left", () => {
  const dir = tmpDir();
  const input = join(dir, "in.jsonl");
  const output = join(dir, "out.jsonl");
  writeFileSync(input, `{"text": "Ada wrote."}\n{"text": "Ada wrote.", "spans": [[0, 3]]}\n`);
  const r = lukelab("forward", "--model", modelDir("gpt2"), "--input", input, "--output", output);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /in\.jsonl:2.*no entities/);
  assert.equal(existsSync(output), false);
});
