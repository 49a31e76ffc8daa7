/**
 * results.json of an entity-typing run: the original's keys (seed-features §1.1), checked when
 * read. Other modules (experiments, analysis, the notebook API) read runs through readResults.
 *
 * Keys, all optional unless marked:
 *   dev_{precision,recall,f1}_epoch_no_training      dev metrics before training (prior evaluation)
 *   dev_{precision,recall,f1}_epoch{k}                dev metrics after epoch k = 0, 1, … (consecutive)
 *   best_epoch                                         epoch whose weights were kept (needs the epochs)
 *   dev_{precision,recall,f1}, test_{…}               final metrics of the kept weights
 *   experimental_configurations (required)            { log_parameters: {option: value, …,
 *                                                        global_step, average_loss, output_dir,
 *                                                        training_samples, dev_samples, test_samples,
 *                                                        train_constructed}, model_config: {config.json} }
 *   evaluation_predict_label                          { label_list: [str], dev: {predict_logits: [[L]],
 *                                                        true_labels: [[L]]}, test: {…} }
 *   training_loss                                     one value per optimiser step, NOT divided by the
 *                                                        gradient accumulation steps (the original stored
 *                                                        one divided value per micro-batch)
 *   per_label                                         lukelab: { dev|test: { label: {precision, recall,
 *                                                        f1, predicted, gold, correct, support} } }
 *   lukelab                                           lukelab: { version, backend, training_loss, … }
 *
 * Metrics come in complete triples (precision, recall and f1), each in [0, 1].
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../io/atomic";
import { readJson } from "../../io/read";
import { resultsSummary, SUMMARY_FILE } from "./results-summary";
import { validateResults, type EntityTypingResults } from "./results-schema";

export * from "./results-schema";

const RESULTS_FILE_NAME = "results.json";

/** Reads and validates a run's results.json. */
export function readResults(path: string): EntityTypingResults {
  return validateResults(readJson(path), path);
}

/**
 * Writes a run's results.json (`text`, whose checked value is `results`) atomically, with
 * results-summary.json beside it written first: the summary records the size and time of the
 * results.json it describes, so a reader can tell it from a stale one (./results-summary.ts).
 */
export function writeResults(dir: string, text: string, results: EntityTypingResults): void {
  writeFileAtomic(join(dir, RESULTS_FILE_NAME), text, (written) => {
    writeFileAtomic(join(dir, SUMMARY_FILE), JSON.stringify(resultsSummary(results, written.size, written.mtimeMs)) + "\n");
  });
}
