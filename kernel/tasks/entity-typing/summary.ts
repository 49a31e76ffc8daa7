/**
 * The summary that ends `lukelab entity-typing run`: dev micro-F1 before training, after training
 * and of the majority-label baseline (baseline.ts), read from the run's results.json, so the last
 * lines say at a glance whether the fine-tuning learned anything:
 *
 *   summary (dev micro-F1):
 *     before training          0.2380
 *     after training           0.8210  (best epoch 7)
 *     majority-label baseline  0.3058  (always: organization, person, place)
 *
 * A line whose figure the run did not compute (no prior evaluation, no training, no final
 * evaluation, a results.json from before the baseline was recorded) is left out.
 */
import { readBaseline } from "./baseline";
import type { EntityTypingResults } from "./results";

export const SUMMARY_TITLE = "summary (dev micro-F1):";

/** The summary lines of a run (title first); empty when there is nothing to compare. */
export function summaryLines(results: EntityTypingResults): string[] {
  const rows: [string, number, string][] = [];
  const before = results.dev_f1_epoch_no_training;
  if (before !== undefined) rows.push(["before training", before, ""]);
  const trained = results.experimental_configurations.log_parameters.do_train !== false && results.best_epoch !== undefined;
  if (results.dev_f1 !== undefined) rows.push([trained ? "after training" : "model evaluated", results.dev_f1, trained ? `(best epoch ${results.best_epoch})` : ""]);
  const baseline = readBaseline(results);
  if (baseline) rows.push(["majority-label baseline", baseline.dev.f1, `(always: ${baseline.labels.join(", ")})`]);
  if (rows.length === 0) return [];
  return [SUMMARY_TITLE, ...rows.map(([what, f1, note]) => `  ${what.padEnd(24)} ${f1.toFixed(4)}${note ? `  ${note}` : ""}`)];
}
