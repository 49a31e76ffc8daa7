/**
 * The checks and types of results.json (see results.ts for the keys), without the file system: the
 * CLI reads through results.ts, the browser extension parses the text it fetched.
 */
import type { LabelFigures } from "./metrics";

export interface PredictionsBlock {
  predict_logits: number[][];
  true_labels: number[][];
}

export interface EntityTypingResults {
  /** dev_*_epoch…, dev_*, test_* metric keys. */
  [metric: `${"dev" | "test"}_${string}`]: number | undefined;
  best_epoch?: number;
  experimental_configurations: {
    log_parameters: Record<string, unknown>;
    model_config: Record<string, unknown>;
  };
  evaluation_predict_label?: { label_list: string[]; dev?: PredictionsBlock; test?: PredictionsBlock };
  training_loss?: number[];
  per_label?: { dev?: Record<string, LabelFigures>; test?: Record<string, LabelFigures> };
  lukelab?: Record<string, unknown>;
}

const METRICS = ["precision", "recall", "f1"] as const;
const FIXED_KEYS = new Set(["best_epoch", "experimental_configurations", "evaluation_predict_label", "training_loss", "per_label", "lukelab"]);
const METRIC_KEY = /^(dev|test)_(precision|recall|f1)(?:_epoch(\d+|_no_training))?$/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v)?.slice(0, 60));

/**
 * Checks a parsed results.json; returns it typed, or throws one error listing every problem, each
 * naming the key. `where` names the file.
 */
export function validateResults(value: unknown, where = "results.json"): EntityTypingResults {
  const problems: string[] = [];
  const fail = (key: string, message: string) => problems.push(`${key}: ${message}`);
  if (!isObject(value)) throw new Error(`${where}: must hold a JSON object, found ${show(value)}`);

  // Metric keys: known shapes only, numbers in [0, 1], complete triples.
  const groups = new Map<string, Set<string>>(); // "dev" | "test" | "dev_epoch3" → metrics present
  const epochs = new Set<number>();
  for (const [key, v] of Object.entries(value)) {
    if (FIXED_KEYS.has(key)) continue;
    const m = METRIC_KEY.exec(key);
    if (!m) {
      fail(key, "unknown key");
      continue;
    }
    const [, split, metric, epoch] = m;
    if (split === "test" && epoch !== undefined) {
      fail(key, "test metrics are only reported for the final weights");
      continue;
    }
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) fail(key, `must be a number in [0, 1], found ${show(v)}`);
    const group = epoch === undefined ? split : `${split}_epoch${epoch}`;
    if (!groups.has(group)) groups.set(group, new Set());
    groups.get(group)!.add(metric);
    if (epoch !== undefined && epoch !== "_no_training") epochs.add(Number(epoch));
  }
  for (const [group, present] of groups) {
    const missing = METRICS.filter((m) => !present.has(m));
    if (missing.length) {
      const [split, suffix] = group.includes("_epoch") ? [group.slice(0, group.indexOf("_epoch")), group.slice(group.indexOf("_epoch"))] : [group, ""];
      fail(`${split}_${missing[0]}${suffix}`, `missing (the other metrics of ${group} are present)`);
    }
  }
  const sortedEpochs = [...epochs].sort((a, b) => a - b);
  sortedEpochs.forEach((e, i) => {
    if (e !== i) fail(`dev_f1_epoch${i}`, `missing: epochs must run 0, 1, …, found ${sortedEpochs.join(", ")}`);
  });

  if ("best_epoch" in value) {
    const b = value.best_epoch;
    if (!Number.isInteger(b)) fail("best_epoch", `must be an integer, found ${show(b)}`);
    else if (!epochs.has(b as number)) fail("best_epoch", `is ${b}, but there are no dev metrics for epoch ${b}`);
  }

  const conf = value.experimental_configurations;
  if (!isObject(conf)) fail("experimental_configurations", `required, an object with log_parameters and model_config; found ${show(conf)}`);
  else {
    for (const part of ["log_parameters", "model_config"]) {
      if (!isObject(conf[part])) fail(`experimental_configurations.${part}`, `must be an object, found ${show(conf[part])}`);
    }
    const lp = conf.log_parameters;
    if (isObject(lp)) {
      const ints = ["global_step", "training_samples", "dev_samples", "test_samples"];
      for (const k of ints) {
        if (k in lp && !(Number.isInteger(lp[k]) && (lp[k] as number) >= 0)) fail(`experimental_configurations.log_parameters.${k}`, `must be a non-negative integer, found ${show(lp[k])}`);
      }
      if ("average_loss" in lp && typeof lp.average_loss !== "number" && lp.average_loss !== null) {
        fail("experimental_configurations.log_parameters.average_loss", `must be a number, found ${show(lp.average_loss)}`);
      }
      if ("train_constructed" in lp && lp.train_constructed !== "with_replacement" && lp.train_constructed !== "without_replacement") {
        fail("experimental_configurations.log_parameters.train_constructed", `must be "with_replacement" or "without_replacement", found ${show(lp.train_constructed)}`);
      }
    }
  }

  let labelCount: number | undefined;
  if ("evaluation_predict_label" in value) {
    const e = value.evaluation_predict_label;
    if (!isObject(e)) fail("evaluation_predict_label", `must be an object, found ${show(e)}`);
    else {
      if (!Array.isArray(e.label_list) || !e.label_list.every((l) => typeof l === "string")) {
        fail("evaluation_predict_label.label_list", `must be a list of label names, found ${show(e.label_list)}`);
      } else labelCount = e.label_list.length;
      for (const split of ["dev", "test"]) {
        if (!(split in e)) continue;
        const block = e[split];
        const at = `evaluation_predict_label.${split}`;
        if (!isObject(block)) {
          fail(at, `must be an object with predict_logits and true_labels, found ${show(block)}`);
          continue;
        }
        const { predict_logits: logits, true_labels: labels } = block;
        const matrix = (m: unknown, name: string, cell: (x: unknown) => boolean, what: string) => {
          if (!Array.isArray(m)) return fail(`${at}.${name}`, `must be a list of rows, found ${show(m)}`);
          const bad = m.findIndex((row) => !Array.isArray(row) || (labelCount !== undefined && row.length !== labelCount) || !row.every(cell));
          if (bad >= 0) fail(`${at}.${name}[${bad}]`, `must be ${labelCount ?? "L"} ${what}, found ${show(m[bad])}`);
        };
        matrix(logits, "predict_logits", (x) => typeof x === "number" && Number.isFinite(x), "finite numbers");
        matrix(labels, "true_labels", (x) => x === 0 || x === 1, "0/1 values");
        if (Array.isArray(logits) && Array.isArray(labels) && logits.length !== labels.length) {
          fail(at, `${logits.length} rows of predict_logits but ${labels.length} rows of true_labels`);
        }
      }
    }
  }

  if ("training_loss" in value) {
    const t = value.training_loss;
    if (!Array.isArray(t)) fail("training_loss", `must be a list of numbers, found ${show(t)}`);
    else {
      const bad = t.findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
      if (bad >= 0) fail(`training_loss[${bad}]`, `must be a finite number, found ${show(t[bad])}`);
    }
  }

  if ("per_label" in value) {
    const p = value.per_label;
    if (!isObject(p)) fail("per_label", `must be an object, found ${show(p)}`);
    else {
      for (const [split, table] of Object.entries(p)) {
        if (split !== "dev" && split !== "test") {
          fail(`per_label.${split}`, "unknown split (dev or test)");
          continue;
        }
        if (!isObject(table)) {
          fail(`per_label.${split}`, `must be an object of label → figures, found ${show(table)}`);
          continue;
        }
        for (const [label, figures] of Object.entries(table)) {
          const at = `per_label.${split}.${label}`;
          if (!isObject(figures)) {
            fail(at, `must be an object, found ${show(figures)}`);
            continue;
          }
          for (const m of METRICS) {
            if (typeof figures[m] !== "number" || !((figures[m] as number) >= 0 && (figures[m] as number) <= 1)) fail(`${at}.${m}`, `must be a number in [0, 1], found ${show(figures[m])}`);
          }
          for (const c of ["predicted", "gold", "correct", "support"]) {
            if (!(Number.isInteger(figures[c]) && (figures[c] as number) >= 0)) fail(`${at}.${c}`, `must be a non-negative integer, found ${show(figures[c])}`);
          }
        }
      }
    }
  }
  if ("lukelab" in value && !isObject(value.lukelab)) fail("lukelab", `must be an object, found ${show(value.lukelab)}`);

  if (problems.length) {
    throw new Error(`${where}: not a valid entity-typing results.json (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n  ${problems.join("\n  ")}`);
  }
  return value as unknown as EntityTypingResults;
}

/** The per-epoch dev metrics of a run, in epoch order (the prior evaluation first when present). */
export function devCurve(results: EntityTypingResults): { epoch: number | "no_training"; precision: number; recall: number; f1: number }[] {
  const out: { epoch: number | "no_training"; precision: number; recall: number; f1: number }[] = [];
  const get = (suffix: string) => ({
    precision: results[`dev_precision${suffix}` as `dev_${string}`] as number,
    recall: results[`dev_recall${suffix}` as `dev_${string}`] as number,
    f1: results[`dev_f1${suffix}` as `dev_${string}`] as number,
  });
  if (results.dev_f1_epoch_no_training !== undefined) out.push({ epoch: "no_training", ...get("_epoch_no_training") });
  for (let k = 0; results[`dev_f1_epoch${k}` as `dev_${string}`] !== undefined; k++) out.push({ epoch: k, ...get(`_epoch${k}`) });
  return out;
}
