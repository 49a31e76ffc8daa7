/**
 * The views read a sparse payload's kept links directly (kernel/portable/links.ts selectLinks, model-view.ts
 * pooling): the scenes must equal those drawn from full matrices holding the same kept weights.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeOrThrow, denseAttention, encodeAttentionPayload, type Attention } from "../../kernel/portable/attention-payload";
import { LIGHT_THEME } from "../../kernel/portable/colours";
import { headViewLayout, headViewScene } from "../../kernel/portable/head-view";
import { ALL_LINKS, selectLinks, type LinkFilter } from "../../kernel/portable/links";
import { gridLayout, modelGridScene } from "../../kernel/portable/model-view";
import { tokenLabels } from "../../kernel/portable/tokens";
import { measure, syntheticWeights } from "./synthetic";

const L = 2, H = 4;
const words = ["<s>", ...Array.from({ length: 28 }, (_, i) => `Ġw${i}`), "</s>", "</s>", ...Array.from({ length: 12 }, (_, i) => `Ġv${i}`), "</s>"];
const entities = ["[MASK]", "[MASK2]"];
const n = words.length + entities.length;

/** A sparse payload (within a small byte budget) and the same kept weights held as full matrices. */
function pair(): { sparse: Attention; dense: Attention } {
  const w = syntheticWeights(L, H, n, 7, 3);
  const sparse = decodeOrThrow(encodeAttentionPayload({ words, entities, entitySpans: [[3, 4], [20]], heads: H, weights: w, segmentBoundary: 31, maxBytes: 20_000 }));
  assert.equal(sparse.encoding, "sparse-log8");
  const kept = new Float32Array(L * H * n * n);
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) kept.set(sparse.matrix(l, h), (l * H + h) * n * n);
  const dense = denseAttention({ words, entities, entitySpans: [[3, 4], [20]], heads: H, weights: kept, segmentBoundary: 31 });
  return { sparse, dense };
}

/** The sparse payload with its full matrices out of reach: a scene built from it read only the kept links. */
function linksOnly(a: Attention): Attention {
  return { ...a, matrix: () => assert.fail("a full matrix was filled") };
}

const filters: LinkFilter[] = [
  ALL_LINKS,
  { blocks: { ww: true, we: false, ew: true, ee: false }, pair: "all" },
  { blocks: { ww: true, we: true, ew: true, ee: true }, pair: "AB" },
];

test("head view: the scene from the kept links equals the scene from the full matrices", () => {
  const { sparse, dense } = pair();
  assert.equal(dense.sparseRows(0, 0), null);
  assert.ok(sparse.sparseRows(1, 3));
  const labels = tokenLabels(sparse);
  const layout = headViewLayout(labels, H, measure);
  let cut = 0;
  for (const filter of filters)
    for (const activeHeads of [[true, true, true, true], [false, true, false, true]])
      for (const layer of [0, 1])
        for (const options of [{}, { budget: 300 }, { floor: 0.05, budget: 120 }]) {
          const state = { layer, activeHeads, filter, focus: null };
          const want = headViewScene(dense, state, layout, labels, LIGHT_THEME, options);
          assert.deepEqual(headViewScene(linksOnly(sparse), state, layout, labels, LIGHT_THEME, options), want);
          if (want.notice) cut++;
        }
  assert.ok(cut > 0, "some scenes cut links to the budget");
  // Focus (hover) reads one query's or key's links.
  for (const query of [0, 5, n - 1]) {
    const a = selectLinks(sparse, 1, [true, true, true, true], ALL_LINKS, { query, floor: 0.001 });
    const b = selectLinks(dense, 1, [true, true, true, true], ALL_LINKS, { query, floor: 0.001 });
    assert.deepEqual(a, b);
    assert.ok(a.count > 0);
  }
  for (const key of [0, 17, n - 2]) assert.deepEqual(selectLinks(sparse, 0, [true, false, true, true], filters[1], { key }), selectLinks(dense, 0, [true, false, true, true], filters[1], { key }));
});

test("model view: pooling the kept links equals pooling the full matrices", () => {
  const { sparse, dense } = pair();
  for (const filter of filters)
    for (const cell of [12, 20, n]) {
      const g = gridLayout(L, H, { cell });
      assert.ok(g.cell <= n);
      assert.deepEqual(modelGridScene(linksOnly(sparse), g, filter, LIGHT_THEME, { layer: 1, head: 2 }), modelGridScene(dense, g, filter, LIGHT_THEME, { layer: 1, head: 2 }));
    }
  // More cells than tokens: the pooling reads the full matrices (a token spans several cells).
  const big = gridLayout(L, H, { cell: 80 });
  assert.ok(big.cell > n);
  assert.deepEqual(modelGridScene(sparse, big, ALL_LINKS, LIGHT_THEME, null), modelGridScene(dense, big, ALL_LINKS, LIGHT_THEME, null));
});
