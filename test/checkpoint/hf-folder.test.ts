/**
 * Hugging Face folders: what transformers saves (safetensors, .bin, sharded, bare LukeModel with and
 * without the position-id buffer) loads and normalises to the same weights; what lukelab saves,
 * transformers loads with no missing or unexpected keys.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { loadHfCheckpoint, saveHfCheckpoint } from "../../kernel/checkpoint/hf-folder";
import { checkWeights, lukeBaseWeightShapes, LukeShapeConfig, normaliseLukeKeys } from "../../kernel/model/weight-tree";
import type { StateDict, TensorData } from "../../kernel/checkpoint/tensor-data";
import { assertStateDict, assertThrowsWith, Encoded, fixtureAndTmpDir, referenceCheck } from "./expect";

interface HfFixture {
  dirs: Record<"st" | "bin" | "base_st" | "base_bin_posids" | "sharded", string>;
  files: Record<string, string[]>;
  expected: Record<string, Encoded>;
  config: Record<string, unknown>;
}
interface HfCheck {
  info: { missing_keys: string[]; unexpected_keys: string[]; mismatched_keys: string[]; error_msgs: string[] };
  state_dict: Record<string, Encoded>;
  config: Record<string, unknown>;
}

const ctx = fixtureAndTmpDir<HfFixture>("luke-hf", "lukelab-hf-");
/** The base model's weights only (what LukeModel files hold), with the luke. prefix. */
let expectedBase: Record<string, Encoded>;

before(() => {
  expectedBase = Object.fromEntries(Object.entries(ctx.fx.expected).filter(([k]) => k.startsWith("luke.")));
  assert.ok(ctx.fx.files.sharded.filter((f) => f.endsWith(".safetensors")).length > 1, "the sharded fixture has several shards");
  assert.ok(Object.keys(ctx.fx.expected).includes("classifier.weight"));
});

describe("loadHfCheckpoint + normaliseLukeKeys", () => {
  it("reads transformers' safetensors folder (luke. prefix) to the same keys and values", () => {
    const ck = loadHfCheckpoint(ctx.fx.dirs.st);
    assert.equal(ck.source, join(ctx.fx.dirs.st, "model.safetensors"));
    assert.equal(ck.config.hidden_size, 32);
    assert.deepEqual(ck.config.id2label, ctx.fx.config.id2label);
    const { stateDict, dropped } = normaliseLukeKeys(ck.stateDict);
    assertStateDict(stateDict, ctx.fx.expected, ctx.fx.dirs.st);
    assert.deepEqual(dropped, []);
  });

  it("reads the pytorch_model.bin folder to the same keys and values", () => {
    const ck = loadHfCheckpoint(ctx.fx.dirs.bin);
    assert.equal(ck.source, join(ctx.fx.dirs.bin, "pytorch_model.bin"));
    assertStateDict(normaliseLukeKeys(ck.stateDict).stateDict, ctx.fx.expected, ctx.fx.dirs.bin);
  });

  it("reads a sharded safetensors folder through its index", () => {
    const ck = loadHfCheckpoint(ctx.fx.dirs.sharded);
    assert.equal(ck.source, join(ctx.fx.dirs.sharded, "model.safetensors.index.json"));
    assertStateDict(normaliseLukeKeys(ck.stateDict).stateDict, ctx.fx.expected, ctx.fx.dirs.sharded);
  });

  it("adds the luke. prefix to a bare LukeModel file", () => {
    const ck = loadHfCheckpoint(ctx.fx.dirs.base_st);
    assert.ok([...ck.stateDict.keys()].every((k) => !k.startsWith("luke.")), "the file has no prefix");
    const { stateDict, dropped } = normaliseLukeKeys(ck.stateDict);
    assertStateDict(stateDict, expectedBase, ctx.fx.dirs.base_st);
    assert.deepEqual(dropped, []);
  });

  it("drops and reports embeddings.position_ids of older files", () => {
    const ck = loadHfCheckpoint(ctx.fx.dirs.base_bin_posids);
    assert.ok(ck.stateDict.has("embeddings.position_ids"));
    const { stateDict, dropped } = normaliseLukeKeys(ck.stateDict);
    assertStateDict(stateDict, expectedBase, ctx.fx.dirs.base_bin_posids);
    assert.deepEqual(dropped, ["embeddings.position_ids"]);
  });

  it("prefers model.safetensors when pytorch_model.bin is there too", () => {
    const both = join(ctx.dir, "both");
    mkdirSync(both);
    for (const f of ["config.json", "model.safetensors"]) copyFileSync(join(ctx.fx.dirs.st, f), join(both, f));
    copyFileSync(join(ctx.fx.dirs.base_bin_posids, "pytorch_model.bin"), join(both, "pytorch_model.bin"));
    const ck = loadHfCheckpoint(both);
    assert.equal(ck.source, join(both, "model.safetensors"));
    assert.ok(ck.stateDict.has("classifier.weight"));
  });
});

describe("normaliseLukeKeys", () => {
  const t = (n: number): TensorData => ({ dtype: "float32", shape: [n], data: new Float32Array(n) });
  it("prefixes base keys, keeps head keys, drops position ids and tied decoders", () => {
    const sd: StateDict = new Map([
      ["embeddings.word_embeddings.weight", t(1)],
      ["luke.encoder.layer.0.output.dense.bias", t(2)],
      ["entity_embeddings.entity_embeddings.weight", t(3)],
      ["pooler.dense.bias", t(4)],
      ["classifier.weight", t(5)],
      ["lm_head.bias", t(6)],
      ["lm_head.decoder.weight", t(7)],
      ["lm_head.decoder.bias", t(8)],
      ["entity_predictions.decoder.weight", t(9)],
      ["entity_predictions.bias", t(10)],
      ["luke.embeddings.position_ids", t(11)],
    ]);
    const { stateDict, dropped } = normaliseLukeKeys(sd);
    assert.deepEqual(
      [...stateDict.keys()],
      [
        "luke.embeddings.word_embeddings.weight",
        "luke.encoder.layer.0.output.dense.bias",
        "luke.entity_embeddings.entity_embeddings.weight",
        "luke.pooler.dense.bias",
        "classifier.weight",
        "lm_head.bias",
        "entity_predictions.bias",
      ],
    );
    assert.deepEqual(dropped, ["lm_head.decoder.weight", "lm_head.decoder.bias", "entity_predictions.decoder.weight", "luke.embeddings.position_ids"]);
    assert.equal(stateDict.get("luke.pooler.dense.bias"), sd.get("pooler.dense.bias"));
  });

  it("refuses a weight present both with and without the prefix", () => {
    const sd: StateDict = new Map([
      ["pooler.dense.bias", t(1)],
      ["luke.pooler.dense.bias", t(1)],
    ]);
    assertThrowsWith(() => normaliseLukeKeys(sd, "some/folder"), ["some/folder", "pooler.dense.bias", "luke.pooler.dense.bias"]);
  });
});

describe("saveHfCheckpoint", () => {
  it("writes a folder LukeForEntityClassification.from_pretrained loads with nothing missing or unexpected, and the same weights", () => {
    const ck = loadHfCheckpoint(ctx.fx.dirs.bin);
    const out = join(ctx.dir, "saved");
    const saved = saveHfCheckpoint(out, { config: ck.config, stateDict: ck.stateDict });
    assert.deepEqual(saved.files.sort(), [join(out, "config.json"), join(out, "model.safetensors")]);

    const baseOut = join(ctx.dir, "saved_base");
    const base = loadHfCheckpoint(ctx.fx.dirs.base_bin_posids);
    const savedBase = saveHfCheckpoint(baseOut, { config: base.config, stateDict: base.stateDict });
    assert.deepEqual(savedBase.dropped, ["embeddings.position_ids"]);

    const [cls, model, baseModel] = referenceCheck<HfCheck>([
      { kind: "hf", dir: out, class: "LukeForEntityClassification" },
      { kind: "hf", dir: out, class: "LukeModel" },
      { kind: "hf", dir: baseOut, class: "LukeModel" },
    ]);
    for (const [name, r] of [["classification", cls], ["LukeModel", model], ["base LukeModel", baseModel]] as const) {
      assert.deepEqual(r.info.missing_keys, [], `${name}: missing keys`);
      assert.deepEqual(r.info.unexpected_keys.filter((k) => !k.startsWith("classifier.")), [], `${name}: unexpected keys`);
      assert.deepEqual(r.info.mismatched_keys, [], `${name}: mismatched keys`);
    }
    assert.deepEqual(cls.info.unexpected_keys, []);
    assert.deepEqual(cls.state_dict, ctx.fx.expected, "transformers loads exactly the original weights");
    assert.deepEqual(cls.config.id2label, ctx.fx.config.id2label);
    const bare = Object.fromEntries(Object.entries(expectedBase).map(([k, v]) => [k.slice("luke.".length), v]));
    assert.deepEqual(model.state_dict, bare);
    assert.deepEqual(baseModel.state_dict, bare);
  });
});

describe("checkWeights", () => {
  const config: LukeShapeConfig = {
    vocab_size: 60, entity_vocab_size: 10, hidden_size: 32, entity_emb_size: 16, num_hidden_layers: 2,
    intermediate_size: 37, max_position_embeddings: 40, type_vocab_size: 1,
  };

  it("accepts transformers' own weights against lukeBaseWeightShapes", () => {
    const { stateDict } = normaliseLukeKeys(loadHfCheckpoint(ctx.fx.dirs.base_st).stateDict);
    checkWeights(stateDict, lukeBaseWeightShapes(config), ctx.fx.dirs.base_st);
    assert.equal(lukeBaseWeightShapes(config).size, stateDict.size);
  });

  it("throws ONE error listing every missing, mis-shaped and unexpected weight", () => {
    const { stateDict } = normaliseLukeKeys(loadHfCheckpoint(ctx.fx.dirs.base_st).stateDict);
    stateDict.delete("luke.pooler.dense.weight");
    stateDict.delete("luke.encoder.layer.1.attention.self.e2w_query.bias");
    stateDict.set("luke.embeddings.word_embeddings.weight", { dtype: "float32", shape: [61, 32], data: new Float32Array(61 * 32) });
    stateDict.set("luke.encoder.layer.7.output.dense.bias", { dtype: "float32", shape: [32], data: new Float32Array(32) });
    const err = assertThrowsWith(() => checkWeights(stateDict, lukeBaseWeightShapes(config), "my/folder"), [
      "my/folder",
      "missing (2)",
      "luke.pooler.dense.weight: expected shape [32, 32]",
      "luke.encoder.layer.1.attention.self.e2w_query.bias: expected shape [32]",
      "wrong shape (1)",
      "luke.embeddings.word_embeddings.weight: expected shape [60, 32], found [61, 32]",
      "unexpected (1)",
      "luke.encoder.layer.7.output.dense.bias: shape [32]",
    ]);
    assert.equal(err.message.split("\n").length, 8, "one error, one line per problem plus headings");
  });
});

describe("folder errors", () => {
  it("names the folder and the files looked for when there are no weights", () => {
    const empty = join(ctx.dir, "no_weights");
    mkdirSync(empty);
    writeFileSync(join(empty, "config.json"), "{}");
    assertThrowsWith(() => loadHfCheckpoint(empty), [empty, "model.safetensors", "pytorch_model.bin", "model.safetensors.index.json"]);
  });

  it("names the folder when config.json is missing, and a missing folder", () => {
    const noConfig = join(ctx.dir, "no_config");
    mkdirSync(noConfig);
    copyFileSync(join(ctx.fx.dirs.st, "model.safetensors"), join(noConfig, "model.safetensors"));
    assertThrowsWith(() => loadHfCheckpoint(noConfig), [noConfig, "config.json"]);
    assertThrowsWith(() => loadHfCheckpoint(join(ctx.dir, "nowhere")), [join(ctx.dir, "nowhere"), "not a folder"]);
  });

  it("names config.json when it is not JSON", () => {
    const bad = join(ctx.dir, "bad_config");
    mkdirSync(bad);
    writeFileSync(join(bad, "config.json"), "{ hidden_size: 32 ");
    copyFileSync(join(ctx.fx.dirs.st, "model.safetensors"), join(bad, "model.safetensors"));
    assertThrowsWith(() => loadHfCheckpoint(bad), [join(bad, "config.json"), "not valid JSON"]);
  });

  it("names a shard the index points to that is missing", () => {
    const sharded = join(ctx.dir, "sharded_missing");
    mkdirSync(sharded);
    for (const f of ctx.fx.files.sharded) if (!f.startsWith("model-00002")) copyFileSync(join(ctx.fx.dirs.sharded, f), join(sharded, f));
    const shard = ctx.fx.files.sharded.find((f) => f.startsWith("model-00002"))!;
    assertThrowsWith(() => loadHfCheckpoint(sharded), [join(sharded, "model.safetensors.index.json"), shard, "missing"]);
  });
});
