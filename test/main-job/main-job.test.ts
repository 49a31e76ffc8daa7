/**
 * The main job (`npm start`) learns: scripts/main-job.mjs, the very command package.json's "start"
 * runs (only the output folder and --quiet added), fine-tunes a fresh tiny LUKE on samples/typing-demo
 * and must end with dev F1 at least 0.2 above its score before training and at least 0.1 above the
 * majority-label baseline, as results.json records them and as the printed summary says.
 *
 * The baseline is checked against scikit-learn trying every label subset as the constant answer
 * (kernel/tasks/entity-typing/baseline.ts tries only the k most frequent labels, which it argues is
 * enough), and dev F1 against scikit-learn's micro-F1 of the saved logits.
 *
 * One training run of about a minute, in the first test pass only (RUN_ONCE): the maths it uses is
 * covered on every backend by tasks/ and train/.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { OPEN_ENTITY_LABELS, readOpenEntityDir } from "../../kernel/data/open-entity";
import { readBaseline } from "../../kernel/tasks/entity-typing/baseline";
import { multiHot } from "../../kernel/tasks/entity-typing/metrics";
import { readResults } from "../../kernel/tasks/entity-typing/results";
import { SUMMARY_TITLE } from "../../kernel/tasks/entity-typing/summary";
import { ROOT, runPython, tmpDir } from "../helpers";

const DATA = join(ROOT, "samples", "typing-demo");

interface Figures {
  precision: number;
  recall: number;
  f1: number;
}

test("npm start's job: after training beats before training by 0.2 and the majority-label baseline by 0.1 (dev F1)", { timeout: 600_000 }, () => {
  const out = join(tmpDir(), "run");
  const t0 = Date.now();
  const run = spawnSync(process.execPath, [join(ROOT, "scripts", "main-job.mjs"), "--output-dir", out, "--quiet"], { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(run.status, 0, run.stderr);
  const r = readResults(join(out, "results.json"));
  const lp = r.experimental_configurations.log_parameters;
  assert.equal(lp.data_dir, "samples/typing-demo");
  assert.equal(lp.model_size, "tiny");
  assert.equal(lp.do_train, true);

  const before = r.dev_f1_epoch_no_training!;
  const after = r.dev_f1!;
  const baseline = readBaseline(r)!;
  assert.ok(baseline, "results.json has no lukelab.baseline");
  assert.ok(after >= before + 0.2, `dev F1 ${after.toFixed(4)} after training, ${before.toFixed(4)} before`);
  assert.ok(after >= baseline.dev.f1 + 0.1, `dev F1 ${after.toFixed(4)} after training, ${baseline.dev.f1.toFixed(4)} for always answering ${baseline.labels.join(", ")}`);

  // The baseline and dev F1, recomputed by scikit-learn from the data files and the saved logits.
  const data = readOpenEntityDir(DATA);
  const targets = (split: "train" | "dev") => data[split].map((e) => multiHot(e.labels, OPEN_ENTITY_LABELS));
  const ref = runPython<{ best: { labels: number[]; train: Figures; dev: Figures }; dev: Figures }>(join(ROOT, "test", "main-job", "best_constant.py"), [], {
    train: targets("train"),
    dev: targets("dev"),
    dev_logits: r.evaluation_predict_label!.dev!.predict_logits,
  });
  assert.deepEqual([...baseline.labels].sort(), ref.best.labels.map((j) => OPEN_ENTITY_LABELS[j]).sort(), "the best constant label set");
  for (const m of ["precision", "recall", "f1"] as const) {
    assert.ok(Math.abs(baseline.train[m] - ref.best.train[m]) < 1e-9, `baseline train ${m}: ${baseline.train[m]} vs scikit-learn ${ref.best.train[m]}`);
    assert.ok(Math.abs(baseline.dev[m] - ref.best.dev[m]) < 1e-9, `baseline dev ${m}: ${baseline.dev[m]} vs scikit-learn ${ref.best.dev[m]}`);
    assert.ok(Math.abs(r[`dev_${m}`]! - ref.dev[m]) < 1e-9, `dev ${m}: ${r[`dev_${m}`]} vs scikit-learn ${ref.dev[m]}`);
  }

  // The command ends with the summary, its figures those of results.json.
  const lines = run.stdout.trimEnd().split("\n");
  const at = lines.lastIndexOf(SUMMARY_TITLE);
  assert.ok(at >= 0, `no summary in the output:\n${run.stdout}`);
  const summary = lines.slice(at + 1);
  assert.equal(summary.length, 3, `summary:\n${summary.join("\n")}`);
  const figure = (line: string, what: string) => {
    const m = new RegExp(`^  ${what}\\s+(\\d\\.\\d{4})`).exec(line);
    assert.ok(m, `expected "${what}" with a figure, found "${line}"`);
    return Number(m[1]);
  };
  assert.equal(figure(summary[0], "before training"), Number(before.toFixed(4)));
  assert.equal(figure(summary[1], "after training"), Number(after.toFixed(4)));
  assert.equal(figure(summary[2], "majority-label baseline"), Number(baseline.dev.f1.toFixed(4)));
  assert.match(summary[2], new RegExp(`always: ${baseline.labels.join(", ")}`));
  console.log(`[main-job] ${seconds.toFixed(0)} s; dev F1 before ${before.toFixed(4)}, after ${after.toFixed(4)} (epoch ${r.best_epoch}), baseline ${baseline.dev.f1.toFixed(4)} (${baseline.labels.join(", ")})`);
});
