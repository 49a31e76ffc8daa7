/**
 * The runs dashboard in a real JupyterLab (from .venv) in Debian's Chromium, on a sweep folder written
 * by the test (test/extension/dashboard-fixture.ts): opened from the file browser's context menu of a
 * folder and from the command palette; its table is `lukelab analyze`'s tables/runs.csv cell for cell
 * (the exact values in data-value), with the sweep's statuses, the broken run and its reason; sorting
 * by mouse and keyboard, filtering by a swept parameter and by status, HTML-like text shown as text,
 * the dark theme; live: a new epoch and a newly finished run written by the test appear without a
 * reload, and polling stops when the panel is hidden. Screenshots go to test/.work/artifacts.
 *
 * Runs once (not per TF.js backend): scripts/run-tests.mjs lists "extension" among its run-once folders.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeFileAtomic } from "../../../kernel/io/atomic";
import { loadRuns } from "../../../kernel/analysis/runs";
import { PROGRESS_FILE, PROGRESS_FORMAT } from "../../../kernel/tasks/entity-typing/progress";
import { writeSyntheticRun } from "../../analysis/synthetic-runs";
import { cliCsv, HTML_TEXT, parseCsv, writeDashboardSweep } from "../dashboard-fixture";
import { lowContrast, probeTexts } from "./legibility-probe";
import { ARTIFACTS, Lab, recordErrors, startLabAndChromium, stopLabAndChromium, type Browser, type Page } from "./lab";

let lab: Lab;
let browser: Browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ lab, browser } = await startLabAndChromium());
});

after(() => stopLabAndChromium(lab, browser));

/** The panel's table: header columns and, per row, folder → column → data-value. */
async function panelTable(page: Page, panel: string) {
  return page.locator(`${panel} table[data-role="runs"]`).evaluate((table: any) => {
    const columns: string[] = [...table.querySelectorAll("th")].map((th: any) => th.dataset.column);
    const rows: Record<string, string>[] = [...table.querySelectorAll("tbody tr")].map((tr: any) => Object.fromEntries([...tr.querySelectorAll("td")].map((td: any) => [td.dataset.column, td.dataset.value])));
    return { columns, rows };
  });
}

const waitFor = async (check: () => Promise<boolean>, what: string, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out: ${what}`);
};

/**
 * What `read` gives once `ok` holds: a figure that replaces another one keeps the old plot (already
 * "ready") until the new one is drawn, so a single read can catch either or neither.
 */
const settled = async <T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 30_000): Promise<T> => {
  let value: T | undefined;
  await waitFor(async () => {
    try {
      value = await read();
      return ok(value);
    } catch {
      return false;
    }
  }, what, ms);
  return value!;
};

test("runs dashboard in JupyterLab: context menu and palette, the CLI's table, sort, filter, status, broken runs, live, hidden", { timeout: 180_000 }, async () => {
  const sweepDir = join(lab.root, "sweep");
  const sweep = writeDashboardSweep(sweepDir);
  mkdirSync(join(lab.root, "plain"));
  writeSyntheticRun(join(lab.root, "plain", "a"), { learningRate: 0.05, seed: 1 });
  writeSyntheticRun(join(lab.root, "plain", "b"), { learningRate: 0.05, seed: 2 });
  const [header, ...csvRows] = await cliCsv(sweepDir, join(lab.dir, "analysis"));

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = recordErrors(page);
  await page.goto(lab.url("/lab"));
  await page.waitForFunction(() => (globalThis as any).jupyterapp?.commands?.hasCommand("lukelab:open-runs-dashboard"), null, { timeout: 60_000 });

  // 1. The file browser: right-click the sweep folder, "Open runs dashboard".
  const item = page.locator(`.jp-DirListing-item[data-isdir="true"]`, { hasText: "sweep" });
  await item.waitFor({ timeout: 30_000 });
  await item.click({ button: "right" });
  await page.locator(`.lm-Menu-item[data-command="lukelab:open-runs-dashboard"]`).click();
  const panel = `.lukelab-dashboard[data-state="ready"]`;
  await page.locator(panel).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(`${panel} .lukelab-dashboard-title`).textContent(), "Runs in sweep");

  // 2. The table is the CLI's runs.csv (plus the status column), matched by folder.
  const table = await panelTable(page, panel);
  assert.deepEqual([...table.columns].sort(), [...header, "status"].sort());
  assert.deepEqual(table.columns.slice(0, 11), ["folder", "status", "learning_rate", "seed", "note", "dev_precision", "dev_recall", "dev_f1", "test_precision", "test_recall", "test_f1"]);
  const byFolder = new Map(table.rows.map((r) => [r.folder, r]));
  for (const row of csvRows) {
    const shown = byFolder.get(row[0]);
    assert.ok(shown, `run ${row[0]} is in the panel`);
    assert.deepEqual(header.map((c) => shown![c]), row, `run ${row[0]}: every cell as in runs.csv`);
    assert.equal(shown!.status, "done");
  }
  assert.equal(byFolder.get(sweep.queued)?.status, "queued");
  assert.equal(byFolder.get(sweep.running)?.status, "running");
  assert.equal(byFolder.get(sweep.broken)?.status, "pending");
  assert.equal(table.rows.length, csvRows.length + 3);
  assert.equal(await page.locator(`${panel} [data-role="summary"]`).textContent(), "6 runs with results · 1 broken · sweep: 6 done, 1 running, 1 queued, 1 pending");
  const cliReason = loadRuns(sweepDir).skipped[0].reason;
  assert.equal(await page.locator(`${panel} .lukelab-dashboard-broken li`).textContent(), `sweep/${sweep.broken}/results.json: ${cliReason}`);
  // HTML-like text from a file is text: no element made from it, nothing run.
  const note = page.locator(`${panel} td[data-column="note"]`, { hasText: "<img" });
  assert.equal(await note.textContent(), HTML_TEXT);
  assert.equal(await page.locator(`${panel} table img`).count(), 0);
  assert.equal(await page.evaluate(() => (globalThis as any).__lukelabInjected), undefined);
  await page.locator(panel).screenshot({ path: join(ARTIFACTS, "dashboard-01-light.png") });

  // 3. Sort: dev_f1 ascending then descending (click, then Enter on the focused header).
  const column = async (c: string) => (await panelTable(page, panel)).rows.map((r) => r[c]);
  await page.locator(`${panel} th[data-column="dev_f1"] button`).click();
  assert.equal(await page.locator(`${panel} th[data-column="dev_f1"]`).getAttribute("aria-sort"), "ascending");
  const numbers = (await column("dev_f1")).filter((v) => v !== "").map(Number);
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
  assert.equal(numbers.length, 6);
  await page.keyboard.press("Enter");
  assert.equal(await page.locator(`${panel} th[data-column="dev_f1"]`).getAttribute("aria-sort"), "descending");
  const down = (await column("dev_f1")).filter((v) => v !== "").map(Number);
  assert.deepEqual(down, [...numbers].reverse());

  // 4. Filter by a swept parameter, then by status.
  await page.locator(`${panel} select[data-filter="learning_rate"]`).selectOption("0.1");
  const filtered = (await panelTable(page, panel)).rows;
  assert.equal(filtered.length, csvRows.filter((r) => r[header.indexOf("learning_rate")] === "0.1").length);
  assert.ok(filtered.every((r) => r.learning_rate === "0.1"));
  await page.locator(`${panel} select[data-filter="learning_rate"]`).selectOption("");
  await page.locator(`${panel} select[data-filter="status"]`).selectOption("queued");
  assert.deepEqual((await panelTable(page, panel)).rows.map((r) => r.folder), [sweep.queued]);
  await page.locator(`${panel} select[data-filter="status"]`).selectOption("");

  // 4b. Figures over the runs, drawn by the Plotly widget when chosen: dev against test has the CSV's numbers.
  const figure = (role: string) => page.locator(`${panel} [data-role="${role}"] .lukelab-plotly`);
  const traces = (role: string) => figure(role).locator(".js-plotly-plot").evaluate((gd: any) => gd.data.map((t: any) => ({ name: t.name, x: t.x, y: t.y })));
  assert.equal(await figure("runs-figures").count(), 0, "no figure before one is chosen");
  await page.locator(`${panel} [data-role="runs-figures"] button[data-figure="dev against test"]`).click();
  await page.locator(`${panel} [data-role="runs-figures"] .lukelab-plotly[data-state="ready"]`).waitFor({ timeout: 30_000 });
  const f1 = (await settled(() => traces("runs-figures"), (ts) => ts.some((t: any) => t.name === "F1"), "dev against test drawn")).find((t: any) => t.name === "F1");
  const col = (c: string) => csvRows.map((r) => Number(r[header.indexOf(c)]));
  assert.deepEqual([...f1.x].sort(), col("dev_f1").sort());
  assert.deepEqual([...f1.y].sort(), col("test_f1").sort());
  await page.locator(`${panel} [data-role="runs-figures"] button[data-figure="dev F1 per epoch"]`).click();
  await page.locator(`${panel} [data-role="runs-figures"] .lukelab-plotly[data-state="ready"]`).waitFor({ timeout: 30_000 });
  const perEpoch = await settled(() => traces("runs-figures"), (ts) => !ts.some((t: any) => t.name === "F1"), "dev F1 per epoch drawn");
  assert.equal(perEpoch.length, csvRows.length, "one line per run");
  // Metric against a swept parameter, mean ± SD over seeds: the CLI's tables/summary_learning_rate.csv.
  await page.locator(`${panel} [data-role="runs-figures"] button[data-figure="F1 against learning_rate"]`).click();
  await page.locator(`${panel} [data-role="runs-figures"] .lukelab-plotly[data-state="ready"]`).waitFor({ timeout: 30_000 });
  const [sHeader, ...sRows] = parseCsv(readFileSync(join(lab.dir, "analysis", "tables", "summary_learning_rate.csv"), "utf8"));
  const summary = (c: string) => sRows.map((r) => Number(r[sHeader.indexOf(c)]));
  const bars = await settled(
    () => figure("runs-figures").locator(".js-plotly-plot").evaluate((gd: any) => gd.data.map((t: any) => ({ name: t.name, x: t.x, y: t.y, sd: t.error_y?.array }))),
    (ts) => ts.length > 0 && ts.every((t: any) => t.sd !== undefined),
    "F1 against learning_rate drawn",
  );
  assert.deepEqual(bars.map((t: any) => t.name), ["dev F1", "test F1"]);
  for (const [i, m] of ["dev_f1", "test_f1"].entries()) {
    assert.deepEqual(bars[i].x, summary("learning_rate"));
    assert.deepEqual(bars[i].y, summary(`${m}_mean`));
    assert.deepEqual(bars[i].sd, summary(`${m}_std`));
  }

  // 4c. A run's details: Enter on its row (keyboard), then its figures.
  const chosen = sweep.finished[3];
  const chosenResults = JSON.parse(readFileSync(join(sweepDir, chosen, "results.json"), "utf8"));
  await page.locator(`${panel} tr[data-folder="${chosen}"]`).focus();
  await page.keyboard.press("Enter");
  const details = page.locator(`${panel} [data-role="details"][data-folder="${chosen}"]`);
  await details.waitFor({ timeout: 10_000 });
  const option = (k: string) => details.locator(`[data-role="options"] tr`, { has: page.locator(`th`, { hasText: new RegExp(`^${k}$`) }) }).locator("td");
  assert.equal(await option("learning_rate").textContent(), String(chosenResults.experimental_configurations.log_parameters.learning_rate));
  assert.equal(await details.locator(`[data-role="epochs"] tr`).count(), 1 + 1 + chosenResults.experimental_configurations.log_parameters.num_train_epochs);
  await details.locator(`button[data-figure="training loss"]`).click();
  await details.locator(`.lukelab-plotly[data-state="ready"]`).waitFor({ timeout: 30_000 });
  const loss = await settled(() => details.locator(".js-plotly-plot").evaluate((gd: any) => gd.data[0].y), (y) => Array.isArray(y), "the loss curve drawn");
  assert.deepEqual(loss, chosenResults.training_loss);
  await details.locator(`button[data-figure="confusion (dev)"]`).click();
  await details.locator(`.lukelab-plotly[data-state="ready"] .heatmaplayer`).first().waitFor({ timeout: 30_000 });
  await page.locator(panel).screenshot({ path: join(ARTIFACTS, "dashboard-04-details.png") });
  // Every text of the panel (table, selected row, statuses, details, figure) reaches 4.5:1 (legibility-probe.ts).
  assert.deepEqual(lowContrast(await page.locator(panel).evaluate(probeTexts), "light"), []);

  // 5. Dark theme.
  await page.evaluate(() => (globalThis as any).jupyterapp.commands.execute("apputils:change-theme", { theme: "JupyterLab Dark" }));
  await page.waitForFunction(`document.body.dataset.jpThemeLight === "false"`, null, { timeout: 30_000 });
  await waitFor(async () => (await page.locator(panel).evaluate((n) => (globalThis as any).getComputedStyle(n).backgroundColor)) !== "rgb(255, 255, 255)", "the panel turns dark");
  await page.locator(panel).screenshot({ path: join(ARTIFACTS, "dashboard-02-dark.png") });
  await waitFor(async () => (await page.locator(`${panel} .lukelab-plotly[data-state="ready"]`).first().getAttribute("data-theme-background")) === "#111", "the figure turns dark");
  assert.deepEqual(lowContrast(await page.locator(panel).evaluate(probeTexts), "dark"), []);

  // 6. Live: a new epoch in one run, a run that finishes; only those files are fetched again.
  await waitFor(async () => (await page.locator(panel).getAttribute("data-polling")) === "true", "the visible panel polls");
  const row = (folder: string) => page.locator(`${panel} tr[data-folder="${folder}"]`);
  const fetched: string[] = [];
  page.on("request", (r) => {
    const path = decodeURIComponent(new URL(r.url()).pathname);
    if (path.endsWith("/results.json")) fetched.push(path);
  });
  const file = join(sweepDir, sweep.finished[1], "results.json");
  const results = JSON.parse(readFileSync(file, "utf8"));
  const epochs = results.experimental_configurations.log_parameters.num_train_epochs as number;
  Object.assign(results, { [`dev_precision_epoch${epochs}`]: 0.9, [`dev_recall_epoch${epochs}`]: 0.9, [`dev_f1_epoch${epochs}`]: 0.9, best_epoch: epochs, dev_f1: 0.9 });
  writeFileAtomic(file, JSON.stringify(results));
  // Keyboard focus on a column header stays there through live reloads.
  await page.locator(`${panel} th[data-column="folder"] button`).focus();
  // (Files are replaced by renaming, as lukelab writes them: polls list only folders whose time moved.)
  // The running run's epochs, as its trainer writes them to progress.json, one after the other.
  const progressFile = join(sweepDir, sweep.running, PROGRESS_FILE);
  const dev: Record<string, number> = { dev_precision_epoch_no_training: 0.1, dev_recall_epoch_no_training: 0.5, dev_f1_epoch_no_training: 0.1667 };
  const progressCell = () => row(sweep.running).locator(`td[data-column="progress"]`);
  for (const [epoch, f1] of [[0, 0.4321], [1, 0.5678]]) {
    Object.assign(dev, { [`dev_precision_epoch${epoch}`]: f1, [`dev_recall_epoch${epoch}`]: f1, [`dev_f1_epoch${epoch}`]: f1 });
    mkdirSync(join(sweepDir, sweep.running), { recursive: true });
    writeFileAtomic(progressFile, JSON.stringify({ format: PROGRESS_FORMAT, step: 11 * (epoch + 1), total_steps: 33, num_train_epochs: 3, dev, best_epoch: epoch, updated: new Date().toISOString() }));
    await waitFor(async () => (await progressCell().textContent()) === `epoch ${epoch + 1}/3 · dev F1 ${f1.toFixed(4)}`, `epoch ${epoch} of the running run shows`, 20_000);
  }
  assert.equal(await row(sweep.running).locator(`td[data-column="status"]`).textContent(), "running");
  assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.closest("th")?.dataset.column), "folder", "the focus survives the reloads");
  await page.locator(panel).screenshot({ path: join(ARTIFACTS, "dashboard-03-live-dark.png") });
  // It finishes: results.json, progress.json removed (as run.ts does).
  writeSyntheticRun(join(sweepDir, sweep.running), { learningRate: 0.01, seed: 12 });
  rmSync(progressFile);
  // …and its state file says so, as the sweep runner's endAttempt writes it.
  const stateFile = join(sweepDir, "state", `${sweep.running}.json`);
  writeFileAtomic(stateFile, JSON.stringify({ ...JSON.parse(readFileSync(stateFile, "utf8")), status: "done", exitCode: 0, ended: new Date().toISOString() }));
  await waitFor(async () => (await row(sweep.finished[1]).locator(`td[data-column="best_epoch"]`).getAttribute("data-value")) === String(epochs), "the new epoch shows", 20_000);
  await waitFor(async () => (await row(sweep.running).locator(`td[data-column="status"]`).textContent()) === "done", "the finished run shows as done", 20_000);
  assert.ok((await panelTable(page, panel)).rows.every((r) => !r.progress), "no run shows training progress any more");
  assert.equal(await row(sweep.finished[1]).locator(`td[data-column="dev_f1"]`).getAttribute("data-value"), "0.9");
  assert.notEqual(await row(sweep.running).locator(`td[data-column="dev_f1"]`).getAttribute("data-value"), "");
  assert.deepEqual([...new Set(fetched.map((p) => p.split("/").slice(-2, -1)[0]))].sort(), [sweep.finished[1], sweep.running].sort(), "only the changed results.json files are fetched");

  // 7. The palette opens the file browser's folder; the sweep's panel, now hidden, stops polling.
  await page.evaluate(() => (globalThis as any).jupyterapp.commands.execute("filebrowser:go-to-path", { path: "/plain" }));
  await page.keyboard.press("Control+Shift+C");
  await page.keyboard.type("Open runs dashboard");
  await page.locator(`.lm-CommandPalette-item[data-command="lukelab:open-runs-dashboard"]`).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press("Enter");
  const plain = `.lukelab-dashboard[id="lukelab-dashboard-plain"][data-state="ready"]`;
  await page.locator(plain).waitFor({ timeout: 30_000 });
  assert.deepEqual((await panelTable(page, plain)).rows.map((r) => r.folder), ["a", "b"]);
  assert.equal(await page.locator(`${plain} select[data-filter="status"]`).count(), 0, "no sweep, no status");
  const sweepPanel = page.locator(`.lukelab-dashboard[id="lukelab-dashboard-sweep"]`);
  await waitFor(async () => (await sweepPanel.getAttribute("data-polling")) === "false", "the hidden panel stops polling");
  const hiddenLoads = Number(await sweepPanel.getAttribute("data-loads"));
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(Number(await sweepPanel.getAttribute("data-loads")), hiddenLoads, "no reloads while hidden");

  assert.deepEqual(errors, []);
  await context.close();
});
