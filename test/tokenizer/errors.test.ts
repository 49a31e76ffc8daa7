/** Bad input fails with an Error that names what is wrong and where. */
import assert from "node:assert/strict";
import { copyFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { LukeTokenizer, type EncodeInput, type LukeTask } from "../../kernel/tokenizer";
import { buildTokenizerFolder, scratchDir } from "./fixture-folder";
import { reference, type PyEncoding } from "./reference";

const dir = buildTokenizerFolder({ task: "entity_classification", addPrefixSpace: true });
const tok = LukeTokenizer.fromFolder(dir);
const TEXT = "Ana 👍🏽 Ivanovic"; // 15 code points, 17 UTF-16 units

/** Span counts each task rejects; transformers rejects them too (checked below). */
const wrongCounts: Array<{ task: LukeTask; input: EncodeInput; message: RegExp }> = [
  { task: "entity_classification", input: { text: TEXT, spans: [[0, 3], [7, 15]] }, message: /entity_classification needs exactly 1 span, found 2 spans/ },
  { task: "entity_classification", input: { text: TEXT, spans: [] }, message: /entity_classification needs exactly 1 span, found 0 spans/ },
  { task: "entity_classification", input: { text: TEXT }, message: /entity_classification needs exactly 1 span, found no spans/ },
  { task: "entity_pair_classification", input: { text: TEXT, spans: [[0, 3]] }, message: /entity_pair_classification needs exactly 2 spans \(head, tail\), found 1 span\b/ },
  { task: "entity_span_classification", input: { text: TEXT, spans: [] }, message: /entity_span_classification needs at least 1 span, found 0 spans/ },
  { task: null, input: { text: TEXT, spans: [[0, 3]], entities: ["Ana Ivanovic", "Thursday"] }, message: /2 entities for 1 span; give one title per span/ },
];

let py: PyEncoding[][];
before(() => {
  py = reference(wrongCounts.map((w) => ({ dir, op: "encode" as const, load: { task: w.task }, inputs: [w.input] }))) as PyEncoding[][];
});

for (const [i, w] of wrongCounts.entries()) {
  test(`task ${w.task}: ${JSON.stringify(w.input.spans)} is rejected, as transformers rejects it`, () => {
    assert.throws(() => tok.encode(w.input, { task: w.task }), w.message);
    assert.match(py[i][0].error ?? "", /Error/, "transformers accepted it");
  });
}

test("a span past the end names the span and the text length in code points", () => {
  assert.throws(() => tok.encode({ text: TEXT, spans: [[7, 16]] }), /encode: spans\[0\] = \[7,16\] is outside the text \(length 15 code points\)/);
  assert.throws(() => tok.encode({ text: TEXT, spans: [[-1, 3]] }), /spans\[0\] = \[-1,3\] is outside the text/);
  // 17 would be inside in UTF-16 units but is outside in code points.
  assert.throws(() => tok.encode({ text: TEXT, spans: [[7, 17]] }), /length 15 code points/);
});

test("end before start, non-integer offsets and malformed spans are named", () => {
  assert.throws(() => tok.encode({ text: TEXT, spans: [[7, 3]] }), /spans\[0\] = \[7,3\]: end 3 is before start 7/);
  assert.throws(() => tok.encode({ text: TEXT, spans: [[1.5, 3]] }), /spans\[0\] = \[1.5,3\]: offsets must be integers/);
  assert.throws(() => tok.encode({ text: TEXT, spans: [[1, 3, 4]] as unknown as [number, number][] }), /spans\[0\] = \[1,3,4\] is not a \[start, end\] pair/);
  assert.throws(() => tok.encode({ text: TEXT, spans: "0,3" as unknown as [number, number][] }), /spans must be an array/);
  assert.throws(() => tok.encode({ text: 42 } as unknown as EncodeInput), /expected \{text: string/);
});

test("errors in a batch name the input", () => {
  assert.throws(
    () => tok.encodeBatch([{ text: TEXT, spans: [[0, 3]] }, { text: TEXT, spans: [[0, 99]] }]),
    /encodeBatch: inputs\[1\]: spans\[0\] = \[0,99\] is outside the text/,
  );
  assert.throws(() => tok.encodeBatch([{ text: TEXT, spans: [[0, 3]] }], { padding: "longest" as unknown as boolean }), /padding must be true, false or "max_length"/);
});

test("options that cannot work are named", () => {
  assert.throws(() => tok.encode({ text: TEXT, spans: [[0, 3]] }, { maxLength: 2 }), /maxLength 2 leaves no room for the text/);
  assert.throws(() => tok.encode({ text: TEXT, spans: [[0, 3]] }, { maxLength: 0 }), /encode: maxLength must be an integer ≥ 1, found 0/);
  assert.throws(() => tok.encode({ text: TEXT, spans: [[0, 3]] }, { maxMentionLength: 2.5 }), /maxMentionLength must be an integer ≥ 1, found 2.5/);
  assert.throws(() => tok.encode({ text: TEXT, spans: [[0, 3]] }, { maxEntityLength: -1 }), /maxEntityLength must be an integer ≥ 0, found -1/);
  assert.throws(() => tok.encode({ text: TEXT, spans: [[0, 3]] }, { task: "ner" as LukeTask }), /encode: task "ner" is not supported/);
  const noMax = LukeTokenizer.fromFolder(buildTokenizerFolder({ task: null, config: { model_max_length: 1e30 } }));
  assert.throws(() => noMax.encodeBatch([{ text: TEXT }], { padding: "max_length" }), /padding "max_length" needs maxLength/);
  assert.throws(() => tok.encode({ text: TEXT, entities: ["Ana Ivanovic"] }, { task: null }), /entities were given without spans/);
  assert.throws(() => tok.convertIdsToTokens([999999]), /token id 999999 is not in the vocabulary/);
});

/** A copy of the test folder with one thing broken. */
function brokenFolder(edit: (d: string) => void): string {
  const d = scratchDir("lukelab-broken-");
  for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(d, f));
  edit(d);
  return d;
}

test("missing files are named", () => {
  assert.throws(() => LukeTokenizer.fromFolder(join(dir, "nope")), /tokenizer folder .*nope does not exist/);
  for (const f of ["vocab.json", "merges.txt", "entity_vocab.json"]) {
    const d = brokenFolder((x) => rmSync(join(x, f)));
    assert.throws(() => LukeTokenizer.fromFolder(d), new RegExp(`required file ${f.replace(".", "\\.")} is missing`));
  }
});

test("malformed JSON names the file", () => {
  for (const f of ["vocab.json", "entity_vocab.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"]) {
    const d = brokenFolder((x) => writeFileSync(join(x, f), '{"<s>": 0,'));
    assert.throws(() => LukeTokenizer.fromFolder(d), new RegExp(`${f.replace(".", "\\.")}:1:11: not valid JSON: the text ends where`));
  }
  const d = brokenFolder((x) => writeFileSync(join(x, "vocab.json"), '{"<s>": "zero"}'));
  assert.throws(() => LukeTokenizer.fromFolder(d), /vocab\.json: the id of "<s>" must be a non-negative integer, found "zero"/);
});

test("bad settings name the file and the field", () => {
  const noMask2 = brokenFolder((x) => writeFileSync(join(x, "entity_vocab.json"), JSON.stringify({ "[PAD]": 0, "[UNK]": 1, "[MASK]": 2 })));
  assert.throws(() => LukeTokenizer.fromFolder(noMask2), /entity_vocab\.json: the entity_mask2_token "\[MASK2\]" is missing/);
  const badTask = buildTokenizerFolder({ task: "ner" });
  assert.throws(() => LukeTokenizer.fromFolder(badTask), /tokenizer_config\.json: task "ner" is not supported/);
  const badLength = buildTokenizerFolder({ config: { max_mention_length: "thirty" } });
  assert.throws(() => LukeTokenizer.fromFolder(badLength), /tokenizer_config\.json: max_mention_length must be a positive integer, found "thirty"/);
});
