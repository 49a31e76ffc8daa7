/**
 * notebooks/attention.ipynb runs in tslab through nbclient, and each attention output is one bundle:
 * the payload as a JSON object, a static PNG (with its size) and a text summary.
 */
import assert from "node:assert/strict";
import { ATTENTION_MIME, decodeAttentionPayload } from "../../kernel/portable/attention-payload";
import { notebookTest } from "./notebook-test";

notebookTest("attention.ipynb", "displays attention bundles with a stored PNG", (run) => {
  const outputs = run.cells.flatMap((c) => c.outputs);
  assert.ok(!outputs.some((o) => o.output_type === "error"));
  const shown = outputs.filter((o) => o.data?.[ATTENTION_MIME]);
  assert.equal(shown.length, 4, "LUKE (one call), LUKE (a result, layer 1), plain arrays, JSON file");
  for (const o of shown) {
    assert.equal(typeof o.data![ATTENTION_MIME], "object", "the payload is a JSON object, not a string");
    const d = decodeAttentionPayload(o.data![ATTENTION_MIME]);
    assert.ok(d.ok, JSON.stringify(!d.ok && d.error));
    const png = Buffer.from(String(o.data!["image/png"]), "base64");
    assert.deepEqual([...png.subarray(0, 4)], [137, 80, 78, 71]);
    assert.equal(o.metadata?.["image/png"]?.width, png.readUInt32BE(16));
    assert.match(String(o.data!["text/plain"]), /^lukelab attention/);
  }
  const [luke, layer1, arrays, file] = shown.map((o) => decodeAttentionPayload(o.data![ATTENTION_MIME]) as { ok: true; attention: import("../../kernel/portable/attention-payload").Attention });
  assert.deepEqual(luke.attention.entities, ["[MASK] (Beyoncé)"]);
  assert.deepEqual(layer1.attention.layers, [1]);
  assert.equal(arrays.attention.segmentBoundary, 8);
  assert.equal(file.attention.title, "from a JSON file");
});
