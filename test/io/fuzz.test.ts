/**
 * Fuzzing the readers (fast-check, fixed seed, a few hundred cases, a few seconds): valid datasets,
 * JSON lines, sweep files, model configs, tokenizer files and attention/Plotly payloads are mutated
 * (bytes cut, inserted, replaced by ones that are not UTF-8, the file truncated; values swapped for
 * random JSON) and every reader must either accept the result or refuse it with an Error that starts
 * with the file (or the payload's path) and a place — never a TypeError, a raw JSON.parse message
 * without a place, or a stack trace in the message. Readers are synchronous, so a hang would stop
 * the test at its timeout.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { readOpenEntityFile } from "../../kernel/data/open-entity";
import { readJsonLines, readJsonObject } from "../../kernel/io/read";
import { parseLukeConfig } from "../../kernel/model/config";
import { readSweepFile } from "../../kernel/sweep/definition";
import { LukeTokenizer } from "../../kernel/tokenizer";
import { attentionPayload } from "../../kernel/display/attention-input";
import { decodeAttentionPayload } from "../../kernel/portable/attention-payload";
import { checkPlotlyPayload } from "../../kernel/portable/plotly-payload";
import { ROOT, tmpDir } from "../helpers";

const SEED = 20261203;
const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const TINY = join(ROOT, "samples", "tiny-luke");

/** One change to a file's bytes; positions are fractions of the length. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.constantFrom(",", "]", "}", "[", "{", '"', "\\", ":", "NaN", "Infinity", "\uFEFF", "\u0000", "\n", "'", "True", "1e", "-", " null", "é😀"),
  }),
  fc.record({ kind: fc.constant("bytes" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.constantFrom([0xff], [0xc3], [0xe9, 0x20], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Buffer, m: Mutation): Buffer {
  const at = Math.floor(m.at * bytes.length);
  switch (m.kind) {
    case "delete":
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case "insert":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text, "utf8"), bytes.subarray(at)]);
    case "bytes":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
    case "truncate":
      return bytes.subarray(0, at);
  }
}

/** The refusal is an Error of ours that names `file` and a place after it. */
function refusedWell(err: unknown, file: string, what: string): void {
  assert.ok(err instanceof Error, `${what}: threw a non-Error ${String(err)}`);
  assert.ok(!(err instanceof TypeError) && !(err instanceof RangeError) && !(err instanceof SyntaxError), `${what}: a raw ${err.name}: ${err.stack}`);
  assert.ok(err.message.includes(file), `${what}: the message does not name ${file}: ${err.message}`);
  const after = err.message.slice(err.message.indexOf(file) + file.length);
  assert.match(after, /^(:\d+(:\d+)?: |: byte \d+ \(line \d+\): |: example \d+( \(line \d+\))?: |: line \d+: |: )\S/, `${what}: no place after the file: ${err.message}`);
  assert.doesNotMatch(err.message, /\n\s+at .*:\d+:\d+\)?$/m, `${what}: a stack trace in the message`);
  // A JSON syntax error always carries line and column, whatever Node's message says.
  if (/not valid JSON/.test(after)) assert.match(err.message, /:\d+:\d+: not valid JSON|line \d+, column \d+|column \d+: not valid JSON/, `${what}: JSON error without its place: ${err.message}`);
}

function fuzzFile(name: string, original: Buffer, read: (path: string) => unknown, numRuns = 150): void {
  const dir = tmpDir("lukelab-fuzz-");
  const path = join(dir, name);
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      writeFileSync(path, ms.reduce(mutate, original));
      try {
        read(path);
      } catch (err) {
        refusedWell(err, path, `${name} after ${JSON.stringify(ms)}`);
      }
    }),
    { seed: SEED, numRuns },
  );
}

test("Open Entity files (ERNIE array and crowd lines) mutated: accepted or refused with file and place", () => {
  fuzzFile("train.json", readFileSync(join(SAMPLE, "train.json")), (p) => readOpenEntityFile(p));
  const crowd = [
    { left_context_token: ["In"], mention_span: "Lyon", right_context_token: ["it", "rained"], y_str: ["location", "city"] },
    { left_context_token: [], mention_span: "Ada Lovelace", right_context_token: ["wrote"], y_str: ["person"] },
  ]
    .map((o) => JSON.stringify(o))
    .join("\n");
  fuzzFile("crowd.json", Buffer.from(crowd + "\n"), (p) => readOpenEntityFile(p));
});

test("JSON lines, sweep files and model configs mutated: accepted or refused with file and place", () => {
  fuzzFile("sentences.jsonl", readFileSync(join(ROOT, "samples", "sentences.jsonl")), (p) => readJsonLines(p));
  const sweep = { name: "g", kind: "grid", base: { num_train_epochs: 1, train_batch_size: 4 }, parameters: { learning_rate: [0.001, 0.002], seed: [12, 13] } };
  fuzzFile("sweep.json", Buffer.from(JSON.stringify(sweep, null, 2)), (p) => readSweepFile(p));
  fuzzFile("config.json", readFileSync(join(TINY, "config.json")), (p) => parseLukeConfig(readJsonObject(p), p));
});

test("tokenizer files mutated: accepted or refused with file and place", () => {
  const dir = tmpDir("lukelab-fuzz-tok-");
  for (const f of ["vocab.json", "merges.txt", "entity_vocab.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"]) {
    copyFileSync(join(TINY, f), join(dir, f));
  }
  for (const f of ["tokenizer_config.json", "entity_vocab.json"]) {
    const original = readFileSync(join(TINY, f));
    const path = join(dir, f);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 2 }), (ms) => {
        writeFileSync(path, ms.reduce(mutate, original));
        try {
          LukeTokenizer.fromFolder(dir);
        } catch (err) {
          assert.ok(err instanceof Error && !(err instanceof TypeError), `${f}: ${(err as Error).stack}`);
          assert.ok(err.message.includes(f), `${f} after ${JSON.stringify(ms)}: the message does not name the file: ${err.message}`);
          if (/not valid JSON/.test(err.message)) assert.match(err.message, /:\d+:\d+: not valid JSON/);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
    writeFileSync(path, original);
  }
});

/** Replaces the value at a random path of a JSON value by `replacement`. */
function replaceAt(value: unknown, pick: number[], replacement: unknown): unknown {
  if (pick.length === 0 || value === null || typeof value !== "object") return replacement;
  const keys = Object.keys(value as object);
  if (keys.length === 0) return replacement;
  const key = keys[pick[0] % keys.length];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  copy[key] = replaceAt(copy[key], pick.slice(1), replacement);
  return copy;
}

const jsonPick = fc.record({ path: fc.array(fc.nat(), { maxLength: 6 }), value: fc.jsonValue({ maxDepth: 2 }) });

test("attention and Plotly payloads with values swapped: decoded, or refused with the path of what is wrong", () => {
  const payload = attentionPayload({
    tokens: ["<s>", "Ada", "wrote", "</s>", "[MASK]"],
    attentions: [0, 1].map(() => [0, 1].map(() => Array.from({ length: 5 }, () => Array(5).fill(0.2)))),
    entities: 1,
  });
  const good = JSON.parse(JSON.stringify(payload));
  assert.equal(decodeAttentionPayload(good).ok, true);
  fc.assert(
    fc.property(jsonPick, fc.boolean(), ({ path, value }, asText) => {
      const bad = replaceAt(good, path, value);
      const r = decodeAttentionPayload(asText ? JSON.stringify(bad) : bad);
      if (!r.ok) {
        assert.equal(typeof r.error.path, "string");
        assert.ok(r.error.message.length > 0);
        assert.doesNotMatch(r.error.message, /could not be read|TypeError|Cannot read prop/, `raw error at ${JSON.stringify(path)}: ${r.error.message}`);
      }
    }),
    { seed: SEED, numRuns: 300 },
  );

  const figure = { data: [{ type: "scatter", x: [1, 2], y: [3, 4], name: "dev F1" }], layout: { title: { text: "F1" } }, config: { responsive: true } };
  fc.assert(
    fc.property(jsonPick, ({ path, value }) => {
      try {
        checkPlotlyPayload(replaceAt(figure, path, value));
      } catch (err) {
        assert.ok(err instanceof Error && !(err instanceof TypeError), `${(err as Error).stack}`);
        assert.match(err.message, /^application\/vnd\.plotly\.v1\+json payload: \S+ /);
      }
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test("a fuzz failure would be reproducible: the same seed gives the same cases", () => {
  const draw = () => fc.sample(mutation, { seed: SEED, numRuns: 5 });
  assert.deepEqual(draw(), draw());
  mkdirSync(tmpDir(), { recursive: true });
});
