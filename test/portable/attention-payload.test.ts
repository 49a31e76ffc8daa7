/** The attention payload codec: round trips with error bounds, sizes, and malformed payloads. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTENTION_SCHEMA_VERSION, LIMITS, decodeAttentionPayload, encodeAttentionPayload, type AttentionEncoding, type AttentionPayload } from "../../kernel/portable/attention-payload";
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

test("24 layers × 16 heads × 128 tokens: about 8.4 MB as uint8-sqrt", () => {
  const n = 128;
  const w = syntheticWeights(24, 16, n);
  const p = encodeAttentionPayload({ words: Array.from({ length: n }, (_, i) => `t${i}`), heads: 16, weights: w });
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
  const att = p.attention;
  expectError(undefined, "", /expected an attention payload object, found undefined/);
  expectError(null, "", /found null/);
  expectError("{nope", "", /not valid JSON/);
  expectError([1, 2], "", /found an array of 2/);
  expectError({ ...p, version: 2 }, "version", /reads attention payload version 1, found 2/);
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
  assert.equal(ATTENTION_SCHEMA_VERSION, 1);
});
