/**
 * LukeModel against transformers' modeling_luke.py on tiny random models (luke_reference.py):
 * every output, every head, both attention paths, head masks, losses, weight names and shapes,
 * and the config.json round trip. One Python process for the whole file.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { tf } from "../../kernel/backend";
import type { StateDict } from "../../kernel/checkpoint/tensor-data";
import {
  LUKE_HEADS,
  LukeModel,
  lukeConfigToJson,
  parseLukeConfig,
  weightSpecs,
  type LukeConfig,
  type LukeHead,
  type LukeInputs,
  type LukeOutputs,
} from "../../kernel/model";
import { ROOT, expectNoLeak, maxAbsDiff, ready, runPython } from "../helpers";

// tfjs-core registers no gradients; @tensorflow/tfjs (installed with tfjs-node) does. Without it
// the gradient comparison skips.
try {
  require("@tensorflow/tfjs");
} catch {
  /* not installed */
}

const SCRIPT = join(ROOT, "test", "model", "luke_reference.py");
const HIDDEN_TOL = 1e-4;
const ATTENTION_TOL = 1e-5;

interface Json {
  shape: number[];
  data: number[];
}
type RunJson = Partial<Record<string, Json | Json[]>>;
interface Reference {
  configs: Record<string, Record<string, unknown>>;
  weights: Record<string, Record<string, Json>>;
  inputs: Record<string, Record<string, number[][] | number[][][]>>;
  runs: Record<string, RunJson>;
  keys: Record<string, Record<string, [string, number[]][]>>;
  losses: Record<string, { loss: number; mlm_loss?: number; mep_loss?: number; labels: unknown; entity_labels?: unknown }>;
  head_masks: Record<string, number[][]>;
  grads: Record<string, Record<string, Json>>;
}

/** Config A: entity-aware, E ≠ H, eps 1e-5, token types in use. Config B: mLUKE-like plain attention, E = H. */
const CONFIG_FILES: Record<string, Record<string, unknown>> = {
  A: {
    model_type: "luke",
    architectures: ["LukeForEntityClassification"],
    vocab_size: 60,
    entity_vocab_size: 12,
    hidden_size: 24,
    entity_emb_size: 8,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 37,
    max_position_embeddings: 40,
    type_vocab_size: 2,
    layer_norm_eps: 1e-5,
    id2label: { "0": "person", "1": "location", "2": "organization", "3": "event", "4": "other" },
    bert_model_name: "roberta-base", // unknown to LukeConfig: must survive the round trip
  },
  B: {
    model_type: "luke",
    vocab_size: 60,
    entity_vocab_size: 12,
    hidden_size: 24,
    entity_emb_size: 24,
    num_hidden_layers: 2,
    num_attention_heads: 3,
    intermediate_size: 37,
    max_position_embeddings: 40,
    type_vocab_size: 1,
    use_entity_aware_attention: false,
    hidden_act: "gelu_new",
    num_labels: 3,
  },
};

let ref: Reference;
const configs: Record<string, LukeConfig> = {};

before(async () => {
  await ready();
  for (const [name, file] of Object.entries(CONFIG_FILES)) configs[name] = parseLukeConfig(file, `config ${name}`);
  const request = { configs: Object.fromEntries(Object.entries(configs).map(([n, c]) => [n, lukeConfigToJson(c)])) };
  ref = runPython<Reference>(SCRIPT, [], request);
});

// ---------------------------------------------------------------------------------------------

function stateDictFor(config: string, head: LukeHead, transform?: (name: string) => string): StateDict {
  const sd: StateDict = new Map();
  for (const [key, t] of Object.entries(ref.weights[config])) {
    const [owner, name] = key.includes(":") ? key.split(":") : ["luke", key];
    if (owner !== "luke" && owner !== head) continue;
    sd.set(transform ? transform(name) : name, { dtype: "float32", shape: t.shape, data: Float32Array.from(t.data) });
  }
  return sd;
}

function inputsFor(config: string, withEntities = true): LukeInputs {
  const raw = ref.inputs[config];
  const t2 = (k: string) => (raw[k] ? tf.tensor2d(raw[k] as number[][], undefined, "int32") : undefined);
  const inputs: LukeInputs = { inputIds: t2("input_ids")!, attentionMask: t2("attention_mask"), tokenTypeIds: t2("token_type_ids") };
  if (withEntities) {
    inputs.entityIds = t2("entity_ids");
    inputs.entityPositionIds = tf.tensor3d(raw.entity_position_ids as number[][][], undefined, "int32");
    inputs.entityAttentionMask = t2("entity_attention_mask");
    inputs.entityTokenTypeIds = t2("entity_token_type_ids");
    inputs.entityStartPositions = t2("entity_start_positions");
    inputs.entityEndPositions = t2("entity_end_positions");
  }
  return inputs;
}

function disposeAll(x: LukeInputs | LukeOutputs): void {
  tf.dispose(Object.values(x).flat().filter((v): v is tf.Tensor => v instanceof tf.Tensor));
}

/** Max abs difference of every output the reference has; asserts shapes on the way. */
function compare(out: LukeOutputs, expected: RunJson): Record<string, number> {
  const pairs: [string, tf.Tensor | tf.Tensor[] | undefined][] = [
    ["last_hidden_state", out.lastHiddenState],
    ["entity_last_hidden_state", out.entityLastHiddenState],
    ["pooler_output", out.poolerOutput],
    ["hidden_states", out.hiddenStates],
    ["entity_hidden_states", out.entityHiddenStates],
    ["attentions", out.attentions],
    ["logits", out.logits],
    ["entity_logits", out.entityLogits],
  ];
  const diffs: Record<string, number> = {};
  for (const [key, ours] of pairs) {
    const theirs = expected[key];
    if (theirs === undefined) continue;
    assert.ok(ours !== undefined, `${key}: transformers has it, we do not`);
    const a = Array.isArray(ours) ? ours : [ours];
    const b = Array.isArray(theirs) ? theirs : [theirs];
    assert.equal(a.length, b.length, `${key}: ${a.length} tensors, transformers has ${b.length}`);
    diffs[key] = Math.max(
      ...a.map((t, i) => {
        assert.deepEqual(t.shape, b[i].shape, `${key}[${i}] shape`);
        return maxAbsDiff(t.dataSync(), b[i].data);
      }),
    );
  }
  return diffs;
}

function assertClose(diffs: Record<string, number>, what: string): void {
  assert.ok(Object.keys(diffs).length > 0, `${what}: nothing compared`);
  for (const [key, diff] of Object.entries(diffs)) {
    const tol = key === "attentions" ? ATTENTION_TOL : HIDDEN_TOL;
    assert.ok(diff <= tol, `${what}: ${key} differs from transformers by ${diff} (tolerance ${tol})`);
  }
}

function run(config: string, head: LukeHead, runName: string, options: { withEntities?: boolean; headMask?: number[][] } = {}) {
  const model = LukeModel.fromStateDict(configs[config], stateDictFor(config, head), { head });
  const inputs = inputsFor(config, options.withEntities ?? true);
  const headMask = options.headMask ? tf.tensor2d(options.headMask) : undefined;
  try {
    const out = model.forward(inputs, { outputAttentions: true, outputHiddenStates: true, headMask });
    const diffs = compare(out, ref.runs[runName]);
    disposeAll(out);
    return diffs;
  } finally {
    disposeAll(inputs);
    headMask?.dispose();
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

describe("forward equals transformers", () => {
  for (const config of ["A", "B"]) {
    for (const head of LUKE_HEADS) {
      test(`config ${config}, head ${head}`, (t) => {
        const runName = `${config}/${head}`;
        assert.ok(ref.runs[runName], `no reference run ${runName}`);
        const diffs = run(config, head, runName);
        t.diagnostic(`max |ours − transformers|: ${JSON.stringify(diffs)}`);
        assertClose(diffs, runName);
      });
    }
    test(`config ${config}, no entities (plain attention path)`, () => {
      const diffs = run(config, "none", `${config}/none/no_entities`, { withEntities: false });
      assert.equal(diffs.entity_last_hidden_state, undefined);
      assertClose(diffs, "no entities");
      assertClose(run(config, "masked_lm", `${config}/masked_lm/no_entities`, { withEntities: false }), "masked_lm, no entities");
    });
    test(`config ${config}, head mask`, () => {
      assertClose(run(config, "none", `${config}/none/head_mask`, { headMask: ref.head_masks[config] }), "head mask");
    });
  }

  test("swapping w2e_query and e2w_query is caught", () => {
    // Both are [H, H], so a swapped port loads fine; only the numbers can tell.
    const swap = (name: string) =>
      name.includes("w2e_query") ? name.replace("w2e_query", "e2w_query") : name.replace("e2w_query", "w2e_query");
    const model = LukeModel.fromStateDict(configs.A, stateDictFor("A", "none", swap), { head: "none" });
    const inputs = inputsFor("A");
    try {
      const out = model.forward(inputs, { outputAttentions: true, outputHiddenStates: true });
      const diffs = compare(out, ref.runs["A/none"]);
      disposeAll(out);
      assert.ok(diffs.last_hidden_state > 1e-2, `swap changed last_hidden_state by only ${diffs.last_hidden_state}`);
      assert.ok(diffs.attentions > 1e-2, `swap changed attentions by only ${diffs.attentions}`);
      assert.throws(() => assertClose(diffs, "swapped"), /differs from transformers/);
    } finally {
      disposeAll(inputs);
      model.dispose();
    }
  });
});

describe("losses equal transformers", () => {
  const cases: [string, LukeHead, string][] = [];
  for (const config of ["A", "B"]) {
    for (const head of ["entity_classification", "entity_pair_classification", "entity_span_classification"] as LukeHead[]) {
      cases.push([config, head, "ce"], [config, head, "bce"]);
    }
    cases.push([config, "masked_lm", "mlm"]);
  }
  for (const [config, head, kind] of cases) {
    test(`config ${config}, ${head}, ${kind}`, async () => {
      const expected = ref.losses[`${config}/${head}/${kind}`];
      const model = LukeModel.fromStateDict(configs[config], stateDictFor(config, head), { head });
      const inputs = inputsFor(config);
      await expectNoLeak(() => {
        const out = model.forward(inputs);
        const labels =
          kind === "bce"
            ? tf.tensor(expected.labels as number[], undefined, "float32")
            : tf.tensor(expected.labels as number[], undefined, "int32");
        const entityLabels = expected.entity_labels ? tf.tensor(expected.entity_labels as number[], undefined, "int32") : undefined;
        const problemType = kind === "bce" ? "multi_label_classification" : "single_label_classification";
        const loss = model.loss(out.logits!, labels, { problemType, entityLogits: out.entityLogits, entityLabels });
        assert.ok(Math.abs(loss.dataSync()[0] - expected.loss) <= HIDDEN_TOL, `loss ${loss.dataSync()[0]} vs ${expected.loss}`);
        if (kind === "mlm") {
          const mlmOnly = model.loss(out.logits!, labels);
          assert.ok(Math.abs(mlmOnly.dataSync()[0] - expected.mlm_loss!) <= HIDDEN_TOL, "mlm_loss");
          mlmOnly.dispose();
        }
        tf.dispose([loss, labels, entityLabels].filter((t): t is tf.Tensor => t !== undefined));
        disposeAll(out);
      });
      disposeAll(inputs);
      model.dispose();
    });
  }
});

describe("gradients equal transformers", { skip: !tf.getGradient("Sum") && "no tfjs gradients registered" }, () => {
  for (const head of ["entity_span_classification", "masked_lm"] as LukeHead[]) {
    test(`config A, ${head}`, (t) => {
      const expected = ref.grads[`A/${head}`];
      const labels = ref.losses[`A/${head}/${head === "masked_lm" ? "mlm" : "ce"}`];
      const model = LukeModel.fromStateDict(configs.A, stateDictFor("A", head), { head });
      const inputs = inputsFor("A");
      const y = tf.tensor(labels.labels as number[], undefined, "int32");
      const entityY = labels.entity_labels ? tf.tensor(labels.entity_labels as number[], undefined, "int32") : undefined;
      const variables = model.trainableVariables();
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(inputs);
        return model.loss(out.logits!, y, { problemType: "single_label_classification", entityLogits: out.entityLogits, entityLabels: entityY });
      }, variables);
      assert.ok(Math.abs(value.dataSync()[0] - labels.loss) < HIDDEN_TOL);
      // Our Linear kernels are [in, out]; stateDict order = trainableVariables order gives the names.
      const specs = weightSpecs(configs.A, head);
      const names = specs.map((spec) => spec.name);
      let worst = 0;
      variables.forEach((v, i) => {
        const theirs = expected[names[i]];
        const ours = grads[v.name];
        assert.equal(ours === undefined, theirs === undefined, `${names[i]}: gradient presence differs`);
        if (!ours) return;
        const values = tf.tidy(() => (specs[i].transposed ? tf.transpose(ours) : ours).dataSync());
        const scale = Math.max(1, ...theirs.data.map(Math.abs));
        const diff = maxAbsDiff(values, theirs.data) / scale;
        worst = Math.max(worst, diff);
        assert.ok(diff <= HIDDEN_TOL, `${names[i]}: gradient differs by ${diff} (relative)`);
      });
      t.diagnostic(`worst relative gradient difference: ${worst}`);
      tf.dispose([value, y, ...Object.values(grads)]);
      entityY?.dispose();
      disposeAll(inputs);
      model.dispose();
    });
  }
});

describe("weights", () => {
  /** transformers' state-dict names, with LukeModel's keys under `luke.` and the tied/buffer keys dropped. */
  const IGNORED = new Set(["lm_head.decoder.weight", "lm_head.decoder.bias", "entity_predictions.decoder.weight"]);

  test("expectedWeights matches the transformers state dict for every head", () => {
    for (const config of ["A", "B"]) {
      for (const head of LUKE_HEADS) {
        const theirs = new Map(ref.keys[config][head].filter(([k]) => !IGNORED.has(k)));
        const ours = LukeModel.expectedWeights(configs[config], head);
        assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${config}/${head} names`);
        for (const [name, shape] of ours) assert.deepEqual(shape, theirs.get(name), `${config}/${head} ${name}`);
      }
    }
    // The plain-attention config has no entity-aware queries and no entity projection.
    const namesB = [...LukeModel.expectedWeights(configs.B, "none").keys()];
    assert.ok(!namesB.some((n) => n.includes("w2e_query") || n.includes("entity_embedding_dense")));
  });

  test("stateDict() gives back the checkpoint, values and PyTorch shapes", () => {
    for (const head of LUKE_HEADS) {
      const given = stateDictFor("A", head);
      const model = LukeModel.fromStateDict(configs.A, given, { head });
      const back = model.stateDict();
      model.dispose();
      const expected = LukeModel.expectedWeights(configs.A, head);
      assert.deepEqual([...back.keys()].sort(), [...expected.keys()].sort());
      for (const [name, t] of back) {
        assert.deepEqual(t.shape, expected.get(name), name);
        assert.equal(t.dtype, "float32");
        assert.deepEqual(Array.from(t.data), Array.from(given.get(name)!.data), name);
      }
    }
  });

  test("bare LukeModel keys (no luke. prefix) load too", () => {
    const bare = stateDictFor("A", "none", (n) => n.replace(/^luke\./, ""));
    bare.set("embeddings.position_ids", { dtype: "int64", shape: [1, 40], data: new Int32Array(40) });
    const model = LukeModel.fromStateDict(configs.A, bare, { head: "none" });
    assert.ok(model.stateDict().has("luke.embeddings.word_embeddings.weight"));
    model.dispose();
  });

  test("mis-shaped, missing and unexpected weights give one error listing all three", () => {
    const sd = stateDictFor("A", "entity_classification");
    const q = "luke.encoder.layer.1.attention.self.w2e_query.weight";
    sd.set(q, { dtype: "float32", shape: [24, 23], data: new Float32Array(24 * 23) });
    sd.delete("classifier.bias");
    sd.set("luke.encoder.layer.2.output.dense.weight", { dtype: "float32", shape: [24, 37], data: new Float32Array(24 * 37) });
    const before = tf.memory().numTensors;
    assert.throws(
      () => LukeModel.fromStateDict(configs.A, sd, { head: "entity_classification", where: "some/model.safetensors" }),
      (err: Error) => {
        assert.match(err.message, /^some\/model\.safetensors: the weights do not match a LUKE with head "entity_classification" \(3 problems;/);
        assert.match(err.message, /\nwrong shape \(1\):\n  luke\.encoder\.layer\.1\.attention\.self\.w2e_query\.weight: expected shape \[24, 24\], found \[24, 23\]/);
        assert.match(err.message, /\nmissing \(1\):\n  classifier\.bias: expected shape \[5\]/);
        assert.match(err.message, /\nunexpected \(1\):\n  luke\.encoder\.layer\.2\.output\.dense\.weight: shape \[24, 37\]/);
        return true;
      },
    );
    assert.equal(tf.memory().numTensors, before, "a failed load must not leave variables behind");
  });

  test("inferHead reads architectures, else the weight names", () => {
    assert.equal(LukeModel.inferHead(configs.A, []), "entity_classification");
    const names = (head: LukeHead) => ref.keys.B[head].map(([k]) => k);
    assert.equal(LukeModel.inferHead(configs.B, names("masked_lm")), "masked_lm");
    assert.equal(LukeModel.inferHead(configs.B, names("entity_pair_classification")), "entity_pair_classification");
    assert.equal(LukeModel.inferHead(configs.B, names("none")), "none");
    assert.throws(() => LukeModel.inferHead(configs.B, names("entity_span_classification")), /architectures/);
    const other = parseLukeConfig({ ...CONFIG_FILES.B, architectures: ["LukeForQuestionAnswering"] }, "qa");
    assert.throws(() => LukeModel.inferHead(other, []), /LukeForQuestionAnswering/);
  });
});

test("config.json written by lukeConfigToJson reads back in transformers with the same values", () => {
  for (const [name, config] of Object.entries(configs)) {
    const theirs = ref.configs[name];
    const ours = lukeConfigToJson(config);
    for (const [key, value] of Object.entries(ours)) {
      if (key === "id2label" || key === "label2id") continue;
      assert.deepEqual(theirs[key], value, `${name}: ${key}`);
    }
    assert.deepEqual(theirs.id2label, ours.id2label, `${name}: id2label`);
    assert.deepEqual(theirs.label2id, ours.label2id, `${name}: label2id`);
    assert.equal(Object.keys(theirs.id2label as object).length, config.numLabels);
    // And what transformers writes, we read to the same config.
    const again = parseLukeConfig(theirs, `transformers' ${name}`);
    for (const key of Object.keys(config) as (keyof LukeConfig)[]) {
      if (key !== "extra") assert.deepEqual(again[key], config[key], `${name}: ${key} after transformers`);
    }
  }
});
