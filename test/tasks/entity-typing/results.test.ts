/**
 * results.json is validated when read: the original's keys with their types, complete metric
 * triples, consecutive epochs, a best epoch that exists, prediction matrices of the label count;
 * every problem named by its key.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { devCurve, readResults, validateResults } from "../../../kernel/tasks/entity-typing/results";
import { tmpDir } from "../../helpers";

function valid(): Record<string, unknown> {
  const triple = (prefix: string, suffix: string, f1: number) => ({ [`${prefix}_precision${suffix}`]: f1, [`${prefix}_recall${suffix}`]: f1, [`${prefix}_f1${suffix}`]: f1 });
  return {
    ...triple("dev", "_epoch_no_training", 0.1),
    ...triple("dev", "_epoch0", 0.4),
    ...triple("dev", "_epoch1", 0.5),
    best_epoch: 1,
    ...triple("dev", "", 0.5),
    ...triple("test", "", 0.45),
    experimental_configurations: {
      log_parameters: { learning_rate: 1e-5, global_step: 4, average_loss: 0.3, training_samples: 4, dev_samples: 2, test_samples: 2, train_constructed: "without_replacement" },
      model_config: { hidden_size: 32 },
    },
    evaluation_predict_label: {
      label_list: ["a", "b"],
      dev: { predict_logits: [[0.1, -1], [2, 3]], true_labels: [[1, 0], [0, 1]] },
      test: { predict_logits: [[0.1, -1], [2, 3]], true_labels: [[1, 0], [0, 1]] },
    },
    training_loss: [0.7, 0.6, 0.5, 0.4],
  };
}

test("a complete results.json is accepted and read back typed", () => {
  const path = join(tmpDir(), "results.json");
  writeFileSync(path, JSON.stringify(valid()));
  const r = readResults(path);
  assert.equal(r.best_epoch, 1);
  assert.deepEqual(devCurve(r).map((c) => c.epoch), ["no_training", 0, 1]);
  // An eval-only run has the metrics and the configuration only.
  validateResults({ dev_precision: 0, dev_recall: 0, dev_f1: 0, experimental_configurations: { log_parameters: {}, model_config: {} } });
});

test("every problem is reported with its key", () => {
  const cases: [(r: Record<string, unknown>) => void, RegExp][] = [
    [(r) => delete r.experimental_configurations, /experimental_configurations: required/],
    [(r) => delete r.dev_recall_epoch0, /dev_recall_epoch0: missing/],
    [(r) => (r.dev_f1 = 1.5), /dev_f1: must be a number in \[0, 1\]/],
    [(r) => (r.best_epoch = 4), /best_epoch: is 4, but there are no dev metrics for epoch 4/],
    [(r) => Object.assign(r, { dev_precision_epoch3: 0.1, dev_recall_epoch3: 0.1, dev_f1_epoch3: 0.1 }), /epochs must run 0, 1, …, found 0, 1, 3/],
    [(r) => (r.devf1 = 0.2), /devf1: unknown key/],
    [(r) => ((r.evaluation_predict_label as { dev: { predict_logits: number[][] } }).dev.predict_logits[1] = [1]), /evaluation_predict_label\.dev\.predict_logits\[1\]: must be 2 finite numbers/],
    [(r) => ((r.evaluation_predict_label as { test: { true_labels: number[][] } }).test.true_labels = [[1, 0]]), /1 rows of true_labels/],
    [(r) => ((r.training_loss as unknown[])[2] = "x"), /training_loss\[2\]: must be a finite number/],
    [(r) => ((r.experimental_configurations as { log_parameters: Record<string, unknown> }).log_parameters.train_constructed = "both"), /train_constructed: must be "with_replacement" or "without_replacement"/],
    [(r) => (r.test_f1_epoch0 = 0.3), /test_f1_epoch0: test metrics are only reported for the final weights/],
  ];
  for (const [mutate, message] of cases) {
    const r = valid();
    mutate(r);
    assert.throws(() => validateResults(r, "run/results.json"), (err: Error) => {
      assert.match(err.message, /^run\/results\.json: not a valid entity-typing results\.json/);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.throws(() => validateResults([], "x.json"), /x\.json: must hold a JSON object/);
  const path = join(tmpDir(), "broken.json");
  writeFileSync(path, "{");
  assert.throws(() => readResults(path), /broken\.json:\d+:\d+: not valid JSON: /);
});
