/**
 * The local runner, as a user runs it (`lukelab sweep run` processes) on the shipped sample:
 * finished runs are skipped, failed ones run again only with --retry-failed, at most --max-parallel
 * runs at once, a run killed with SIGKILL resumes from its checkpoint without repeating a step, and
 * SIGTERM to the runner stops its runs and leaves every state file consistent.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readResults } from "../../kernel/tasks/entity-typing/results";
import { readPlan } from "../../kernel/sweep/plan";
import { runSweep, sweepStatus } from "../../kernel/sweep/runner";
import { parseRunsIndex, RUNS_INDEX_FILE } from "../../kernel/tasks/entity-typing/runs-index";
import { localProcessAlive, readState, type RunState } from "../../kernel/sweep/state";
import { FIXTURES, ROOT, tmpDir } from "../helpers";
import { sweep } from "./sweep-cli";

const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const MICRO = join(FIXTURES, "training", "micro-config.json");


const states = (dir: string): RunState[] => {
  const plan = readPlan(dir);
  return plan.runs.map((r) => readState(plan, r)!);
};

/** The most attempts that ran at the same time, from the state files' start and end times. */
function maxOverlap(all: RunState[]): number {
  const events = all.flatMap((s) => s.history.flatMap((a) => [{ t: Date.parse(a.started), d: 1 }, { t: Date.parse(a.ended!), d: -1 }]));
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of events) most = Math.max(most, (now += e.d));
  return most;
}

/** Resolves once the run's resume checkpoint is at `step` or beyond. */
async function waitForCheckpoint(runDir: string, step: number, timeoutMs = 120_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    try {
      const s = JSON.parse(readFileSync(join(runDir, ".resume", "state.json"), "utf8"));
      if (s.step >= step) return s.step;
    } catch {
      // not there yet, or being replaced
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${runDir}: no checkpoint at step ${step} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("finished runs are skipped, failed ones rerun only with --retry-failed, at most --max-parallel at once", { timeout: 300_000 }, async () => {
  const dir = tmpDir();
  const bad = join(dir, "bad-data");
  mkdirSync(bad);
  for (const f of ["dev.json", "test.json"]) copyFileSync(join(SAMPLE, f), join(bad, f));
  writeFileSync(join(bad, "train.json"), '[{"sent": "x", "start": 0, "end": 1, "labels": ["mammal"]}]');
  const file = join(dir, "sweep.yaml");
  writeFileSync(file, `name: retry\nbase:\n  model_config: ${MICRO}\n  num_train_epochs: 1\n  train_batch_size: 4\nparameters:\n  data_dir: [${SAMPLE}, bad-data]\n  seed: [12, 13]\n`);
  const out = join(dir, "out");

  const first = await sweep(["run", file, "--output-dir", out, "--max-parallel", "2"]);
  assert.equal(first.code, 1, `some runs failed, so the exit code is 1:\n${first.stderr}`);
  const views = sweepStatus(out);
  assert.deepEqual(views.map((v) => v.status), ["done", "done", "failed", "failed"]);
  const failed = views[2];
  assert.equal(failed.exitCode, 1);
  assert.match(readFileSync(failed.log, "utf8"), /unknown label "mammal"/);
  assert.match(first.stdout, /2 done, 2 failed/);
  assert.equal(maxOverlap(states(out)), 2, "two runs at once, never three");
  const mtimes = views.slice(0, 2).map((v) => statSync(join(v.outputDir, "results.json")).mtimeMs);
  // The runs dashboard's index of the sweep folder holds the finished runs, as they are now.
  const indexed = () => parseRunsIndex(readFileSync(join(out, RUNS_INDEX_FILE), "utf8"), RUNS_INDEX_FILE).runs;
  assert.deepEqual(Object.keys(indexed()), views.slice(0, 2).map((v) => v.name).sort());
  for (const v of views.slice(0, 2)) {
    const entry = indexed()[v.name];
    assert.equal(entry.folder_mtime_ms, statSync(v.outputDir).mtimeMs, v.name);
    assert.deepEqual(entry.summary.results.dev_f1, readResults(join(v.outputDir, "results.json")).dev_f1);
  }

  const second = await sweep(["run", file, "--output-dir", out]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /0 to run/);
  assert.match(second.stderr, /failed \(not rerun without --retry-failed\)/);
  assert.deepEqual(states(out).map((s) => s.attempts), [1, 1, 1, 1], "nothing ran again");
  assert.deepEqual(views.slice(0, 2).map((v) => statSync(join(v.outputDir, "results.json")).mtimeMs), mtimes);

  // Mend the data; from a notebook, the failed runs run again only when asked.
  copyFileSync(join(SAMPLE, "train.json"), join(bad, "train.json"));
  assert.equal((await runSweep(out, { maxParallel: 2 })).started.length, 0);
  const report = await runSweep(out, { retryFailed: true, maxParallel: 2 });
  assert.deepEqual(report.started, [views[2].name, views[3].name]);
  assert.deepEqual(report.runs.map((v) => v.status), ["done", "done", "done", "done"]);
  assert.deepEqual(states(out).map((s) => s.attempts), [1, 1, 2, 2]);
  assert.deepEqual(states(out)[2].history.map((a) => a.status), ["failed", "done"]);
  for (const v of report.runs) assert.equal(readResults(join(v.outputDir, "results.json")).training_loss!.length, 11);
  assert.deepEqual(Object.keys(indexed()), report.runs.map((v) => v.name).sort());
  // It records every state file too; an entry whose file is unchanged since (same size and time; runs
  // ending together may leave one stale, which the dashboard then reads) holds the file's contents.
  const stateEntries = parseRunsIndex(readFileSync(join(out, RUNS_INDEX_FILE), "utf8"), RUNS_INDEX_FILE).state_files ?? {};
  assert.deepEqual(Object.keys(stateEntries), report.runs.map((v) => `${v.name}.json`).sort());
  let current = 0;
  for (const [name, entry] of Object.entries(stateEntries)) {
    const stat = statSync(join(out, "state", name));
    if (stat.size !== entry.bytes || Math.abs(stat.mtimeMs - entry.mtime_ms) > 0.002) continue;
    current++;
    assert.deepEqual(entry.state, JSON.parse(readFileSync(join(out, "state", name), "utf8")), name);
  }
  assert.ok(current >= 1, "the last run to end indexed its own state file as it is");
  const status = await sweep(["status", "--output-dir", out, "--json"]);
  assert.deepEqual(JSON.parse(status.stdout).map((v: { status: string }) => v.status), ["done", "done", "done", "done"]);
});

const STEPS = 4 * 22; // 4 epochs of 43 examples in batches of 2

function longSweep(dir: string, seeds: number[]): string {
  const file = join(dir, "sweep.yaml");
  writeFileSync(file, `name: long\nbase:\n  data_dir: ${SAMPLE}\n  num_train_epochs: 4\n  learning_rate: 2e-3\nparameters:\n  seed: [${seeds.join(", ")}]\n`);
  return file;
}

test("a run killed with SIGKILL resumes on the next sweep run, with every step once", { timeout: 300_000 }, async () => {
  const dir = tmpDir();
  const file = longSweep(dir, [12, 13]);
  const out = join(dir, "out");
  const victim = join(out, "grid_seed_12");
  let killedAt = -1;
  const first = await sweep(["run", file, "--output-dir", out, "--max-parallel", "2", "--resume-steps", "3"], () => {
    void waitForCheckpoint(victim, 9).then((step) => {
      killedAt = step;
      const plan = readPlan(out);
      const pid = readState(plan, plan.runs[0])!.owner!.pid!;
      process.kill(pid, "SIGKILL");
    });
  });
  assert.ok(killedAt >= 9 && killedAt < STEPS, `killed part-way (checkpoint at step ${killedAt})`);
  assert.equal(first.code, 1, first.stderr);
  let [killed, other] = sweepStatus(out);
  assert.equal(killed.status, "interrupted");
  assert.equal(killed.signal, "SIGKILL");
  assert.equal(other.status, "done", "the other run went on to the end");

  const second = await sweep(["run", file, "--output-dir", out, "--resume-steps", "3"]);
  assert.equal(second.code, 0, second.stderr);
  [killed, other] = sweepStatus(out);
  assert.deepEqual([killed.status, killed.attempts, other.attempts], ["done", 2, 1]);
  const results = readResults(join(victim, "results.json"));
  assert.equal(results.lukelab!.resumed, true);
  assert.equal(results.training_loss!.length, STEPS, "no step lost, none twice");
  assert.equal(results.experimental_configurations.log_parameters.global_step, STEPS);
  assert.equal((readFileSync(killed.log, "utf8").match(/^=== grid_seed_12: attempt \d/gm) ?? []).length, 4, "two attempts, each opened and closed in the log");
});

test("SIGTERM to the runner stops its runs, leaves no run marked running, and the next run finishes them", { timeout: 300_000 }, async () => {
  const dir = tmpDir();
  const file = longSweep(dir, [14, 15]);
  const out = join(dir, "out");
  let runnerPid = 0;
  const stopped = await sweep(["run", file, "--output-dir", out, "--max-parallel", "2", "--resume-steps", "2"], (pid) => {
    runnerPid = pid;
    void Promise.all([waitForCheckpoint(join(out, "grid_seed_14"), 2), waitForCheckpoint(join(out, "grid_seed_15"), 2)]).then(() => process.kill(runnerPid, "SIGTERM"));
  });
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.match(stopped.stderr, /SIGTERM: stopping the runs/);
  for (const s of states(out)) {
    assert.equal(s.status, "interrupted", `${s.run}: ${s.status}`);
    assert.equal(s.signal, "SIGTERM");
    assert.notEqual(s.ended, null);
    assert.ok(!localProcessAlive(s.history[0].owner.pid!), `${s.run}: its process is gone`);
  }
  const again = await sweep(["run", file, "--output-dir", out]);
  assert.equal(again.code, 0, again.stderr);
  for (const v of sweepStatus(out)) {
    assert.equal(v.status, "done");
    assert.equal(readResults(join(v.outputDir, "results.json")).training_loss!.length, STEPS, v.name);
  }
});
