/**
 * LukeModel behaviour that needs no reference numbers: config parsing, initialisation, dropout,
 * input checks, masking on the current backend, losses' edge cases, gradients and tensor leaks.
 */
import { strict as assert } from "node:assert";
import { before, describe, test } from "node:test";
import { tf } from "../../kernel/backend";
import {
  FLOAT32_MIN,
  LUKE_HEADS,
  LukeModel,
  activation,
  createLukeConfig,
  crossEntropyLoss,
  binaryCrossEntropyWithLogitsLoss,
  extendedAttentionMask,
  lukeConfigToJson,
  parseLukeConfig,
  positionIdsFromInputIds,
  type LukeConfig,
  type LukeInputs,
  type LukeOutputs,
} from "../../kernel/model";
import { expectNoLeak, maxAbsDiff, ready } from "../helpers";

const TINY: Partial<LukeConfig> = {
  vocabSize: 30,
  entityVocabSize: 10,
  hiddenSize: 16,
  entityEmbSize: 6,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  intermediateSize: 20,
  maxPositionEmbeddings: 20,
  layerNormEps: 1e-5,
  numLabels: 3,
  initializerRange: 0.2,
};

// tfjs-core registers no gradients; @tensorflow/tfjs (installed with tfjs-node) does. Without it
// the gradient test skips.
try {
  require("@tensorflow/tfjs");
} catch {
  /* not installed */
}

before(ready);

function tinyInputs(): LukeInputs {
  return tf.tidy(() => ({
    inputIds: tf.tensor2d([[0, 5, 9, 12, 2, 1], [0, 7, 3, 2, 1, 1]], undefined, "int32"),
    attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0]], undefined, "int32"),
    entityIds: tf.tensor2d([[2, 4], [3, 0]], undefined, "int32"),
    entityPositionIds: tf.tensor3d([[[1, 2], [3, -1]], [[1, -1], [-1, -1]]], undefined, "int32"),
    entityAttentionMask: tf.tensor2d([[1, 1], [1, 0]], undefined, "int32"),
    entityStartPositions: tf.tensor2d([[1, 3], [1, 0]], undefined, "int32"),
    entityEndPositions: tf.tensor2d([[2, 3], [1, 0]], undefined, "int32"),
  }));
}

function disposeAll(x: LukeInputs | LukeOutputs): void {
  tf.dispose(Object.values(x).flat().filter((v): v is tf.Tensor => v instanceof tf.Tensor));
}

describe("config", () => {
  test("defaults are transformers' LukeConfig defaults", () => {
    const c = parseLukeConfig({}, "empty");
    assert.equal(c.vocabSize, 50267);
    assert.equal(c.entityEmbSize, 256);
    assert.equal(c.layerNormEps, 1e-12);
    assert.equal(c.maxPositionEmbeddings, 512);
    assert.equal(c.typeVocabSize, 2);
    assert.equal(c.hiddenAct, "gelu");
    assert.equal(c.useEntityAwareAttention, true);
    assert.equal(c.classifierDropout, null);
    assert.deepEqual([c.padTokenId, c.bosTokenId, c.eosTokenId], [1, 0, 2]);
    assert.equal(c.numLabels, 2);
    assert.deepEqual(c.id2label, { 0: "LABEL_0", 1: "LABEL_1" });
  });

  test("errors name the field, the value and where", () => {
    assert.throws(() => parseLukeConfig({ hidden_size: "768" }, "m/config.json"), /m\/config\.json: field "hidden_size" must be a positive integer, found "768"/);
    assert.throws(() => parseLukeConfig({ hidden_act: "gelu_10" }, "x.json"), /x\.json: field "hidden_act" must be one of .*"gelu".*found "gelu_10"/);
    assert.throws(() => parseLukeConfig({ use_entity_aware_attention: 1 }, "x.json"), /field "use_entity_aware_attention" must be true or false/);
    assert.throws(() => parseLukeConfig({ layer_norm_eps: -1 }, "x.json"), /field "layer_norm_eps" must be a positive number/);
    assert.throws(() => parseLukeConfig({ id2label: { zero: "a" } }, "x.json"), /field "id2label" has key "zero"/);
    assert.throws(() => parseLukeConfig({ model_type: "bert" }, "x.json"), /field "model_type" must be "luke"/);
    assert.throws(() => parseLukeConfig({ hidden_size: 30, num_attention_heads: 4 }, "x.json"), /x\.json: "hidden_size" \(30\) must be a multiple of "num_attention_heads" \(4\)/);
  });

  test("unknown fields are kept and written back; labels keep their ids", () => {
    const file = { vocab_size: 99, bert_model_name: "roberta-large", torch_dtype: "float32", id2label: { "1": "b", "0": "a" }, architectures: ["LukeModel"] };
    const c = parseLukeConfig(file, "f");
    assert.deepEqual(c.extra, { bert_model_name: "roberta-large", torch_dtype: "float32" });
    assert.deepEqual(c.label2id, { a: 0, b: 1 });
    const json = lukeConfigToJson(c);
    assert.equal(json.model_type, "luke");
    assert.equal(json.vocab_size, 99);
    assert.equal(json.bert_model_name, "roberta-large");
    assert.deepEqual(json.id2label, { "0": "a", "1": "b" });
    assert.deepEqual(json.architectures, ["LukeModel"]);
    assert.deepEqual(parseLukeConfig(json, "again"), c);
  });

  test("num_labels without id2label makes LABEL_i, as transformers does", () => {
    const c = parseLukeConfig({ num_labels: 3 }, "f");
    assert.equal(c.numLabels, 3);
    assert.equal(c.id2label[2], "LABEL_2");
    assert.equal(createLukeConfig({ numLabels: 4 }).label2id.LABEL_3, 3);
  });
});

describe("layers on this backend", () => {
  test("masked scores (float32 min) get exactly zero probability and never NaN", () => {
    const probs = tf.tidy(() => {
      const mask = extendedAttentionMask(tf.tensor2d([[1, 1, 0, 0], [0, 0, 0, 0]], undefined, "int32"));
      const scores = tf.tensor4d([[[[0.3, -2, 7, 1]]], [[[0.3, -2, 7, 1]]]]);
      return tf.softmax(tf.add(scores, mask));
    });
    const p = Array.from(probs.dataSync());
    probs.dispose();
    assert.ok(p.every(Number.isFinite), `NaN or ∞ in ${p}`);
    assert.equal(p[2], 0);
    assert.equal(p[3], 0);
    assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-6);
    // A row with every key masked is uniform, as in PyTorch (all scores round to float32 min).
    assert.ok(maxAbsDiff(p.slice(4), [0.25, 0.25, 0.25, 0.25]) < 1e-6, `${p.slice(4)}`);
    assert.equal(FLOAT32_MIN, -3.4028234663852886e38);
  });

  test("word positions are RoBERTa's: from padding_idx + 1, pads at padding_idx, restarting per row", () => {
    const ids = tf.tensor2d([[0, 5, 2, 1, 1], [1, 1, 0, 4, 2]], undefined, "int32");
    const pos = positionIdsFromInputIds(ids, 1);
    assert.deepEqual(pos.arraySync(), [[2, 3, 4, 1, 1], [1, 1, 2, 3, 4]]);
    assert.equal(pos.dtype, "int32");
    tf.dispose([ids, pos]);
  });

  test("activations", () => {
    const xs = [-3, -0.5, 0, 0.7, 2.5];
    const erf = (x: number) => {
      // Abramowitz–Stegun 7.1.26 is too coarse for a reference; integrate instead.
      let sum = 0;
      const n = 20000;
      for (let i = 0; i < n; i++) sum += Math.exp(-((((i + 0.5) * x) / n) ** 2));
      return ((2 / Math.sqrt(Math.PI)) * x * sum) / n;
    };
    const expected: Record<string, (x: number) => number> = {
      gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
      gelu_new: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
      relu: (x) => Math.max(x, 0),
      silu: (x) => x / (1 + Math.exp(-x)),
      tanh: Math.tanh,
    };
    for (const [name, f] of Object.entries(expected)) {
      const y = tf.tidy(() => activation(name as "gelu")(tf.tensor1d(xs)));
      assert.ok(maxAbsDiff(y.dataSync(), xs.map(f)) < 2e-6, `${name}: ${y.dataSync()}`);
      y.dispose();
    }
    // The two GELUs differ, so a config that says "gelu" must not get the tanh one.
    assert.ok(Math.abs(expected.gelu(-3) - expected.gelu_new(-3)) > 1e-4);
  });
});

describe("LukeModel", () => {
  test("random() follows transformers' init: LN ones/zeros, biases zero, padding rows zero, N(0, range)", () => {
    const config = createLukeConfig(TINY);
    const model = LukeModel.random(config, { head: "masked_lm", seed: 3 });
    const sd = model.stateDict();
    model.dispose();
    assert.ok(sd.get("luke.embeddings.LayerNorm.weight")!.data.every((v) => v === 1));
    assert.ok(sd.get("lm_head.layer_norm.bias")!.data.every((v) => v === 0));
    assert.ok(sd.get("luke.encoder.layer.0.attention.self.query.bias")!.data.every((v) => v === 0));
    assert.ok(sd.get("lm_head.bias")!.data.every((v) => v === 0));
    const words = sd.get("luke.embeddings.word_embeddings.weight")!;
    const H = config.hiddenSize;
    assert.ok(words.data.slice(H, 2 * H).every((v) => v === 0), "row padding_idx = 1 is zero");
    assert.ok(sd.get("luke.entity_embeddings.entity_embeddings.weight")!.data.slice(0, 6).every((v) => v === 0), "entity row 0 is zero");
    const q = Array.from(sd.get("luke.encoder.layer.1.attention.self.w2e_query.weight")!.data);
    const std = Math.sqrt(q.reduce((s, v) => s + v * v, 0) / q.length);
    assert.ok(Math.abs(std - 0.2) < 0.03, `std ${std}`);
    // Seeded: the same seed gives the same weights, another seed others.
    const again = LukeModel.random(config, { head: "masked_lm", seed: 3 });
    const other = LukeModel.random(config, { head: "masked_lm", seed: 4 });
    assert.deepEqual(again.stateDict().get("luke.pooler.dense.weight"), sd.get("luke.pooler.dense.weight"));
    assert.notDeepEqual(other.stateDict().get("luke.pooler.dense.weight"), sd.get("luke.pooler.dense.weight"));
    again.dispose();
    other.dispose();
  });

  test("dropout only in training: eval is repeatable, training differs, a seed makes it repeatable", () => {
    const model = LukeModel.random(createLukeConfig({ ...TINY, hiddenDropoutProb: 0.2, attentionProbsDropoutProb: 0.2 }), {
      head: "entity_span_classification",
      seed: 1,
    });
    const inputs = tinyInputs();
    const logits = (options: { training?: boolean; seed?: number }) => {
      const out = model.forward(inputs, { ...options, outputAttentions: true });
      const values = Array.from(out.logits!.dataSync());
      disposeAll(out);
      return values;
    };
    const evalA = logits({});
    assert.deepEqual(logits({ training: false }), evalA);
    const trainA = logits({ training: true, seed: 11 });
    assert.ok(maxAbsDiff(trainA, evalA) > 1e-3, "training forward equals eval");
    assert.deepEqual(logits({ training: true, seed: 11 }), trainA);
    assert.ok(maxAbsDiff(logits({ training: true, seed: 12 }), trainA) > 1e-3, "another seed gave the same masks");
    assert.ok(maxAbsDiff(logits({ training: true }), logits({ training: true })) > 1e-3, "unseeded passes are identical");
    disposeAll(inputs);
    model.dispose();
  });

  test("repeated forward passes, losses and loads leave no tensors behind", async () => {
    const config = createLukeConfig(TINY);
    const inputs = tinyInputs();
    const headMask = tf.tensor1d([1, 0, 1, 1]);
    await expectNoLeak(() => {
      for (const head of LUKE_HEADS) {
        const model = LukeModel.random(config, { head, seed: 5 });
        for (let i = 0; i < 3; i++) {
          const out = model.forward(inputs, { outputAttentions: true, outputHiddenStates: true, headMask, training: i === 2, seed: i });
          if (head !== "none") {
            const labels =
              head === "entity_span_classification"
                ? tf.tensor2d([[1, 2], [0, -100]], undefined, "int32")
                : head === "masked_lm"
                  ? tf.fill([2, 6], 4, "int32")
                  : tf.tensor1d([1, 2], "int32");
            tf.dispose([model.loss(out.logits!, labels, { problemType: "single_label_classification" }), labels]);
          }
          disposeAll(out);
        }
        model.stateDict();
        const copy = LukeModel.fromStateDict(config, model.stateDict(), { head });
        copy.dispose();
        model.dispose();
      }
    });
    tf.dispose([headMask]);
    disposeAll(inputs);
  });

  test("outputs have the documented shapes; no entities means no entity outputs", () => {
    const config = createLukeConfig(TINY);
    const model = LukeModel.random(config, { head: "masked_lm", seed: 2 });
    const inputs = tinyInputs();
    const out = model.forward(inputs, { outputAttentions: true, outputHiddenStates: true });
    assert.deepEqual(out.lastHiddenState.shape, [2, 6, 16]);
    assert.deepEqual(out.entityLastHiddenState!.shape, [2, 2, 16]);
    assert.deepEqual(out.poolerOutput!.shape, [2, 16]);
    assert.equal(out.hiddenStates!.length, 3);
    assert.equal(out.entityHiddenStates!.length, 3);
    assert.deepEqual(out.attentions!.map((a) => a.shape), [[2, 4, 8, 8], [2, 4, 8, 8]]);
    assert.deepEqual(out.logits!.shape, [2, 6, 30]);
    assert.deepEqual(out.entityLogits!.shape, [2, 2, 10]);
    disposeAll(out);
    const plain = model.forward({ inputIds: inputs.inputIds }, { outputAttentions: true, outputHiddenStates: true });
    assert.equal(plain.entityLastHiddenState, undefined);
    assert.equal(plain.entityHiddenStates, undefined);
    assert.equal(plain.entityLogits, undefined);
    assert.deepEqual(plain.attentions![0].shape, [2, 4, 6, 6]);
    disposeAll(plain);
    disposeAll(inputs);
    model.dispose();
  });

  test("bad inputs fail with errors that say what and where", () => {
    const config = createLukeConfig(TINY);
    const model = LukeModel.random(config, { head: "entity_pair_classification", seed: 2 });
    const inputs = tinyInputs();
    const ids = tf.tensor2d([[0, 30, 2]], undefined, "int32");
    assert.throws(() => model.forward({ inputIds: ids }), /inputIds holds 30 at flat index 1; vocab_size allows \[0, 30\)/);
    assert.throws(() => model.forward({ inputIds: inputs.inputIds }), /entity_pair_classification head needs entities/);
    assert.throws(
      () => model.forward({ inputIds: inputs.inputIds, entityIds: inputs.entityIds }),
      /entityPositionIds is required with entityIds/,
    );
    const oneEntity = tf.tensor2d([[1], [2]], undefined, "int32");
    const onePosition = tf.tensor3d([[[1]], [[2]]], undefined, "int32");
    assert.throws(
      () => model.forward({ inputIds: inputs.inputIds, entityIds: oneEntity, entityPositionIds: onePosition }),
      /needs at least 2 entities per row, found 1/,
    );
    const badMask = tf.ones([3]);
    assert.throws(() => model.forward(inputs, { headMask: badMask }), /headMask must be \[4\] or \[2, 4\]/);
    const long = tf.zeros([1, 19], "int32");
    assert.throws(() => model.forward({ inputIds: long as tf.Tensor2D }), /row 0 has 19 tokens, but max_position_embeddings 20/);
    const span = LukeModel.random(config, { head: "entity_span_classification", seed: 2 });
    const farEnd = tf.tensor2d([[2, 6], [1, 0]], undefined, "int32");
    assert.throws(() => span.forward({ ...inputs, entityEndPositions: farEnd }), /entityEndPositions holds 6 at flat index 1/);
    tf.dispose([ids, oneEntity, onePosition, badMask, long, farEnd]);
    disposeAll(inputs);
    model.dispose();
    span.dispose();
  });

  test("a classification loss needs its problem type, and the labels must fit it", () => {
    const config = createLukeConfig(TINY);
    const model = LukeModel.random(config, { head: "entity_classification", seed: 9 });
    const inputs = tinyInputs();
    const out = model.forward(inputs);
    const indices = tf.tensor1d([2, 0], "int32");
    const targets = tf.zerosLike(out.logits!);
    assert.throws(() => model.loss(out.logits!, indices), /needs a problemType: "single_label_classification".*"multi_label_classification"/);
    assert.throws(() => model.loss(out.logits!, indices, { problemType: "multi_label_classification" }), /BCE targets must be float32/);
    assert.throws(() => model.loss(out.logits!, targets, { problemType: "single_label_classification" }), /cross-entropy labels must be int32/);
    const ce = model.loss(out.logits!, indices, { problemType: "single_label_classification" });
    const bce = model.loss(out.logits!, targets, { problemType: "multi_label_classification" });
    assert.ok(Number.isFinite(ce.dataSync()[0]) && Number.isFinite(bce.dataSync()[0]));
    tf.dispose([ce, bce, indices, targets]);
    disposeAll(out);
    disposeAll(inputs);
    model.dispose();
  });

  test("gradients reach the weights on the loss path", { skip: !tf.getGradient("Sum") && "this backend setup registers no tfjs gradients (tfjs-core alone)" }, () => {
    const config = createLukeConfig(TINY);
    const model = LukeModel.random(config, { head: "entity_classification", seed: 9 });
    const inputs = tinyInputs();
    const labels = tf.tensor1d([2, 0], "int32");
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(inputs, { training: true, seed: 1 });
      return model.loss(out.logits!, labels, { problemType: "single_label_classification" });
    }, model.trainableVariables());
    const byName = new Map(model.trainableVariables().map((v) => [v.name.replace(/^luke\d+\//, ""), grads[v.name]]));
    for (const name of ["classifier.weight", "luke.encoder.layer.0.attention.self.e2w_query.weight", "luke.entity_embeddings.entity_embeddings.weight", "luke.embeddings.word_embeddings.weight"]) {
      const g = byName.get(name);
      assert.ok(g, `no gradient for ${name}`);
      assert.ok(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) > 0, `zero gradient for ${name}`);
    }
    assert.ok(Number.isFinite(value.dataSync()[0]));
    tf.dispose([value, labels, ...Object.values(grads)]);
    disposeAll(inputs);
    model.dispose();
  });
});

describe("losses", () => {
  test("cross-entropy ignores −100 and rejects labels out of range", () => {
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3], [1, 2, 3]]);
    const labels = tf.tensor1d([0, -100, 2], "int32");
    const loss = crossEntropyLoss(logits, labels);
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    const expected = ((lse([2, 0, -1]) - 2) + (lse([1, 2, 3]) - 3)) / 2;
    assert.ok(Math.abs(loss.dataSync()[0] - expected) < 1e-6);
    const bad = tf.tensor1d([0, 3, 1], "int32");
    assert.throws(() => crossEntropyLoss(logits, bad), /label 3 at flat index 1 is outside \[0, 3\)/);
    const float = tf.tensor1d([0, 1, 1]);
    assert.throws(() => crossEntropyLoss(logits, float), /must be int32 class indices of shape \[3\]/);
    tf.dispose([logits, labels, loss, bad, float]);
  });

  test("BCE-with-logits is finite for extreme logits", () => {
    const logits = tf.tensor1d([-200, 0, 200]);
    const targets = tf.tensor1d([1, 0.5, 0]);
    const loss = binaryCrossEntropyWithLogitsLoss(logits, targets);
    assert.ok(Math.abs(loss.dataSync()[0] - (200 + Math.log(2) + 200) / 3) < 1e-4, `${loss.dataSync()[0]}`);
    tf.dispose([logits, targets, loss]);
  });
});
