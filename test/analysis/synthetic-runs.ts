/**
 * Run folders for analysis tests, written without training: a results.json that passes
 * validateResults, with gold labels from samples/open-entity-sample (so confusion-matrix cells can
 * be traced to its sentences) and seeded random logits, plus the two predictions files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OPEN_ENTITY_LABELS, readOpenEntityDir } from "../../kernel/data/open-entity";
import { microPrf, multiHot } from "../../kernel/tasks/entity-typing/metrics";
import { validateResults } from "../../kernel/tasks/entity-typing/results";
import { Rng } from "../../kernel/train/random";
import { ROOT } from "../helpers";

export const SAMPLE_DATA = join(ROOT, "samples", "open-entity-sample");

export interface SyntheticRun {
  learningRate: number;
  seed: number;
  epochs?: number;
  /** How far the logits lean towards the gold labels (0: pure noise). */
  skill?: number;
}

/** Logits for gold rows: gold pushes up by `skill`, noise from the seed; some exact zeros (ties). */
export function syntheticLogits(gold: number[][], seed: number, skill: number): number[][] {
  const rng = new Rng(seed);
  return gold.map((row) =>
    row.map((g) => {
      const u = rng.uniform();
      if (u < 0.05) return 0;
      return Number(((rng.uniform() - 0.5) * 6 + (g ? skill : -skill)).toFixed(6));
    }),
  );
}

/** Writes `<dir>/results.json` and the predictions files; returns the results object. */
export function writeSyntheticRun(dir: string, spec: SyntheticRun, dataDir = SAMPLE_DATA): Record<string, unknown> {
  const data = readOpenEntityDir(dataDir);
  const labels = [...OPEN_ENTITY_LABELS];
  const epochs = spec.epochs ?? 3;
  const skill = spec.skill ?? 1;
  const seedBase = Math.round(spec.seed * 1000 + spec.learningRate * 1e6);
  const block = (split: "dev" | "test", salt: number) => {
    const true_labels = data[split].map((e) => multiHot(e.labels, labels));
    return { predict_logits: syntheticLogits(true_labels, seedBase + salt, skill), true_labels };
  };
  const dev = block("dev", 1);
  const test = block("test", 2);
  const rng = new Rng(seedBase + 3);
  const results: Record<string, unknown> = {};
  const triple = (prefix: string, suffix: string, m: { precision: number; recall: number; f1: number }) => {
    results[`${prefix}_precision${suffix}`] = m.precision;
    results[`${prefix}_recall${suffix}`] = m.recall;
    results[`${prefix}_f1${suffix}`] = m.f1;
  };
  triple("dev", "_epoch_no_training", { precision: 0.1, recall: 0.5, f1: 0.1667 });
  for (let k = 0; k < epochs; k++) triple("dev", `_epoch${k}`, { precision: rng.uniform(), recall: rng.uniform(), f1: rng.uniform() });
  results.best_epoch = epochs - 1;
  const devPrf = microPrf(dev.predict_logits, dev.true_labels);
  const testPrf = microPrf(test.predict_logits, test.true_labels);
  triple("dev", `_epoch${epochs - 1}`, devPrf);
  triple("dev", "", devPrf);
  triple("test", "", testPrf);
  results.experimental_configurations = {
    log_parameters: {
      train_batch_size: 4,
      gradient_accumulation_steps: 1,
      learning_rate: spec.learningRate,
      num_train_epochs: epochs,
      seed: spec.seed,
      train_frac_size: 1,
      weight_decay: 0.01,
      hidden_dropout_prob: 0.1,
      data_dir: dataDir,
      output_dir: dir,
      global_step: epochs * 11,
      average_loss: 0.4,
      lr_schedule: "warmup_linear",
    },
    model_config: { hidden_size: 128 },
  };
  results.evaluation_predict_label = { label_list: labels, dev, test };
  results.training_loss = Array.from({ length: epochs * 11 }, (_, i) => 0.7 * Math.exp(-i / 20) + 0.05 * rng.uniform());
  validateResults(results, join(dir, "results.json"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "results.json"), JSON.stringify(results));
  for (const split of ["dev", "test"] as const) {
    const b = split === "dev" ? dev : test;
    const lines = b.predict_logits.map((row, i) =>
      JSON.stringify({ predictions: labels.filter((_, j) => row[j] > 0), labels: labels.filter((_, j) => b.true_labels[i][j] > 0) }),
    );
    writeFileSync(join(dir, `${split}_predictions.jsonl`), lines.join("\n") + "\n");
  }
  return results;
}

/** A sweep: 2 learning rates × 3 seeds under `root/lr_<lr>/seed_<seed>`. */
export function writeSweep(root: string): { learningRates: number[]; seeds: number[] } {
  const learningRates = [1e-3, 1e-1];
  const seeds = [10, 11, 12];
  for (const lr of learningRates) for (const seed of seeds) writeSyntheticRun(join(root, `lr_${lr}`, `seed_${seed}`), { learningRate: lr, seed, skill: lr > 0.01 ? 2 : 0.5 });
  return { learningRates, seeds };
}
