/**
 * The reference values of luke-reference.md §7 (worked example) and §8 (integration test sentence,
 * tokenizer test facts), each checked both as written there and against transformers on the same folder.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { LukeTokenizer, type EncodeInput, type LukeTask } from "../../kernel/tokenizer";
import { buildTokenizerFolder, ENTITY_VOCAB, MASK_ID } from "./fixture-folder";
import { assertSameEncoding, reference, type Job, type PyEncoding } from "./reference";

const INTEGRATION_TEXT =
  "Top seed Ana Ivanovic said on Thursday she could hardly believe her luck as a fortuitous netcord helped the new world number one avoid a humiliating second- round exit at Wimbledon .";
const INTEGRATION_TOKENS = (
  "<s> ĠTop Ġseed ĠAna ĠIvan ovic Ġsaid Ġon ĠThursday <ent> Ġshe <ent> Ġcould Ġhardly Ġbelieve Ġher Ġluck Ġas Ġa Ġfort uitous " +
  "Ġnet c ord Ġhelped Ġthe Ġnew Ġworld Ġnumber Ġone Ġavoid Ġa Ġhumiliating Ġsecond - Ġround Ġexit Ġat ĠWim bledon Ġ. </s>"
).split(" ");
const FACT_TEXT = "Top seed Ana Ivanovic said on Thursday she could hardly believe her luck.";
const BEYONCE = "Beyoncé lives in Los Angeles.";

const withPrefix = buildTokenizerFolder({ addPrefixSpace: true });
const withoutPrefix = buildTokenizerFolder({ addPrefixSpace: false });

interface Case {
  name: string;
  dir: string;
  task: LukeTask;
  input: EncodeInput;
}
const cases: Case[] = [
  { name: "integration sentence", dir: withPrefix, task: "entity_classification", input: { text: INTEGRATION_TEXT, spans: [[39, 42]] } },
  { name: "mask sentence", dir: withoutPrefix, task: null, input: { text: "A, <mask> AllenNLP sentence." } },
  { name: "pair task", dir: withoutPrefix, task: "entity_pair_classification", input: { text: FACT_TEXT, spans: [[9, 21], [39, 42]] } },
  { name: "span task", dir: withoutPrefix, task: "entity_span_classification", input: { text: FACT_TEXT, spans: [[0, 8], [9, 21], [39, 42]] } },
  {
    name: "task None with entities",
    dir: withoutPrefix,
    task: null,
    input: { text: FACT_TEXT, spans: [[9, 21], [30, 38], [39, 42]], entities: ["Ana Ivanovic", "Thursday", "Dummy Entity"] },
  },
  { name: "Beyoncé, no prefix space", dir: withoutPrefix, task: "entity_classification", input: { text: BEYONCE, spans: [[0, 7]] } },
  { name: "Beyoncé, prefix space", dir: withPrefix, task: "entity_classification", input: { text: BEYONCE, spans: [[0, 7]] } },
  { name: "Beyoncé, two spans", dir: withPrefix, task: null, input: { text: BEYONCE, spans: [[0, 7], [17, 28]] } },
];

const encoded = new Map<string, ReturnType<LukeTokenizer["encode"]>>();
let python: Map<string, PyEncoding>;
let pairDecoded: string;

before(() => {
  const jobs: Job[] = cases.map((c) => ({ dir: c.dir, op: "encode", load: { task: c.task }, inputs: [c.input] }));
  const pairIds = () => LukeTokenizer.fromFolder(withoutPrefix).encode(cases[2].input, { task: cases[2].task }).inputIds;
  jobs.push({ dir: withoutPrefix, op: "decode", load: { task: "entity_pair_classification" }, ids: [pairIds()], options: { spaces_between_special_tokens: false } });
  const out = reference(jobs);
  python = new Map(cases.map((c, i) => [c.name, (out[i] as PyEncoding[])[0]]));
  pairDecoded = (out[cases.length] as string[])[0];
  for (const c of cases) encoded.set(c.name, LukeTokenizer.fromFolder(c.dir).encode(c.input, { task: c.task }));
});

for (const c of cases) {
  test(`${c.name}: equals transformers`, () => {
    assertSameEncoding(encoded.get(c.name)!, python.get(c.name)!, c.name);
  });
}

const minus1 = (n: number) => new Array<number>(n).fill(-1);

test("integration sentence: the 42 tokens of §8 and entity position ids [9, 10, 11, -1×27]", () => {
  const e = encoded.get("integration sentence")!;
  assert.deepEqual(e.tokens, INTEGRATION_TOKENS);
  assert.equal(e.tokens.length, 42);
  assert.deepEqual(e.entityIds, [2]);
  assert.deepEqual(e.entityPositionIds, [[9, 10, 11, ...minus1(27)]]);
});

test("mask sentence: <s> A , <mask> ĠAllen N LP Ġsentence . </s>", () => {
  const e = encoded.get("mask sentence")!;
  assert.deepEqual(e.tokens, ["<s>", "A", ",", "<mask>", "ĠAllen", "N", "LP", "Ġsentence", ".", "</s>"]);
  assert.equal(e.inputIds[3], MASK_ID);
});

test("pair task: decoded layout, positions [3..7] and [11..13], entity ids [2, 3]", () => {
  const e = encoded.get("pair task")!;
  const tok = LukeTokenizer.fromFolder(withoutPrefix);
  const expected = "<s>Top seed<ent> Ana Ivanovic<ent> said on Thursday<ent2> she<ent2> could hardly believe her luck.</s>";
  assert.equal(pairDecoded, expected);
  assert.equal(tok.decode(e.inputIds, { spacesBetweenSpecialTokens: false }), expected);
  assert.deepEqual(e.entityPositionIds, [
    [3, 4, 5, 6, 7, ...minus1(25)],
    [11, 12, 13, ...minus1(27)],
  ]);
  assert.deepEqual(e.entityIds, [2, 3]);
});

test("span task: positions [1,2], [3,4,5], [9]; starts [1,3,9]; ends [2,5,9]", () => {
  const e = encoded.get("span task")!;
  assert.deepEqual(e.entityPositionIds, [
    [1, 2, ...minus1(28)],
    [3, 4, 5, ...minus1(27)],
    [9, ...minus1(29)],
  ]);
  assert.deepEqual(e.entityStartPositions, [1, 3, 9]);
  assert.deepEqual(e.entityEndPositions, [2, 5, 9]);
  assert.deepEqual(e.entityIds, [2, 2, 2]);
});

test("task None with entities: positions [3,4,5], [8], [9]; the unknown title gets [UNK]", () => {
  const e = encoded.get("task None with entities")!;
  assert.deepEqual(e.entityPositionIds, [
    [3, 4, 5, ...minus1(27)],
    [8, ...minus1(29)],
    [9, ...minus1(29)],
  ]);
  assert.deepEqual(e.entityIds, [ENTITY_VOCAB["Ana Ivanovic"], ENTITY_VOCAB.Thursday, ENTITY_VOCAB["[UNK]"]]);
});

test("Beyoncé worked example of §7, with and without the prefix space", () => {
  const off = encoded.get("Beyoncé, no prefix space")!;
  assert.deepEqual(off.tokens, "<s> <ent> Bey on cÃ© <ent> Ġlives Ġin ĠLos ĠAngeles . </s>".split(" "));
  assert.deepEqual(off.entityPositionIds, [[1, 2, 3, 4, 5, ...minus1(25)]]);
  const on = encoded.get("Beyoncé, prefix space")!;
  assert.deepEqual(on.tokens, "<s> <ent> ĠBeyon cÃ© <ent> Ġlives Ġin ĠLos ĠAngeles . </s>".split(" "));
  assert.deepEqual(on.entityPositionIds, [[1, 2, 3, 4, ...minus1(26)]]);
  const two = encoded.get("Beyoncé, two spans")!;
  assert.equal(two.tokens[two.tokens.length - 2], "Ġ.", "the last piece '.' gets its own prefix space");
});
