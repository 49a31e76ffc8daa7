/**
 * Hard strings against transformers in every mode and both prefix-space settings: runs of spaces,
 * punctuation, accents, emoji, characters outside the BMP and newer than V8's tables, spans at the
 * edges, overlapping and empty spans, <mask> and literal special tokens, newlines and tabs.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { LukeTokenizer, type EncodeInput, type LukeTask } from "../../kernel/tokenizer";
import { buildTokenizerFolder } from "./fixture-folder";
import { HARD_CASES, inputFor, TASKS } from "./hard-cases";
import { assertSameEncoding, reference, type Job, type PyEncoding } from "./reference";

const dirs = { true: buildTokenizerFolder({ addPrefixSpace: true }), false: buildTokenizerFolder({ addPrefixSpace: false }) };
const PREFIX = [true, false] as const;

interface Run {
  label: string;
  prefix: boolean;
  task: LukeTask;
  inputs: EncodeInput[];
}
const runs: Run[] = [];
for (const prefix of PREFIX) {
  for (const task of TASKS) {
    const inputs = HARD_CASES.map((h) => inputFor(task, h)).filter((x): x is EncodeInput => x !== null);
    runs.push({ label: `task ${task}`, prefix, task, inputs });
  }
  runs.push({ label: "task null with titles", prefix, task: null, inputs: HARD_CASES.map((h) => inputFor(null, h, true)!) });
  runs.push({ label: "task null without spans", prefix, task: null, inputs: HARD_CASES.map((h) => ({ text: h.text })) });
  runs.push({ label: "task null with an empty span list", prefix, task: null, inputs: HARD_CASES.map((h) => ({ text: h.text, spans: [] })) });
}

const tokenizers = new Map<boolean, LukeTokenizer>();
let py: unknown[];
const texts = HARD_CASES.map((h) => h.text);
const tokenizeAt = runs.length;

before(() => {
  for (const p of PREFIX) tokenizers.set(p, LukeTokenizer.fromFolder(dirs[`${p}`]));
  const jobs: Job[] = runs.map((r) => ({ dir: dirs[`${r.prefix}`], op: "encode", load: { task: r.task }, inputs: r.inputs }));
  for (const p of PREFIX) jobs.push({ dir: dirs[`${p}`], op: "tokenize", texts });
  // decode: the text-only encodings and the entity-classification ones (with <ent> markers).
  for (const p of PREFIX) {
    const tok = tokenizers.get(p)!;
    const ids = [
      ...texts.map((text) => tok.encode({ text }, { task: null }).inputIds),
      ...HARD_CASES.map((h) => tok.encode(inputFor("entity_classification", h)!, { task: "entity_classification" }).inputIds),
    ];
    jobs.push({ dir: dirs[`${p}`], op: "decode", ids });
    jobs.push({ dir: dirs[`${p}`], op: "decode", ids, options: { spaces_between_special_tokens: false, skip_special_tokens: true } });
    jobs.push({ dir: dirs[`${p}`], op: "decode", ids, options: { clean_up_tokenization_spaces: true } });
  }
  py = reference(jobs);
});

for (const [k, run] of runs.entries()) {
  test(`hard strings, add_prefix_space ${run.prefix}, ${run.label}: equal transformers`, () => {
    const tok = tokenizers.get(run.prefix)!;
    const expected = py[k] as PyEncoding[];
    run.inputs.forEach((input, i) => {
      assertSameEncoding(tok.encode(input, { task: run.task }), expected[i], `${JSON.stringify(input)}`);
    });
  });
}

for (const [j, p] of PREFIX.entries()) {
  test(`tokenize(text), add_prefix_space ${p}: equals transformers' tokenize`, () => {
    const expected = py[tokenizeAt + j] as string[][];
    texts.forEach((text, i) => assert.deepEqual(tokenizers.get(p)!.tokenize(text), expected[i], JSON.stringify(text)));
  });

  test(`decode(ids), add_prefix_space ${p}: equals transformers' decode with each option`, () => {
    const tok = tokenizers.get(p)!;
    const base = tokenizeAt + PREFIX.length + j * 3;
    const ids = [
      ...texts.map((text) => tok.encode({ text }, { task: null }).inputIds),
      ...HARD_CASES.map((h) => tok.encode(inputFor("entity_classification", h)!, { task: "entity_classification" }).inputIds),
    ];
    const variants = [{}, { spacesBetweenSpecialTokens: false, skipSpecialTokens: true }, { cleanUpTokenizationSpaces: true }];
    variants.forEach((options, v) => {
      const expected = py[base + v] as string[];
      ids.forEach((row, i) => assert.equal(tok.decode(row, options), expected[i], `${JSON.stringify(options)} ${JSON.stringify(row)}`));
    });
  });
}

test("code point offsets: a span after emoji and astral letters lands on the same characters", () => {
  const tok = tokenizers.get(true)!;
  const text = "𝔘𝔫𝔦 👍🏽 Ana";
  // 𝔘𝔫𝔦 = 3 code points (6 UTF-16 units), space, 👍🏽 = 2 code points, space → "Ana" starts at 7.
  const e = tok.encode({ text, spans: [[7, 10]] }, { task: "entity_classification" });
  const mention = e.entityPositionIds[0].filter((p) => p >= 0).map((p) => e.tokens[p]);
  assert.deepEqual(mention, ["<ent>", "ĠAna", "<ent>"]);
});
