/**
 * The BERT (WordPiece), RoBERTa and GPT-2 tokenizers against transformers' slow tokenizers: the
 * committed fixtures (scripts/make_model_fixtures.py) hold the reference's tokens and ids for
 * written edge cases (accents, CJK, punctuation, unknown and over-long words, [UNK] in the text,
 * control characters, emoji) and Open Entity sentences; every one must match exactly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { WordModelTokenizer } from "../../kernel/tokenizer";
import { tmpDir } from "../helpers";
import { MODEL_KINDS, loadExpected, modelDir, textOf } from "../models/fixtures";
import { cpSync, writeFileSync } from "node:fs";

for (const kind of MODEL_KINDS) {
  describe(`${kind} tokenizer parity`, () => {
    const { expected } = loadExpected(kind);
    const tokenizer = WordModelTokenizer.fromFolder(modelDir(kind), kind);

    test("every input: tokens, ids and token types as transformers", () => {
      assert.ok(expected.inputs.length >= 30);
      for (const rec of expected.inputs) {
        const got = tokenizer.encode(textOf(rec));
        const label = JSON.stringify(textOf(rec).slice(0, 40));
        assert.deepEqual(got.inputIds, rec.input_ids, `${label}: input_ids`);
        assert.deepEqual(got.tokens, rec.tokens, `${label}: tokens`);
        if (rec.token_type_ids) assert.deepEqual(got.tokenTypeIds, rec.token_type_ids, `${label}: token_type_ids`);
      }
    });

    test("the fixtures exercise the edge cases", () => {
      const all = expected.inputs.flatMap((r) => r.tokens);
      if (kind === "bert") {
        assert.ok(all.includes("[UNK]"), "an unknown word");
        assert.ok(all.some((t) => t.startsWith("##")), "word pieces");
        assert.ok(all.includes("東") && all.includes("京"), "CJK characters split one by one");
      }
    });
  });
}

test("a malformed tokenizer file is refused with the file and field", () => {
  const dir = tmpDir();
  cpSync(modelDir("bert"), dir, { recursive: true });
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ do_lower_case: "yes" }));
  assert.throws(() => WordModelTokenizer.fromFolder(dir, "bert"), /tokenizer_config\.json: field "do_lower_case" must be true, false or null, found "yes"/);
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ unk_token: "[NOPE]" }));
  assert.throws(() => WordModelTokenizer.fromFolder(dir, "bert"), /vocab\.txt: the unk_token "\[NOPE\]" is not in the vocabulary/);
});
