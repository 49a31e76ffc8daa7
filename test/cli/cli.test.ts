/** The command line, run as a user runs it: a separate process, files in and out. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadLuke } from "../../kernel";
import { fixture } from "../checkpoint/expect";
import { FIXTURES, ROOT, flatten, maxAbsDiff, ready, runPython, tmpDir } from "../helpers";

const CLI = join(ROOT, "bin", "lukelab.js");
const MODEL = join(FIXTURES, "parity", "entity-aware", "safetensors");

function lukelab(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
}

const expected = JSON.parse(readFileSync(join(FIXTURES, "parity", "entity-aware", "expected.json"), "utf8"));
const buf = readFileSync(join(FIXTURES, "parity", "entity-aware", "expected.f32"));
const values = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
const tensor = (ref: { shape: number[]; offset: number }) =>
  values.subarray(ref.offset, ref.offset + ref.shape.reduce((a: number, b: number) => a * b, 1));

test("forward writes transformers' fields in snake_case, matching the reference", () => {
  const dir = tmpDir();
  const records = expected.inputs.filter((r: { attentions?: unknown; input: { text?: string } }) => r.attentions && r.input.text).slice(0, 6);
  const input = join(dir, "in.jsonl");
  writeFileSync(
    input,
    records.map((r: { input: { text: string; spans: number[][] } }, i: number) =>
      JSON.stringify({ text: r.input.text, spans: r.input.spans, ...(i % 2 ? { task: "entity_classification" } : {}) }),
    ).join("\n\n") + "\n",
  );
  const output = join(dir, "out.jsonl");
  const r = lukelab("forward", "--model", MODEL, "--input", input, "--output", output, "--attentions", "--batch-size", "4");
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(output, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, records.length);
  lines.forEach((got, i) => {
    const want = records[i];
    assert.deepEqual(Object.keys(got), [
      "tokens", "input_ids", "entity_ids", "entity_position_ids", "last_hidden_state", "entity_last_hidden_state", "logits", "attentions",
    ]);
    assert.deepEqual(got.tokens, want.tokens);
    assert.deepEqual(got.input_ids, want.input_ids);
    assert.deepEqual(got.entity_ids, want.entity_ids);
    assert.deepEqual(got.entity_position_ids, want.entity_position_ids);
    assert.ok(maxAbsDiff(flatten(got.last_hidden_state), tensor(want.last_hidden_state)) <= 1e-4);
    assert.ok(maxAbsDiff(flatten(got.entity_last_hidden_state), tensor(want.entity_last_hidden_state)) <= 1e-4);
    assert.ok(maxAbsDiff(got.logits, tensor(want.logits)) <= 1e-4);
    assert.deepEqual([got.attentions.length, got.attentions[0].length, got.attentions[0][0].length], want.attentions.shape.slice(0, 3));
    assert.ok(maxAbsDiff(flatten(got.attentions), tensor(want.attentions)) <= 1e-5);
  });
});

test("a malformed line is reported with file and line, and no output file is left", () => {
  const dir = tmpDir();
  const input = join(dir, "in.jsonl");
  const output = join(dir, "out.jsonl");
  const cases: [string, RegExp][] = [
    ['{"text": "Ada wrote.", "spans": [[0, 3]]}\n{"text": "Ada wrote.", "spans": [[0, 3]\n', /in\.jsonl:2:40: not valid JSON: the text ends where ',' or '\]' was expected/],
    ['{"text": "Ada wrote.", "spans": [[0, 3]]}\n\n{"text": 5}\n', /in\.jsonl:3: "text" must be a string/],
    ['{"text": "Ada", "spans": [[0, 30]]}\n', /in\.jsonl:1: .*(outside|out of range|beyond)/i],
    ['{"text": "Ada wrote.", "spans": [[4, 2]]}\n', /in\.jsonl:1: .*end.*before.*start|in\.jsonl:1: .*start.*after.*end/i],
    ['{"text": "Ada wrote.", "spans": [[0, 3]], "task": "ner"}\n', /in\.jsonl:1: "task" must be one of/],
  ];
  for (const [content, pattern] of cases) {
    writeFileSync(input, content);
    const r = lukelab("forward", "--model", MODEL, "--input", input, "--output", output);
    assert.equal(r.status, 1, `expected failure for ${JSON.stringify(content)}; stderr: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.ok(!existsSync(output), "a failed run left an output file");
  }
});

test("usage errors exit 2 and say what is missing", () => {
  const r = lukelab("forward", "--model", MODEL);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--input is required/);
  const u = lukelab("nonsense");
  assert.equal(u.status, 2);
  assert.match(u.stderr, /unknown command "nonsense"/);
});

test("a folder without a checkpoint is named in the error", () => {
  const dir = tmpDir();
  const input = join(dir, "in.jsonl");
  writeFileSync(input, '{"text": "Ada wrote.", "spans": [[0, 3]]}\n');
  const r = lukelab("forward", "--model", dir, "--input", input, "--output", join(dir, "o.jsonl"));
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(dir), r.stderr);
  assert.match(r.stderr, /config\.json/);
});

test("predict prints label names from config.json", () => {
  const dir = tmpDir();
  const input = join(dir, "in.jsonl");
  writeFileSync(input, '{"text": "Beyoncé lives in Los Angeles.", "spans": [[0, 7]]}\n');
  const output = join(dir, "pred.jsonl");
  const r = lukelab("predict", "--model", MODEL, "--input", input, "--output", output);
  assert.equal(r.status, 0, r.stderr);
  const [p] = readFileSync(output, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(p.mentions, ["Beyoncé"]);
  // Sigmoid of the reference logits, best first, with the label names of config.json.
  const logits = Array.from(tensor(expected.inputs[0].logits));
  const names = ["entity", "event", "group", "location", "object", "organization", "person", "place", "time"];
  const want = logits.map((l, i) => ({ label: names[i], score: 1 / (1 + Math.exp(-l)) })).sort((a, b) => b.score - a.score);
  assert.deepEqual(p.scores.map((s: { label: string }) => s.label), want.map((w) => w.label));
  p.scores.forEach((s: { score: number }, i: number) => assert.ok(Math.abs(s.score - want[i].score) < 1e-5));
  assert.deepEqual(p.labels, want.filter((w) => w.score >= 0.5).map((w) => w.label));
});

test("doctor reports the backend and why", () => {
  const { LUKELAB_BACKEND: _ignored, ...defaultEnv } = process.env;
  const r = spawnSync(process.execPath, [CLI, "doctor"], { encoding: "utf8", env: defaultEnv });
  assert.equal(r.status, 0, r.stderr);
  // Native TensorFlow when scripts/native.sh built it, else the embedded WebAssembly default.
  const native = existsSync(join(ROOT, "node_modules", "@tensorflow", "tfjs-node", "lib", "napi-v8", "tfjs_binding.node"));
  assert.match(r.stdout, native ? /^backend: tensorflow \(/m : /^backend: wasm \(/m);
  assert.match(r.stdout, /^tfjs-core: 4\.22\.0$/m);
  const wasm = spawnSync(process.execPath, [CLI, "doctor"], { encoding: "utf8", env: { ...defaultEnv, LUKELAB_BACKEND: "wasm" } });
  assert.match(wasm.stdout, /^backend: wasm \(LUKELAB_BACKEND=wasm asked for it\)/m);
  assert.match(wasm.stdout, /simd: true/);
  const cpu = spawnSync(process.execPath, [CLI, "doctor"], { encoding: "utf8", env: { ...defaultEnv, LUKELAB_BACKEND: "cpu" } });
  assert.match(cpu.stdout, /^backend: cpu \(LUKELAB_BACKEND=cpu asked for it\)/m);
  const bad = spawnSync(process.execPath, [CLI, "doctor"], { encoding: "utf8", env: { ...defaultEnv, LUKELAB_BACKEND: "gpu9000" } });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /LUKELAB_BACKEND.*gpu9000/);
});

test("convert turns an original LUKE archive into a folder that lukelab and transformers load alike", async () => {
  // The fake archive of the checkpoint tests: a tiny pretraining model with a 60-word vocabulary in
  // which "@" is id 32 and "#" is id 5 (the rows <ent> and <ent2> are copied from).
  const fx = fixture<{ tsv: { archive: string }; word_ids: { at: number; hash: number } }>("luke-archive");
  const dir = tmpDir();
  const roberta = join(dir, "roberta");
  const letters = (from: string, n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(from.charCodeAt(0) + i));
  const tokens = ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "#", ...letters("a", 26), "@", "Ġ", ".", ...letters("A", 25)];
  assert.equal(tokens.length, 60);
  assert.equal(tokens.indexOf("@"), fx.word_ids.at);
  assert.equal(tokens.indexOf("#"), fx.word_ids.hash);
  mkdirSync(roberta);
  writeFileSync(join(roberta, "vocab.json"), JSON.stringify(Object.fromEntries(tokens.map((t, i) => [t, i]))));
  writeFileSync(join(roberta, "merges.txt"), "#version: 0.2\n");
  const out = join(dir, "converted");
  const r = lukelab("convert", "--archive", fx.tsv.archive, "--tokenizer", roberta, "--output", out);
  assert.equal(r.status, 0, r.stderr);

  await ready();
  const inputs = [{ text: "hello world.", spans: [[0, 5]] as [number, number][] }, { text: "Tokyo at night.", spans: [[0, 5], [9, 14]] as [number, number][] }];
  const luke = await loadLuke(out);
  try {
    assert.equal(luke.config.vocabSize, 62, "<ent> and <ent2> rows added");
    const ours = await luke.forward(inputs);
    const ref = runPython<{ loading: { missing_keys: string[]; unexpected_keys: string[] }; rows: { input_ids: number[]; last_hidden_state: number[][]; entity_last_hidden_state: number[][] }[] }>(
      join(ROOT, "test", "parity", "reference_outputs.py"),
      [],
      { dir: out, inputs },
    );
    assert.deepEqual(ref.loading.missing_keys, []);
    assert.deepEqual(ref.loading.unexpected_keys, []);
    ref.rows.forEach((row, i) => {
      assert.deepEqual(ours[i].inputIds, row.input_ids);
      assert.ok(maxAbsDiff(flatten(ours[i].lastHiddenState), flatten(row.last_hidden_state)) <= 1e-4);
      assert.ok(maxAbsDiff(flatten(ours[i].entityLastHiddenState), flatten(row.entity_last_hidden_state)) <= 1e-4);
    });
  } finally {
    luke.dispose();
  }
});
