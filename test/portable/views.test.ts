/** The three views (kernel/portable/head-view.ts, model-view.ts, token-view.ts): layouts, hit tests, scenes, the status line. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LIGHT_THEME } from "../../kernel/portable/colours";
import { describeFocus, headViewLayout, headViewScene, hitToken, rowCentre, tokenName } from "../../kernel/portable/head-view";
import { ALL_LINKS } from "../../kernel/portable/links";
import { gridLayout, hitCell, modelGridScene } from "../../kernel/portable/model-view";
import { hitPairCell, niceCeil, pairLayout, pairScene, pairSeries } from "../../kernel/portable/token-view";
import { tokenLabels } from "../../kernel/portable/tokens";
import { decodeOrThrow, encodeAttentionPayload } from "../../kernel/portable/attention-payload";
import { attention, measure, syntheticWeights } from "./synthetic";

test("head view layout: rows, hit tests and a scene that says when links were left out", () => {
  const a = attention();
  const labels = tokenLabels(a);
  const l = headViewLayout(labels, a.heads, measure);
  for (let i = 0; i < a.tokens; i++) {
    assert.deepEqual(hitToken(l, l.leftText - 2, rowCentre(l, i)), { side: "left", index: i });
    assert.deepEqual(hitToken(l, l.rightText + 2, rowCentre(l, i)), { side: "right", index: i });
  }
  assert.equal(hitToken(l, (l.x0 + l.x1) / 2, rowCentre(l, 0)), null);
  assert.equal(hitToken(l, l.leftText, l.top - 1), null);
  assert.equal(hitToken(l, l.leftText, l.height + 5), null);
  assert.ok(l.x0 > l.leftText && l.x1 < l.rightText && l.width > l.rightText);
  const state = { layer: 0, activeHeads: [true, true, true], filter: ALL_LINKS, focus: null };
  const full = headViewScene(a, state, l, labels, LIGHT_THEME, { floor: 0 });
  assert.equal(full.notice, undefined);
  const texts = full.shapes.filter((s) => s.kind === "text");
  assert.equal(texts.length, 2 * a.tokens);
  const cut = headViewScene(a, state, l, labels, LIGHT_THEME, { floor: 0, budget: 20 });
  assert.match(cut.notice ?? "", /strongest 20 of 243 links/);
  const segments = (sc: typeof full) => sc.shapes.reduce((n, s) => n + (s.kind === "lines" || s.kind === "segments" ? s.xy.length / 4 : 0), 0);
  // 20 links of 3 heads become one segment per token pair (at least 7), plus the two boundary segments.
  assert.ok(segments(cut) - 2 <= 20 && segments(cut) - 2 >= 7, `${segments(cut)}`);
  // Compositing: a pair's segment is the heads' colours laid over each other, as separate lines would be.
  const seg = full.shapes.find((s) => s.kind === "segments");
  assert.ok(seg && seg.kind === "segments");
  const pairs = new Set<string>();
  for (let i = 0; i < seg.xy.length; i += 4) pairs.add(`${seg.xy[i + 1]},${seg.xy[i + 3]}`);
  assert.equal(pairs.size, seg.xy.length / 4, "one segment per pair");
  assert.equal(pairs.size, 81);
  for (let i = 3; i < seg.rgba.length; i += 4) if (i > 3) assert.ok(seg.rgba[i] >= seg.rgba[i - 4], "drawn weakest first");
  const focused = headViewScene(a, { ...state, focus: { side: "left", index: 2 } }, l, labels, LIGHT_THEME);
  const boxes = focused.shapes.filter((s) => s.kind === "rect" && s.fill && s.w < 10);
  assert.ok(boxes.length > 0 && boxes.length <= 3 * a.tokens);
  // 512 tokens stay within the link budget (its time: `npm run bench:timings`, scene-head-view-512).
  const n = 512;
  const big = decodeOrThrow(encodeAttentionPayload({ words: Array.from({ length: n }, (_, i) => `t${i}`), heads: 12, weights: syntheticWeights(1, 12, n, 3, 0.5) }));
  const bigLayout = headViewLayout(tokenLabels(big), 12, measure);
  const bigScene = headViewScene(big, { layer: 0, activeHeads: Array(12).fill(true), filter: ALL_LINKS, focus: null }, bigLayout, tokenLabels(big), LIGHT_THEME);
  assert.match(bigScene.notice ?? "", /Showing the strongest 40,000 of [\d,]+ links/);
  assert.ok(segments(bigScene) <= 40_000);
  assert.ok(bigLayout.rowHeight <= 11 && bigLayout.height < 16384);
});

test("status line: the strongest link of the focused token over the active heads, found by brute force", () => {
  const a = attention({ layers: 2, heads: 3 });
  assert.equal(tokenName(a, 1), "“The”");
  assert.equal(tokenName(a, a.numWords), "entity “[MASK]”");
  for (const active of [[true, true, true], [false, true, false]]) {
    for (const side of ["left", "right"] as const) {
      const index = 2;
      let best = { w: -1, h: -1, other: -1 };
      for (let h = 0; h < 3; h++) {
        if (!active[h]) continue;
        for (let i = 0; i < a.tokens; i++) {
          const w = side === "left" ? a.weight(1, h, index, i) : a.weight(1, h, i, index);
          if (w > best.w) best = { w, h, other: i };
        }
      }
      const text = describeFocus(a, 1, { side, index }, active);
      const verb = side === "left" ? "attends most to" : "is attended most by";
      assert.equal(text, `“cat” ${verb} ${tokenName(a, best.other)} (head ${best.h}, ${best.w.toFixed(3)})`);
    }
  }
});

test("model view grid and token-to-token view: layout, hits, series and heatmap", () => {
  const a = attention({ layers: 3, heads: 4 });
  const g = gridLayout(3, 4, { cell: 20 });
  for (let l = 0; l < 3; l++)
    for (let h = 0; h < 4; h++) assert.deepEqual(hitCell(g, g.left + h * (g.cell + g.gap) + 5, g.top + l * (g.cell + g.gap) + 5), { layer: l, head: h });
  assert.equal(hitCell(g, g.left + g.cell + 1, g.top + 1), null); // the gap
  assert.equal(hitCell(g, 2, 2), null);
  const fit = gridLayout(24, 16, { maxWidth: 700 });
  assert.ok(fit.width <= 700 && fit.cell >= 12);
  const scene = modelGridScene(a, g, ALL_LINKS, LIGHT_THEME, { layer: 1, head: 2 });
  const img = scene.shapes.find((s) => s.kind === "image");
  assert.ok(img && img.kind === "image" && img.rgba.length === img.cols * img.rows * 4);
  // A cell of a masked-out block is background.
  const masked = modelGridScene(a, g, { blocks: { ww: false, we: false, ew: false, ee: false }, pair: "all" }, LIGHT_THEME, null);
  const mimg = masked.shapes.find((s) => s.kind === "image")!;
  assert.ok(mimg.kind === "image" && mimg.rgba.every((v, i) => i % 4 === 3 || v === 255));

  const s = pairSeries(a, 2, 8);
  assert.equal(s.values.length, 3);
  assert.equal(s.values[1][3], a.weight(1, 3, 2, 8));
  assert.ok(Math.abs(s.mean[0] - s.values[0].reduce((x, y) => x + y) / 4) < 1e-12);
  assert.equal(niceCeil(0.37), 0.5);
  assert.equal(niceCeil(0.05), 0.05);
  assert.equal(niceCeil(0.8), 1);
  assert.equal(niceCeil(0), 0.01);
  const pl = pairLayout(3, 4);
  assert.deepEqual(hitPairCell(pl, 3, 4, pl.heat.x + pl.heat.cell * 2.5, pl.heat.y + pl.heat.cell * 1.5), { layer: 1, head: 2 });
  const ps = pairScene(a, 2, 8, tokenLabels(a), LIGHT_THEME, pl);
  assert.equal(ps.shapes.filter((x) => x.kind === "dots").length, 4);
  assert.ok(ps.shapes.some((x) => x.kind === "text" && x.text.startsWith("Attention from cat → [MASK]")));
});
