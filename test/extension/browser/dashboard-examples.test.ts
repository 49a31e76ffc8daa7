/**
 * The runs dashboard's confusion-matrix click-through in a real JupyterLab: a click on a cell of a
 * run's confusion matrix (its details) lists the examples in that cell, read from the dataset folder
 * the run recorded through the contents API, the same examples as `lukelab analyze`'s figure of that
 * run gives for the cell (kernel/analysis/report.ts runConfusionFigure): one run recording its dataset
 * by an absolute path under the server's root, one by a path relative to a folder above the run (found
 * as the CLI finds it), and one whose dataset is outside what the server serves (a note says what to
 * do, no examples). The dataset's sentences hold HTML-like text, shown as text.
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runConfusionFigure } from "../../../kernel/analysis/report";
import { loadRuns } from "../../../kernel/analysis/runs";
import type { FigureExample } from "../../../kernel/portable/plotly-payload";
import { SAMPLE_DATA, writeSyntheticRun } from "../../analysis/synthetic-runs";
import { cellTitle } from "../../../extension/plotly/drilldown";
import type { PlotlyPayload } from "../../../kernel/portable/plotly-payload";
import { Lab, recordErrors, startLabAndChromium, stopLabAndChromium, type Browser, type Page } from "./lab";

type Locator = ReturnType<Page["locator"]>;

let lab: Lab;
let browser: Browser;
const HTML = " <b>not bold</b>";

before(async () => {
  ({ lab, browser } = await startLabAndChromium());
  // The sample dataset under the server's root, each dev sentence ending in HTML-like text (spans unchanged).
  const data = join(lab.root, "datasets", "oe");
  cpSync(SAMPLE_DATA, data, { recursive: true });
  const dev = JSON.parse(readFileSync(join(data, "dev.json"), "utf8"));
  writeFileSync(join(data, "dev.json"), JSON.stringify(dev.map((e: { sent: string }) => ({ ...e, sent: e.sent + HTML }))));
  writeSyntheticRun(join(lab.root, "ex", "absolute"), { learningRate: 1e-4, seed: 1, skill: 2 }, data);
  writeSyntheticRun(join(lab.root, "ex", "relative"), { learningRate: 1e-4, seed: 4, skill: 2 }, data);
  const relative = join(lab.root, "ex", "relative", "results.json");
  const results = JSON.parse(readFileSync(relative, "utf8"));
  results.experimental_configurations.log_parameters.data_dir = "datasets/oe";
  writeFileSync(relative, JSON.stringify(results));
  writeSyntheticRun(join(lab.root, "ex", "outside"), { learningRate: 1e-4, seed: 3, skill: 0.5 });
});

after(() => stopLabAndChromium(lab, browser));

/** The CLI's drill-down cells of a run's dev confusion matrix, and its class names. */
function cliCells(folder: string): { cells: Record<string, FigureExample[]>; classes: string[]; figure: PlotlyPayload } {
  const run = loadRuns(join(lab.root, "ex")).runs.find((r) => r.folder === folder)!;
  const figure = runConfusionFigure(run, "dev", { kind: "single-label-only" })!;
  return { cells: figure.lukelab!.drillDown!.cells, classes: figure.data[0].x as string[], figure };
}

/** Opens a run's details and its confusion matrix; returns the details box. */
async function openConfusion(page: Page, panel: string, folder: string): Promise<Locator> {
  await page.locator(`${panel} tr[data-folder="${folder}"]`).click();
  const details = page.locator(`${panel} [data-role="details"][data-folder="${folder}"]`);
  await details.waitFor({ timeout: 30_000 });
  // The figure chosen for the previous run is drawn for this one by itself; a second click would draw it again.
  const button = details.locator(`button[data-figure="confusion (dev)"]`);
  if ((await button.getAttribute("aria-pressed")) !== "true") await button.click();
  await details.locator(`[data-role="figure-note"]`).waitFor({ timeout: 30_000 });
  await details.locator(`.lukelab-plotly[data-state="ready"] rect.nsewdrag`).first().waitFor({ timeout: 30_000 });
  return details;
}

/** Clicks cell (row, col) of an n × n heatmap (gold rows top-down) and reads the examples listed. */
async function clickCell(page: Page, details: Locator, n: number, row: number, col: number) {
  await details.locator(".lukelab-plotly").scrollIntoViewIfNeeded();
  const area = (await details.locator("rect.nsewdrag").first().boundingBox())!;
  const x = area.x + ((col + 0.5) * area.width) / n, y = area.y + ((row + 0.5) * area.height) / n;
  await page.mouse.move(x, y);
  await page.mouse.click(x, y);
  const list = details.locator(".lukelab-plotly-drill");
  await list.waitFor({ state: "visible", timeout: 10_000 });
  assert.equal(await list.getAttribute("data-cell"), `${row},${col}`);
  return {
    title: await list.locator(".lukelab-plotly-drill-title").textContent(),
    count: await list.locator(".lukelab-plotly-drill-count").textContent(),
    bold: await list.locator("b").count(),
    items: await list.locator(".lukelab-plotly-example").evaluateAll((lis: any[]) =>
      lis.map((li) => ({
        sentence: li.querySelector(".lukelab-plotly-sentence").textContent,
        mention: li.querySelector("mark").textContent,
        gold: li.querySelector(`[data-role="gold"]`).textContent,
        predicted: li.querySelector(`[data-role="predicted"]`).textContent,
      })),
    ),
  };
}

test("a click on a confusion-matrix cell lists its examples from the run's dataset, as lukelab analyze does", { timeout: 300_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1400 } });
  const page = await context.newPage();
  const errors = recordErrors(page);
  await page.goto(lab.url("/lab"));
  await page.waitForFunction(() => (globalThis as any).jupyterapp?.commands?.hasCommand("lukelab:open-runs-dashboard"), null, { timeout: 60_000 });
  await page.evaluate(() => void (globalThis as any).jupyterapp.commands.execute("lukelab:open-runs-dashboard", { path: "ex", intervalMs: 3_600_000 }));
  const panel = `.lukelab-dashboard[id="lukelab-dashboard-ex"]`;
  await page.locator(`${panel}[data-state="ready"]`).waitFor({ timeout: 60_000 });

  for (const [folder, file] of [["absolute", "datasets/oe/dev.json"], ["relative", "datasets/oe/dev.json"]] as const) {
    const { cells, classes, figure } = cliCells(folder);
    const details = await openConfusion(page, panel, folder);
    assert.equal(await details.locator(`[data-role="figure-note"]`).textContent(), `Click a cell to list its examples (from ${file}).`);
    // The fullest off-diagonal cell (gold ≠ predicted), and a diagonal one.
    const keys = Object.keys(cells).filter((k) => cells[k].length > 0);
    const off = keys.filter((k) => k.split(",")[0] !== k.split(",")[1]).sort((a, b) => cells[b].length - cells[a].length)[0];
    const diagonal = keys.find((k) => k.split(",")[0] === k.split(",")[1])!;
    for (const key of [off, diagonal]) {
      const [row, col] = key.split(",").map(Number);
      const shown = await clickCell(page, details, classes.length, row, col);
      const expected = cells[key];
      assert.equal(shown.title, cellTitle(figure, figure.lukelab!.drillDown!, { row, col }));
      assert.ok(shown.title!.includes(classes[row]) && shown.title!.includes(classes[col]));
      assert.equal(shown.count, expected.length === 1 ? "1 example" : expected.length > 20 ? `${expected.length} examples, showing 20` : `${expected.length} examples`);
      assert.equal(shown.items.length, Math.min(expected.length, 20));
      shown.items.forEach((item, i) => {
        const e = expected[i];
        assert.equal(item.sentence, e.text, `${folder} ${key} example ${i}`);
        assert.ok(item.sentence.endsWith(HTML));
        assert.equal(item.mention, Array.from(e.text).slice(e.start, e.end).join(""));
        assert.ok(item.gold.startsWith("gold: ") && e.gold.every((l) => item.gold.includes(l)));
        assert.ok(item.predicted.startsWith("predicted: ") && e.predicted.every((l) => item.predicted.includes(l)));
      });
      assert.equal(shown.bold, 0, "HTML-like text stays text");
    }
  }

  // A dataset outside the server's root: the matrix without examples, and what to do.
  const details = await openConfusion(page, panel, "outside");
  const note = await details.locator(`[data-role="figure-note"]`).textContent();
  assert.match(note!, /^No examples behind the cells: the dataset outside was trained on \(data_dir ".*open-entity-sample"\) is not in the folder JupyterLab serves \((.*)\)\. Start JupyterLab from a folder/);
  assert.equal(/serves \((.*?)\)\./.exec(note!)![1], lab.root, "serverRoot is the server's root folder");
  assert.equal(await details.locator(".lukelab-plotly-drill").count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
