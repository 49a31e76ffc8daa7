/** The attention views' drawing maths: colours, labels, filters, link selection, layouts, hit tests and scenes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTENTION_THEME_VARIABLES, DARK_THEME, LIGHT_THEME, deltaE, headColours, parseColour, themeFromVariables, type AttentionThemeVariable } from "../../kernel/portable/colours";
import { describeFocus, headViewLayout, headViewScene, hitToken, rowCentre, tokenName } from "../../kernel/portable/head-view";
import { ALL_LINKS, filterMask, selectLinks, type LinkFilter } from "../../kernel/portable/links";
import { gridLayout, hitCell, modelGridScene } from "../../kernel/portable/model-view";
import { hitPairCell, niceCeil, pairLayout, pairScene, pairSeries } from "../../kernel/portable/token-view";
import { decodeByteLevel, prettifyToken, tokenLabels, truncateLabel } from "../../kernel/portable/tokens";
import { decodeOrThrow, encodeAttentionPayload } from "../../kernel/portable/attention-payload";
import { attention, measure, syntheticWeights } from "./synthetic";

test("head colours: distinct for 16 and more heads, stable prefixes, readable lightness", () => {
  for (const [n, minDelta] of [[10, 35], [12, 30], [16, 25], [24, 20], [32, 15]] as const) {
    const c = headColours(n);
    assert.equal(c.length, n);
    let min = Infinity;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) min = Math.min(min, deltaE(c[i], c[j]));
    assert.ok(min >= minDelta, `${n} heads: closest pair ΔE ${min.toFixed(1)} < ${minDelta}`);
    // Visible against both theme backgrounds.
    for (const col of c) {
      assert.ok(deltaE(col, [255, 255, 255]) > 25 && deltaE(col, [17, 17, 17]) > 25);
    }
  }
  assert.deepEqual(headColours(12).slice(0, 4), headColours(4));
  assert.deepEqual(headColours(64).slice(0, 16), headColours(16));
  assert.deepEqual(parseColour("#fff"), [255, 255, 255]);
  assert.deepEqual(parseColour(" rgb(1, 2, 3) "), [1, 2, 3]);
  assert.deepEqual(parseColour("#10203040"), [16, 32, 48]);
  assert.equal(parseColour("var(--x)"), null);
});

test("theme: JupyterLab's variables over the built-in theme; translucent text blended over the background", () => {
  // What getComputedStyle returns for JupyterLab's dark theme (custom properties keep their leading space).
  const dark: Record<AttentionThemeVariable, string> = {
    "--jp-layout-color0": " #111111",
    "--jp-ui-font-color1": " rgba(255, 255, 255, 0.87)",
    "--jp-ui-font-color3": " rgba(255, 255, 255, 0.38)",
    "--jp-border-color2": " #424242",
    "--jp-brand-color1": " #1976d2",
  };
  assert.deepEqual(Object.keys(dark).sort(), [...ATTENTION_THEME_VARIABLES].sort());
  const t = themeFromVariables((n) => dark[n], true);
  assert.deepEqual(t.background, [17, 17, 17]);
  // 0.87 white over #111111: 17 + (255 - 17) · 0.87 = 224.06.
  t.text.forEach((v) => assert.ok(Math.abs(v - 224.06) < 1e-9));
  assert.deepEqual(t.grid, [66, 66, 66]);
  assert.deepEqual(t.accent, [25, 118, 210]);
  assert.deepEqual(t.entityFill, DARK_THEME.entityFill, "what JupyterLab has no variable for comes from the built-in theme");
  assert.deepEqual(themeFromVariables(() => "", false), LIGHT_THEME);
  assert.deepEqual(themeFromVariables(() => "color-mix(in srgb, red, blue)", true), DARK_THEME);
});

test("token labels: byte-level BPE decoded, long tokens shortened, entities kept", () => {
  assert.equal(prettifyToken("ĠBey"), "Bey");
  assert.equal(prettifyToken("Ã©"), "é");
  assert.equal(prettifyToken("Ã"), "Ã"); // half of a character stays as it is
  assert.equal(prettifyToken("Ġ"), "␣");
  assert.equal(prettifyToken("Ċ"), "↵");
  assert.equal(prettifyToken("▁hello"), "hello");
  assert.equal(prettifyToken("##ing"), "##ing");
  assert.equal(prettifyToken("<s>"), "<s>");
  assert.equal(decodeByteLevel("ĠBeyoncÃ©"), " Beyoncé");
  assert.equal(decodeByteLevel("a b"), null);
  assert.equal(truncateLabel("abcdefghij", 5), "abcd…");
  assert.equal(truncateLabel("😀😀😀", 3), "😀😀😀");
  assert.deepEqual(tokenLabels({ words: ["ĠThe", "Ġcat"], entities: ["[MASK] (cat)"] }), ["The", "cat", "[MASK] (cat)"]);
});

test("filters: word/entity blocks and the sentence pair", () => {
  const a = attention(); // words 0-4 are A, 5-7 are B, 8 is an entity
  const f = (blocks: Partial<LinkFilter["blocks"]>, pair: LinkFilter["pair"] = "all"): LinkFilter => ({ blocks: { ...ALL_LINKS.blocks, ...blocks }, pair });
  const all = filterMask(a, ALL_LINKS);
  assert.ok(all.allowed(0, 8) && all.allowed(8, 0) && all.allowed(8, 8) && all.allowed(1, 6));
  const we = filterMask(a, f({ ww: false, ew: false, ee: false }));
  assert.ok(we.allowed(3, 8) && !we.allowed(3, 4) && !we.allowed(8, 3) && !we.allowed(8, 8));
  assert.deepEqual(we.query, [true, true, true, true, true, true, true, true, false]);
  assert.deepEqual(we.key, [false, false, false, false, false, false, false, false, true]);
  const ab = filterMask(a, f({}, "AB"));
  assert.ok(ab.allowed(1, 6) && !ab.allowed(6, 1) && !ab.allowed(1, 2) && ab.allowed(1, 8));
  const ba = filterMask(a, f({ we: false, ew: false, ee: false }, "BA"));
  assert.deepEqual(ba.query.map(Number), [0, 0, 0, 0, 0, 1, 1, 1, 0]);
  assert.deepEqual(ba.key.map(Number), [1, 1, 1, 1, 1, 0, 0, 0, 0]);
  // Without a boundary the pair filter does nothing.
  const single = filterMask(attention({ boundary: null }), f({}, "AB"));
  assert.ok(single.allowed(1, 2));
});

test("link selection: floor, filter, focus, and the strongest links within the budget", () => {
  const a = attention({ layers: 1, heads: 4 });
  const heads = [true, true, true, true];
  const everything = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0 });
  assert.equal(everything.count, 4 * 81);
  assert.equal(everything.visible, 4 * 81);
  const budget = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0, budget: 50 });
  assert.equal(budget.count, 50);
  const all = [...everything.weight].sort((x, y) => y - x);
  // Exactly the 50 strongest (ties cut inside one histogram bin at most).
  assert.ok(Math.abs(budget.threshold - all[49]) < 1 / 4096 + 1e-6, `${budget.threshold} vs ${all[49]}`);
  for (const w of budget.weight) assert.ok(w >= all[49] - 1 / 4096);
  const floor = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0.2 });
  assert.ok([...floor.weight].every((w) => w >= 0.2));
  assert.equal(floor.count, all.filter((w) => w >= 0.2).length);
  const oneHead = selectLinks(a, 0, [false, false, true, false], ALL_LINKS, { floor: 0 });
  assert.ok([...oneHead.head].every((h) => h === 2));
  const focus = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0, query: 3 });
  assert.equal(focus.count, 4 * 9);
  assert.ok([...focus.query].every((q) => q === 3));
  const keyFocus = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0, key: 8 });
  assert.ok([...keyFocus.key].every((k) => k === 8) && keyFocus.count === 36);
  const filtered = selectLinks(a, 0, heads, { blocks: { ww: false, we: true, ew: false, ee: false }, pair: "all" }, { floor: 0 });
  assert.ok([...filtered.key].every((k) => k === 8) && [...filtered.query].every((q) => q < 8));
});

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
  // 512 tokens stay within the budget.
  const n = 512;
  const big = decodeOrThrow(encodeAttentionPayload({ words: Array.from({ length: n }, (_, i) => `t${i}`), heads: 12, weights: syntheticWeights(1, 12, n, 3, 0.5) }));
  const bigLayout = headViewLayout(tokenLabels(big), 12, measure);
  const t0 = performance.now();
  const bigScene = headViewScene(big, { layer: 0, activeHeads: Array(12).fill(true), filter: ALL_LINKS, focus: null }, bigLayout, tokenLabels(big), LIGHT_THEME);
  const ms = performance.now() - t0;
  assert.match(bigScene.notice ?? "", /Showing the strongest 40,000 of [\d,]+ links/);
  assert.ok(segments(bigScene) <= 40_000);
  assert.ok(ms < 3000, `${ms} ms`);
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
