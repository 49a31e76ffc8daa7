/**
 * The Slurm runner on a real one-node cluster (slurm-cluster.ts): a sweep of four runs as one job
 * array, one task cancelled with scancel while it trains, the sweep run again: the cancelled run
 * resumes from its checkpoint and every run ends with its results, none lost and no step twice.
 * Then `cancelSweep` on a sweep in progress. Fails, with the reason, when Slurm is not installed.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readResults } from "../../kernel/tasks/entity-typing/results";
import { planSweep, readPlan } from "../../kernel/sweep/plan";
import { cancelSweep, runSweep, sweepStatus, waitForSlurm } from "../../kernel/sweep/runner";
import { schedulerCommand, slurmAccounting } from "../../kernel/sweep/slurm";
import { readState } from "../../kernel/sweep/state";
import { ROOT, tmpDir } from "../helpers";
import { startCluster, type Cluster } from "./slurm-cluster";

const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const STEPS = 3 * 22; // 3 epochs of 43 examples in batches of 2
let cluster: Cluster | undefined;

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  await cluster?.stop();
});

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    let value: T | undefined;
    try {
      value = probe();
    } catch {
      value = undefined;
    }
    if (value !== undefined) return value;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const checkpointStep = (runDir: string) => JSON.parse(readFileSync(join(runDir, ".resume", "state.json"), "utf8")).step as number;

test("a Slurm job array runs the sweep; a task cancelled mid-run resumes on the next sweep run, nothing lost or twice", { timeout: 240_000 }, async () => {
  assert.ok(cluster, "the cluster is up");
  const env = cluster.env;
  const dir = tmpDir();
  const file = join(dir, "sweep.yaml");
  writeFileSync(file, `name: slurm-e2e\nbase:\n  data_dir: ${SAMPLE}\n  num_train_epochs: 3\n  learning_rate: 2e-3\nparameters:\n  seed: [12, 13, 14, 15]\n`);
  const out = join(dir, "out");
  const plan = planSweep(file, { outputDir: out, resumeSteps: 3 });
  const parallel = Math.min(2, cluster.cpus);

  const first = await runSweep(plan, { runner: "slurm", maxParallel: parallel, memPerRunMb: 1024, slurm: { time: "10:00" }, env });
  const job = first.submission!.arrayJob;
  assert.equal(first.submission!.array, `0-3%${parallel}`);
  const script = readFileSync(first.submission!.script, "utf8");
  assert.match(script, new RegExp(`^#SBATCH --array=0-3%${parallel}$`, "m"));
  assert.match(script, /^#SBATCH --mem=1024M$/m);
  assert.match(script, /^# {3}2 {6}grid_seed_14$/m);
  assert.ok(first.runs.every((v) => v.status === "queued" || v.status === "running" || v.status === "done"), JSON.stringify(first.runs.map((v) => v.status)));

  // Cancel task 0 once it has committed a checkpoint part-way through training.
  const victim = plan.runs[0];
  const at = await waitFor("a checkpoint of task 0", () => (checkpointStep(victim.outputDir) >= 6 ? checkpointStep(victim.outputDir) : undefined));
  const cancel = schedulerCommand("scancel", [`${job}_0`], env);
  assert.equal(cancel.status, 0, cancel.stderr);
  await waitForSlurm(plan, { pollSeconds: 1, env, timeoutSeconds: 180 });

  let views = sweepStatus(plan, env);
  assert.equal(views[0].status, "interrupted", `task 0: ${JSON.stringify(views[0])}`);
  assert.ok(!existsSync(join(victim.outputDir, "results.json")), `task 0 was cancelled before it finished (checkpoint at ${at} of ${STEPS})`);
  assert.deepEqual(views.slice(1).map((v) => v.status), ["done", "done", "done"]);
  // No slurmdbd here: sacct has nothing, and status came from squeue and the state files.
  assert.equal(slurmAccounting([job], env), undefined);

  // Run the sweep again: only the cancelled run is submitted, and it resumes.
  const second = await runSweep(readPlan(out), { runner: "slurm", maxParallel: parallel, memPerRunMb: 1024, slurm: { time: "10:00" }, env, wait: true, pollSeconds: 1 });
  assert.deepEqual(second.started, [victim.name]);
  assert.equal(second.submission!.array, `0%${parallel}`);
  views = second.runs;
  assert.deepEqual(views.map((v) => v.status), ["done", "done", "done", "done"]);
  assert.deepEqual(views.map((v) => v.attempts), [2, 1, 1, 1]);

  for (const run of plan.runs) {
    const results = readResults(join(run.outputDir, "results.json"));
    assert.equal(results.training_loss!.length, STEPS, `${run.name}: every step once`);
    assert.equal(results.experimental_configurations.log_parameters.global_step, STEPS);
    assert.equal(results.lukelab!.resumed, run === victim, run.name);
    assert.ok(existsSync(join(out, "logs", `slurm_${job}_${run.index}.out`)), `${run.name}: Slurm's own log`);
  }
  const state = readState(plan, victim)!;
  assert.deepEqual(state.history.map((a) => [a.status, a.owner.slurmArrayJob]), [["interrupted", job], ["done", second.submission!.arrayJob]]);
  assert.equal(state.history[0].signal, "SIGTERM");
});

test("cancelSweep scancels the sweep's array job and its runs resume later", { timeout: 180_000 }, async () => {
  assert.ok(cluster, "the cluster is up");
  const env = cluster.env;
  const dir = tmpDir();
  const plan = planSweep({ name: "cancel", base: { data_dir: SAMPLE, num_train_epochs: 20 }, parameters: { seed: [21, 22, 23] } }, { outputDir: join(dir, "out"), resumeSteps: 5 });
  const { submission } = await runSweep(plan, { runner: "slurm", maxParallel: 1, memPerRunMb: 512, env });
  await waitFor("task 0 running", () => (readState(plan, plan.runs[0])?.status === "running" ? true : undefined));
  const cancelled = cancelSweep(plan, env);
  assert.deepEqual(cancelled.slurmJobs, [submission!.arrayJob]);
  await waitForSlurm(plan, { pollSeconds: 1, env, timeoutSeconds: 60 });
  const views = sweepStatus(plan, env);
  assert.deepEqual(views.map((v) => v.status), ["interrupted", "interrupted", "interrupted"]);
  assert.deepEqual(views.map((v) => v.attempts), [1, 0, 0], "tasks still pending never started");
  assert.deepEqual(cancelSweep(plan, env).slurmJobs, [], "nothing left to cancel");
});
