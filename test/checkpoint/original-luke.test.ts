/**
 * The original LUKE archive: lukelab's streaming reader and conversion against transformers'
 * conversion logic run on the same fake archives (reference.py luke-archive).
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { saveHfCheckpoint } from "../../kernel/checkpoint/hf-folder";
import { loadOriginalLukeArchive, OriginalLuke, parseEntityVocabJsonl, parseEntityVocabTsv } from "../../kernel/checkpoint/original-luke";
import { assertRejectsWith, assertStateDict, assertThrowsWith, Encoded, fixtureAndTmpDir, referenceCheck } from "./expect";

interface Converted {
  archive: string;
  config: Record<string, unknown>;
  state_dict: Record<string, Encoded>;
  entity_vocab: Record<string, number>;
  dropped: string[];
  metadata: Record<string, unknown>;
}
interface ArchiveFixture {
  tsv: Converted;
  jsonl: Converted & { entity_vocab_language_title: Record<string, number> };
  pax: { archive: string };
  no_vocab: { archive: string };
  truncated: { archive: string };
  word_ids: { at: number; hash: number };
}

const ctx = fixtureAndTmpDir<ArchiveFixture>("luke-archive", "lukelab-archive-");
let tsv: OriginalLuke;
let jsonl: OriginalLuke;
const prefixed = (k: string) => `luke.${k}`;
const ourTemps = () => readdirSync(tmpdir()).filter((f) => f.startsWith("lukelab-luke-archive-")).sort();

/** Our config agrees with LukeConfig(...).to_dict() on every field we set (architectures aside, which save_pretrained adds). */
function assertConfig(ours: Record<string, unknown>, python: Record<string, unknown>, where: string): void {
  for (const [k, v] of Object.entries(ours)) {
    if (k === "architectures") continue;
    assert.deepEqual(v, python[k], `${where}: config.${k}`);
  }
  for (const k of ["vocab_size", "entity_vocab_size", "hidden_size", "entity_emb_size", "num_hidden_layers", "num_attention_heads",
    "intermediate_size", "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "use_entity_aware_attention",
    "hidden_act", "bert_model_name", "pad_token_id", "bos_token_id", "eos_token_id"]) {
    assert.ok(k in ours, `${where}: config has ${k}`);
  }
}

before(async () => {
  const temps = ourTemps();
  tsv = await loadOriginalLukeArchive(ctx.fx.tsv.archive, { wordIdsOf: ctx.fx.word_ids });
  jsonl = await loadOriginalLukeArchive(ctx.fx.jsonl.archive, { wordIdsOf: ctx.fx.word_ids });
  assert.deepEqual(ourTemps(), temps, "the extraction folders are removed");
});

describe("loadOriginalLukeArchive", () => {
  it("converts a tar.gz with entity_vocab.tsv and a legacy-format bin exactly as transformers does", () => {
    assertStateDict(tsv.stateDict, ctx.fx.tsv.state_dict, ctx.fx.tsv.archive, prefixed);
    assertConfig(tsv.config, ctx.fx.tsv.config, "tsv");
    assert.equal(tsv.config.vocab_size, 62);
    assert.deepEqual(tsv.entityVocab, ctx.fx.tsv.entity_vocab);
    assert.deepEqual([...tsv.dropped].sort(), ctx.fx.tsv.dropped);
    assert.deepEqual(tsv.metadata, ctx.fx.tsv.metadata);
    assert.deepEqual(tsv.notes, []);
  });

  it("gives <ent>/<ent2> the rows of @ and #, and the entity-aware queries the query weights", () => {
    const words = tsv.stateDict.get("luke.embeddings.word_embeddings.weight")!;
    const H = 32;
    const row = (i: number) => Array.from(words.data.subarray(i * H, (i + 1) * H));
    assert.deepEqual(row(60), row(ctx.fx.word_ids.at));
    assert.deepEqual(row(61), row(ctx.fx.word_ids.hash));
    assert.notDeepEqual(row(60), row(61));
    const q = tsv.stateDict.get("luke.encoder.layer.1.attention.self.query.weight")!;
    assert.deepEqual(tsv.stateDict.get("luke.encoder.layer.1.attention.self.e2w_query.weight")!.data, q.data);
  });

  it("converts a jsonl vocabulary inside a folder of a GNU tar.gz, appending [MASK2] as transformers' mLUKE script does", () => {
    assertStateDict(jsonl.stateDict, ctx.fx.jsonl.state_dict, ctx.fx.jsonl.archive, prefixed);
    assertConfig(jsonl.config, ctx.fx.jsonl.config, "jsonl");
    assert.equal(jsonl.config.entity_vocab_size, 10);
    assert.deepEqual(jsonl.entityVocab, ctx.fx.jsonl.entity_vocab);
    assert.equal(jsonl.entityVocab["[MASK2]"], 9);
    assert.match(jsonl.notes.join("\n"), /\[MASK2\].*appended as id 9/);
  });

  it("reads an uncompressed pax tar and an already extracted folder to the same result", async () => {
    const pax = await loadOriginalLukeArchive(ctx.fx.pax.archive, { wordIdsOf: ctx.fx.word_ids });
    assertStateDict(pax.stateDict, ctx.fx.jsonl.state_dict, ctx.fx.pax.archive, prefixed);
    const folder = join(dirname(ctx.fx.jsonl.archive), "jsonl");
    const fromFolder = await loadOriginalLukeArchive(folder, { wordIdsOf: ctx.fx.word_ids });
    assertStateDict(fromFolder.stateDict, ctx.fx.jsonl.state_dict, folder, prefixed);
    assert.deepEqual(fromFolder.entityVocab, ctx.fx.jsonl.entity_vocab);
  });

  it("names jsonl entities language:title on request, as transformers' mLUKE conversion does", async () => {
    const m = await loadOriginalLukeArchive(ctx.fx.jsonl.archive, { wordIdsOf: ctx.fx.word_ids, jsonlKeys: "language:title" });
    assert.deepEqual(m.entityVocab, { ...ctx.fx.jsonl.entity_vocab_language_title, "[MASK2]": 9 });
  });

  it("saves a folder that transformers' LukeModel loads with no missing keys and the converted weights", () => {
    const out = join(ctx.dir, "converted");
    saveHfCheckpoint(out, { config: tsv.config, stateDict: tsv.stateDict });
    const [r] = referenceCheck<{ info: Record<string, string[]>; state_dict: Record<string, Encoded>; config: Record<string, unknown> }>([
      { kind: "hf", dir: out, class: "LukeModel" },
    ]);
    assert.deepEqual(r.info.missing_keys, []);
    assert.deepEqual(r.info.unexpected_keys, []);
    assert.deepEqual(r.state_dict, ctx.fx.tsv.state_dict);
    assert.equal(r.config.vocab_size, 62);
  });
});

describe("original archive errors", () => {
  it("names the archive, the missing member and what the archive holds", async () => {
    await assertRejectsWith(() => loadOriginalLukeArchive(ctx.fx.no_vocab.archive, { wordIdsOf: ctx.fx.word_ids }), [
      ctx.fx.no_vocab.archive,
      "entity vocabulary",
      "entity_vocab.tsv",
      "metadata.json",
      "pytorch_model.bin",
    ]);
  });

  it("names a truncated gzip archive and removes its temporary folder", async () => {
    const temps = ourTemps();
    await assertRejectsWith(() => loadOriginalLukeArchive(ctx.fx.truncated.archive, { wordIdsOf: ctx.fx.word_ids }), [
      ctx.fx.truncated.archive,
      /gzip|truncated|ends inside/,
    ]);
    assert.deepEqual(ourTemps(), temps);
  });

  it("refuses word ids outside the vocabulary and a missing archive", async () => {
    await assertRejectsWith(() => loadOriginalLukeArchive(ctx.fx.tsv.archive, { wordIdsOf: { at: 60, hash: 5 } }), [
      ctx.fx.tsv.archive,
      `"@" is 60`,
      "< 60",
    ]);
    await assertRejectsWith(() => loadOriginalLukeArchive(join(ctx.dir, "nope.tar.gz"), { wordIdsOf: ctx.fx.word_ids }), ["nope.tar.gz", "does not exist"]);
  });

  it("reports malformed vocabulary lines with their line numbers", () => {
    assertThrowsWith(() => parseEntityVocabTsv("[PAD]\t0\nno tab here\n", "v.tsv"), ["v.tsv", "line 2", "title<TAB>count"]);
    assertThrowsWith(() => parseEntityVocabJsonl('{"id": 0, "entities": [["[PAD]", "en"]]}\n{"id": "x"}\n', "v.jsonl"), ["v.jsonl", "line 2", "id"]);
    assert.deepEqual(parseEntityVocabTsv("[PAD]\t0\r\n[UNK]\t0\r\n", "v.tsv"), { "[PAD]": 0, "[UNK]": 1 });
  });
});
