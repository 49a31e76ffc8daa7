/**
 * The Plotly panels in a real JupyterLab (from .venv) in Debian's Chromium, on notebooks with stored
 * outputs (no kernel code runs): plotly.js is not downloaded until the first figure, figures render,
 * follow the switch to the dark theme, resize with the page, a click on a confusion-matrix cell lists
 * its examples with the mention marked (after an emoji), the list is driven from the keyboard and grows
 * by "show more", and a malformed payload shows what is wrong. Screenshots go to test/.work/artifacts.
 *
 * Runs once (not per TF.js backend): scripts/run-tests.mjs lists "extension" among its run-once folders.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ROOT } from "../../helpers";
import { ARTIFACTS, Lab, recordErrors, startLabAndChromium, stopLabAndChromium, type Browser, type Page } from "./lab";
import { EMOJI_EXAMPLE, MANY, plainNotebook, plotlyNotebook } from "./plotly-notebook";

const NOTEBOOK = "plotly-test.ipynb";
const PLAIN = "plain-test.ipynb";

let lab: Lab;
let browser: Browser;
let plotlyChunk: string;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ lab, browser } = await startLabAndChromium());
  const chunks = readdirSync(join(ROOT, ".venv", "share", "jupyter", "labextensions", "lukelab", "static")).filter((f) => /^plotly\.[0-9a-f]+\.js$/.test(f));
  assert.equal(chunks.length, 1, `one plotly chunk in the installed extension, found [${chunks}]: run scripts/setup.sh`);
  plotlyChunk = chunks[0];
  writeFileSync(join(lab.root, NOTEBOOK), JSON.stringify(plotlyNotebook(), null, 1));
  writeFileSync(join(lab.root, PLAIN), JSON.stringify(plainNotebook(), null, 1));
});

after(() => stopLabAndChromium(lab, browser));

const app = (page: Page, expr: string) => page.waitForFunction(expr, null, { timeout: 30_000 });

async function shot(page: Page, name: string, selector: string): Promise<void> {
  await page.locator(selector).first().screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

test("Plotly panels in JupyterLab: lazy plotly.js, render, dark theme, resize, drill-down, keyboard, errors", { timeout: 90_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
  const page = await context.newPage();
  const errors = recordErrors(page);
  const requests: string[] = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  const plotlyRequests = () => requests.filter((p) => p.endsWith(`/lukelab/static/${plotlyChunk}`));

  // A notebook without figures: lukelab's extension loads, plotly.js does not.
  await page.goto(lab.url(`/lab/tree/${PLAIN}`));
  await app(page, `globalThis.jupyterapp?.shell?.currentWidget?.content?.widgets?.length > 0`);
  await page.locator(".jp-OutputArea-output", { hasText: "no figures here" }).waitFor({ timeout: 30_000 });
  assert.ok(requests.some((p) => /\/lukelab\/static\/remoteEntry\.[0-9a-f]+\.js$/.test(p)), "lukelab's extension was loaded");
  assert.deepEqual(plotlyRequests(), [], "plotly.js is not downloaded before the first figure");

  // The figures: three render, one shows its error; plotly.js came once, for all of them.
  await page.evaluate((path) => void (globalThis as any).jupyterapp.commands.execute("docmanager:open", { path }), NOTEBOOK);
  const ready = page.locator(`.lukelab-plotly[data-state="ready"]`);
  const failed = page.locator(`.lukelab-plotly[data-state="error"]`);
  await ready.nth(2).waitFor({ timeout: 30_000 });
  await failed.first().waitFor({ timeout: 10_000 });
  assert.equal(await ready.count(), 3);
  assert.equal(await failed.count(), 1);
  assert.equal(plotlyRequests().length, 1, "one download of the plotly chunk for every figure");
  for (let i = 0; i < 3; i++) assert.ok((await ready.nth(i).locator("svg.main-svg").count()) > 0, `figure ${i} has svg.main-svg`);
  // The title is the panel's heading (wrapped by the page), not drawn by Plotly.
  assert.equal(await ready.nth(2).locator(".lukelab-plotly-title").textContent(), "Bars from a JSON string");
  assert.equal(await ready.nth(2).locator(".gtitle").count(), 0);
  assert.match((await failed.textContent()) ?? "", /Cannot show this Plotly figure\. application\/vnd\.plotly\.v1\+json payload: data must be an array of traces, found string/);

  // Light theme first: the paper is JupyterLab's --jp-layout-color0.
  const line = ready.nth(0);
  const paper = () => line.locator("svg.main-svg").first().evaluate((svg) => (globalThis as any).getComputedStyle(svg).backgroundColor as string);
  const lightPaper = await paper();
  assert.equal(lightPaper, "rgb(255, 255, 255)");
  await shot(page, "plotly-01-line-light", `.lukelab-plotly[data-state="ready"] >> nth=0`);

  // Resize: a narrower page narrows the figure.
  const width = () => line.locator("svg.main-svg").first().evaluate((svg) => Number(svg.getAttribute("width")));
  const wide = await width();
  await page.setViewportSize({ width: 900, height: 1000 });
  await waitFor(async () => (await width()) < wide - 200, "the figure narrows with the page");
  const narrow = await width();
  const plotWidth = await line.locator(".lukelab-plotly-plot").evaluate((d) => d.clientWidth);
  assert.ok(Math.abs(narrow - plotWidth) <= 2, `svg width ${narrow} fills the output (${plotWidth})`);
  await page.setViewportSize({ width: 1300, height: 1000 });
  await waitFor(async () => (await width()) > narrow + 200, "and widens again");

  // Drill-down: click the cell (gold location, predicted person) of the 3 × 3 heatmap (gold reads top-down).
  const matrix = ready.nth(1);
  await matrix.scrollIntoViewIfNeeded();
  assert.equal(await matrix.locator(".lukelab-plotly-title").textContent(), "tiny-luke on open-entity-sample: confusion");
  const list = matrix.locator(".lukelab-plotly-drill");
  assert.equal(await list.isHidden(), true);
  const clickCell = async (row: number, col: number) => {
    await matrix.scrollIntoViewIfNeeded();
    const area = (await matrix.locator("rect.nsewdrag").first().boundingBox())!;
    const x = area.x + ((col + 0.5) * area.width) / 3, y = area.y + ((row + 0.5) * area.height) / 3;
    await page.mouse.move(x, y);
    await page.mouse.click(x, y);
  };
  await clickCell(1, 0);
  await list.waitFor({ state: "visible", timeout: 5000 });
  assert.equal(await list.getAttribute("data-cell"), "1,0");
  assert.equal(await list.locator(".lukelab-plotly-drill-title").textContent(), "gold location, predicted person");
  assert.equal(await list.locator(".lukelab-plotly-drill-count").textContent(), "1 example");
  const item = list.locator(".lukelab-plotly-example");
  assert.equal(await item.count(), 1);
  assert.equal(await item.locator(".lukelab-plotly-sentence").textContent(), EMOJI_EXAMPLE.text);
  assert.equal(await item.locator("mark.lukelab-plotly-mention").textContent(), "Paris");
  assert.equal(await item.locator(`[data-role="gold"]`).textContent(), "gold: location ✓");
  assert.equal(await item.locator(`[data-role="predicted"]`).textContent(), "predicted: person, location ✓");
  assert.equal(await item.locator(".lukelab-plotly-probs").textContent(), "top: person 0.810 · location 0.640 · organization 0.070");
  await shot(page, "plotly-02-drilldown-light", `.lukelab-plotly[data-state="ready"] >> nth=1`);
  // The list has the focus after the click; Escape clears it.
  assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.dataset.role), "examples");
  await page.keyboard.press("Escape");
  await list.waitFor({ state: "hidden", timeout: 5000 });

  // Keyboard: choose a cell from the picker; a long list shows a page, then the rest.
  const picker = matrix.locator("select.lukelab-plotly-picker");
  await picker.focus();
  await picker.selectOption("0,0");
  await list.waitFor({ state: "visible", timeout: 5000 });
  assert.equal(await list.locator(".lukelab-plotly-drill-count").textContent(), `${MANY} examples, showing 20`);
  assert.equal(await item.count(), 20);
  const more = list.locator(`button[data-role="more"]`);
  assert.equal(await more.textContent(), `Show ${MANY - 20} more`);
  await more.click();
  assert.equal(await item.count(), MANY);
  assert.equal(await more.isHidden(), true);
  assert.equal(await list.locator(".lukelab-plotly-drill-count").textContent(), `${MANY} examples`);
  assert.equal(await item.first().locator("mark").textContent(), "Ada Lovelace");
  await list.locator(`button[data-role="clear"]`).click();
  assert.equal(await list.isHidden(), true);

  // Zoom the line chart (drag along x), so the theme switch can be seen to keep it.
  await line.scrollIntoViewIfNeeded();
  const xRange = () => line.locator(".js-plotly-plot").evaluate((gd: any) => (gd._fullLayout.xaxis.range as number[]).map((v) => +v.toFixed(3)));
  const fullRange = await xRange();
  const drag = (await line.locator("rect.nsewdrag").first().boundingBox())!;
  await page.mouse.move(drag.x + drag.width * 0.3, drag.y + drag.height / 2);
  await page.mouse.down();
  await page.mouse.move(drag.x + drag.width * 0.6, drag.y + drag.height / 2, { steps: 5 });
  await page.mouse.up();
  await waitFor(async () => JSON.stringify(await xRange()) !== JSON.stringify(fullRange), "the drag zooms in");
  const zoomed = await xRange();

  // Dark theme: the figures follow (the zoom stays), the open list too.
  await clickCell(1, 0);
  await list.waitFor({ state: "visible", timeout: 5000 });
  await page.evaluate(() => (globalThis as any).jupyterapp.commands.execute("apputils:change-theme", { theme: "JupyterLab Dark" }));
  await app(page, `document.body.dataset.jpThemeLight === "false"`);
  await waitFor(async () => (await paper()) !== lightPaper, "the figure's background follows the dark theme");
  const darkPaper = await paper();
  const darkLayout = await page.evaluate(() => {
    const g = globalThis as any;
    return (g.getComputedStyle(g.document.body).getPropertyValue("--jp-layout-color0") as string).trim();
  });
  assert.equal(await line.getAttribute("data-theme-background"), darkLayout);
  assert.ok(luminance(darkPaper) < 0.2, `dark paper ${darkPaper}`);
  assert.deepEqual(await xRange(), zoomed, "re-theming keeps the zoom");
  await waitFor(async () => (await matrix.getAttribute("data-theme-background")) === darkLayout, "the heatmap follows too");
  assert.equal(await list.isVisible(), true, "re-theming keeps the open list");
  await shot(page, "plotly-03-line-dark", `.lukelab-plotly[data-state="ready"] >> nth=0`);
  await shot(page, "plotly-04-drilldown-dark", `.lukelab-plotly[data-state="ready"] >> nth=1`);

  assert.equal(plotlyRequests().length, 1);
  assert.deepEqual(errors, [], `browser console errors:\n${errors.join("\n")}`);
  await context.close();
});

/** Polls a condition (the page settles on its own schedule: resize observers, theme CSS). */
async function waitFor(ok: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out: ${what}`);
}

/** Relative luminance (0 black … 1 white) of an rgb()/rgba() string. */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? ["0", "0", "0"]).slice(0, 3).map((v) => Number(v) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
