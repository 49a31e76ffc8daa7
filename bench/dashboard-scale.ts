/**
 * The runs dashboard on a large folder: N runs (default 500) whose results.json hold full logits
 * (about 2 MB each, as a run on the full Open Entity dev and test sets writes them), generated into a
 * temporary JupyterLab root; the time from running `lukelab:open-runs-dashboard` to the table being
 * shown, then the time of a reload with nothing changed and one after a run changed. Real JupyterLab
 * from .venv, Debian's Chromium; nothing is asserted, the numbers are printed.
 *
 *   npm run build && node lib/bench/dashboard-scale.js [--runs=500] [--rows=9000]
 *
 * --rows: dev and test examples per run (9 labels each; the default 9000 makes about 2 MB of JSON per run).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, launchChromium, requireBrowserSetup } from "../test/extension/browser/lab";
import { OPEN_ENTITY_LABELS } from "../kernel/data/open-entity";
import { validateResults } from "../kernel/tasks/entity-typing/results";
import { Rng } from "../kernel/train/random";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);

function writeRun(dir: string, index: number, rows: number): number {
  const rng = new Rng(index + 1);
  const labels = [...OPEN_ENTITY_LABELS];
  const block = () => {
    const true_labels = Array.from({ length: rows }, () => labels.map(() => (rng.uniform() < 0.2 ? 1 : 0)));
    const predict_logits = true_labels.map((r) => r.map((g) => Number((g * 2 - 1 + (rng.uniform() * 4 - 2)).toFixed(6))));
    return { predict_logits, true_labels };
  };
  const m = () => Number(rng.uniform().toFixed(6));
  const results: Record<string, unknown> = {};
  for (let k = 0; k < 3; k++) Object.assign(results, { [`dev_precision_epoch${k}`]: m(), [`dev_recall_epoch${k}`]: m(), [`dev_f1_epoch${k}`]: m() });
  Object.assign(results, { best_epoch: 2, dev_precision: m(), dev_recall: m(), dev_f1: m(), test_precision: m(), test_recall: m(), test_f1: m() });
  results.experimental_configurations = {
    log_parameters: { learning_rate: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3][index % 5], seed: Math.floor(index / 5), train_batch_size: 4, num_train_epochs: 3 },
    model_config: { hidden_size: 768 },
  };
  results.evaluation_predict_label = { label_list: labels, dev: block(), test: block() };
  results.training_loss = Array.from({ length: 300 }, () => m());
  validateResults(results, dir);
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(results);
  writeFileSync(join(dir, "results.json"), text);
  return text.length;
}

async function main(): Promise<void> {
  requireBrowserSetup();
  const runs = arg("runs", 500);
  const rows = arg("rows", 9000);
  const lab = new Lab();
  await lab.start();
  const browser = await launchChromium();
  try {
    const t0 = Date.now();
    let bytes = 0;
    for (let i = 0; i < runs; i++) bytes += writeRun(join(lab.root, "big", `run-${String(i).padStart(4, "0")}`), i, rows);
    console.log(`wrote ${runs} runs, ${(bytes / runs / 1e6).toFixed(2)} MB each (${(bytes / 1e9).toFixed(2)} GB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(lab.url("/lab"));
    await page.waitForFunction(() => (globalThis as any).jupyterapp?.commands?.hasCommand("lukelab:open-runs-dashboard"), null, { timeout: 60_000 });
    const panel = page.locator(`.lukelab-dashboard[data-state="ready"]`);
    const t1 = Date.now();
    await page.evaluate(() => void (globalThis as any).jupyterapp.commands.execute("lukelab:open-runs-dashboard", { path: "big", intervalMs: 3_600_000 }));
    await panel.waitFor({ timeout: 600_000 });
    const shown = Date.now() - t1;
    const count = await panel.locator("tbody tr").count();
    const reload = async () => {
      const before = Number(await panel.getAttribute("data-loads"));
      const t = Date.now();
      await panel.locator(`button[data-role="refresh"]`).click();
      await page.waitForFunction((n) => Number((globalThis as any).document.querySelector(".lukelab-dashboard").dataset.loads) > n, before, { timeout: 600_000 });
      return Date.now() - t;
    };
    const unchanged = await reload();
    const file = join(lab.root, "big", "run-0000", "results.json");
    const r = JSON.parse(readFileSync(file, "utf8"));
    r.dev_f1 = 0.5;
    writeFileSync(file, JSON.stringify(r));
    const oneChanged = await reload();
    console.log(`table of ${count} runs shown ${(shown / 1000).toFixed(2)} s after the command`);
    console.log(`reload, nothing changed: ${(unchanged / 1000).toFixed(2)} s; one run changed: ${(oneChanged / 1000).toFixed(2)} s`);
  } finally {
    await browser.close();
    await lab.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
