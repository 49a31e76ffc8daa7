/**
 * The runs dashboard's data (extension/dashboard/data.ts) against `lukelab analyze` on the same
 * folder: the same table, cell for cell, as tables/runs.csv; the same broken runs with the same
 * reasons; sweep statuses from the state files; a reload fetches only the files that changed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { RunsLoader } from "../../extension/dashboard/data";
import { analyzeCommand } from "../../kernel/analysis/cli-command";
import { loadRuns } from "../../kernel/analysis/runs";
import { diskSource, HTML_TEXT, parseCsv, writeDashboardSweep } from "./dashboard-fixture";

const dir = mkdtempSync(join(tmpdir(), "lukelab-dashboard-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the dashboard's table is the CLI's runs.csv; broken runs and statuses; reloads fetch what changed", async () => {
  const root = join(dir, "root");
  const sweep = writeDashboardSweep(join(root, "sweeps", "s1"));
  const out = join(dir, "out");
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    assert.equal(await analyzeCommand(["--data-dir", join(root, "sweeps", "s1"), "--output-dir", out, "--no-html", "--no-png", "--no-tensorboard"]), 0);
  } finally {
    process.stdout.write = write;
  }
  const [header, ...rows] = parseCsv(readFileSync(join(out, "tables", "runs.csv"), "utf8"));

  const reads: string[] = [];
  const loader = new RunsLoader(diskSource(root, reads), "sweeps/s1");
  const data = await loader.load();
  assert.deepEqual(Object.keys(data.columns), header);
  assert.equal(rows.length, sweep.finished.length);
  const n = data.runs.length;
  assert.equal(n, rows.length);
  for (let i = 0; i < n; i++) {
    const cells = header.map((c) => {
      const v = data.columns[c][i];
      return v === null || v === undefined ? "" : String(v);
    });
    assert.deepEqual(cells, rows[i], `row ${i} (${rows[i][0]})`);
  }
  assert.ok(header.includes("note") && data.columns.note.includes(HTML_TEXT));
  assert.deepEqual(data.varying, ["learning_rate", "seed", "note"]);

  // Broken runs: the same reason as `lukelab analyze` gives (the JSON error's line and column).
  const cli = loadRuns(join(root, "sweeps", "s1")).skipped;
  assert.equal(cli.length, 1);
  assert.deepEqual(data.skipped.map((s) => s.reason), cli.map((s) => s.reason));
  assert.equal(data.skipped[0].file, `sweeps/s1/${sweep.broken}/results.json`);
  assert.match(data.skipped[0].reason, /^line 3, column \d+: not valid JSON/);

  // Statuses: done runs, the queued and running ones (no results yet), the broken one pending again.
  assert.equal(data.sweep, true);
  for (const f of sweep.finished) assert.equal(data.status.get(f)?.status, "done");
  assert.equal(data.status.get(sweep.queued)?.status, "queued");
  assert.equal(data.status.get(sweep.running)?.status, "running");
  assert.equal(data.status.get(sweep.broken)?.status, "pending");
  assert.equal(data.status.get(sweep.broken)?.message, cli[0].reason);
  assert.equal(data.fetched, sweep.finished.length + 1);

  // A reload with nothing changed fetches nothing; a rewritten run is fetched alone.
  reads.length = 0;
  const same = await loader.load();
  assert.equal(same.fetched, 0);
  assert.equal(same.changed, false);
  assert.deepEqual(reads, []);
  const file = join(root, "sweeps", "s1", sweep.finished[2], "results.json");
  const results = JSON.parse(readFileSync(file, "utf8"));
  results.dev_f1 = 0.987;
  writeFileSync(file, JSON.stringify(results));
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const again = await loader.load();
  assert.equal(again.fetched, 1);
  assert.equal(again.changed, true);
  assert.deepEqual(reads, [`sweeps/s1/${sweep.finished[2]}/results.json`]);
  assert.equal(again.columns.dev_f1[2], 0.987);
});
