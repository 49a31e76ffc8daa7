/**
 * The CI seed of the fidelity comparison (scripts/compare_conll.py, docs/ner.md "A CI seed"): one
 * tiny LUKE made by transformers, fine-tuned on a slice of CoNLL-2003 by `lukelab ner run` and by a
 * PyTorch loop from the same initial weights, inputs and data order, both without dropout (so the two
 * runs differ only by floating-point rounding). lukelab's test F1 must be within TOLERANCE points of
 * PyTorch's, and both above the "no entity" baseline (F1 0).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, SHARED, tmpDir, venvPython } from "../../helpers";

/** The setting docs/ner.md measured; change both together. */
export const CI_SETTING = [
  "--seeds", "12", "--epochs", "3", "--train-docs", "30", "--eval-docs", "10", "--batch", "4", "--lr", "2e-3",
  "--dropout", "0", "--attention-dropout", "0", "--vocab", "1000", "--max-seq-length", "64", "--max-mention-length", "8",
];
/** Test F1 points; from the measurements in docs/ner.md. */
export const TOLERANCE = 4;

test("CI seed: lukelab's test F1 is within the tolerance of PyTorch's from the same weights and order, both above all-O", { timeout: 600_000 }, () => {
  const out = tmpDir("lukelab-conll-compare-");
  const r = spawnSync(venvPython(), [join(ROOT, "scripts", "compare_conll.py"), "--out", out, ...CI_SETTING], {
    encoding: "utf8",
    cwd: ROOT,
    env: { ...process.env, LUKELAB_SHARED: SHARED, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false" },
  });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  const [seed] = summary.seeds;
  const ours = 100 * seed.lukelab.test_f1;
  const theirs = 100 * seed.torch.test_f1;
  assert.ok(ours > 0, `lukelab beats the all-O baseline: test F1 ${ours}`);
  assert.ok(theirs > 0, `PyTorch beats the all-O baseline: test F1 ${theirs}`);
  assert.ok(Math.abs(ours - theirs) <= TOLERANCE, `test F1 lukelab ${ours.toFixed(2)} vs PyTorch ${theirs.toFixed(2)}: more than ${TOLERANCE} points apart`);
});
