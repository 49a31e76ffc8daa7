/** The extension's pure parts: the SVG export of a scene and the view state's transitions. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LIGHT_THEME } from "../../kernel/portable/colours";
import { headViewLayout, headViewScene } from "../../kernel/portable/head-view";
import { ALL_LINKS } from "../../kernel/portable/links";
import { gridLayout, modelGridScene } from "../../kernel/portable/model-view";
import { tokenLabels } from "../../kernel/portable/tokens";
import * as S from "../../extension/attention/state";
import { escapeXml, sceneToSvg } from "../../extension/attention/svg";
import { attention, measure } from "../portable/synthetic";

test("SVG export: valid standalone document, token strings escaped, never markup", () => {
  const evil = ['<img src=x onerror="alert(1)">', "<script>alert(2)</script>", "a & b", "it's \"quoted\"", "\u0001ctl"];
  const a = attention({ words: evil, entities: [], boundary: null, layers: 1, heads: 2 });
  const labels = tokenLabels(a);
  const l = headViewLayout(labels, 2, measure);
  const scene = headViewScene(a, { layer: 0, activeHeads: [true, true], filter: ALL_LINKS, focus: null }, l, labels, LIGHT_THEME);
  const svg = sceneToSvg(scene, { title: "<b>title</b>", fontFamily: 'x"y' });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.endsWith("</svg>"));
  assert.doesNotMatch(svg, /<script|<img|<b>|onerror="/);
  assert.match(svg, /&lt;img src=x onerror=&quot;ale…</);
  assert.match(svg, /a &amp; b/);
  assert.match(svg, /it&apos;s &quot;quoted&quot;/);
  assert.match(svg, /font-family="x&quot;y"/);
  assert.doesNotMatch(svg, /\u0001/);
  // Every element is closed: a quick well-formedness check of tags.
  const open = (svg.match(/<(?!\/)[a-z]+[^>]*[^/]>/g) ?? []).length, close = (svg.match(/<\/[a-z]+>/g) ?? []).length;
  assert.equal(open, close);
  assert.equal(escapeXml("<&>\"'"), "&lt;&amp;&gt;&quot;&apos;");
  const grid = modelGridScene(a, gridLayout(1, 2), ALL_LINKS, LIGHT_THEME, null);
  assert.match(sceneToSvg(grid, { imageHref: () => "data:image/png;base64,AAAA" }), /<image [^>]*href="data:image\/png;base64,AAAA"/);
  assert.doesNotMatch(sceneToSvg(grid), /<image/);
});

test("SVG export: split byte-level pieces are drawn as the characters they complete", () => {
  const a = attention({ words: ["<s>", "Ġcaf", "Ã", "©", "ĠðŁ", "ĳ", "į", "</s>"], entities: [], boundary: null, layers: 1, heads: 1 });
  const labels = tokenLabels(a);
  const scene = headViewScene(a, { layer: 0, activeHeads: [true], filter: ALL_LINKS, focus: null }, headViewLayout(labels, 1, measure), labels, LIGHT_THEME);
  const svg = sceneToSvg(scene);
  assert.match(svg, />…é</);
  assert.match(svg, />…👍</);
  assert.doesNotMatch(svg, /[ÃðŁĳį©]/);
});

test("view state: toggle keeps one head, double-click solos and restores, keyboard and picks", () => {
  let s = S.initialState(2, 3, 9);
  assert.deepEqual(s.activeHeads, [true, true, true]);
  s = S.toggleHead(s, 0);
  s = S.toggleHead(s, 1);
  assert.deepEqual(s.activeHeads, [false, false, true]);
  assert.equal(S.toggleHead(s, 2), s, "the last active head stays on");
  s = S.soloHead(S.allHeads(s), 1);
  assert.deepEqual(s.activeHeads, [false, true, false]);
  s = S.soloHead(s, 1);
  assert.deepEqual(s.activeHeads, [true, true, true]);
  assert.equal(S.setLayer(s, 7, 2).layer, 1);
  assert.equal(S.setLayer(s, -1, 2).layer, 0);
  assert.equal(S.setBlock(s, "we", false).filter.blocks.we, false);
  assert.equal(s.filter.blocks.we, true, "transitions do not mutate");
  assert.equal(S.setPair(s, "AB").filter.pair, "AB");

  const t = { side: "left" as const, index: 2 };
  let h = S.hover(s, t);
  assert.deepEqual(h.focus, t);
  assert.equal(S.hover(h, { ...t }), h);
  h = S.clickToken(h, t);
  assert.ok(h.pinned);
  assert.equal(S.hover(h, null), h, "a pinned token ignores hovering");
  h = S.clickToken(h, t);
  assert.ok(!h.pinned);

  assert.deepEqual(S.keyFocus(null, "ArrowDown", 9), { side: "left", index: 0 });
  assert.deepEqual(S.keyFocus({ side: "left", index: 8 }, "ArrowDown", 9), { side: "left", index: 8 });
  assert.deepEqual(S.keyFocus({ side: "left", index: 4 }, "ArrowRight", 9), { side: "right", index: 4 });
  assert.deepEqual(S.keyFocus({ side: "right", index: 4 }, "Home", 9), { side: "right", index: 0 });
  assert.equal(S.keyFocus(t, "Escape", 9), null);
  assert.equal(S.keyFocus(t, "x", 9), undefined);

  assert.deepEqual(S.openDetail(s, { layer: 1, head: 2 }).detail, { layer: 1, head: 2 });
  assert.equal(S.openDetail(S.openDetail(s, { layer: 1, head: 2 }), { layer: 1, head: 2 }).detail, null);
  assert.deepEqual(S.keyDetail(null, "ArrowRight", 2, 3), { layer: 0, head: 0 });
  assert.deepEqual(S.keyDetail({ layer: 0, head: 2 }, "ArrowRight", 2, 3), { layer: 0, head: 2 });
  assert.deepEqual(S.keyDetail({ layer: 0, head: 2 }, "ArrowDown", 2, 3), { layer: 1, head: 2 });

  let p = S.pickToken(s, 5);
  p = S.pickToken(p, 7);
  assert.deepEqual([p.token1, p.token2, p.nextPick], [5, 7, 1]);
});
