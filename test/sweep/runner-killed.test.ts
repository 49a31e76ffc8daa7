/**
 * A sweep runner killed with SIGKILL (it cannot stop its children): its runs stop themselves within
 * seconds (runner-watch.ts) instead of training on as orphans, reading the sweep sets their state
 * files to interrupted, and the next `sweep run` resumes them to the end. A run that finished while
 * nobody watched is recorded done when the sweep is read.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readResults } from "../../kernel/tasks/entity-typing/results";
import { readPlan } from "../../kernel/sweep/plan";
import { sweepStatus } from "../../kernel/sweep/runner";
import { localProcessAlive, readState, writeState } from "../../kernel/sweep/state";
import { ROOT, tmpDir } from "../helpers";

const CLI = join(ROOT, "bin", "lukelab.js");
const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const STEPS = 3 * 22; // 3 epochs of 43 examples in batches of 2

function sweep(args: string[], onSpawn?: (pid: number) => void): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "sweep", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    onSpawn?.(child.pid!);
    child.on("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      const v = fn();
      if (v !== undefined) return v;
    } catch {
      // not there yet, or being replaced
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const checkpointStep = (runDir: string) => JSON.parse(readFileSync(join(runDir, ".resume", "state.json"), "utf8")).step as number;

test("runs stop with a runner killed by SIGKILL, the state is reconciled, and the next sweep run finishes them", { timeout: 300_000 }, async () => {
  const dir = tmpDir();
  const file = join(dir, "sweep.yaml");
  writeFileSync(file, `name: orphans\nbase:\n  data_dir: ${SAMPLE}\n  num_train_epochs: 3\n  learning_rate: 2e-3\nparameters:\n  seed: [21, 22]\n`);
  const out = join(dir, "out");

  let children: number[] = [];
  const killed = await sweep(["run", file, "--output-dir", out, "--max-parallel", "2", "--resume-steps", "2"], (runnerPid) => {
    void (async () => {
      const plan = await until("plan.json", () => readPlan(out));
      for (const run of plan.runs) await until(`${run.name} checkpoint`, () => (checkpointStep(run.outputDir) >= 2 ? true : undefined));
      children = plan.runs.map((r) => readState(plan, r)!.owner!.pid!);
      process.kill(runnerPid, "SIGKILL");
    })();
  });
  assert.equal(killed.signal, "SIGKILL");
  assert.equal(children.length, 2);
  const plan = readPlan(out);
  // Nobody recorded the end: the files still say running…
  assert.deepEqual(plan.runs.map((r) => readState(plan, r)!.status), ["running", "running"]);
  // …and the runs notice their runner is gone and stop on their own.
  await until("the orphaned runs stop", () => (children.every((pid) => !localProcessAlive(pid)) ? true : undefined), 15_000);
  for (const run of plan.runs) assert.match(readFileSync(join(out, "logs", `${run.name}.log`), "utf8"), /the sweep runner \(pid \d+\) is gone; stopping this run/);

  // Reading the sweep writes the truth back into the state files.
  assert.deepEqual(sweepStatus(out).map((v) => v.status), ["interrupted", "interrupted"]);
  for (const run of plan.runs) {
    const s = readState(plan, run)!;
    assert.equal(s.status, "interrupted");
    assert.notEqual(s.ended, null);
    assert.equal(s.history.at(-1)!.status, "interrupted");
  }

  const again = await sweep(["run", file, "--output-dir", out]);
  assert.equal(again.code, 0, again.stderr);
  for (const v of sweepStatus(out)) {
    assert.equal(v.status, "done", v.name);
    const r = readResults(join(v.outputDir, "results.json"));
    assert.equal(r.lukelab!.resumed, true);
    assert.equal(r.training_loss!.length, STEPS, `${v.name}: every step once`);
  }

  // A run that finished while its runner was dead: the state file said running; reading says done.
  const s = readState(plan, plan.runs[0])!;
  writeState(plan, { ...s, status: "running", ended: null, owner: { runner: "local", host: s.owner!.host, pid: children[0], runnerPid: children[1] } });
  assert.equal(sweepStatus(out)[0].status, "done");
  assert.equal(readState(plan, plan.runs[0])!.status, "done");
});
