/**
 * The quick-start notebook runs end to end on the tslab kernel through nbclient, and what its
 * cells print agrees with the transformers reference for the same model and input.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES } from "../helpers";
import { notebookTest } from "./notebook-test";

notebookTest("quickstart.ipynb", "runs in tslab and matches the reference", (run) => {
  const text = run.cells.flatMap((c) => c.outputs).map((o) => o.text ?? "").join("");
  assert.ok(!run.cells.some((c) => c.outputs.some((o) => o.output_type === "error")), "a cell raised an error");
  assert.match(text, /TF\.js backend: (wasm|cpu|tensorflow)/);
  assert.match(text, /head: entity_classification, layers: 2, labels: entity, event, group/);

  // The Beyoncé sentence is the first written input of the entity-aware fixture, and
  // samples/tiny-luke is that fixture's model.
  const expected = JSON.parse(readFileSync(join(FIXTURES, "parity", "entity-aware", "expected.json"), "utf8"));
  const rec = expected.inputs[0];
  assert.equal(rec.input.text, "Beyoncé lives in Los Angeles.");
  assert.ok(text.includes(rec.tokens.join(" ")), `token line missing; got:\n${text}`);
  const buf = readFileSync(join(FIXTURES, "parity", "entity-aware", "expected.f32"));
  const values = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const want = values.subarray(rec.logits.offset, rec.logits.offset + rec.logits.shape[0]);
  const line = /logits: (\[.*\])/.exec(text);
  assert.ok(line, "no logits line");
  const got = JSON.parse(line[1]) as number[];
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `logit ${i}: ${g} vs ${want[i]}`));
  assert.match(text, /Ada Lovelace → \[/);
  assert.match(text, /Apollo 11 → \[/);
});
