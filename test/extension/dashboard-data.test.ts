/**
 * The runs dashboard's data (extension/dashboard/data.ts) against `lukelab analyze` on the same
 * folder: the same table, cell for cell, as tables/runs.csv; the same broken runs with the same
 * reasons; sweep statuses from the state files; a reload fetches only the files that changed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { writeFileAtomic } from "../../kernel/io/atomic";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { RunsLoader } from "../../extension/dashboard/data";
import { datasetCandidates } from "../../extension/dashboard/dataset";
import { loadRuns } from "../../kernel/analysis/runs";
import { readResults, writeResults } from "../../kernel/tasks/entity-typing/results";
import { SUMMARY_FILE } from "../../kernel/tasks/entity-typing/results-summary";
import { indexEntryMatches, listedTime, parseRunsIndex, RUNS_INDEX_FILE } from "../../kernel/tasks/entity-typing/runs-index";
import { updateRunsIndex } from "../../kernel/tasks/entity-typing/runs-index-write";
import { cliCsv, diskSource, HTML_TEXT, writeDashboardSweep } from "./dashboard-fixture";

const dir = mkdtempSync(join(tmpdir(), "lukelab-dashboard-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the dashboard's table is the CLI's runs.csv; broken runs and statuses; reloads fetch what changed", async () => {
  const root = join(dir, "root");
  const sweep = writeDashboardSweep(join(root, "sweeps", "s1"));
  const [header, ...rows] = await cliCsv(join(root, "sweeps", "s1"), join(dir, "out"));

  const reads: string[] = [];
  const lists: string[] = [];
  const loader = new RunsLoader(diskSource(root, reads, lists), "sweeps/s1");
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

  // A reload with nothing changed lists the folder alone and fetches nothing; a run replaced (renamed
  // into place, as lukelab writes) is listed and fetched alone.
  reads.length = 0;
  lists.length = 0;
  const same = await loader.load();
  assert.equal(same.fetched, 0);
  assert.equal(same.changed, false);
  assert.deepEqual(reads, []);
  assert.deepEqual(lists, ["sweeps/s1"]);
  const file = join(root, "sweeps", "s1", sweep.finished[2], "results.json");
  const results = JSON.parse(readFileSync(file, "utf8"));
  results.dev_f1 = 0.987;
  writeFileAtomic(file, JSON.stringify(results));
  // The folder's time to the millisecond, so that it can be put back exactly below (the server lists microseconds).
  const folderTime = new Date(Math.floor(statSync(join(root, "sweeps", "s1", sweep.finished[2])).mtimeMs));
  utimesSync(join(root, "sweeps", "s1", sweep.finished[2]), folderTime, folderTime);
  lists.length = 0;
  const again = await loader.load();
  assert.equal(again.fetched, 1);
  assert.equal(again.changed, true);
  assert.deepEqual(reads, [`sweeps/s1/${sweep.finished[2]}/results.json`]);
  assert.deepEqual(lists, ["sweeps/s1", `sweeps/s1/${sweep.finished[2]}`]);
  assert.equal(again.columns.dev_f1[2], 0.987);
  // A file rewritten in place (the folder's time unchanged) is seen when every folder is listed again.
  results.dev_f1 = 0.654;
  writeFileSync(file, JSON.stringify(results));
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  utimesSync(join(root, "sweeps", "s1", sweep.finished[2]), folderTime, folderTime);
  reads.length = 0;
  assert.equal((await loader.load()).fetched, 0);
  const relisted = await loader.load({ relist: true });
  assert.deepEqual(reads, [`sweeps/s1/${sweep.finished[2]}/results.json`]);
  assert.equal(relisted.columns.dev_f1[2], 0.654);
});

test("runs with results-summary.json: the same table from the summaries alone; stale or broken summaries fall back to results.json", async () => {
  const root = join(dir, "summaries");
  const sweep = writeDashboardSweep(join(root, "s"));
  const folder = (run: string) => join(root, "s", run);
  // Every finished run's results.json as the run loop writes it: summary first, then results.json.
  for (const run of sweep.finished) {
    const text = readFileSync(join(folder(run), "results.json"), "utf8");
    writeResults(folder(run), text, readResults(join(folder(run), "results.json")));
  }
  // A good summary beside the broken results.json (it was cut short after the run wrote both).
  const good = readFileSync(join(folder(sweep.finished[0]), SUMMARY_FILE), "utf8");
  writeFileSync(join(folder(sweep.broken), SUMMARY_FILE), good);
  const [header, ...rows] = await cliCsv(join(root, "s"), join(dir, "summaries-out"));
  const cells = (data: { columns: Record<string, unknown[]> }, i: number) => header.map((c) => (data.columns[c][i] === null || data.columns[c][i] === undefined ? "" : String(data.columns[c][i])));

  const reads: string[] = [];
  const loader = new RunsLoader(diskSource(root, reads), "s");
  const data = await loader.load();
  assert.deepEqual(Object.keys(data.columns), header);
  assert.equal(data.runs.length, rows.length);
  for (let i = 0; i < rows.length; i++) assert.deepEqual(cells(data, i), rows[i], `row ${i} (${rows[i][0]})`);
  // The finished runs were read from their summaries alone; the broken one whole, and still broken.
  const results = reads.filter((r) => r.endsWith("/results.json"));
  assert.deepEqual(results, [`s/${sweep.broken}/results.json`]);
  assert.equal(reads.filter((r) => r.endsWith(SUMMARY_FILE)).length, sweep.finished.length + 1);
  assert.deepEqual(data.skipped.map((s) => s.reason), loadRuns(join(root, "s")).skipped.map((s) => s.reason));
  const first = data.runs[0];
  assert.equal(first.results.evaluation_predict_label, undefined);

  // Details: the per-example data comes from results.json when asked for, once.
  reads.length = 0;
  const whole = await loader.full(first);
  assert.deepEqual(whole.results, readResults(join(root, "s", first.folder, "results.json")));
  assert.ok(whole.results.evaluation_predict_label?.dev?.predict_logits.length);
  assert.equal(await loader.full(first), whole);
  assert.deepEqual(reads, [`s/${first.folder}/results.json`]);

  // results.json rewritten in place by something else (its summary now stale): read whole, the new
  // value shown, once every folder is listed again.
  const stale = join(folder(sweep.finished[1]), "results.json");
  const changed = JSON.parse(readFileSync(stale, "utf8"));
  changed.dev_f1 = 0.321;
  writeFileSync(stale, JSON.stringify(changed));
  // A broken summary beside a good results.json: results.json decides.
  writeFileSync(join(folder(sweep.finished[2]), SUMMARY_FILE), "{ not json");
  reads.length = 0;
  const again = await loader.load({ relist: true });
  assert.deepEqual(reads.filter((r) => r.endsWith("/results.json")).sort(), [`s/${sweep.finished[1]}/results.json`, `s/${sweep.finished[2]}/results.json`].sort());
  assert.equal(again.columns.dev_f1[1], 0.321);
  assert.equal(again.runs.length, rows.length);
  assert.equal(again.skipped.length, 1);
  const row2 = cells(again, 2);
  assert.deepEqual(row2, rows[2]);
});

test("runs-index.json: the table from the index alone; runs rewritten since, missing from it, or a broken index read from their folders", async () => {
  const root = join(dir, "index");
  const sweep = writeDashboardSweep(join(root, "s"));
  const folder = (run: string) => join(root, "s", run);
  for (const run of sweep.finished) {
    const text = readFileSync(join(folder(run), "results.json"), "utf8");
    writeResults(folder(run), text, readResults(join(folder(run), "results.json")));
  }
  // `lukelab analyze` writes the index of its --data-dir; the library call does the same.
  const [header, ...rows] = await cliCsv(join(root, "s"), join(dir, "index-out"), { keepIndex: true });
  assert.deepEqual(Object.keys(parseRunsIndex(readFileSync(join(root, "s", RUNS_INDEX_FILE), "utf8"), "index").runs), [...sweep.finished].sort());
  const update = updateRunsIndex(join(root, "s"));
  assert.equal(update.runs, sweep.finished.length);
  assert.deepEqual(update.left.map((l) => l.folder), [sweep.broken]);
  assert.match(update.left[0].reason, /not valid JSON/);
  const table = (data: { columns: Record<string, unknown[]> }) =>
    data.columns.folder.map((_, i) => header.map((c) => (data.columns[c][i] === null || data.columns[c][i] === undefined ? "" : String(data.columns[c][i]))));

  // The finished runs come from the index: their folders are not listed, nothing of theirs is read.
  const reads: string[] = [];
  const lists: string[] = [];
  const data = await new RunsLoader(diskSource(root, reads, lists), "s").load();
  assert.deepEqual(table(data), rows);
  assert.deepEqual(data.skipped.map((s) => s.reason), loadRuns(join(root, "s")).skipped.map((s) => s.reason));
  for (const run of sweep.finished) {
    assert.ok(!lists.includes(`s/${run}`), `${run} listed`);
    assert.ok(!reads.some((r) => r.startsWith(`s/${run}/`)), `${run} read`);
  }
  assert.ok(reads.includes(`s/${RUNS_INDEX_FILE}`));
  assert.ok(lists.includes(`s/${sweep.broken}`));

  // A run rewritten after the index was made (renamed into place: its folder's time moved) is read
  // from its folder, with its new value; the others still from the index.
  const rewritten = sweep.finished[1];
  const results = readResults(join(folder(rewritten), "results.json"));
  results.dev_f1 = 0.4321;
  writeResults(folder(rewritten), JSON.stringify(results), results);
  reads.length = 0;
  lists.length = 0;
  const again = await new RunsLoader(diskSource(root, reads, lists), "s").load();
  assert.equal(again.columns.dev_f1[1], 0.4321);
  assert.deepEqual(lists.filter((l) => sweep.finished.some((run) => l === `s/${run}`)), [`s/${rewritten}`]);
  assert.deepEqual(reads.filter((r) => sweep.finished.some((run) => r.startsWith(`s/${run}/`))), [`s/${rewritten}/${SUMMARY_FILE}`]);

  // Updating the index for that run alone keeps the other entries (their folders unchanged).
  assert.equal(updateRunsIndex(join(root, "s"), [rewritten]).runs, sweep.finished.length);
  const entries = parseRunsIndex(readFileSync(join(root, "s", RUNS_INDEX_FILE), "utf8"), "index").runs;
  assert.equal(entries[rewritten].summary.results.dev_f1, 0.4321);
  // An entry lost to another writer (its update renamed over ours) is put back by the next update.
  const { [sweep.finished[4]]: lost, ...kept } = entries;
  writeFileSync(join(root, "s", RUNS_INDEX_FILE), JSON.stringify({ format: "lukelab-runs-index/1", runs: kept }));
  assert.equal(updateRunsIndex(join(root, "s"), [rewritten]).runs, sweep.finished.length);
  assert.deepEqual(parseRunsIndex(readFileSync(join(root, "s", RUNS_INDEX_FILE), "utf8"), "index").runs[sweep.finished[4]], lost);

  // A broken index, and an index whose entry is for another run's results (as a lost update or a
  // copied folder could leave): never a wrong row, every run read from its folder or left alone.
  for (const broken of ["{ not json", JSON.stringify({ format: "lukelab-runs-index/1", runs: { [sweep.finished[0]]: { ...entries[sweep.finished[2]], folder_mtime_ms: 1 } } })]) {
    writeFileSync(join(root, "s", RUNS_INDEX_FILE), broken);
    const d = await new RunsLoader(diskSource(root), "s").load();
    assert.equal(d.columns.dev_f1[1], 0.4321);
    assert.deepEqual(table(d).filter((_, i) => i !== 1), rows.filter((_, i) => i !== 1));
  }
});

test("a sweep's state files from runs-index.json: the statuses the files give, a file changed since or not in the index read, live", async () => {
  const root = join(dir, "state-index");
  const sweep = writeDashboardSweep(join(root, "s"));
  const stateDir = join(root, "s", "state");
  const stateFile = (run: string) => join(stateDir, `${run}.json`);
  const all = [...sweep.finished, sweep.broken, sweep.queued, sweep.running];
  const update = updateRunsIndex(join(root, "s"));
  assert.equal(update.states, all.length);
  const statuses = (d: { status: Map<string, { status: string; message?: string }> }) => Object.fromEntries([...d.status].sort(([a], [b]) => (a < b ? -1 : 1)));
  const stateReads = (reads: string[]) => reads.filter((r) => r.startsWith("s/state/")).sort();
  // The statuses from the state files themselves (Refresh does not use the index), to compare with.
  const fromFiles = async () => {
    const r: string[] = [];
    const d = await new RunsLoader(diskSource(root, r), "s").load({ relist: true });
    assert.equal(stateReads(r).length, readdirSync(stateDir).length);
    return statuses(d);
  };
  const expected = await fromFiles();
  assert.equal(expected[sweep.running].status, "running");

  // With the index current: state/ listed once, no state file read, the same statuses.
  const reads: string[] = [];
  const lists: string[] = [];
  const loader = new RunsLoader(diskSource(root, reads, lists), "s");
  const data = await loader.load();
  assert.deepEqual(statuses(data), expected);
  assert.deepEqual(stateReads(reads), []);
  assert.ok(lists.includes("s/state"));

  // The running run ends (its state file replaced, as lukelab writes it): the live reload reads that
  // file alone and shows its new status; a fresh load does the same.
  const ended = JSON.parse(readFileSync(stateFile(sweep.running), "utf8"));
  Object.assign(ended, { status: "failed", message: "exited with code 3", exitCode: 3 });
  writeFileAtomic(stateFile(sweep.running), JSON.stringify(ended));
  reads.length = 0;
  const live = await loader.load();
  assert.deepEqual(stateReads(reads), [`s/state/${sweep.running}.json`]);
  assert.equal(live.changed, true);
  assert.deepEqual(live.status.get(sweep.running), { folder: sweep.running, status: "failed", message: "exited with code 3" });
  const changedExpected = await fromFiles();
  assert.deepEqual(statuses(live), changedExpected);
  const r1: string[] = [];
  assert.deepEqual(statuses(await new RunsLoader(diskSource(root, r1), "s").load()), changedExpected);
  assert.deepEqual(stateReads(r1), [`s/state/${sweep.running}.json`]);
  // The sweep's update as that run ends records the new file; the others' entries are kept.
  assert.equal(updateRunsIndex(join(root, "s"), [sweep.running]).states, all.length);
  const r2: string[] = [];
  assert.deepEqual(statuses(await new RunsLoader(diskSource(root, r2), "s").load()), changedExpected);
  assert.deepEqual(stateReads(r2), []);

  // A state file rewritten with the same size (its time moved), one added after the index, and one
  // that is not JSON: each read from its file; the others from the index.
  const queued = JSON.parse(readFileSync(stateFile(sweep.queued), "utf8"));
  queued.status = "paused"; // same length as "queued": only the time tells
  writeFileAtomic(stateFile(sweep.queued), JSON.stringify(queued));
  writeFileSync(stateFile("lr_0.5-seed_10"), JSON.stringify({ ...queued, run: "lr_0.5-seed_10", status: "queued" }));
  writeFileSync(stateFile(sweep.finished[0]), '{"status": "done",');
  const r3: string[] = [];
  const mixed = await new RunsLoader(diskSource(root, r3), "s").load();
  assert.deepEqual(stateReads(r3), [sweep.finished[0], "lr_0.5-seed_10", sweep.queued].map((run) => `s/state/${run}.json`).sort());
  assert.deepEqual(statuses(mixed), await fromFiles());
  assert.equal(mixed.status.get(sweep.queued)?.status, "paused");
  assert.equal(mixed.status.get("lr_0.5-seed_10")?.status, "queued");
  assert.equal(mixed.status.get(sweep.finished[0])?.status, "pending");
  assert.match(mixed.status.get(sweep.finished[0])?.message ?? "", /state\/lr_0\.001-seed_10\.json:1:\d+: /);
  // The writer leaves the broken file out (a reader reads it) and records the others.
  assert.equal(updateRunsIndex(join(root, "s")).states, all.length);

  // Entries that do not match or are not valid, and an index that is not one: every such file read,
  // the statuses still the files'.
  const index = JSON.parse(readFileSync(join(root, "s", RUNS_INDEX_FILE), "utf8"));
  const expectedNow = await fromFiles();
  const entry = index.state_files[`${sweep.finished[1]}.json`];
  const variants: [string, string[]][] = [
    ["{ not json", all.concat("lr_0.5-seed_10")],
    [JSON.stringify({ ...index, state_files: "none" }), all.concat("lr_0.5-seed_10")],
    // 5 µs off, one byte off, not an object: that file alone.
    ...[{ ...entry, mtime_ms: entry.mtime_ms + 0.005 }, { ...entry, bytes: entry.bytes + 1 }, { ...entry, state: [1] }].map(
      (e) => [JSON.stringify({ ...index, state_files: { ...index.state_files, [`${sweep.finished[1]}.json`]: e } }), [sweep.finished[1]]] as [string, string[]],
    ),
  ];
  for (const [text, read] of variants) {
    writeFileSync(join(root, "s", RUNS_INDEX_FILE), text);
    const r: string[] = [];
    assert.deepEqual(statuses(await new RunsLoader(diskSource(root, r), "s").load()), expectedNow);
    assert.deepEqual(stateReads(r), [...read, sweep.finished[0]].map((run) => `s/state/${run}.json`).filter((p, i, a) => a.indexOf(p) === i).sort());
  }
});

test("a listed time is trusted only to the microsecond", () => {
  const entry = { folder_mtime_ms: Date.parse("2026-12-06T19:02:20.948Z") + 0.905, subfolders: [], summary: undefined as never };
  assert.deepEqual(listedTime("2026-12-06T19:02:20.948905Z"), { ms: entry.folder_mtime_ms, resolutionMs: 0.001 });
  assert.equal(indexEntryMatches(entry, "2026-12-06T19:02:20.948905Z"), true);
  assert.equal(indexEntryMatches(entry, "2026-12-06T19:02:20.948906Z"), true); // the server's rounding
  assert.equal(indexEntryMatches(entry, "2026-12-06T19:02:20.948908Z"), false);
  assert.equal(indexEntryMatches(entry, "2026-12-06T19:02:20.948Z"), false); // milliseconds only: not trusted
  assert.equal(indexEntryMatches({ ...entry, folder_mtime_ms: Date.parse("2026-12-06T19:02:20Z") }, "2026-12-06T19:02:20Z"), false);
  assert.equal(indexEntryMatches(entry, "yesterday"), false);
});

test("where the dashboard looks for a run's dataset: under the server's root, as lukelab analyze looks on disk", () => {
  assert.deepEqual(datasetCandidates("datasets/oe", "ex/run-1", "/home/u/lab"), ["ex/run-1/datasets/oe", "ex/datasets/oe", "datasets/oe"]);
  assert.deepEqual(datasetCandidates("../data", "ex/run-1", undefined), ["ex/data", "data"]);
  assert.deepEqual(datasetCandidates("/home/u/lab/data/oe/", "ex/run-1", "/home/u/lab"), ["data/oe"]);
  assert.deepEqual(datasetCandidates("/home/u/lab/../other", "ex", "/home/u/lab"), []);
  assert.deepEqual(datasetCandidates("/home/u/labs/oe", "ex", "/home/u/lab"), []);
  assert.deepEqual(datasetCandidates("/data/oe", "ex", undefined), []);
  assert.deepEqual(datasetCandidates("/data/oe", "ex", "/"), ["data/oe"]);
});
