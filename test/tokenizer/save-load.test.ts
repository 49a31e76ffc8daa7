/**
 * Loading and saving tokenizer folders, against transformers: the flags and ids it gives added
 * tokens, save(dir) read back by LukeTokenizer.from_pretrained, folders written by save_pretrained,
 * and fromRobertaFiles against the conversion script's tokenizer steps.
 */
import assert from "node:assert/strict";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { LukeTokenizer, type EncodeInput, type LukeTask } from "../../kernel/tokenizer";
import { buildTokenizerFolder, ENTITY_VOCAB, scratchDir } from "./fixture-folder";
import { HARD_CASES, inputFor } from "./hard-cases";
import { assertSameEncoding, reference, type Job, type PyEncoding } from "./reference";

const TASK: LukeTask = "entity_classification";
const hub = buildTokenizerFolder({ task: TASK, addPrefixSpace: true });
const ours = join(scratchDir(), "saved-by-lukelab");
const theirs = join(scratchDir(), "saved-by-transformers");
const roberta = scratchDir("lukelab-roberta-");
const converted = join(scratchDir(), "converted-by-transformers");
const oursConverted = join(scratchDir(), "converted-by-lukelab");

// Folder variants: merges.txt with CRLF line ends and no final newline (the reference then drops
// the last merge, "Ġg azed"), and added tokens with other stripping flags.
const quirky = scratchDir("lukelab-quirky-");
const flags = scratchDir("lukelab-flags-");
const flagsSaved = join(scratchDir(), "flags-saved-by-lukelab");
const variantTexts = [
  "He gazed at Ana, gazed again.",
  "<ent>   x <ent> y",
  "a<ent2>b and a <ent2> b <ent2>",
  "word  <mask>  next<mask>end",
  "\t<ent>\n<ent2> \u3000<mask>\u0085z",
];

const classificationInputs = HARD_CASES.map((h) => inputFor(TASK, h)).filter((x): x is EncodeInput => x !== null);
const plainInputs = HARD_CASES.map((h) => inputFor(null, h)!).concat(HARD_CASES.map((h) => ({ text: h.text })));

type Info = Record<string, unknown>;

/** Our tokenizer's settings in the shape luke_reference.py's "info" prints. */
function info(tok: LukeTokenizer): Info {
  return {
    added: Object.fromEntries(
      tok.addedTokens.map((t) => [String(t.id), { content: t.content, lstrip: t.lstrip, rstrip: t.rstrip, single_word: t.singleWord, special: t.special }]),
    ),
    markers: [...tok.entityMarkerIds],
    vocab_size: tok.vocabSize,
    len: tok.totalVocabSize,
    task: tok.task,
    add_prefix_space: tok.addPrefixSpace,
    max_entity_length: tok.maxEntityLength,
    max_mention_length: tok.maxMentionLength,
    model_max_length: tok.modelMaxLength,
    entity_ids: [tok.entityPadId, tok.entityUnkId, tok.entityMaskId, tok.entityMask2Id],
  };
}

let py: unknown[];
const at = {
  hubInfo: 0,
  oursInfo: 1,
  oursEncode: 2,
  theirsInfo: 4,
  theirsEncode: 5,
  convertedInfo: 7,
  convertedEncode: 8,
  oursConvertedInfo: 9,
  oursConvertedEncode: 10,
  quirkyTokenize: 11,
  flagsInfo: 12,
  flagsTokenize: 13,
  flagsSavedInfo: 14,
};

before(() => {
  LukeTokenizer.fromFolder(hub).save(ours);
  for (const f of ["vocab.json", "merges.txt"]) copyFileSync(join(hub, f), join(roberta, f));
  LukeTokenizer.fromRobertaFiles(roberta, ENTITY_VOCAB).save(oursConverted);
  for (const f of readdirSync(hub)) {
    copyFileSync(join(hub, f), join(quirky, f));
    copyFileSync(join(hub, f), join(flags, f));
  }
  const merges = readFileSync(join(hub, "merges.txt"), "utf8");
  writeFileSync(join(quirky, "merges.txt"), merges.replace(/\n$/, "").replace(/\n/g, "\r\n"));
  const config = JSON.parse(readFileSync(join(hub, "tokenizer_config.json"), "utf8"));
  const token = (content: string, lstrip: boolean, rstrip: boolean, single_word: boolean) => ({ content, lstrip, rstrip, single_word, normalized: false, special: true });
  config.added_tokens_decoder = {
    "0": token("<s>", false, false, false),
    "1": token("<pad>", false, false, false),
    "2": token("</s>", false, false, false),
    "3": token("<unk>", false, false, false),
    "50260": token("<mask>", false, true, false),
    "50261": token("<ent>", true, false, false),
    "50262": token("<ent2>", false, true, false),
  };
  // <ent>/<ent2> take their flags from entity_token_1/2, which override added_tokens_decoder's.
  config.entity_token_1 = { __type: "AddedToken", ...token("<ent>", false, true, true) };
  config.entity_token_2 = { __type: "AddedToken", ...token("<ent2>", true, false, true) };
  writeFileSync(join(flags, "tokenizer_config.json"), JSON.stringify(config));
  LukeTokenizer.fromFolder(flags).save(flagsSaved);
  const jobs: Job[] = [
    { dir: hub, op: "info" },
    { dir: ours, op: "info" },
    { dir: ours, op: "encode", inputs: classificationInputs },
    { dir: hub, op: "save", out: theirs },
    { dir: theirs, op: "info" },
    { dir: theirs, op: "encode", inputs: classificationInputs },
    { dir: roberta, op: "roberta_convert" as Job["op"], out: converted, ...{ entity_vocab: ENTITY_VOCAB } },
    { dir: converted, op: "info" },
    { dir: converted, op: "encode", inputs: plainInputs },
    { dir: oursConverted, op: "info" },
    { dir: oursConverted, op: "encode", inputs: plainInputs },
    { dir: quirky, op: "tokenize", texts: variantTexts },
    { dir: flags, op: "info" },
    { dir: flags, op: "tokenize", texts: variantTexts },
    { dir: flagsSaved, op: "info" },
  ];
  py = reference(jobs);
});

test("a Hub-style folder loads with the ids and stripping flags transformers gives its added tokens", () => {
  assert.deepEqual(info(LukeTokenizer.fromFolder(hub)), py[at.hubInfo]);
});

test("save(dir): transformers loads the same settings and tokenizes identically", () => {
  assert.deepEqual(py[at.oursInfo], py[at.hubInfo]);
  const tok = LukeTokenizer.fromFolder(hub);
  const expected = py[at.oursEncode] as PyEncoding[];
  classificationInputs.forEach((x, i) => assertSameEncoding(tok.encode(x), expected[i], JSON.stringify(x)));
});

test("save(dir) writes the six files, leaves no temporary files, and overwrites a previous save", () => {
  const expected = ["added_tokens.json", "entity_vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json", "vocab.json"];
  assert.deepEqual(readdirSync(ours).sort(), expected);
  LukeTokenizer.fromFolder(ours).save(ours);
  assert.deepEqual(readdirSync(ours).sort(), expected);
  assert.deepEqual(info(LukeTokenizer.fromFolder(ours)), py[at.hubInfo]);
});

test("a folder written by transformers' save_pretrained loads and tokenizes as transformers does", () => {
  const tok = LukeTokenizer.fromFolder(theirs);
  assert.deepEqual(info(tok), py[at.theirsInfo]);
  const expected = py[at.theirsEncode] as PyEncoding[];
  classificationInputs.forEach((x, i) => assertSameEncoding(tok.encode(x), expected[i], JSON.stringify(x)));
});

test("fromRobertaFiles equals the conversion script's tokenizer, and so does its saved folder", () => {
  const tok = LukeTokenizer.fromRobertaFiles(roberta, ENTITY_VOCAB);
  assert.deepEqual(info(tok), py[at.convertedInfo]);
  assert.deepEqual(py[at.oursConvertedInfo], py[at.convertedInfo]);
  const expected = py[at.convertedEncode] as PyEncoding[];
  const expectedSaved = py[at.oursConvertedEncode] as PyEncoding[];
  plainInputs.forEach((x, i) => {
    assertSameEncoding(tok.encode(x), expected[i], JSON.stringify(x));
    assertSameEncoding(tok.encode(x), expectedSaved[i], `saved: ${JSON.stringify(x)}`);
  });
});

test("the in-memory constructor, given the folder's parsed files, gives transformers' tokenizer", () => {
  const json = (name: string) => JSON.parse(readFileSync(join(hub, name), "utf8"));
  const merges = readFileSync(join(hub, "merges.txt"), "utf8")
    .split("\n")
    .slice(1, -1)
    .map((line) => line.split(" ") as [string, string]);
  const tok = new LukeTokenizer({
    vocab: json("vocab.json"),
    merges,
    entityVocab: ENTITY_VOCAB,
    config: json("tokenizer_config.json"),
    specialTokensMap: json("special_tokens_map.json"),
    addedTokens: json("added_tokens.json"),
  });
  assert.deepEqual(info(tok), py[at.hubInfo]);
  const expected = py[at.oursEncode] as PyEncoding[];
  classificationInputs.forEach((x, i) => assertSameEncoding(tok.encode(x), expected[i], JSON.stringify(x)));
});

test("merges.txt with CRLF line ends and no final newline is read as transformers reads it", () => {
  const tok = LukeTokenizer.fromFolder(quirky);
  const expected = py[at.quirkyTokenize] as string[][];
  variantTexts.forEach((text, i) => assert.deepEqual(tok.tokenize(text), expected[i], JSON.stringify(text)));
  assert.ok(!tok.tokenize("He gazed").includes("Ġgazed"), "the last merge is dropped, as in the reference");
});

test("added tokens with rstrip, lstrip and single_word strip and join as transformers does", () => {
  const tok = LukeTokenizer.fromFolder(flags);
  assert.deepEqual(info(tok), py[at.flagsInfo]);
  const ent = tok.addedTokens.find((t) => t.content === "<ent>")!;
  assert.deepEqual([ent.lstrip, ent.rstrip, ent.singleWord], [false, true, true], "entity_token_1's flags win");
  assert.deepEqual(py[at.flagsSavedInfo], py[at.flagsInfo], "save(dir) keeps the flags for transformers");
  const expected = py[at.flagsTokenize] as string[][];
  variantTexts.forEach((text, i) => assert.deepEqual(tok.tokenize(text), expected[i], JSON.stringify(text)));
});
