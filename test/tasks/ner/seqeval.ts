/** seqeval, the reference for NER metrics: `seqeval_ref.py` beside this file, and the scores it answers with. */
import { join } from "node:path";
import { ROOT } from "../../helpers";

export const SEQEVAL_SCRIPT = join(ROOT, "test", "tasks", "ner", "seqeval_ref.py");

/** Entity-level precision, recall and F1, in all and per type (seqeval's classification_report). */
export interface SeqevalScores {
  precision: number;
  recall: number;
  f1: number;
  per_type: Record<string, { precision: number; recall: number; f1: number; support: number }>;
}
