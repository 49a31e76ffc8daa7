/**
 * Sweeps of NER runs: a sweep file that says `task: ner` is checked against `ner run`'s options,
 * planned with `lukelab ner run` commands, and run by the local runner; its run folders are NER runs
 * (results.json's lukelab.task) that `lukelab analyze` summarises per task.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { analyseRuns } from "../../kernel/analysis/report";
import { readResults } from "../../kernel/tasks/entity-typing/results";
import { planSweep, readPlan } from "../../kernel/sweep/plan";
import { readSweepFile, SweepDefinitionError } from "../../kernel/sweep/definition";
import { FIXTURES, ROOT, tmpDir } from "../helpers";
import { sweep } from "./sweep-cli";

const SAMPLE = join(ROOT, "samples", "conll-sample");
const MICRO = join(FIXTURES, "training", "micro-config.json");


const NER_SWEEP = (dataDir: string) =>
  [
    "name: ner-lr",
    "task: ner",
    "base:",
    `  data_dir: ${dataDir}`,
    `  model_config: ${MICRO}`,
    "  num_train_epochs: 1",
    "  train_batch_size: 8",
    "  gradient_accumulation_steps: 1",
    "  max_seq_length: 64",
    "  max_mention_length: 8",
    "parameters:",
    "  learning_rate: [1e-3, 2e-3]",
    "",
  ].join("\n");

test("a sweep file with task: ner is checked against ner run's options and planned as ner run commands", () => {
  const dir = tmpDir();
  const file = join(dir, "ner.yaml");
  writeFileSync(file, NER_SWEEP(SAMPLE));
  const checked = readSweepFile(file);
  assert.equal(checked.task, "ner");
  assert.equal(checked.base.numTrainEpochs, 1);
  const plan = planSweep(file, { outputDir: join(dir, "out") });
  assert.equal(plan.task, "ner");
  assert.deepEqual(plan.runs.map((r) => r.name), ["grid_learning_rate_0.001", "grid_learning_rate_0.002"]);
  assert.equal(plan.runs[0].options.max_mention_length, 8);
  assert.equal(plan.runs[0].options.num_train_epochs, 1);
  // NER's defaults, not entity typing's: what the base does not set is ner run's default.
  assert.equal(plan.runs[0].options.max_entity_length, 128);
  assert.ok(!("context_window" in plan.runs[0].options));
  assert.deepEqual(plan.runs[1].argv.slice(plan.runs[1].argv.indexOf("--learning-rate"), plan.runs[1].argv.indexOf("--learning-rate") + 2), ["--learning-rate", "0.002"]);
  assert.ok(plan.runs[0].argv.includes("--max-mention-length"));

  // Entity typing's sweeps are unchanged: no task in their plan.
  const typing = join(dir, "typing.yaml");
  writeFileSync(typing, `parameters:\n  learning_rate: [1e-3]\n`);
  assert.equal(planSweep(typing, { outputDir: join(dir, "typing-out") }).task, undefined);

  const bad = (text: string, pattern: RegExp) => {
    writeFileSync(file, text);
    assert.throws(() => readSweepFile(file), (err: Error) => err instanceof SweepDefinitionError && pattern.test(err.message), text);
  };
  bad(NER_SWEEP(SAMPLE).replace("task: ner", "task: relation"), /ner\.yaml:2:7: task: must be one of entity-typing, ner, got "relation"/);
  bad(NER_SWEEP(SAMPLE) + "  context_window: [5]\n", /ner\.yaml:13:3: parameters\.context_window: unknown option "context_window": not a ner run option; see `lukelab ner --help`/);
  bad(NER_SWEEP(SAMPLE).replace("max_mention_length: 8", "max_mention_length: 0"), /ner\.yaml:10:23: base\.max_mention_length: --max-mention-length must be an integer ≥ 1, got 0/);
  bad(NER_SWEEP(SAMPLE).replace("task: ner\n", ""), /base\.max_seq_length: unknown option "max_seq_length": not an entity-typing run option/);
});

test("the local runner runs a NER sweep with lukelab ner run; analyze summarises its runs as NER runs", { timeout: 300_000 }, async () => {
  const dir = tmpDir();
  const file = join(dir, "ner.yaml");
  writeFileSync(file, NER_SWEEP(SAMPLE));
  const out = join(dir, "out");
  const r = await sweep(["run", file, "--output-dir", out, "--max-parallel", "2"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /2 done/);
  const plan = readPlan(out);
  assert.match(readFileSync(join(out, "plan.txt"), "utf8"), /\[0\] lukelab ner run --output-dir /);
  for (const run of plan.runs) {
    const results = readResults(join(run.outputDir, "results.json"));
    assert.equal(results.lukelab?.task, "ner");
    assert.equal(results.experimental_configurations.log_parameters.learning_rate, run.vary.learning_rate);
    assert.equal(results.experimental_configurations.log_parameters.max_mention_length, 8);
    assert.ok(typeof results.test_f1 === "number");
    assert.match(readFileSync(join(out, "logs", `${run.name}.log`), "utf8"), /\[ner\] training: /);
  }
  const a = analyseRuns(out);
  assert.deepEqual(a.collection.runs.map((x) => x.task), ["ner", "ner"]);
  assert.deepEqual(a.tables.ner_summary_learning_rate.array("n"), [1, 1]);
  assert.equal(a.best, undefined);
  assert.ok(a.bestNer);

  // The folder holds NER runs: an entity-typing sweep may not plan into it.
  const typing = join(dir, "typing.yaml");
  writeFileSync(typing, `name: ner-lr\nparameters:\n  learning_rate: [1e-3, 2e-3]\n`);
  assert.throws(() => planSweep(typing, { outputDir: out }), /plan\.json: the sweep folder holds ner runs, this sweep's task is entity-typing; use another --output-dir/);
});
