/**
 * Legibility and layout of every lukelab output in a real JupyterLab, in its light and dark themes and
 * in windows 600, 800 and 1400 px wide: the attention views (each tab, the token strip with an entity,
 * byte-level pieces), their error box, and the Plotly panels (a confusion matrix with long class names,
 * a long title and a colour bar, its cell picker and drill-down list, an error box). Every DOM and SVG
 * text must reach WCAG contrast 4.5:1 against what it is drawn on (computed styles, composited), stay
 * inside its output (texts in scrolling boxes: the box does), and not overlap another text; the toolbar
 * must keep its box across the three views. Canvas texts are checked at the scene level in Node
 * (test/portable/legibility.test.ts). Outputs are stored in the notebook: no kernel code runs.
 *
 * Runs once (not per TF.js backend): scripts/run-tests.mjs lists "extension" among its run-once folders.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ATTENTION_MIME, encodeAttentionPayload } from "../../../kernel/portable/attention-payload";
import { PLOTLY_MIME } from "../../../kernel/portable/plotly-payload";
import { syntheticWeights } from "../../portable/synthetic";
import { ARTIFACTS, Lab, recordErrors, startLabAndChromium, stopLabAndChromium, type Browser, type Page } from "./lab";
import { lowContrast, probeTexts, type ProbedText } from "./legibility-probe";
import { confusionPayload } from "./plotly-notebook";

const NOTEBOOK = "legibility-test.ipynb";
const LONG_CLASS = "organisation-or-institution-with-a-long-name";

let lab: Lab;
let browser: Browser;

function notebook(): unknown {
  // Byte-level pieces (é split in two, 文 in two, 👍 in three), long words and a long entity.
  const words = ["<s>", "ĠThe", "Ġsupercalifragilisticexpialidocious", "Ġcaf", "Ã", "©", "Ġæĸ", "ĩ", "äº¬", "ĠðŁ", "ĳ", "į", "Ġpneumonoultramicroscopic", "</s>"];
  const entities = ["[MASK] (Beyoncé Giselle Knowles-Carter)"];
  const n = words.length + entities.length;
  const attention = encodeAttentionPayload({ title: "legibility: 3 layers × 4 heads", words, entities, heads: 4, weights: syntheticWeights(3, 4, n, 3, 3), encoding: "float32" });
  const confusion = confusionPayload();
  const labels = ["person", "location", LONG_CLASS];
  const trace = { ...(confusion.data[0] as Record<string, unknown>), x: labels, y: labels, colorbar: { title: { text: "examples" } } };
  const longTitle = "tiny-luke fine-tuned on the open-entity sample with a rather long description: confusion matrix of the dev split";
  const figure = { ...confusion, data: [trace], layout: { ...confusion.layout, title: { text: longTitle } }, lukelab: { ...confusion.lukelab!, title: longTitle } };
  const out = (mime: string, data: unknown) => ({ output_type: "display_data", metadata: {}, data: { [mime]: data, "text/plain": ["<output>"] } });
  const cells = [
    { source: "# attention", outputs: [out(ATTENTION_MIME, attention)] },
    { source: "# attention error", outputs: [out(ATTENTION_MIME, { version: 1, words: "not a list" })] },
    { source: "# confusion", outputs: [out(PLOTLY_MIME, figure)] },
    { source: "# plotly error", outputs: [out(PLOTLY_MIME, { data: "not traces", layout: {} })] },
  ];
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, language_info: { name: "python" } },
    cells: cells.map((c, i) => ({ cell_type: "code", id: `cell-${i}`, execution_count: null, metadata: {}, ...c })),
  };
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ lab, browser } = await startLabAndChromium());
  writeFileSync(join(lab.root, NOTEBOOK), JSON.stringify(notebook(), null, 1));
});

after(() => stopLabAndChromium(lab, browser));

type Box = ProbedText["box"];
const inside = (a: Box, b: Box, slack = 1) => a.x0 >= b.x0 - slack && a.x1 <= b.x1 + slack && a.y0 >= b.y0 - slack && a.y1 <= b.y1 + slack;
type Quad = [number, number][];
/** Whether two convex quadrilaterals overlap by more than a pixel (separating axis test, shrunk by 0.5 px). */
function overlap(a: Quad, b: Quad): boolean {
  for (const poly of [a, b])
    for (let i = 0; i < 4; i++) {
      const [x0, y0] = poly[i], [x1, y1] = poly[(i + 1) % 4];
      const len = Math.hypot(x1 - x0, y1 - y0) || 1;
      const nx = (y0 - y1) / len, ny = (x1 - x0) / len;
      const project = (q: Quad) => q.map(([x, y]) => x * nx + y * ny);
      const pa = project(a), pb = project(b);
      if (Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb)) <= 1) return false;
    }
  return true;
}
const fmt = (b: Box) => `[${b.x0.toFixed(0)}, ${b.x1.toFixed(0)}] × [${b.y0.toFixed(0)}, ${b.y1.toFixed(0)}]`;

/** Every text of one output: contrast, inside the output (or its scroller), apart from the others. */
async function checkOutput(page: Page, selector: string, label: string, problems: string[]): Promise<number> {
  const output = page.locator(selector).first();
  await output.scrollIntoViewIfNeeded();
  const texts: ProbedText[] = await output.evaluate(probeTexts);
  const box = (await output.evaluate((e: any) => {
    const r = e.getBoundingClientRect();
    return { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
  })) as Box;
  problems.push(...lowContrast(texts, label));
  for (const t of texts) {
    if (!t.scrolled && !inside(t.box, box)) problems.push(`${label}: “${t.text}” (${t.where}) ${fmt(t.box)} is outside its output ${fmt(box)}`);
  }
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      if (a.scrolled !== b.scrolled) continue;
      if (a.quads.some((p) => b.quads.some((q) => overlap(p, q)))) problems.push(`${label}: “${a.text}” (${a.where}) overlaps “${b.text}” (${b.where})`);
    }
  return texts.length;
}

/** Waits for the theme switch to reach the outputs (the canvases repaint at the next frame). */
async function setTheme(page: Page, dark: boolean): Promise<void> {
  await page.evaluate((theme) => (globalThis as any).jupyterapp.commands.execute("apputils:change-theme", { theme }), dark ? "JupyterLab Dark" : "JupyterLab Light");
  // The Plotly panels redraw a few frames after the theme's CSS lands; then their paper is the theme's.
  await page.waitForFunction(
    (d) => {
      const g = globalThis as any;
      const body = g.document.body;
      const layout = g.getComputedStyle(body).getPropertyValue("--jp-layout-color0").trim();
      const plots = Array.from(g.document.querySelectorAll(".lukelab-plotly[data-state='ready']") as ArrayLike<any>);
      return body.dataset.jpThemeLight === String(!d) && layout !== "" && plots.every((p) => (p.dataset.themeBackground ?? "").trim() === layout);
    },
    dark,
    { timeout: 30_000 },
  );
}

test("every text of the attention views and the Plotly panels is legible and unclipped in both themes, 600 to 1400 px wide", { timeout: 300_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = recordErrors(page);
  await page.goto(lab.url(`/lab/tree/${NOTEBOOK}`));
  const attention = page.locator(`.lukelab-attention[data-state="ready"]`);
  const plot = page.locator(`.lukelab-plotly[data-state="ready"]`);
  await attention.first().waitFor({ timeout: 90_000 });
  await plot.first().waitFor({ timeout: 60_000 });
  await page.locator(`.lukelab-attention[data-state="error"]`).first().waitFor({ timeout: 30_000 });
  await page.locator(`.lukelab-plotly[data-state="error"]`).first().waitFor({ timeout: 30_000 });
  // Single-document mode and no side panels: the notebook has the window's width.
  await page.evaluate(() => {
    const app = (globalThis as any).jupyterapp;
    app.shell.collapseLeft?.();
    app.shell.collapseRight?.();
  });

  // The tooltip of a split piece is its raw text with its bytes; the label is the character.
  await attention.first().locator(`.lukelab-attention-tab[data-view="token"]`).click();
  const piece = attention.first().locator(`.lukelab-attention-token[data-token="5"]`);
  assert.equal(await piece.textContent(), "…é");
  assert.match((await piece.getAttribute("title")) ?? "", /^word 5: © \(bytes A9;/);
  assert.equal(await attention.first().locator(`.lukelab-attention-token[data-token="4"]`).textContent(), "…");

  // A hidden head's toggle stays legible (it used to fade to 0.35 opacity).
  await attention.first().locator(`.lukelab-attention-head[data-head="1"]`).click();
  assert.equal(await attention.first().locator(`.lukelab-attention-head[data-head="1"]`).getAttribute("aria-pressed"), "false");

  const problems: string[] = [];
  let counted = 0;
  for (const dark of [false, true]) {
    await setTheme(page, dark);
    for (const width of [600, 800, 1400]) {
      await page.setViewportSize({ width, height: 1000 });
      await page.waitForTimeout(300);
      const label = `${dark ? "dark" : "light"}, ${width} px`;
      // The attention views: the toolbar keeps its box in every view.
      const view = attention.first();
      const toolbar = view.locator(".lukelab-attention-toolbar");
      const boxes: string[] = [];
      for (const tab of ["head", "model", "token"]) {
        await view.locator(`.lukelab-attention-tab[data-view="${tab}"]`).click();
        await page.waitForTimeout(100);
        const b = (await toolbar.boundingBox())!;
        boxes.push(`${b.x},${b.y},${b.width},${b.height}`);
        counted += await checkOutput(page, `.lukelab-attention[data-state="ready"]`, `${label}, attention ${tab} view`, problems);
      }
      if (new Set(boxes).size !== 1) problems.push(`${label}: the toolbar moves between views: ${boxes.join(" | ")}`);
      counted += await checkOutput(page, `.lukelab-attention[data-state="error"]`, `${label}, attention error`, problems);
      // The confusion matrix with its drill-down list open (picked from the cell picker).
      const matrix = plot.first();
      await matrix.locator("select.lukelab-plotly-picker").selectOption({ index: 1 });
      await matrix.locator(".lukelab-plotly-drill").waitFor({ state: "visible" });
      await page.waitForTimeout(300);
      counted += await checkOutput(page, `.lukelab-plotly[data-state="ready"]`, `${label}, confusion matrix`, problems);
      counted += await checkOutput(page, `.lukelab-plotly[data-state="error"]`, `${label}, Plotly error`, problems);
      const name = `legibility-${dark ? "dark" : "light"}-${width}`;
      await view.screenshot({ path: join(ARTIFACTS, `${name}-attention.png`) });
      await matrix.screenshot({ path: join(ARTIFACTS, `${name}-confusion.png`) });
    }
  }
  writeFileSync(join(ARTIFACTS, "legibility-problems.txt"), problems.join("\n"));
  assert.ok(counted > 200, `texts measured: ${counted}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(errors, [], `browser console errors:\n${errors.join("\n")}`);
  await context.close();
});
