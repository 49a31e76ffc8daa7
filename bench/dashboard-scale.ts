/**
 * The runs dashboard on a large folder: N runs (default 500) whose results.json hold full logits
 * (about 2 MB each, as a run on the full Open Entity dev and test sets writes them), with the
 * results-summary.json runs write beside them (--summaries=0: without, as runs of older versions)
 * and the folder's runs-index.json (--index=0: without, as a folder nobody indexed), as a sweep's folder
 * with a state file per run (--sweep=1; the index then records them too, unless --state-index=0: the
 * state files written after the index, as with an index of an older version), generated into a
 * temporary JupyterLab root by test/extension/big-runs.ts; the time from running
 * `lukelab:open-runs-dashboard` to the table being shown, then of a reload with nothing changed (a
 * poll), of the Refresh button (every folder listed again) and of a poll after a run was rewritten.
 * Real JupyterLab from .venv, Debian's Chromium; nothing is asserted, the numbers are printed with the
 * machine's load average.
 *
 *   npm run build && node lib/bench/dashboard-scale.js [--runs=500] [--rows=9000] [--summaries=1] [--index=1] [--sweep=0] [--state-index=1]
 *
 * --rows: dev and test examples per run (9 labels each; the default 9000 makes about 2 MB of JSON per run).
 */
import { statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { Lab, launchChromium, requireBrowserSetup } from "../test/extension/browser/lab";
import { rewriteRun, setRunState, writeBigRuns, writeSweepState } from "../test/extension/big-runs";
import { updateRunsIndex } from "../kernel/tasks/entity-typing/runs-index-write";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  requireBrowserSetup();
  const runs = arg("runs", 500);
  const summaries = arg("summaries", 1) !== 0;
  const index = arg("index", 1) !== 0;
  const sweep = arg("sweep", 0) !== 0;
  const stateIndex = arg("state-index", 1) !== 0;
  const lab = new Lab();
  await lab.start();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const big = writeBigRuns(join(lab.root, "big"), { runs, rows: arg("rows", 9000), summaries });
    console.log(`wrote ${runs} runs ${summaries ? "with" : "without"} summaries, ${(big.bytes / runs / 1e6).toFixed(2)} MB each (${(big.bytes / 1e9).toFixed(2)} GB) in ${big.seconds.toFixed(1)} s`);
    // A sweep: the first run still running when the index is made, done (state file replaced) before the last poll.
    const states = () => writeSweepState(join(lab.root, "big"), big.folders, (f) => (f === big.folders[0] ? "running" : "done"));
    if (sweep && stateIndex) states();
    if (index) {
      const t0 = Date.now();
      const update = updateRunsIndex(join(lab.root, "big"));
      console.log(`runs-index.json of ${update.runs} runs and ${update.states} state files (${(statSync(update.file).size / 1e6).toFixed(2)} MB) written in ${seconds(Date.now() - t0)}`);
    }
    if (sweep && !stateIndex) states();
    const contents: string[] = [];
    page.on("request", (r) => {
      const path = decodeURIComponent(new URL(r.url()).pathname);
      if (path.includes("/api/contents/big")) contents.push(path.slice(path.indexOf("/api/contents/") + "/api/contents/".length).split("?")[0]);
    });
    await page.goto(lab.url("/lab"));
    await page.waitForFunction(() => (globalThis as any).jupyterapp?.commands?.hasCommand("lukelab:open-runs-dashboard"), null, { timeout: 60_000 });
    const panel = page.locator(`.lukelab-dashboard[data-state="ready"]`);
    const load = loadavg()[0];
    const t1 = Date.now();
    await page.evaluate(() => void (globalThis as any).jupyterapp.commands.execute("lukelab:open-runs-dashboard", { path: "big", intervalMs: 3_600_000 }));
    await panel.waitFor({ timeout: 600_000 });
    const shown = Date.now() - t1;
    const count = await panel.locator("tbody tr").count();
    const firstLoad = [...contents];
    const stateFetches = firstLoad.filter((p) => p.startsWith("big/state/")).length;
    // The two requests the table needs with an index, timed alone (after the panel's, so warm).
    const requests = await page.evaluate(async (index) => {
      const contents = (globalThis as any).jupyterapp.serviceManager.contents;
      let t = performance.now();
      await contents.get("big", { content: true, type: "directory" });
      const listing = performance.now() - t;
      t = performance.now();
      if (index) await contents.get("big/runs-index.json", { content: true, type: "file", format: "text" });
      return { listing, index: performance.now() - t };
    }, index);
    const reload = async (relist: boolean) => {
      const t = Date.now();
      await page.evaluate(async (relist) => {
        const widget = [...(globalThis as any).jupyterapp.shell.widgets("main")].find((w: any) => w.content?.loader?.root === "big");
        await widget.content.refresh({ relist });
      }, relist);
      return Date.now() - t;
    };
    const poll = await reload(false);
    const refresh = await reload(true);
    rewriteRun(join(lab.root, "big", big.folders[0]), 0.5, summaries);
    if (sweep) setRunState(join(lab.root, "big"), big.folders[0], "done", 0);
    const oneChanged = await reload(!summaries);
    console.log(`load average (1 min) when opened: ${load.toFixed(2)} on ${(await import("node:os")).cpus().length} cores`);
    console.log(`table of ${count} runs shown ${seconds(shown)} after the command (of which, timed again alone: the folder's listing ${seconds(requests.listing)}${index ? `, runs-index.json ${seconds(requests.index)}` : ""})`);
    console.log(`first load: ${firstLoad.length} requests to the contents API${sweep ? ` (${stateFetches} state files fetched)` : ""}`);
    console.log(`reload, nothing changed: ${seconds(poll)} (poll), ${seconds(refresh)} (Refresh: every folder listed); one run rewritten: ${seconds(oneChanged)}`);
  } finally {
    await browser.close();
    await lab.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
