/**
 * Sweep definitions and plans, without running anything: folder names as the original's
 * `robust_<tag>_<value>` (Python str() of the value), the grid product, YAML and JSON giving the
 * same plan, a notebook object, errors naming the file, line and key, stable indices on replanning,
 * and the Slurm and LSF scripts.
 */
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pythonFloatRepr, pythonStr } from "../../kernel/sweep/naming";
import { planSweep, readPlan, writePlan } from "../../kernel/sweep/plan";
import { ORIGINAL_SWEEPS } from "../../kernel/sweep/presets";
import { arraySpec, slurmScript } from "../../kernel/sweep/slurm";
import { lsfScript } from "../../kernel/sweep/lsf";
import { ROOT, tmpDir } from "../helpers";

const SAMPLE = join(ROOT, "samples", "open-entity-sample");

function file(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test("values print as Python's str(), so folders match the original's names", () => {
  const cases: [number, string][] = [
    [1e-5, "1e-05"], [1e-10, "1e-10"], [0.1, "0.1"], [0.001, "0.001"], [1e-4, "0.0001"], [0.3, "0.3"],
    [1.5e-7, "1.5e-07"], [1e16, "1e+16"], [123456.5, "123456.5"], [2.5, "2.5"], [0, "0.0"], [1, "1.0"], [-0.25, "-0.25"],
  ];
  for (const [x, want] of cases) assert.equal(pythonFloatRepr(x), want, String(x));
  assert.equal(pythonStr(1, "1.0"), "1.0");
  assert.equal(pythonStr(1000, "1000"), "1000");
  assert.equal(pythonStr(0.001, "1e-3"), "0.001");
  assert.equal(pythonStr(1000, "1e3"), "1000.0");
  assert.equal(pythonStr(12), "12");
  assert.equal(pythonStr(true), "True");
  assert.equal(pythonStr("warmup_constant"), "warmup_constant");
});

test("one-at-a-time with the original preset: the original's folders, base and forced accumulation", () => {
  const dir = tmpDir();
  const sweep = file(dir, "robust.yaml", readFileSync(join(ROOT, "samples", "sweeps", "original-robust.yaml"), "utf8").replace("../open-entity-sample", SAMPLE));
  const plan = planSweep(sweep, { outputDir: join(dir, "out") });
  const names = plan.runs.map((r) => r.name);
  assert.equal(plan.runs.length, 11 + 10 + 10 + 7 + 12 + 10);
  for (const name of [
    "robust_seed_10", "robust_seed_20", "robust_learning_rate_0.1", "robust_learning_rate_1e-05", "robust_learning_rate_1e-10",
    "robust_weight_decay_1000", "robust_weight_decay_0", "robust_weight_decay_0.001", "robust_train_batch_size_64",
    "robust_train_frac_size_0.002", "robust_train_frac_size_1.0", "robust_hidden_dropout_prob_0.0", "robust_hidden_dropout_prob_0.3",
  ]) assert.ok(names.includes(name), name);
  const lr = plan.runs.find((r) => r.name === "robust_learning_rate_1e-05")!;
  assert.deepEqual(lr.vary, { learning_rate: 1e-5 });
  // All eight hyperparameters at the original's base, prior evaluation on, model not kept.
  for (const [k, v] of Object.entries({ train_batch_size: 2, gradient_accumulation_steps: 2, learning_rate: 1e-5, num_train_epochs: 10, seed: 12, train_frac_size: 1, weight_decay: 0.01, hidden_dropout_prob: 0.1, do_evaluate_prior_train: true, save_model: false })) {
    assert.equal(lr.options[k], v, k);
  }
  assert.equal(lr.options.data_dir, SAMPLE);
  assert.equal(lr.outputDir, join(dir, "out", "robust_learning_rate_1e-05"));
  assert.deepEqual(lr.argv.slice(0, 2), ["--output-dir", lr.outputDir]);
  assert.ok(lr.argv.includes("--dont-save-model"));
  const batch = plan.runs.find((r) => r.name === "robust_train_batch_size_8")!;
  assert.equal(batch.options.gradient_accumulation_steps, 1, "the original forced accumulation 1 in its batch-size sweep");
  assert.equal(plan.runs.find((r) => r.name === "robust_seed_13")!.options.gradient_accumulation_steps, 2);
  assert.deepEqual(plan.runs.map((r) => r.index), plan.runs.map((_, i) => i));
});

test("a grid is the cartesian product, the same from YAML, JSON and a notebook object", () => {
  const dir = tmpDir();
  const yaml = file(dir, "g.yaml", `kind: grid\nbase:\n  data_dir: ${SAMPLE}\n  num-train-epochs: 2\nparameters:\n  learning_rate: [1e-3, 2e-3, 5e-3]\n  seed: [12, 13]\n  lrSchedule: [warmup_linear]\n`);
  const json = file(dir, "g.json", JSON.stringify({ kind: "grid", base: { data_dir: SAMPLE, "num-train-epochs": 2 }, parameters: { learning_rate: [1e-3, 2e-3, 5e-3], seed: [12, 13], lrSchedule: ["warmup_linear"] } }));
  const a = planSweep(yaml, { outputDir: join(dir, "a") });
  const b = planSweep(json, { outputDir: join(dir, "a") });
  const c = planSweep({ name: "g", kind: "grid", base: { dataDir: SAMPLE, numTrainEpochs: 2 }, parameters: { learning_rate: [1e-3, 2e-3, 5e-3], seed: [12, 13], lr_schedule: ["warmup_linear"] } }, { outputDir: join(dir, "a") });
  assert.equal(a.runs.length, 6);
  assert.equal(a.runs[0].name, "grid_learning_rate_0.001__seed_12__lr_schedule_warmup_linear");
  assert.equal(a.runs[5].name, "grid_learning_rate_0.005__seed_13__lr_schedule_warmup_linear");
  assert.deepEqual(a.runs[3].vary, { learning_rate: 0.002, seed: 13, lr_schedule: "warmup_linear" });
  assert.deepEqual(a.parameters, ["learning_rate", "seed", "lr_schedule"]);
  for (const other of [b, c]) assert.deepEqual(other.runs, a.runs);
  assert.equal(a.name, "g");
  assert.deepEqual(a.runs[3].argv, ["--output-dir", join(dir, "a", a.runs[3].name), "--data-dir", SAMPLE, "--num-train-epochs", "2", "--seed", "13", "--learning-rate", "0.002", "--lr-schedule", "warmup_linear"]);
  // A notebook can rebuild the original's sweeps from the exported lists.
  const orig = planSweep({ kind: "one-at-a-time", preset: "original", base: { data_dir: SAMPLE }, parameters: { train_frac_size: ORIGINAL_SWEEPS.train_frac_size } }, { outputDir: join(dir, "o") });
  assert.equal(orig.runs.at(-1)!.name, "robust_train_frac_size_1.0");

  writePlan(a);
  const text = readFileSync(join(dir, "a", "plan.txt"), "utf8");
  assert.match(text, /index\s+run\s+learning_rate\s+seed\s+lr_schedule/);
  assert.match(text, /\[5\] lukelab entity-typing run --output-dir \S+grid_learning_rate_0\.005__seed_13/);
  assert.deepEqual(readPlan(join(dir, "a")).runs, a.runs);
});

test("bad sweep files stop with the file, line, column and key", () => {
  const dir = tmpDir();
  const expectError = (name: string, text: string, pattern: RegExp) => {
    const path = file(dir, name, text);
    assert.throws(() => planSweep(path, { outputDir: join(dir, "out") }), (err: Error) => {
      assert.match(err.message, pattern);
      assert.ok(err.message.startsWith(path), `${err.message} names ${path}`);
      return true;
    });
  };
  expectError("unknown.yaml", "parameters:\n  learning_rate: [1e-3]\n  lerning_rate: [1]\n", /unknown\.yaml:3:3: parameters\.lerning_rate: unknown option "lerning_rate".*did you mean/);
  expectError("value.yaml", "parameters:\n  learning_rate: [1e-3, fast]\n", /value\.yaml:2:25: parameters\.learning_rate\[1\]: --learning-rate must be a number, got "fast"/);
  expectError("range.yaml", "parameters:\n  hidden_dropout_prob: [0.1, 1.5]\n", /range\.yaml:2:30: parameters\.hidden_dropout_prob\[1\]: --hidden-dropout-prob must be in \[0, 1\), got 1\.5/);
  expectError("int.yaml", "base:\n  seed: 1.5\nparameters:\n  learning_rate: [1e-3]\n", /int\.yaml:2:9: base\.seed: --seed must be an integer/);
  expectError("switch.yaml", "base:\n  do_train: yes\nparameters:\n  seed: [1]\n", /base\.do_train: --do-train is on or off: use true or false, got "yes"/);
  expectError("choice.yaml", "parameters:\n  lr_schedule: [cosine]\n", /parameters\.lr_schedule\[0\]: --lr-schedule must be one of warmup_linear, warmup_constant/);
  expectError("outdir.yaml", "base:\n  output_dir: x\nparameters:\n  seed: [1]\n", /base\.output_dir: "output_dir" cannot be set in a sweep/);
  expectError("empty.yaml", "parameters:\n  seed: []\n", /parameters\.seed: has no values/);
  expectError("none.yaml", "kind: grid\n", /parameters: needs at least one parameter/);
  expectError("repeat.yaml", "parameters:\n  seed: [1, 2, 1]\n", /parameters\.seed\[2\]: repeats the value 1/);
  expectError("kind.yaml", "kind: random\nparameters:\n  seed: [1]\n", /kind\.yaml:1:7: kind: must be one of grid, one-at-a-time/);
  expectError("top.yaml", "paramters:\n  seed: [1]\n", /top\.yaml:1:1: paramters: unknown key/);
  expectError("yaml.yaml", "parameters:\n  seed: [1, 2\n  lr: 3\n", /yaml\.yaml:\d+:\d+: is not valid YAML/);
  expectError("dup.yaml", "parameters:\n  seed: [1]\n  seed: [2]\n", /is not valid YAML \(Map keys must be unique/);
  expectError("bad.json", '{"parameters": {"seed": [1,]}}', /bad\.json:1:27: not valid JSON: a comma before '\]' \(a trailing comma\)/);
  expectError("nan.json", '{\n  "parameters": {"learning_rate": [NaN, 1e-3]}\n}', /nan\.json:2:36: not valid JSON: NaN is not JSON .*allow_nan=False/);
  expectError("json-key.json", '{\n  "parameters": {\n    "seed": [1],\n    "warmup": [0.1]\n  }\n}\n', /json-key\.json:4:5: parameters\.warmup: unknown option "warmup"/);
  expectError("set.yaml", "parameters:\n  train_batch_size: { values: [2], set: { gradient_accumulation_steps: 0 } }\n", /parameters\.train_batch_size\.set\.gradient_accumulation_steps: --gradient-accumulation-steps must be a positive integer/);
  expectError("both.yaml", "base:\n  do_train: false\n  do_eval: false\nparameters:\n  seed: [1]\n", /both\.yaml: run grid_seed_1: --no-train with --no-eval leaves nothing to do/);
  assert.throws(() => planSweep(join(dir, "missing.yaml"), { outputDir: dir }), /missing\.yaml: cannot be read \(ENOENT\)/);
  assert.throws(() => planSweep({ parameters: { seed: ["x"] } }, { outputDir: dir }), /^Error: sweep definition: parameters\.seed\[0\]: --seed must be a number/);
});

test("replanning keeps every run's index, numbers new runs after them, and refuses changed options", () => {
  const dir = tmpDir();
  const out = join(dir, "out");
  const v1 = file(dir, "s1.yaml", `base: { data_dir: ${SAMPLE} }\nparameters:\n  seed: [12, 13, 14]\n`);
  writePlan(planSweep(v1, { outputDir: out }));
  const v2 = file(dir, "s2.yaml", `base: { data_dir: ${SAMPLE} }\nparameters:\n  seed: [11, 13, 14, 15]\n`);
  const plan = planSweep(v2, { outputDir: out, resumeSteps: 5 });
  assert.deepEqual(plan.runs.map((r) => [r.index, r.name]), [[1, "grid_seed_13"], [2, "grid_seed_14"], [3, "grid_seed_11"], [4, "grid_seed_15"]]);
  assert.ok(plan.runs[0].argv.join(" ").includes("--resume-steps 5"), "resume steps change nothing a run computes: allowed");
  writePlan(plan);
  const again = planSweep(v1, { outputDir: out });
  assert.deepEqual(again.runs.map((r) => [r.index, r.name]), [[1, "grid_seed_13"], [2, "grid_seed_14"], [5, "grid_seed_12"]], "dropped indices are not reused");
  const v3 = file(dir, "s3.yaml", `base: { data_dir: ${SAMPLE}, learning_rate: 1e-3 }\nparameters:\n  seed: [13]\n`);
  assert.throws(() => planSweep(v3, { outputDir: out }), /plan\.json: run grid_seed_13 was planned with other options:\n {2}learning_rate: 0\.00001 → 0\.001/);
});

test("the Slurm and LSF scripts say which run each array index is", () => {
  assert.equal(arraySpec([0, 1, 2, 3]), "0-3");
  assert.equal(arraySpec([5, 0, 2, 3, 7, 8], 2), "0,2-3,5,7-8%2");
  const dir = tmpDir();
  const plan = planSweep({ parameters: { seed: [12, 13, 14] }, base: { data_dir: SAMPLE } }, { outputDir: join(dir, "out") });
  const runs = [plan.runs[0], plan.runs[2]];
  const script = slurmScript(plan, runs, { partition: "gpu", cpusPerRun: 4, memPerRunMb: 8192, time: "2:00:00", gpus: 1, maxParallel: 1, extra: ["--qos=short"] });
  for (const line of [
    "#!/bin/bash", "#SBATCH --job-name=lukelab-sweep", "#SBATCH --array=0,2%1", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8192M",
    "#SBATCH --time=2:00:00", "#SBATCH --partition=gpu", "#SBATCH --gpus=1", "#SBATCH --qos=short",
    `#SBATCH --output=${join(dir, "out", "logs", "slurm_%A_%a.out")}`,
  ]) assert.ok(script.split("\n").includes(line), line);
  assert.match(script, /^# {3}0 {6}grid_seed_12$/m);
  assert.match(script, /^# {3}2 {6}grid_seed_14$/m);
  assert.doesNotMatch(script, /grid_seed_13/);
  assert.match(script, /exec \S+ \S+bin\/lukelab\.js sweep exec --output-dir \S+ --index "\$SLURM_ARRAY_TASK_ID"$/m);
  assert.throws(() => slurmScript(plan, runs, { time: "two hours" }), /--time must be a Slurm time/);

  const lsf = lsfScript(plan, runs, { queue: "gpuv100", gpus: 1, time: "1-00:00:00", maxParallel: 2 });
  assert.match(lsf, /UNTESTED/);
  for (const line of ['#BSUB -J "lukelab-sweep[1,3%2]"', "#BSUB -q gpuv100", "#BSUB -W 24:00", '#BSUB -gpu "num=1:mode=exclusive_process"', '#BSUB -R "rusage[mem=2048MB]"']) {
    assert.ok(lsf.split("\n").includes(line), line);
  }
  assert.match(lsf, /--index "\$\(\(LSB_JOBINDEX - 1\)\)"/);
});
