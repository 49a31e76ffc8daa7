/**
 * The main job on the real data: `lukelab entity-typing run` trains a freshly initialised tiny LUKE
 * (2 layers, hidden 128; random weights and a 2,000-token BPE trained on the train split, both made by
 * scripts/compare_open_entity.py --init-only with transformers) on ../shared/data/open-entity, with
 * four words of context on each side of the mention, the settings of the README's comparison with
 * PyTorch (seed 12 of it). The loss falls, and dev micro-F1 beats always answering "person" (computed
 * here from the dev file), as does test F1; untrained, the model scores below it.
 *
 * One run of about a minute and a half, in the first test pass only: its maths (AdamW, schedules, BCE,
 * metrics) is checked on every backend by train/ and tasks/.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { OPEN_ENTITY_LABELS, readOpenEntityDir, type TypingExample } from "../../kernel/data/open-entity";
import { constantAnswerPrf, multiHot } from "../../kernel/tasks/entity-typing/metrics";
import { readResults } from "../../kernel/tasks/entity-typing/results";
import { ROOT, SHARED, tmpDir, venvPython } from "../helpers";

const DATA = join(SHARED, "data", "open-entity");
const SEED = 12;

/** Micro-F1 of answering "person" for every example. */
function personF1(examples: TypingExample[]): number {
  const targets = examples.map((e) => multiHot(e.labels, OPEN_ENTITY_LABELS));
  return constantAnswerPrf(targets, OPEN_ENTITY_LABELS.indexOf("person")).f1;
}

test("a tiny LUKE trained on Open Entity: the loss falls and dev F1 beats always answering person", { timeout: 900_000 }, () => {
  const dir = tmpDir();
  const init = spawnSync(venvPython(), [join(ROOT, "scripts", "compare_open_entity.py"), "--out", dir, "--seeds", String(SEED), "--init-only"], {
    encoding: "utf8",
    env: { ...process.env, LUKELAB_SHARED: SHARED, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false" },
  });
  assert.equal(init.status, 0, init.stderr);

  const out = join(dir, "run");
  // The settings of scripts/compare_open_entity.py (README: "Open Entity with a tiny LUKE").
  const run = spawnSync(
    process.execPath,
    [
      join(ROOT, "bin", "lukelab.js"), "entity-typing", "run", "--model-file", join(dir, `init-${SEED}`), "--data-dir", DATA, "--output-dir", out,
      "--seed", String(SEED), "--num-train-epochs", "8", "--train-batch-size", "16", "--learning-rate", "1e-3", "--weight-decay", "0.1",
      "--warmup-proportion", "0.06", "--hidden-dropout-prob", "0.3", "--eval-batch-size", "64", "--context-window", "4", "--dont-save-model", "--quiet",
    ],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  assert.equal(run.status, 0, run.stderr);
  const r = readResults(join(out, "results.json"));
  const lp = r.experimental_configurations.log_parameters;
  assert.equal(lp.context_window, 4);
  assert.equal(lp.global_step, 8 * 125);

  // The loss falls: the mean of the last epoch is well below the first's.
  const loss = r.training_loss!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(loss.slice(0, 125)), last = mean(loss.slice(-125));
  assert.ok(last < 0.75 * first, `mean training loss ${first.toFixed(4)} in the first epoch, ${last.toFixed(4)} in the last`);

  const devF1 = r.dev_f1!, testF1 = r.test_f1!;
  const data = readOpenEntityDir(DATA);
  const person = personF1(data.dev);
  assert.ok(Math.abs(person - 0.3876) < 5e-4, `always "person" scores dev F1 ${person}`);
  const untrained = r.dev_f1_epoch_no_training!;
  assert.ok(untrained < person, `untrained, the model scores dev F1 ${untrained.toFixed(4)}`);
  assert.ok(devF1 > person + 0.02, `dev F1 ${devF1.toFixed(4)} against ${person.toFixed(4)} for always "person"`);
  const personTest = personF1(data.test);
  assert.ok(testF1 > personTest, `test F1 ${testF1.toFixed(4)} against ${personTest.toFixed(4)} for always "person"`);
  console.log(
    `[open-entity] dev F1 untrained ${untrained.toFixed(4)}; loss ${first.toFixed(4)} → ${last.toFixed(4)}; dev F1 ${devF1.toFixed(4)} (epoch ${r.best_epoch}), test F1 ${testF1.toFixed(4)}; ` +
      `always "person": dev ${person.toFixed(4)}, test ${personTest.toFixed(4)}`,
  );
});
