/**
 * The inputs showAttention takes besides nested number arrays: rows as Float32Arrays, a TF.js tensor
 * [layers, heads, query, key] (or with a batch axis), and one tensor per layer as transformers returns
 * them ([1, heads, q, k] or [heads, q, k]). Each must give the payload the nested arrays give, leave no
 * tensor behind, and refuse wrong shapes saying what and where. And the whole output of a 12 × 12 × 512
 * attention stays within the 5 MB budget.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { tf } from "../../kernel/backend";
import { sourceBundle } from "../../kernel/display/attention";
import { attentionPayload } from "../../kernel/display/attention-input";
import { ATTENTION_MIME, DEFAULT_MAX_BYTES, decodeOrThrow, type AttentionPayload } from "../../kernel/portable/attention-payload";
import { expectNoLeak, ready } from "../helpers";
import { syntheticWeights } from "../portable/synthetic";

const L = 3, H = 2, n = 6;
const tokens = ["[CLS]", "a", "b", "[SEP]", "c", "[SEP]"];
const flat = syntheticWeights(L, H, n, 11);
const row = (l: number, h: number, q: number) => flat.subarray(((l * H + h) * n + q) * n, ((l * H + h) * n + q + 1) * n);
const nested = (rows: (l: number, h: number, q: number) => ArrayLike<number>) =>
  Array.from({ length: L }, (_, l) => Array.from({ length: H }, (_, h) => Array.from({ length: n }, (_, q) => rows(l, h, q))));

test("rows as Float32Array, a tensor, per-layer tensors with and without the batch axis: the payload of nested arrays, no leak", async () => {
  await ready();
  const reference = attentionPayload({ tokens, attentions: nested((l, h, q) => Array.from(row(l, h, q))) as number[][][][] }, { encoding: "float32" });
  const same = (p: AttentionPayload, what: string) => assert.deepEqual(p, reference, what);
  await expectNoLeak(() => {
    same(attentionPayload({ tokens, attentions: nested(row) }, { encoding: "float32" }), "Float32Array rows");
    const whole = tf.tensor4d(flat, [L, H, n, n]);
    const batched = tf.tensor5d(flat, [L, 1, H, n, n]);
    const perLayer = Array.from({ length: L }, (_, l) => tf.tensor4d(flat.subarray(l * H * n * n, (l + 1) * H * n * n), [1, H, n, n]));
    const perLayer3 = perLayer.map((t) => tf.tensor3d(t.dataSync(), [H, n, n]));
    try {
      same(attentionPayload({ tokens, attentions: whole }, { encoding: "float32" }), "a [layers, heads, q, k] tensor");
      same(attentionPayload({ tokens, attentions: batched }, { encoding: "float32" }), "a [layers, 1, heads, q, k] tensor");
      same(attentionPayload({ tokens, attentions: perLayer }, { encoding: "float32" }), "per-layer [1, heads, q, k] tensors");
      same(attentionPayload({ tokens, attentions: perLayer3 }, { encoding: "float32" }), "per-layer [heads, q, k] tensors");
      // Layer choice works the same on every form.
      const two = attentionPayload({ tokens, attentions: whole }, { layers: [2, 0], encoding: "float32" });
      const m = decodeOrThrow(two).matrix(0, 1);
      assert.deepEqual(Array.from(m), Array.from(flat.subarray((2 * H + 1) * n * n, (2 * H + 2) * n * n)));
      assert.deepEqual(attentionPayload({ tokens, attentions: perLayer }, { layers: [2, 0], encoding: "float32" }), two);
    } finally {
      tf.dispose([whole, batched, ...perLayer, ...perLayer3]);
    }
  });
});

test("wrong shapes and values: errors that name the input and the place", async () => {
  await ready();
  await expectNoLeak(() => {
    const t3 = tf.zeros([2, n, n]);
    const wrongTokens = tf.zeros([L, H, n, n + 1]);
    const batch2 = [tf.zeros([2, H, n, n])];
    const mixed = [tf.zeros([1, H, n, n]), tf.zeros([1, H + 1, n, n])];
    const nan = tf.tensor4d(flat.map((w, i) => (i === (1 * H + 1) * n * n + 2 * n + 3 ? NaN : w)), [L, H, n, n]);
    try {
      assert.throws(() => attentionPayload({ tokens, attentions: t3 }), /the attentions tensor has shape \[2, 6, 6\]; expected \[layers, heads, 6, 6\] \(6 tokens\)/);
      assert.throws(() => attentionPayload({ tokens, attentions: wrongTokens }), /shape \[3, 2, 6, 7\]; expected \[layers, heads, 6, 6\]/);
      assert.throws(() => attentionPayload({ tokens, attentions: batch2 }), /attentions\[0\] has shape \[2, 2, 6, 6\]; .*a batch of 2: pass one example/);
      assert.throws(() => attentionPayload({ tokens, attentions: mixed }), /attentions\[1\] should have 2 heads \(as attentions\[0\]\), found 3/);
      assert.throws(() => attentionPayload({ tokens, attentions: nan }), /attentions\[1\]\[1\]\[2\]\[3\] is NaN; weights must be finite/);
      assert.throws(() => attentionPayload({ tokens, attentions: nan }, { layers: [5] }), /layer 5 does not exist \(the attention has 3 layers\)/);
    } finally {
      tf.dispose([t3, wrongTokens, ...batch2, ...mixed, nan]);
    }
  });
  const short = nested(row);
  short[1][0][4] = row(1, 0, 4).subarray(1);
  assert.throws(() => attentionPayload({ tokens, attentions: short }), /attentions\[1\]\[0\]\[4\] should have 6 keys, found 5 \(Float32Array\)/);
  const notRows = nested(row) as unknown[][][];
  notRows[0][1][2] = "0.5";
  assert.throws(() => attentionPayload({ tokens, attentions: notRows as never }), /attentions\[0\]\[1\]\[2\] should have 6 keys, found string/);
});

test("12 layers × 12 heads × 512 tokens from a tensor: the whole output (payload, PNG, text) within 5 MB", async () => {
  await ready();
  const layers = 12, heads = 12, tokens512 = 512;
  const w = syntheticWeights(layers, heads, tokens512, 4);
  const t = tf.tensor4d(w, [layers, heads, tokens512, tokens512]);
  try {
    const bundle = await expectNoLeak(() => sourceBundle({ tokens: Array.from({ length: tokens512 }, (_, i) => `t${i}`), attentions: t }));
    const bytes = Buffer.byteLength(JSON.stringify(bundle.data));
    assert.ok(bytes <= DEFAULT_MAX_BYTES, `${bytes} bytes`);
    const payload = bundle.data[ATTENTION_MIME] as AttentionPayload;
    assert.equal(payload.version, 2);
    assert.ok(typeof bundle.data["image/png"] === "string" && (bundle.data["image/png"] as string).length > 10_000);
    const a = decodeOrThrow(payload);
    assert.ok(a.omitted && a.omitted.share > 0 && a.omitted.share < 0.5, `${a.omitted?.share}`);
  } finally {
    t.dispose();
  }
});
