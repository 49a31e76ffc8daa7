/**
 * The original system's sweep (seed-features §1.2): its base setting and the value lists of its
 * one-at-a-time sweeps, so `preset: original` in a sweep file (or these constants in a notebook)
 * rebuilds it. The original also passed --fp16, which has no meaning on TF.js and is left out.
 */

/** The base of every run of the original sweep, as sweep keys (entity-typing option names). */
export const ORIGINAL_BASE: Readonly<Record<string, unknown>> = {
  train_batch_size: 2,
  gradient_accumulation_steps: 2,
  learning_rate: 1e-5,
  num_train_epochs: 10,
  seed: 12,
  train_frac_size: 1.0,
  weight_decay: 0.01,
  hidden_dropout_prob: 0.1,
  do_evaluate_prior_train: true,
  save_model: false,
};

/**
 * The original's sweeps, each run alone around ORIGINAL_BASE. Values as its Python lists wrote
 * them; a TypeScript number cannot say `1.0`, so float literals that are integral are strings here
 * (the folder is then `robust_train_frac_size_1.0`, as the original's).
 */
export const ORIGINAL_SWEEPS: Readonly<Record<string, readonly (number | string)[]>> = {
  seed: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
  learning_rate: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10],
  weight_decay: [1000, 100, 75, 50, 25, 0, 0.1, 0.01, 1e-3, 1e-4],
  train_batch_size: [1, 2, 4, 8, 16, 32, 64],
  train_frac_size: [0.002, 0.003, 0.004, 0.005, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, "1.0"],
  hidden_dropout_prob: ["0.0", 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
};

/** The original forced gradient accumulation 1 when it swept the batch size. */
export const ORIGINAL_PARAMETER_SETS: Readonly<Record<string, Record<string, unknown>>> = {
  train_batch_size: { gradient_accumulation_steps: 1 },
};
