/**
 * The runs dashboard on the scale: 500 runs whose results.json hold the full logits (about
 * 2 MB each, 1 GB in all, written by test/extension/big-runs.ts into the lab's temporary root, with
 * the results-summary.json runs write beside them), made a sweep's folder (a state file per run in
 * state/), and the folder's runs-index.json, one run rewritten (and its state file replaced: running →
 * done) after the index was made. The table shows all 500 rows with the values of their results.json, built
 * from the index alone (the folder listed, the index read: no run folder listed, no summary or
 * results.json fetched; state/ listed once, no state file fetched) but for the rewritten run, read
 * from its folder with its new values and its new state file's status; a run's
 * details fetch its results.json, and only its, for the per-example figures; an unchanged reload
 * lists the folder once and fetches nothing, and a state file replaced then is the only file fetched by the next poll. The times are printed, not asserted (bench/dashboard-scale.ts
 * measures them).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readResults } from "../../../kernel/tasks/entity-typing/results";
import { updateRunsIndex } from "../../../kernel/tasks/entity-typing/runs-index-write";
import { rewriteRun, setRunState, writeBigRuns, writeSweepState, type BigRuns } from "../big-runs";
import { Lab, recordErrors, startLabAndChromium, stopLabAndChromium, type Browser } from "./lab";

const RUNS = 500;
/** The run rewritten after the index was made: read from its folder, with its new values. */
const REWRITTEN = 217;
let lab: Lab;
let browser: Browser;
let big: BigRuns;

before(async () => {
  ({ lab, browser } = await startLabAndChromium());
  big = writeBigRuns(join(lab.root, "big"), { runs: RUNS });
  console.log(`# wrote ${RUNS} runs, ${(big.bytes / RUNS / 1e6).toFixed(2)} MB each, in ${big.seconds.toFixed(1)} s`);
  // A sweep: every run done but the one rewritten below, still running when the index is made.
  writeSweepState(join(lab.root, "big"), big.folders, (f) => (f === big.folders[REWRITTEN] ? "running" : "done"));
  // The folder's runs-index.json (as `lukelab analyze index` writes it), then one run rewritten after it.
  const t0 = Date.now();
  const update = updateRunsIndex(join(lab.root, "big"));
  assert.deepEqual([update.runs, update.states], [RUNS, RUNS]);
  console.log(`# runs-index.json of ${RUNS} runs and state files written in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  rewriteRun(join(lab.root, "big", big.folders[REWRITTEN]), 0.5);
  setRunState(join(lab.root, "big"), big.folders[REWRITTEN], "done", REWRITTEN);
});

after(() => stopLabAndChromium(lab, browser));

test("500 runs of 2 MB: the table from runs-index.json, a run rewritten since from its folder, a run's logits when its details open", { timeout: 600_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = recordErrors(page);
  const requests: string[] = [];
  page.on("request", (r) => {
    const path = decodeURIComponent(new URL(r.url()).pathname);
    if (path.includes("/api/contents/big")) requests.push(path.slice(path.indexOf("/api/contents/") + "/api/contents/".length));
  });
  await page.goto(lab.url("/lab"));
  await page.waitForFunction(() => (globalThis as any).jupyterapp?.commands?.hasCommand("lukelab:open-runs-dashboard"), null, { timeout: 60_000 });
  const panel = `.lukelab-dashboard[id="lukelab-dashboard-big"]`;
  const t0 = Date.now();
  await page.evaluate(() => void (globalThis as any).jupyterapp.commands.execute("lukelab:open-runs-dashboard", { path: "big", intervalMs: 3_600_000 }));
  await page.locator(`${panel}[data-state="ready"]`).waitFor({ timeout: 300_000 });
  console.log(`# table of ${RUNS} runs shown ${((Date.now() - t0) / 1000).toFixed(2)} s after the command`);

  const rows = page.locator(`${panel} tbody tr`);
  assert.equal(await rows.count(), RUNS);
  assert.deepEqual(await rows.evaluateAll((trs: any[]) => trs.map((tr) => tr.dataset.folder)), big.folders);
  for (const folder of [big.folders[0], big.folders[REWRITTEN], big.folders[RUNS - 1]]) {
    const results = readResults(join(lab.root, "big", folder, "results.json"));
    const cell = (c: string) => page.locator(`${panel} tr[data-folder="${folder}"] td[data-column="${c}"]`).getAttribute("data-value");
    for (const c of ["dev_f1", "test_f1", "dev_precision", "best_epoch"] as const) assert.equal(await cell(c), String(results[c]), `${folder} ${c}`);
    assert.equal(await cell("learning_rate"), String(results.experimental_configurations.log_parameters.learning_rate));
  }
  assert.equal(await page.locator(`${panel} tr[data-folder="${big.folders[REWRITTEN]}"] td[data-column="dev_f1"]`).getAttribute("data-value"), "0.5");
  // Every run done, the rewritten one by its new state file.
  assert.deepEqual(await rows.evaluateAll((trs: any[]) => trs.filter((tr) => tr.dataset.status !== "done").map((tr) => tr.dataset.folder)), []);
  // The listing of the folder, the index, state/'s listing, the rewritten run's listing and summary
  // and its state file: nothing else (no other state file fetched).
  const rewritten = `big/${big.folders[REWRITTEN]}`;
  const expected = ["big", "big/runs-index.json", "big/state", rewritten, `${rewritten}/results-summary.json`, `big/state/${big.folders[REWRITTEN]}.json`];
  assert.deepEqual(requests.sort(), expected.sort());

  // A run's details: its results.json (and no other) is fetched for the loss and the confusion matrix.
  requests.length = 0;
  const chosen = big.folders[3];
  await page.locator(`${panel} tr[data-folder="${chosen}"]`).click();
  const details = page.locator(`${panel} [data-role="details"][data-folder="${chosen}"]`);
  await details.waitFor({ timeout: 60_000 });
  await details.locator(`button[data-figure="training loss"]`).click();
  await details.locator(`.lukelab-plotly[data-state="ready"]`).waitFor({ timeout: 60_000 });
  const loss = await details.locator(".js-plotly-plot").evaluate((gd: any) => gd.data[0].y);
  assert.deepEqual(loss, readResults(join(lab.root, "big", chosen, "results.json")).training_loss);
  await details.locator(`button[data-figure="confusion (dev)"]`).click();
  await details.locator(`.lukelab-plotly[data-state="ready"] .heatmaplayer`).first().waitFor({ timeout: 60_000 });
  assert.deepEqual(requests, [`big/${chosen}/results.json`]);

  // An unchanged reload (as a poll does): one listing, nothing fetched.
  requests.length = 0;
  const t1 = Date.now();
  await page.evaluate(async () => {
    const app = (globalThis as any).jupyterapp;
    const widget = [...app.shell.widgets("main")].find((w: any) => w.content?.loader?.root === "big");
    await widget.content.refresh();
  });
  console.log(`# reload with nothing changed: ${((Date.now() - t1) / 1000).toFixed(2)} s`);
  assert.deepEqual(requests.map((p) => p.split("?")[0]), ["big"]);

  // A state file replaced while the panel is open (the sweep starts the run again): the next poll lists the
  // folder and state/ and fetches that file alone, and the row shows its new status.
  requests.length = 0;
  setRunState(join(lab.root, "big"), big.folders[REWRITTEN], "running", REWRITTEN);
  await page.evaluate(async () => {
    const widget = [...(globalThis as any).jupyterapp.shell.widgets("main")].find((w: any) => w.content?.loader?.root === "big");
    await widget.content.refresh();
  });
  assert.deepEqual(requests.map((p) => p.split("?")[0]).sort(), ["big", "big/state", `big/state/${big.folders[REWRITTEN]}.json`]);
  assert.equal(await page.locator(`${panel} tr[data-folder="${big.folders[REWRITTEN]}"]`).getAttribute("data-status"), "running");
  assert.deepEqual(errors, []);
  await context.close();
});
