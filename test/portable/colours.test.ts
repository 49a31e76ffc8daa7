/** kernel/portable/colours.ts: head colours, CSS colours, JupyterLab's theme. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTENTION_THEME_VARIABLES, DARK_THEME, LIGHT_THEME, deltaE, headColours, parseColour, themeFromVariables, type AttentionThemeVariable } from "../../kernel/portable/colours";

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
