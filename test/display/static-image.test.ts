/**
 * Snapshot tests of the static attention image (the image/png stored beside the payload, drawn by
 * kernel/portable/raster.ts): fixed synthetic payloads are painted and compared with the PNGs in
 * test/fixtures/display/ within a pixel tolerance, so that a change to a view's layout, colours or the
 * rasteriser shows up here as a picture to look at, not only as numbers.
 *
 * After an intended change: LUKELAB_UPDATE_SNAPSHOTS=1 node scripts/run-tests.mjs display/static-image,
 * look at the new files, and commit them. A failing comparison writes the image it got to
 * test/.work/artifacts/.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { attentionImage, staticScene } from "../../kernel/display/attention-image";
import { decodeOrThrow, encodeAttentionPayload, type Attention } from "../../kernel/portable/attention-payload";
import { FIXTURES, ROOT } from "../helpers";
import { syntheticWeights } from "../portable/synthetic";
import { readPng } from "./png-reader";

const SNAPSHOTS = join(FIXTURES, "display");
const ARTIFACTS = join(ROOT, "test", ".work", "artifacts");
const UPDATE = process.env.LUKELAB_UPDATE_SNAPSHOTS === "1";

/** A channel differing by more than this counts as a changed pixel (anti-aliasing and rounding stay below). */
const CHANNEL_TOLERANCE = 24;
/** At most this share of pixels may change. */
const PIXEL_SHARE = 0.002;

function payload(words: string[], entities: string[], layers: number, heads: number, boundary: number | null, title: string): Attention {
  const n = words.length + entities.length;
  return decodeOrThrow(encodeAttentionPayload({ title, words, entities, heads, segmentBoundary: boundary, weights: syntheticWeights(layers, heads, n, 7, 3), encoding: "float32" }));
}

function compare(name: string, png: Uint8Array): void {
  const file = join(SNAPSHOTS, `${name}.png`);
  if (UPDATE) {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, png);
  }
  assert.ok(existsSync(file), `${file} is missing: run with LUKELAB_UPDATE_SNAPSHOTS=1 to write it, then look at it and commit it`);
  const want = readPng(readFileSync(file));
  const got = readPng(png);
  const keep = () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, `${name}.actual.png`), png);
  };
  if (got.width !== want.width || got.height !== want.height) keep();
  assert.deepEqual([got.width, got.height], [want.width, want.height], `${name}: image size`);
  let changed = 0;
  for (let p = 0; p < got.width * got.height; p++) {
    const o = 3 * p;
    if (Math.max(Math.abs(got.rgb[o] - want.rgb[o]), Math.abs(got.rgb[o + 1] - want.rgb[o + 1]), Math.abs(got.rgb[o + 2] - want.rgb[o + 2])) > CHANNEL_TOLERANCE) changed++;
  }
  const share = changed / (got.width * got.height);
  if (share > PIXEL_SHARE) keep();
  assert.ok(share <= PIXEL_SHARE, `${name}: ${changed} pixels (${(100 * share).toFixed(2)} %) differ from ${file}; the image drawn is in ${ARTIFACTS}`);
}

test("static image: a sentence pair with an entity (head view of the last layer, model view)", () => {
  const words = ["<s>", "ĠBey", "onc", "Ã©", "Ġlives", "Ġin", "ĠLos", "ĠAngeles", ".", "</s>", "</s>", "ĠShe", "Ġsings", ".", "</s>"];
  const att = payload(words, ["[MASK] (Beyoncé)"], 2, 4, 10, "snapshot");
  compare("attention-pair", attentionImage(att).png);
});

test("static image: more than 160 tokens leaves the head view to the extension", () => {
  const words = Array.from({ length: 200 }, (_, i) => `Ġw${i}`);
  const att = payload(words, [], 3, 2, null, "long");
  compare("attention-long", attentionImage(att).png);
});

test("static image: byte-level pieces of é, a CJK character and an emoji show the characters, not their bytes", () => {
  // "café 東京 👍" as a small byte-level BPE vocabulary splits it: é in 2 pieces, 東 in 2, 👍 in 3.
  const words = ["<s>", "Ġcaf", "Ã", "©", "Ġæĸ", "ĩ", "äº¬", "ĠðŁ", "ĳ", "į", "</s>"];
  const att = payload(words, [], 1, 2, null, "pieces");
  const texts = staticScene(att).shapes.flatMap((s) => (s.kind === "text" ? [s.text] : []));
  for (const label of ["caf", "…", "…é", "…文", "京", "…👍"]) assert.ok(texts.includes(label), `“${label}” in ${texts}`);
  assert.ok(!texts.some((t) => /[ÃæäðŁĳį©]/.test(t)), `no mojibake in ${texts}`);
  // é is in the bitmap font; 文, 京 and 👍 are not and show as a hollow box each.
  compare("attention-pieces", attentionImage(att).png);
});

test("the comparison fails on a changed picture", () => {
  // The same payload drawn for another layer is a different picture: the tolerance is not so wide that anything passes.
  const words = ["<s>", "ĠBey", "onc", "Ã©", "Ġlives", "Ġin", "ĠLos", "ĠAngeles", ".", "</s>", "</s>", "ĠShe", "Ġsings", ".", "</s>"];
  const att = payload(words, ["[MASK] (Beyoncé)"], 2, 4, 10, "snapshot");
  if (UPDATE) return;
  assert.throws(() => compare("attention-pair", attentionImage(att, { layer: 0 }).png), /pixels .* differ/);
});
