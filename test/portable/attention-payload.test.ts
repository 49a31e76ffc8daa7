/** The attention payload codec: round trips with error bounds, sizes, and malformed payloads. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SparseFields } from "../../kernel/portable/attention-sparse";
import { ATTENTION_SCHEMA_VERSION, LIMITS, decodeAttentionPayload, decodeOrThrow, encodeAttentionPayload, type AttentionEncoding, type AttentionPayload, type DenseFields } from "../../kernel/portable/attention-payload";
import { syntheticWeights } from "./synthetic";

function payload(encoding: AttentionEncoding, layers = 2, heads = 3, words = 5, entities = 2): { p: AttentionPayload; w: Float32Array } {
  const n = words + entities;
  const w = syntheticWeights(layers, heads, n);
  const p = encodeAttentionPayload({
    words: Array.from({ length: words }, (_, i) => `w${i}`),
    entities: Array.from({ length: entities }, (_, i) => `e${i}`),
    heads,
    weights: w,
    encoding,
    title: "t",
  });
  return { p, w };
}

test("round trip: float32 exact, float16 within 2^-11 relative, uint8-sqrt within scale/255", () => {
  for (const [encoding, bound] of [
    ["float32", (_w: number, _s: number) => 0],
    ["float16", (w: number) => Math.abs(w) * 2 ** -11 + 2 ** -25],
    ["uint8-sqrt", (_w: number, s: number) => s / 255 + 1e-7],
  ] as const) {
    const { p, w } = payload(encoding);
    const r = decodeAttentionPayload(p);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    const a = r.attention;
    assert.equal(a.tokens, 7);
    assert.equal(a.numWords, 5);
    assert.deepEqual(a.layers, [0, 1]);
    const n = 7;
    for (let l = 0; l < 2; l++) {
      const scale = p.attention.scales?.[l] ?? 1;
      for (let h = 0; h < 3; h++) {
        const m = a.matrix(l, h);
        for (let i = 0; i < n * n; i++) {
          const want = w[(l * 3 + h) * n * n + i];
          assert.ok(Math.abs(m[i] - want) <= bound(want, scale), `${encoding} l${l} h${h} i${i}: ${m[i]} vs ${want}`);
          assert.equal(a.weight(l, h, Math.floor(i / n), i % n), m[i]);
        }
      }
    }
  }
});

test("uint8-sqrt keeps small weights: 1/128 comes back within 5 %", () => {
  const n = 128;
  const w = new Float32Array(n * n).fill(1 / n);
  w[0] = 1;
  const a = decodeAttentionPayload(encodeAttentionPayload({ words: Array.from({ length: n }, String), heads: 1, weights: w }));
  assert.ok(a.ok);
  const got = a.attention.matrix(0, 0)[5];
  assert.ok(Math.abs(got - 1 / n) / (1 / n) < 0.05, `${got}`);
});

test("the payload is accepted as a JSON object or as a JSON string", () => {
  const { p } = payload("uint8-sqrt");
  const fromString = decodeAttentionPayload(JSON.stringify(p));
  const fromObject = decodeAttentionPayload(JSON.parse(JSON.stringify(p)));
  assert.ok(fromString.ok && fromObject.ok);
  assert.deepEqual(fromString.attention.matrix(1, 2), fromObject.attention.matrix(1, 2));
});

test("24 layers × 16 heads × 128 tokens: about 8.4 MB as uint8-sqrt (without a byte budget)", () => {
  const n = 128;
  const w = syntheticWeights(24, 16, n);
  const p = encodeAttentionPayload({ words: Array.from({ length: n }, (_, i) => `t${i}`), heads: 16, weights: w, maxBytes: Infinity });
  assert.equal(p.version, 1);
  const json = JSON.stringify(p);
  assert.ok(json.length < 8.5e6, `${json.length} characters`);
  assert.ok(json.length < JSON.stringify(Array.from(w.subarray(0, 1_000_000))).length * 6.3 / 3, "well below plain JSON");
  // How fast encoding and decoding are is bench/attention-render's business (timings do not belong in tests).
  const r = decodeAttentionPayload(json);
  assert.ok(r.ok);
  const m = r.attention.matrix(23, 15);
  const last = w.subarray(w.length - n * n);
  // uint8-sqrt keeps each weight within its layer's scale / 255.
  let scale = 0;
  for (let i = 23 * 16 * n * n; i < w.length; i++) scale = Math.max(scale, w[i]);
  m.forEach((v, i) => assert.ok(Math.abs(v - last[i]) <= scale / 255 + 1e-7, `weight ${i}: ${v} for ${last[i]}`));
});

function expectError(input: unknown, path: string, re: RegExp): void {
  let r: ReturnType<typeof decodeAttentionPayload>;
  assert.doesNotThrow(() => (r = decodeAttentionPayload(input)));
  assert.equal(r!.ok, false, `accepted: ${JSON.stringify(input)?.slice(0, 120)}`);
  if (!r!.ok) {
    assert.equal(r!.error.path, path);
    assert.match(r!.error.message, re);
  }
}

test("malformed payloads come back as an error object that says where and what", () => {
  const { p } = payload("float32", 1, 1, 2, 0);
  const att = p.attention as DenseFields;
  expectError(undefined, "", /expected an attention payload object, found undefined/);
  expectError(null, "", /found null/);
  expectError("{nope", "", /not valid JSON/);
  expectError([1, 2], "", /found an array of 2/);
  expectError({ ...p, version: 3 }, "version", /reads attention payload versions 1 and 2, found 3/);
  expectError({ ...p, words: undefined }, "words", /words: missing/);
  expectError({ ...p, words: [] }, "words", /at least one token/);
  expectError({ ...p, words: ["a", 3] }, "words[1]", /expected a string, found 3/);
  expectError({ ...p, entities: "x" }, "entities", /expected an array of strings/);
  expectError({ ...p, heads: 1.5 }, "heads", /integer/);
  expectError({ ...p, layers: [] }, "layers", /1 to 128/);
  expectError({ ...p, layers: [-1] }, "layers[0]", /integer from 0/);
  expectError({ ...p, attention: undefined }, "attention", /expected an object/);
  expectError({ ...p, attention: { ...att, encoding: "int4" } }, "attention.encoding", /uint8-sqrt, float16, float32/);
  expectError({ ...p, attention: { ...att, shape: [1, 1, 2] } }, "attention.shape", /\[layers, heads, tokens, tokens\]/);
  expectError({ ...p, attention: { ...att, shape: [1, 1, 3, 2] } }, "attention.shape[2]", /should be 2.*found 3/);
  expectError({ ...p, attention: { ...att, data: att.data + "AAAA" } }, "attention.data", /too many/);
  expectError({ ...p, attention: { ...att, data: att.data.slice(4) } }, "attention.data", /too few/);
  expectError({ ...p, attention: { ...att, data: "*".repeat(att.data.length) } }, "attention.data", /not valid base64/);
  expectError({ ...p, attention: { ...att, data: 42 } }, "attention.data", /base64 string/);
  expectError({ ...p, segmentBoundary: 5 }, "segmentBoundary", /integer from 1 to 1/);
  expectError({ ...p, title: { x: 1 } }, "title", /expected a string/);
  expectError({ ...p, words: ["x".repeat(LIMITS.maxTokenLength + 1), "b"] }, "words[0]", /longer than the limit/);
  // Oversized arrays: too many tokens, too many weights.
  expectError({ ...p, words: Array.from({ length: 5000 }, String) }, "words", /5000 tokens is more than the limit of 2048/);
  const big = { ...p, words: Array.from({ length: 2000 }, String), layers: Array.from({ length: 24 }, (_, i) => i), heads: 16 };
  expectError({ ...big, attention: { ...att, shape: [24, 16, 2000, 2000] } }, "attention.shape", /more than the limit/);
  // NaN, infinities and negative weights, at their position.
  const nan = encodeAttentionPayload({ words: ["a", "b"], heads: 1, weights: [0.5, NaN, 0.5, 0.5], encoding: "float32" });
  expectError(nan, "attention.data", /NaN at layer 0, head 0, query 0, key 1/);
  const inf = encodeAttentionPayload({ words: ["a", "b"], heads: 1, weights: [0.5, 0.5, Infinity, 0.5], encoding: "float16" });
  expectError(inf, "attention.data", /Infinity at layer 0, head 0, query 1, key 0/);
  const neg = encodeAttentionPayload({ words: ["a", "b"], heads: 1, weights: [0.5, 0.5, 0.5, -0.5], encoding: "float32" });
  expectError(neg, "attention.data", /must not be negative/);
  const u8 = encodeAttentionPayload({ words: ["a", "b"], heads: 1, weights: [0.5, 0.5, 0.5, 0.5] });
  expectError({ ...u8, attention: { ...u8.attention, scales: [NaN] } }, "attention.scales[0]", /finite/);
  expectError({ ...u8, attention: { ...u8.attention, scales: undefined } }, "attention.scales", /one scale per layer/);
  expectError({ ...u8, entities: ["e"], entitySpans: [[1]] }, "attention.shape[2]", /should be 3/);
  expectError({ ...u8, entities: ["e"], entitySpans: [[7]] }, "entitySpans[0][0]", /integer from 0 to 1, found 7/);
  expectError({ ...u8, entitySpans: [[0]] }, "entitySpans", /expected 0 arrays/);
});

test("markup in token strings is data: accepted and returned unchanged (the views draw it as text)", () => {
  const tokens = ['<img src=x onerror="alert(1)">', "<script>alert(2)</script>", "&amp;"];
  const p = encodeAttentionPayload({ words: tokens, heads: 1, weights: new Float32Array(9).fill(1 / 3) });
  const r = decodeAttentionPayload(p);
  assert.ok(r.ok);
  assert.deepEqual(r.attention.words, tokens);
});

test("garbage never throws", () => {
  const { p } = payload("uint8-sqrt", 1, 1, 2, 1);
  const values: unknown[] = [0, "", "null", true, {}, [], () => 1, Symbol("s"), 10n, new Proxy({}, { get: () => { throw new Error("trap"); } })];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const keys = ["version", "words", "entities", "layers", "heads", "attention", "entitySpans", "segmentBoundary", "title"];
  for (let i = 0; i < 500; i++) {
    const o: Record<string, unknown> = JSON.parse(JSON.stringify(p));
    const k = keys[Math.floor(rand() * keys.length)];
    o[k] = values[Math.floor(rand() * values.length)];
    const r = decodeAttentionPayload(o);
    assert.equal(typeof r.ok, "boolean");
  }
  for (const v of values) assert.equal(typeof decodeAttentionPayload(v).ok, "boolean");
  assert.equal(ATTENTION_SCHEMA_VERSION, 2);
});

// ------------------------------------------------------------------------------------------------
// Version 2: the sparse encoding within a byte budget.

/** Reference for a sparse payload: per head, the mass of the weights below the threshold over the head's mass. */
function leftOut(w: Float32Array, heads: number, n: number, t: number): { share: number; heads: number[] } {
  const per = n * n;
  const shares: number[] = [];
  let dropped = 0, total = 0;
  for (let lh = 0; lh < w.length / per; lh++) {
    let d = 0, m = 0;
    for (let i = lh * per; i < (lh + 1) * per; i++) {
      m += w[i];
      if (w[i] < t) d += w[i];
    }
    shares.push(d / m);
    dropped += d;
    total += m;
  }
  return { share: dropped / total, heads: shares };
}

test("12 layers × 12 heads × 512 tokens: at most 5 MB (version 2), kept links within the encoding's bound, the rest counted", () => {
  const L = 12, H = 12, n = 512;
  const w = syntheticWeights(L, H, n, 3);
  const words = Array.from({ length: n }, (_, i) => `Ġtok${i}`);
  const p = encodeAttentionPayload({ words, heads: H, weights: w });
  const json = JSON.stringify(p);
  assert.ok(Buffer.byteLength(json) <= 5_000_000, `${Buffer.byteLength(json)} bytes`);
  assert.ok(Buffer.byteLength(json) > 4_000_000, `the budget is used: ${Buffer.byteLength(json)} bytes`);
  assert.equal(p.version, 2);
  const fields = p.attention as SparseFields;
  assert.equal(fields.encoding, "sparse-log8");
  const r = decodeAttentionPayload(json);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  const a = r.attention;
  const t = fields.threshold;
  assert.equal(a.omitted!.threshold, t);
  // Kept: relative error ≤ (scale/t)^(1/510) − 1 (half a level of the log scale). Left out: 0.
  let kept = 0;
  for (let l = 0; l < L; l++) {
    const bound = Math.pow(fields.scales[l] / t, 1 / 510) - 1 + 1e-6;
    for (let h = 0; h < H; h++) {
      const m = a.matrix(l, h);
      const base = (l * H + h) * n * n;
      for (let i = 0; i < n * n; i++) {
        const want = w[base + i];
        if (want >= t) {
          kept++;
          assert.ok(Math.abs(m[i] - want) <= want * bound, `layer ${l} head ${h} index ${i}: ${m[i]} for ${want}`);
        } else assert.equal(m[i], 0, `layer ${l} head ${h} index ${i}: ${want} < ${t} should be left out`);
      }
      for (const i of [0, 777, n * n - 1]) assert.equal(a.weight(l, h, Math.floor(i / n), i % n), m[i]);
    }
  }
  assert.equal(a.omitted!.links, kept);
  const ref = leftOut(w, H, n, t);
  assert.ok(Math.abs(a.omitted!.share - ref.share) <= 1e-5 * ref.share, `${a.omitted!.share} vs ${ref.share}`);
  a.omitted!.heads.forEach((s, i) => assert.ok(Math.abs(s - ref.heads[i]) <= 1e-5 * ref.heads[i] + 1e-9, `head ${i}: ${s} vs ${ref.heads[i]}`));
  assert.equal(encodeAttentionPayload({ words, heads: H, weights: w, maxBytes: Infinity }).version, 1, "without a budget the payload stays dense");
});

test("the encoder is dense (version 1) when it fits, sparse within any budget otherwise", () => {
  const n = 64, H = 4;
  const w = syntheticWeights(2, H, n, 5);
  const words = Array.from({ length: n }, (_, i) => `t${i}`);
  const dense = encodeAttentionPayload({ words, heads: H, weights: w });
  assert.equal(dense.version, 1);
  const denseBytes = JSON.stringify(dense).length;
  for (const maxBytes of [Math.floor(denseBytes * 0.8), 20_000, 5_000]) {
    const p = encodeAttentionPayload({ words, heads: H, weights: w, maxBytes });
    assert.equal(p.version, 2);
    assert.ok(JSON.stringify(p).length <= maxBytes, `${JSON.stringify(p).length} > ${maxBytes}`);
    const r = decodeAttentionPayload(p);
    assert.ok(r.ok);
    const t = (p.attention as SparseFields).threshold;
    assert.ok(Math.abs(r.attention.omitted!.share - leftOut(w, H, n, t).share) < 1e-5);
  }
  // A smaller budget leaves out more.
  const share = (maxBytes: number) => decodeOrThrow(encodeAttentionPayload({ words, heads: H, weights: w, maxBytes })).omitted!.share;
  assert.ok(share(5_000) > share(20_000));
});

test("malformed version 2 payloads: every sparse field is checked and named", () => {
  const n = 6;
  const w = syntheticWeights(2, 2, n, 9);
  const p = encodeAttentionPayload({ words: Array.from({ length: n }, String), heads: 2, weights: w, encoding: "float32", maxBytes: 700 });
  assert.equal(p.version, 2);
  const att = p.attention as SparseFields;
  const v1 = encodeAttentionPayload({ words: Array.from({ length: n }, String), heads: 2, weights: w });
  const bad = (fields: Record<string, unknown>) => ({ ...p, attention: { ...att, ...fields } });
  const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64");
  const counts = Buffer.from(att.counts, "base64");
  expectError({ ...p, version: 1 }, "attention.encoding", /uint8-sqrt, float16, float32 \(version 1\), found the string "sparse-log8"/);
  assert.ok(decodeAttentionPayload({ ...v1, version: 2 }).ok, "version 2 reads the dense encodings too");
  expectError(bad({ threshold: 0 }), "attention.threshold", /finite number > 0, found 0/);
  expectError(bad({ threshold: "0.1" }), "attention.threshold", /found the string/);
  expectError(bad({ scales: [1] }), "attention.scales", /one scale per layer \(2\)/);
  expectError(bad({ scales: [1, -1] }), "attention.scales[1]", /finite number ≥ 0/);
  expectError(bad({ omitted: null }), "attention.omitted", /expected \{ share, heads \}/);
  expectError(bad({ omitted: { share: 1.5, heads: att.omitted.heads } }), "attention.omitted.share", /share from 0 to 1, found 1.5/);
  expectError(bad({ omitted: { share: 0.1, heads: [0.1] } }), "attention.omitted.heads", /expected 4 shares/);
  expectError(bad({ omitted: { share: 0.1, heads: [0.1, 0.1, NaN, 0.1] } }), "attention.omitted.heads[2]", /found NaN/);
  expectError(bad({ counts: 7 }), "attention.counts", /base64 string/);
  expectError(bad({ counts: "@@@@" }), "attention.counts", /not valid base64/);
  expectError(bad({ counts: b64([...counts.subarray(0, 5)]) }), "attention.counts", /row 5 \(layer 0, head 0, query 5\) is missing/);
  expectError(bad({ counts: b64([...counts, 1]) }), "attention.counts", /1 bytes after the 24 row counts/);
  expectError(bad({ counts: b64([7, ...counts.subarray(1)]) }), "attention.counts", /row 0 .* more than 6 keys/);
  expectError(bad({ counts: b64([...counts.subarray(0, 23), counts[23] + 1]) }), "attention.values", /expected \d+ values \(one per counted link\)/);
  expectError(bad({ values: b64([...Buffer.from(att.values, "base64"), 3]) }), "attention.values", /expected \d+ values/);
  const keys = Buffer.from(att.keys, "base64");
  expectError(bad({ keys: b64([6, ...keys.subarray(1)]) }), "attention.keys", /key 0 is missing or beyond the last token/);
  expectError(bad({ keys: b64([...keys.subarray(0, keys.length - 1)]) }), "attention.keys", /is missing/);
  expectError(bad({ keys: b64([...keys, 0]) }), "attention.keys", /1 bytes after the/);
  // Gaps that each fit but add up past the last token.
  const rowOf = (r: number) => [...counts].slice(0, r).reduce((a, b) => a + b, 0);
  const firstFull = [...counts].findIndex((c) => c >= 2);
  const spread = [...keys];
  spread[rowOf(firstFull) + 1] = 5;
  const where = `layer ${Math.floor(firstFull / 12)}, head ${Math.floor(firstFull / 6) % 2}, query ${firstFull % 6}`;
  expectError(bad({ keys: b64(spread) }), "attention.keys", new RegExp(`row ${firstFull} \\(${where}\\) has a key beyond the last token`));
});
