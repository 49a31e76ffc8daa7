/**
 * Task-model files, as the Hub holds BERT, RoBERTa and GPT-2 (bert-base-uncased is a
 * BertForPreTraining, roberta-base a RobertaForMaskedLM, gpt2 a GPT2LMHeadModel; old GPT-2 files keep
 * the attention-mask buffers): the base model is read from under its prefix, the head weights and
 * buffers are left out, and the hidden states are those of transformers' base model.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { loadWordModel, loadHfCheckpoint } from "../../kernel";
import { normaliseWordModelKeys } from "../../kernel/model";
import { ROOT, flatten, maxAbsDiff, ready, runPython, tmpDir } from "../helpers";
import { modelDir } from "./fixtures";

const TEXT = "Marie Curie won two Nobel prizes, in physics and in chemistry.";
const CASES = [
  { kind: "bert", class: "BertForPreTraining" },
  { kind: "bert", class: "BertForSequenceClassification" },
  { kind: "roberta", class: "RobertaForMaskedLM" },
  { kind: "gpt2", class: "GPT2LMHeadModel", buffers: true },
];

let dirs: string[];
let reference: { outputs: { input_ids: number[]; last_hidden_state: number[][] }[] };

before(async () => {
  await ready();
  const root = tmpDir("lukelab-task-models-");
  dirs = CASES.map((c, i) => join(root, `${i}-${c.class}`));
  const cases = CASES.map((c, i) => ({ fixture: modelDir(c.kind), class: c.class, out: dirs[i], text: TEXT, buffers: c.buffers ?? false }));
  reference = runPython(join(ROOT, "test", "models", "task_models_reference.py"), [], { cases });
});

CASES.forEach((c, i) => {
  test(`${c.class}: the base model under its prefix, the head left out, the hidden states of transformers`, async () => {
    const { stateDict } = loadHfCheckpoint(dirs[i]);
    const { dropped } = normaliseWordModelKeys(c.kind as "bert" | "roberta" | "gpt2", stateDict);
    assert.ok(dropped.length > 0, "the file has head weights (or buffers) to leave out");
    const model = await loadWordModel(dirs[i]);
    try {
      const [got] = await model.forward([TEXT]);
      const want = reference.outputs[i];
      assert.deepEqual(got.inputIds, want.input_ids);
      const d = maxAbsDiff(flatten(got.lastHiddenState), flatten(want.last_hidden_state));
      assert.ok(d <= 1e-4, `last_hidden_state differs by ${d}`);
    } finally {
      model.dispose();
    }
  });
});
