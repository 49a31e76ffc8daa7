/**
 * Every text the attention views draw on their canvases (and in the static image) is legible in both
 * themes: each text shape's colour has WCAG contrast ≥ 4.5 with every pixel it is drawn on (the scene
 * painted without its texts), and no text runs out of its scene or into another text. Themes: the
 * built-in ones and those read from JupyterLab 4's own variable values (theme-light-extension and
 * theme-dark-extension), through the same reader as the extension.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { contrast, DARK_THEME, LIGHT_THEME, MIN_CONTRAST, readableOn, themeFromVariables, type AttentionThemeVariable, type Rgb, type Theme } from "../../kernel/portable/colours";
import { headViewLayout, headViewScene } from "../../kernel/portable/head-view";
import { ALL_LINKS } from "../../kernel/portable/links";
import { gridLayout, modelGridScene } from "../../kernel/portable/model-view";
import { rasterise } from "../../kernel/portable/raster";
import { legendShapes, type Scene, type Shape } from "../../kernel/portable/scene";
import { pairLayout, pairScene, pairTitle } from "../../kernel/portable/token-view";
import { tokenLabels } from "../../kernel/portable/tokens";
import { staticScene } from "../../kernel/display/attention-image";
import { measureBitmap } from "../../kernel/portable/raster";
import { groupThousands, tickLabels } from "../../kernel/portable/maths";
import { attention, measure } from "./synthetic";

// JupyterLab 4's values (theme-light-extension, theme-dark-extension).
const JUPYTER: Record<"light" | "dark", Record<AttentionThemeVariable, string>> = {
  light: { "--jp-layout-color0": "white", "--jp-ui-font-color1": "rgba(0,0,0,.87)", "--jp-ui-font-color3": "rgba(0,0,0,.38)", "--jp-border-color2": "#e0e0e0", "--jp-brand-color1": "#1976d2" },
  dark: { "--jp-layout-color0": "#111", "--jp-ui-font-color1": "rgba(255,255,255,.87)", "--jp-ui-font-color3": "rgba(255,255,255,.38)", "--jp-border-color2": "#424242", "--jp-brand-color1": "#2196f3" },
};
const THEMES: [string, Theme][] = [
  ["built-in light", LIGHT_THEME],
  ["built-in dark", DARK_THEME],
  ["JupyterLab light", themeFromVariables((n) => JUPYTER.light[n], false)],
  ["JupyterLab dark", themeFromVariables((n) => JUPYTER.dark[n], true)],
];

type Text = Extract<Shape, { kind: "text" }>;
interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Where a text is drawn (vertical middle at y; `size` px tall), by a text measure. */
function textBox(t: Text, measureText: (s: string, size: number) => number): Box {
  const w = measureText(t.text, t.size) * (t.bold ? 1.1 : 1);
  const x0 = t.align === "left" ? t.x : t.align === "right" ? t.x - w : t.x - w / 2;
  return { x0, x1: x0 + w, y0: t.y - t.size / 2, y1: t.y + t.size / 2 };
}

/** The lowest contrast of each text with the pixels under it, and the texts' boxes. */
function measureScene(scene: Scene, measureText = measure): { low: { text: string; ratio: number; colour: Rgb; under: Rgb }[]; boxes: { text: string; box: Box }[] } {
  const px = rasterise({ ...scene, shapes: scene.shapes.filter((s) => s.kind !== "text") });
  const low: { text: string; ratio: number; colour: Rgb; under: Rgb }[] = [];
  const boxes: { text: string; box: Box }[] = [];
  for (const s of scene.shapes) {
    if (s.kind !== "text" || s.text.trim() === "") continue;
    const box = textBox(s, measureText);
    boxes.push({ text: s.text, box });
    let worst = { ratio: Infinity, under: [0, 0, 0] as Rgb };
    for (let y = Math.ceil(box.y0 + 1); y <= Math.floor(box.y1 - 1); y++)
      for (let x = Math.ceil(box.x0 + 1); x <= Math.floor(box.x1 - 1); x++) {
        if (x < 0 || y < 0 || x >= px.width || y >= px.height) continue;
        const o = (y * px.width + x) * 4;
        const under: Rgb = [px.rgba[o], px.rgba[o + 1], px.rgba[o + 2]];
        const r = contrast(s.colour, under);
        if (r < worst.ratio) worst = { ratio: r, under };
      }
    low.push({ text: s.text, ratio: worst.ratio, colour: s.colour, under: worst.under });
  }
  return { low, boxes };
}

function assertLegible(name: string, scene: Scene, measureText = measure): void {
  const { low, boxes } = measureScene(scene, measureText);
  assert.ok(low.length > 0, `${name}: has texts`);
  for (const l of low) assert.ok(l.ratio >= MIN_CONTRAST, `${name}: “${l.text}” rgb(${l.colour.map(Math.round)}) on rgb(${l.under}) has contrast ${l.ratio.toFixed(2)}`);
  for (const { text, box } of boxes) {
    assert.ok(box.x0 >= 0 && box.y0 >= 0 && box.x1 <= scene.width && box.y1 <= scene.height, `${name}: “${text}” [${box.x0.toFixed(0)}, ${box.x1.toFixed(0)}] × [${box.y0.toFixed(0)}, ${box.y1.toFixed(0)}] is clipped by the ${scene.width} × ${scene.height} scene`);
  }
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].box, b = boxes[j].box;
      const overlap = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 0.5 && Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > 0.5;
      assert.ok(!overlap, `${name}: “${boxes[i].text}” overlaps “${boxes[j].text}”`);
    }
}

test("contrast: WCAG's ratios, and readableOn moves a colour only as far as it must", () => {
  assert.equal(contrast([0, 0, 0], [255, 255, 255]).toFixed(2), "21.00");
  assert.equal(contrast([255, 255, 255], [255, 255, 255]), 1);
  // #767676 on white is WCAG's well-known smallest grey reaching 4.5:1.
  assert.ok(contrast([118, 118, 118], [255, 255, 255]) >= 4.5 && contrast([119, 119, 119], [255, 255, 255]) < 4.5);
  // The cases: near-white on light pink, light text on light orange.
  assert.ok(contrast([237, 237, 237], [255, 205, 210]) < 1.4);
  const grey: Rgb = [158, 158, 158];
  const fixed = readableOn(grey, [[255, 255, 255]]);
  assert.ok(contrast(fixed, [255, 255, 255]) >= 4.5 && contrast(fixed, [255, 255, 255]) < 4.7, `just enough: ${fixed}`);
  assert.deepEqual(readableOn([0, 0, 0], [[255, 255, 255]]), [0, 0, 0]);
  // On a dark ground a light head colour stays; a dark one lightens.
  const blue: Rgb = [31, 119, 180];
  assert.deepEqual(readableOn(blue, [[255, 255, 255]]), blue);
  assert.ok(contrast(readableOn(blue, [[17, 17, 17]]), [17, 17, 17]) >= 4.5);
});

test("every canvas text of the three views, the legend and the static image reaches 4.5:1 in both themes, unclipped and apart", () => {
  const long = ["<s>", "ĠSupercalifragilisticexpialidocious", "ĠcafÃ", "©", "Ġæĸ", "ĩ", "</s>"];
  const cases = [attention(), attention({ layers: 12, heads: 12, words: long, entities: ["[MASK] (a rather long entity name here)"], boundary: null })];
  for (const [themeName, theme] of THEMES) {
    for (const a of cases) {
      const labels = tokenLabels(a);
      const heads = Array.from({ length: a.heads }, () => true);
      const l = headViewLayout(labels, a.heads, measure);
      // A hidden head and a filter mute some tokens; focus on a word and on the entity row.
      const some = heads.map((_, h) => h !== 1);
      const noWordWord = { ...ALL_LINKS, blocks: { ...ALL_LINKS.blocks, ww: false } };
      for (const focus of [null, { side: "left" as const, index: 1 }, { side: "right" as const, index: a.tokens - 1 }]) {
        assertLegible(`${themeName}, head view, focus ${JSON.stringify(focus)}`, headViewScene(a, { layer: 0, activeHeads: some, filter: noWordWord, focus }, l, labels, theme));
      }
      assertLegible(`${themeName}, model view`, modelGridScene(a, gridLayout(a.layers.length, a.heads, { maxWidth: 600 }), ALL_LINKS, theme, { layer: 0, head: 1 }));
      for (const [from, to] of [[1, 2], [a.tokens - 1, 1]]) {
        for (const maxWidth of [Infinity, 560]) {
          const layout = pairLayout(a.layers.length, a.heads, measure(pairTitle(labels, from, to), 12) * 1.1, maxWidth);
          assertLegible(`${themeName}, token to token ${from} → ${to} in ${maxWidth} px`, pairScene(a, from, to, labels, theme, layout));
        }
      }
      const legend = legendShapes(a.heads, some, theme, 4, 4, 200);
      assertLegible(`${themeName}, legend`, { width: 210, height: legend.height + 8, background: theme.background, shapes: legend.shapes });
    }
  }
  // The static image (light theme, bitmap font: 6 px a character at its 13 px).
  for (const a of cases) assertLegible("static image", staticScene(a), (t) => measureBitmap(t));
});

test("token to token: the heatmap goes below the plot when both do not fit side by side", () => {
  const wide = pairLayout(12, 12, 0);
  assert.ok(wide.heat.x > wide.plot.x + wide.plot.w && wide.heat.y < wide.plot.y + wide.plot.h, "side by side");
  const narrow = pairLayout(12, 12, 0, 560);
  assert.ok(narrow.heat.y > narrow.plot.y + narrow.plot.h && narrow.width <= 560, `below, within 560 px: ${narrow.width}`);
});

test("axis ticks: every tick of an axis has the step's decimals, correctly rounded", () => {
  assert.deepEqual(tickLabels(0.0125, 4), ["0.0000", "0.0125", "0.0250", "0.0375", "0.0500"]);
  assert.deepEqual(tickLabels(0.0025, 4), ["0.0000", "0.0025", "0.0050", "0.0075", "0.0100"]);
  assert.deepEqual(tickLabels(0.25, 4), ["0.00", "0.25", "0.50", "0.75", "1.00"]);
  assert.deepEqual(tickLabels(0.1, 3), ["0.0", "0.1", "0.2", "0.3"]);
  assert.deepEqual(tickLabels(5, 4), ["0", "5", "10", "15", "20"]);
  // In the token-to-token view: 40 tokens attending evenly (1/40 in float32 is just above 0.025) put
  // the axis top at 0.05, the case (toFixed(3) gave 0.013 for 0.0125 but 0.007 for 0.0075).
  const n = 40;
  const a = attention({ layers: 2, heads: 2, words: Array.from({ length: n }, (_, i) => `t${i}`), entities: [], boundary: null, weights: new Float32Array(2 * 2 * n * n).fill(1 / n) });
  const texts = pairScene(a, 0, 1, tokenLabels(a), LIGHT_THEME).shapes.filter((x): x is Text => x.kind === "text").map((x) => x.text);
  for (const t of ["0.0000", "0.0125", "0.0250", "0.0375", "0.0500"]) assert.ok(texts.includes(t), `tick ${t} in ${texts}`);
});

test("counts in notices: digits grouped by three, as toLocaleString(\"en\") writes them", () => {
  for (const n of [0, 7, 999, 1000, 40_000, 123_456, 1_000_000, 9_876_543_210, -1234, Number.MAX_SAFE_INTEGER]) assert.equal(groupThousands(n), n.toLocaleString("en"), String(n));
  assert.equal(groupThousands(1234.5), (1234.5).toLocaleString("en"));
});
