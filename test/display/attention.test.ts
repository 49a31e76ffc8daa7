/**
 * Kernel side of the attention display: payloads from a real LUKE forward pass (samples/tiny-luke),
 * from plain arrays and from JSON files, the static PNG, and the MIME bundle.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadLuke } from "../../kernel";
import { ATTENTION_MIME, decodeAttentionPayload } from "../../kernel/portable/attention-payload";
import { attentionBundle, showAttention } from "../../kernel/display/attention";
import { attentionImage } from "../../kernel/display/attention-image";
import { attentionPayload, lukeAttentionPayload, readAttentionFile } from "../../kernel/display/attention-input";
import { ROOT, tmpDir } from "../helpers";
import { readPng } from "./png-reader";

test("a LUKE forward pass becomes a payload with named entity tokens, and a bundle with a PNG", async () => {
  const luke = await loadLuke(join(ROOT, "samples", "tiny-luke"));
  try {
    const [r] = await luke.forward([{ text: "Beyoncé lives in Los Angeles.", spans: [[0, 7]] }], { attentions: true });
    const payload = lukeAttentionPayload(r, { luke, title: "tiny" });
    assert.equal(payload.version, 1);
    assert.deepEqual(payload.words, r.tokens);
    assert.deepEqual(payload.entities, ["[MASK] (Beyoncé)"]);
    assert.deepEqual(payload.entitySpans, [r.entityPositionIds[0].filter((p) => p >= 0)]);
    const d = decodeAttentionPayload(payload);
    assert.ok(d.ok);
    const n = r.tokens.length + 1;
    assert.equal(d.attention.tokens, n);
    // Weights match the forward pass within the uint8-sqrt bound, and rows still sum to one.
    for (let l = 0; l < r.attentions!.length; l++) {
      const scale = payload.attention.scales![l];
      for (let h = 0; h < r.attentions![l].length; h++) {
        const m = d.attention.matrix(l, h);
        for (let q = 0; q < n; q++) {
          let sum = 0;
          for (let k = 0; k < n; k++) {
            assert.ok(Math.abs(m[q * n + k] - r.attentions![l][h][q][k]) <= scale / 255 + 1e-6);
            sum += m[q * n + k];
          }
          assert.ok(Math.abs(sum - 1) < 0.05, `row sum ${sum}`);
        }
      }
    }
    const bundle = attentionBundle(payload);
    assert.equal(bundle.data[ATTENTION_MIME], payload);
    assert.match(String(bundle.data["text/plain"]), /2 layers × 4 heads × 27 tokens \(26 words, 1 entity\)/);
    const png = readPng(Buffer.from(String(bundle.data["image/png"]), "base64"));
    assert.deepEqual(bundle.metadata["image/png"], { width: png.width, height: png.height });
    assert.ok(png.width > 400 && png.height > 300);
    // Not blank: head colours are in it.
    let coloured = 0;
    for (let i = 0; i < png.rgb.length; i += 3) if (Math.max(png.rgb[i], png.rgb[i + 1], png.rgb[i + 2]) - Math.min(png.rgb[i], png.rgb[i + 1], png.rgb[i + 2]) > 60) coloured++;
    assert.ok(coloured > 1000, `${coloured} coloured pixels`);
    assert.ok(bundle.data["image/png"] && String(bundle.data["image/png"]).length < 400_000);
    assert.throws(() => lukeAttentionPayload({ ...r, attentions: undefined }), /attentions: true/);
  } finally {
    luke.dispose();
  }
});

const tokens = ["[CLS]", "a", "b", "[SEP]", "c", "[SEP]"];
const uniform = (layers: number, heads: number, n: number) =>
  Array.from({ length: layers }, () => Array.from({ length: heads }, () => Array.from({ length: n }, () => Array.from({ length: n }, () => 1 / n))));

test("plain arrays: layer choice, batch axis, entity counts, and errors that say where", () => {
  const p = attentionPayload({ tokens, attentions: uniform(3, 2, 6), segmentBoundary: 4 }, { layers: [0, 2], encoding: "float16" });
  assert.deepEqual(p.layers, [0, 2]);
  assert.deepEqual(p.attention.shape, [2, 2, 6, 6]);
  assert.equal(p.segmentBoundary, 4);
  const batched = uniform(2, 2, 6).map((l) => [l]);
  assert.deepEqual(attentionPayload({ tokens, attentions: batched }).attention.shape, [2, 2, 6, 6]);
  const ents = attentionPayload({ tokens, attentions: uniform(1, 1, 6), entities: 2 });
  assert.deepEqual([ents.words.length, ents.entities], [4, ["c", "[SEP]"]]);
  const bad = uniform(2, 2, 6);
  bad[1][1][3] = bad[1][1][3].slice(1);
  assert.throws(() => attentionPayload({ tokens, attentions: bad }), /attentions\[1\]\[1\]\[3\] should have 6 keys, found 5/);
  const nan = uniform(1, 1, 6);
  nan[0][0][2][4] = NaN;
  assert.throws(() => attentionPayload({ tokens, attentions: nan }), /attentions\[0\]\[0\]\[2\]\[4\] is NaN/);
  assert.throws(() => attentionPayload({ tokens: tokens.slice(1), attentions: uniform(1, 1, 6) }), /should have 5 query rows/);
  assert.throws(() => attentionPayload({ tokens, attentions: uniform(1, 1, 6) }, { layers: [3] }), /layer 3 does not exist/);
  assert.throws(() => attentionPayload({ tokens, attentions: uniform(2, 2, 6).map((l) => [l, l]) as never }), /batch of 2/);
});

test("JSON files exported elsewhere (BertViz-style keys) and lukelab payload files", () => {
  const dir = tmpDir();
  const bert = join(dir, "bert.json");
  writeFileSync(bert, JSON.stringify({ tokens, attention: uniform(2, 3, 6), sentence_b_start: 4 }));
  const p = readAttentionFile(bert);
  assert.equal(p.segmentBoundary, 4);
  assert.deepEqual(p.attention.shape, [2, 3, 6, 6]);
  const own = join(dir, "own.json");
  writeFileSync(own, JSON.stringify(p));
  assert.deepEqual(readAttentionFile(own), p);
  const broken = join(dir, "broken.json");
  writeFileSync(broken, JSON.stringify({ ...p, heads: 4 }));
  assert.throws(() => readAttentionFile(broken), /broken\.json: attention payload: attention\.shape\[1\]/);
  writeFileSync(broken, "{");
  assert.throws(() => readAttentionFile(broken), /broken\.json:1:2: not valid JSON: /);
});

test("showAttention sends the payload to a given display; large inputs skip the head view in the image", () => {
  const sent: [string, unknown][] = [];
  showAttention({ tokens, attentions: uniform(1, 2, 6) }, { display: { raw: (m, d) => sent.push([m, d]) } });
  assert.equal(sent.length, 1);
  assert.equal(sent[0][0], ATTENTION_MIME);
  assert.equal((sent[0][1] as { version: number }).version, 1);
  const n = 200;
  const big = attentionPayload({ tokens: Array.from({ length: n }, (_, i) => `t${i}`), attentions: uniform(2, 2, n) });
  const img = attentionImage(big); // its time: `npm run bench:timings` (image-static-200)
  assert.ok(img.height < 400, `${img.height}`);
});
