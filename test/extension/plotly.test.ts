/** The pure parts of the Plotly panels: payload reading, theme to layout, and the drill-down list model. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { FigureExample, PlotlyPayload } from "../../kernel/portable/plotly-payload";
import * as D from "../../extension/plotly/drilldown";
import { readPlotlyPayload } from "../../extension/plotly/read";
import { DARK_PLOT_THEME, LIGHT_PLOT_THEME, THEME_VARIABLES, cssColour, plotThemeFromVariables, themedLayout, type ThemeVariable } from "../../extension/plotly/theme";

// What getComputedStyle returns for JupyterLab's dark theme (custom properties keep their leading space).
const DARK_VARIABLES: Record<ThemeVariable, string> = {
  "--jp-layout-color0": " #111111",
  "--jp-layout-color1": " #212121",
  "--jp-ui-font-color0": " rgba(255, 255, 255, 1)",
  "--jp-ui-font-color1": " rgba(255, 255, 255, 0.87)",
  "--jp-ui-font-color2": " rgba(255, 255, 255, 0.54)",
  "--jp-border-color1": " #616161",
  "--jp-border-color2": " #424242",
  "--jp-ui-font-family": ` system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif`,
};

test("theme: JupyterLab's variables become paper, plot, font and line colours", () => {
  assert.deepEqual(Object.keys(DARK_VARIABLES).sort(), [...THEME_VARIABLES].sort());
  // Each field from its variable, trimmed; a light-theme reading shows they come from the variables.
  const v = (name: ThemeVariable) => DARK_VARIABLES[name].trim();
  const fields = { paper: "--jp-layout-color0", plot: "--jp-layout-color1", text: "--jp-ui-font-color1", title: "--jp-ui-font-color0", muted: "--jp-ui-font-color2", grid: "--jp-border-color2", line: "--jp-border-color1", font: "--jp-ui-font-family" } as const;
  const expected = Object.fromEntries(Object.entries(fields).map(([field, name]) => [field, v(name)]));
  assert.deepEqual(plotThemeFromVariables((name) => DARK_VARIABLES[name], true), { dark: true, ...expected });
  assert.deepEqual(plotThemeFromVariables((name) => DARK_VARIABLES[name], false), { dark: false, ...expected });
  assert.equal(expected.font, `system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif`);
  // Missing variables (a detached node, a theme without them) fall back to JupyterLab's own values.
  assert.deepEqual(plotThemeFromVariables(() => "", false), LIGHT_PLOT_THEME);
  assert.deepEqual(plotThemeFromVariables(() => "", true), DARK_PLOT_THEME);
  // Values Plotly could not parse fall back one by one.
  const odd = plotThemeFromVariables((n) => (n === "--jp-layout-color0" ? "color-mix(in srgb, red, blue)" : n === "--jp-ui-font-family" ? "var(--x)" : DARK_VARIABLES[n]), true);
  assert.equal(odd.paper, DARK_PLOT_THEME.paper);
  assert.equal(odd.font, DARK_PLOT_THEME.font);
  assert.equal(odd.grid, "#424242");
});

test("theme: cssColour accepts what Plotly parses and nothing else", () => {
  for (const ok of ["#fff", "#FFFFFF", "#11223344", "rgb(1, 2, 3)", "rgba(0,0,0,.87)", "hsl(120 50% 50% / 0.5)", "white"]) assert.equal(cssColour(` ${ok} `), ok);
  for (const bad of ["", "  ", "var(--md-grey-300)", "color-mix(in srgb, red, blue)", "#12", "inherit", "rgb(1, 2, 3); background: url(x)"]) assert.equal(cssColour(bad), null, bad);
});

test("theme: the layout lays the theme under the payload's own settings", () => {
  const dark = plotThemeFromVariables((name) => DARK_VARIABLES[name], true);
  const own = {
    title: "Confusion",
    xaxis: { title: "predicted", gridcolor: "red" },
    yaxis2: { autorange: "reversed" },
    font: { size: 14 },
    plot_bgcolor: "#000000",
  };
  const frozen = JSON.stringify(own);
  const l = themedLayout(own, dark) as any;
  assert.equal(JSON.stringify(own), frozen, "the payload's layout is not changed");
  assert.equal(l.paper_bgcolor, "#111111");
  assert.equal(l.plot_bgcolor, "#000000", "the payload's own setting wins");
  assert.deepEqual(l.font, { family: dark.font, color: dark.text, size: 14 });
  assert.deepEqual(l.title, { text: "Confusion", font: { color: dark.title } }, "a string title becomes {text}");
  assert.equal(l.xaxis.gridcolor, "red");
  assert.equal(l.xaxis.linecolor, "#616161");
  assert.deepEqual(l.xaxis.title, { text: "predicted" });
  assert.equal(l.yaxis.gridcolor, "#424242", "yaxis is themed even when the payload leaves it out");
  assert.equal(l.yaxis2.gridcolor, "#424242");
  assert.equal(l.yaxis2.autorange, "reversed");
  assert.equal(l.modebar.color, dark.muted);
  // Re-theming from the same payload replaces everything the theme supplied.
  const light = themedLayout(own, LIGHT_PLOT_THEME) as any;
  assert.equal(light.paper_bgcolor, "#ffffff");
  assert.equal(light.yaxis.gridcolor, LIGHT_PLOT_THEME.grid);
  assert.equal(light.font.color, LIGHT_PLOT_THEME.text);
  assert.deepEqual(themedLayout(undefined, LIGHT_PLOT_THEME).xaxis, { gridcolor: "#e0e0e0", linecolor: "#bdbdbd", zerolinecolor: "#bdbdbd", tickcolor: "#bdbdbd" });
});

test("payload: objects and JSON strings are read; malformed ones say what is wrong", () => {
  const good = { data: [{ type: "scatter", y: [1, 2] }] };
  assert.deepEqual(readPlotlyPayload(good), { ok: true, payload: good });
  assert.deepEqual(readPlotlyPayload(JSON.stringify(good)), { ok: true, payload: good });
  const cases: [unknown, RegExp][] = [
    ["{ not json", /not valid JSON/],
    [42, /the payload must be an object, found number/],
    [{ layout: {} }, /data must be an array of traces, found undefined/],
    [{ data: [{}], lukelab: { drillDown: { kind: "confusion-matrix", trace: 3, cells: {} } } }, /lukelab\.drillDown\.trace must index data/],
  ];
  for (const [value, re] of cases) {
    const r = readPlotlyPayload(value);
    assert.equal(r.ok, false);
    assert.match((r as { message: string }).message, re);
    assert.match((r as { message: string }).message, /application\/vnd\.plotly\.v1\+json payload/);
  }
});

const example = (text: string, start: number, end: number, gold: string[], predicted: string[], probabilities: Record<string, number> = {}): FigureExample => ({ text, start, end, gold, predicted, probabilities });

function confusion(cells: Record<string, FigureExample[]>, axes = true): PlotlyPayload {
  return {
    data: [
      { type: "scatter", y: [1, 2, 3] },
      { type: "heatmap", z: [[2, 1], [0, 3]], x: ["person", "location"], y: ["person", "location"], xaxis: "x2", yaxis: "y2" },
    ],
    layout: axes ? { xaxis2: { title: { text: "predicted" } }, yaxis2: { title: "gold" } } : {},
    lukelab: { drillDown: { kind: "confusion-matrix", trace: 1, cells } },
  };
}

test("drill-down: a click on the drill-down trace picks its cell; other clicks pick nothing", () => {
  assert.deepEqual(D.clickedCell({ points: [{ curveNumber: 1, pointNumber: [1, 0], z: 0 }] }, 1), { row: 1, col: 0 });
  assert.deepEqual(D.clickedCell({ points: [{ curveNumber: 0, pointNumber: 2 }, { curveNumber: 1, pointIndex: [0, 1] }] }, 1), { row: 0, col: 1 });
  assert.equal(D.clickedCell({ points: [{ curveNumber: 0, pointNumber: [0, 0] }] }, 1), null);
  assert.equal(D.clickedCell({ points: [{ curveNumber: 1, pointNumber: 3 }] }, 1), null);
  assert.equal(D.clickedCell({ points: [{ curveNumber: 1, pointNumber: [-1, 0] }] }, 1), null);
  assert.equal(D.clickedCell(undefined, 1), null);
  assert.equal(D.clickedCell({}, 1), null);
});

test("drill-down: a cell lists its own examples, named by the trace's labels and axis titles", () => {
  const a = example("Ada lived in Paris.", 0, 3, ["person"], ["person"]);
  const b = example("Paris is big.", 0, 5, ["location"], ["person"]);
  const p = confusion({ "0,0": [a], "1,0": [b], "0,1": [] });
  const drill = p.lukelab!.drillDown!;
  const s = D.selectCell(p, drill, { row: 1, col: 0 });
  assert.deepEqual(s.examples, [b]);
  assert.equal(s.title, "gold location, predicted person");
  assert.equal(D.countText(s), "1 example");
  const empty = D.selectCell(p, drill, { row: 1, col: 1 });
  assert.deepEqual(empty.examples, []);
  assert.equal(D.countText(empty), "no examples in this cell");
  // Without axis titles or labels: "row", "column" and the indices.
  const bare = confusion({ "0,1": [a] }, false);
  bare.data[1] = { type: "heatmap", z: [[1, 2]] };
  assert.equal(D.cellTitle(bare, bare.lukelab!.drillDown!, { row: 0, col: 1 }), "row 0, column 1");
  // Cells with examples, in row then column order, for the keyboard picker.
  assert.deepEqual(
    D.drillCells(p, drill).map((c) => [D.cellKey(c.cell), c.title, c.count]),
    [["0,0", "gold person, predicted person", 1], ["1,0", "gold location, predicted person", 1]],
  );
});

test("drill-down: long lists are capped and grow a page at a time", () => {
  const many = Array.from({ length: 45 }, (_, i) => example(`sentence ${i}`, 0, 8, ["person"], ["location"]));
  const p = confusion({ "0,1": many });
  let s = D.selectCell(p, p.lukelab!.drillDown!, { row: 0, col: 1 });
  assert.equal(s.shown, D.PAGE_SIZE);
  assert.deepEqual(D.visibleExamples(s), many.slice(0, 20));
  assert.equal(D.countText(s), "45 examples, showing 20");
  s = D.showMore(s);
  assert.equal(s.shown, 40);
  s = D.showMore(s);
  assert.equal(s.shown, 45);
  assert.equal(D.countText(s), "45 examples");
  assert.equal(D.showMore(s).shown, 45);
  assert.equal(D.selectCell(p, p.lukelab!.drillDown!, { row: 0, col: 1 }, 50).shown, 45);
});

test("drill-down: the mention is cut by code points, so characters outside the BMP count once", () => {
  assert.deepEqual(D.mentionParts("Ada lived in Paris.", 13, 18), { before: "Ada lived in ", mention: "Paris", after: ".", clamped: false });
  // "🎉" is one code point but two UTF-16 units: a UTF-16 slice would cut "Paris" one character late.
  const text = "🎉 Party in Paris 🇫🇷!";
  assert.notEqual(text.slice(11, 16), "Paris");
  assert.deepEqual(D.mentionParts(text, 11, 16), { before: "🎉 Party in ", mention: "Paris", after: " 🇫🇷!", clamped: false });
  // A mention that is itself astral: the flag is two regional-indicator code points.
  assert.equal(D.mentionParts(text, 17, 19).mention, "🇫🇷");
  assert.equal(D.mentionParts("𝒜da is here", 0, 3).mention, "𝒜da");
  // Spans past the end are clamped and say so.
  assert.deepEqual(D.mentionParts("short", 3, 9), { before: "sho", mention: "rt", after: "", clamped: true });
  assert.deepEqual(D.mentionParts("short", 7, 9), { before: "short", mention: "", after: "", clamped: true });
});

test("drill-down: labels marked correct when both gold and predicted; top probabilities", () => {
  assert.deepEqual(D.labelMarks(["person", "artist"], ["person", "location"]), {
    gold: [{ label: "person", correct: true }, { label: "artist", correct: false }],
    predicted: [{ label: "person", correct: true }, { label: "location", correct: false }],
  });
  assert.deepEqual(D.labelMarks([], ["x"]), { gold: [], predicted: [{ label: "x", correct: false }] });
  assert.deepEqual(D.topProbabilities({ a: 0.2, b: 0.9, c: 0.5, d: 0.5, e: NaN }), [
    { label: "b", p: 0.9 },
    { label: "c", p: 0.5 },
    { label: "d", p: 0.5 },
  ]);
  assert.deepEqual(D.topProbabilities({ a: 0.2, b: 0.9 }, 1), [{ label: "b", p: 0.9 }]);
  assert.deepEqual(D.topProbabilities({}), []);
});

test("layout: the title becomes the panel's heading (once), the plot keeps room for the mode bar, colour-bar titles go beside the bar", async () => {
  const L = await import("../../extension/plotly/layout");
  // The analysis figures give lukelab.title and layout.title the same text: one heading.
  assert.deepEqual(L.figureHeading({ layout: { title: { text: "Confusion" } }, lukelab: { title: "Confusion" } }), { title: "Confusion", subtitle: null });
  assert.deepEqual(L.figureHeading({ layout: { title: "Confusion (dev)" }, lukelab: { title: "run: confusion" } }), { title: "run: confusion", subtitle: "Confusion (dev)" });
  assert.deepEqual(L.figureHeading({ layout: { title: { text: "a<br>b <b>c</b>" } } }), { title: "a\nb <b>c</b>", subtitle: null });
  assert.deepEqual(L.figureHeading({ layout: {} }), { title: null, subtitle: null });
  const own = { title: { text: "T" }, margin: { t: 60, l: 90 }, xaxis: { title: { text: "x" } } };
  const out = L.layoutWithoutTitle(own);
  assert.equal("title" in out, false);
  assert.deepEqual(out.margin, { t: L.TOP_MARGIN, l: 90 });
  assert.deepEqual(own.margin, { t: 60, l: 90 }, "the payload's layout is not changed");
  assert.deepEqual(L.layoutWithoutTitle({ height: 300 }), { height: 300 }, "no title, nothing moves");
  // Axes make room for long tick labels, unless the figure says otherwise.
  const fitted = L.fittedLayout({ title: "T", xaxis: { title: { text: "x" } }, yaxis2: { automargin: false } }) as any;
  assert.deepEqual(fitted.xaxis, { title: { text: "x" }, automargin: true });
  assert.deepEqual(fitted.yaxis, { automargin: true });
  assert.deepEqual(fitted.yaxis2, { automargin: false });
  assert.equal(fitted.title, undefined);
  const traces = [{ type: "heatmap", colorbar: { title: { text: "examples" } } }, { type: "heatmap", colorbar: { title: "spans" } }, { type: "heatmap", colorbar: { title: { text: "p", side: "top" } } }, { type: "bar" }];
  const sided = L.tracesWithSideTitles(traces) as any[];
  assert.deepEqual(sided[0].colorbar.title, { text: "examples", side: "right" });
  assert.deepEqual(sided[1].colorbar.title, { text: "spans", side: "right" });
  assert.deepEqual(sided[2].colorbar.title, { text: "p", side: "top" }, "a side the figure sets stays");
  assert.equal(sided[3], traces[3]);
  assert.deepEqual(traces[0].colorbar?.title, { text: "examples" }, "the payload's traces are not changed");
});
