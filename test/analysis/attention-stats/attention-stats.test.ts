/**
 * Attention statistics against an independent NumPy computation (attention_reference.py decodes the
 * same records with NumPy and computes the statistics from the definitions): on the records of a real
 * `entity-typing run --no-train --output-attentions` of the sample model, and on hand-built records
 * for the edge cases (a mention at the sentence start and at its end, repeated tokens, an example
 * without the pair). Also: forward results and records give the same numbers, clear errors naming the
 * file and line for records of another model or broken lines (and nothing written), and the CLI's
 * usage errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as aq from "arquero";
import {
  DEFAULT_POSITION_BINS,
  attentionStatistics,
  mentionPositions,
  parsePositionBins,
  parseTokenPair,
  type PositionBin,
} from "../../../kernel/analysis/attention-stats";
import { figureBundle } from "../../../kernel/analysis/show";
import { readOpenEntityFile } from "../../../kernel/data/open-entity";
import { loadLuke } from "../../../kernel/inference/luke";
import { encodeFloat16Base64, type AttentionRecord } from "../../../kernel/tasks/entity-typing/attention-records";
import { toEncodeInput } from "../../../kernel/tasks/entity-typing/inputs";
import { Rng } from "../../../kernel/train/random";
import { ROOT, expectNoLeak, ready, runPython, tmpDir } from "../../helpers";

const CLI = join(ROOT, "bin", "lukelab.js");
const REFERENCE = join(ROOT, "test", "analysis", "attention-stats", "attention_reference.py");
const MODEL = join(ROOT, "samples", "tiny-luke");
const DATA = join(ROOT, "samples", "open-entity-sample");

function lukelab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let runDir = "";
let handBuilt = "";
const work = tmpDir("lukelab-attention-stats-");

/** A record of random softmax rows (seeded), layers × heads, over `tokens` (the last one the [MASK] entity). */
function record(tokens: string[], span: number[], index: number, layers: number, heads: number, seed = 100 + index): AttentionRecord {
  const rng = new Rng(seed);
  const S = tokens.length;
  const values: number[] = [];
  for (let i = 0; i < layers * heads * S; i++) {
    const row = Array.from({ length: S }, () => Math.exp(3 * rng.uniform()));
    const sum = row.reduce((a, b) => a + b, 0);
    values.push(...row.map((v) => v / sum));
  }
  return {
    index,
    sentence: tokens.join(" "),
    tokens,
    word_count: S - 1,
    entity_count: 1,
    entity_position_ids: [span],
    shape: [layers, heads, S, S],
    dtype: "float16",
    data: encodeFloat16Base64(values),
  };
}

const HAND_BUILT: { tokens: string[]; span: number[] }[] = [
  // The mention at the sentence start: nothing before it.
  { tokens: ["<s>", "<ent>", "ĠAlice", "<ent>", "Ġsaw", "Ġthe", "Ġdoctor", "Ġ.", "</s>", "[MASK]"], span: [1, 2, 3] },
  // The mention at the end: nothing after it.
  { tokens: ["<s>", "ĠThe", "Ġnurse", "Ġmet", "<ent>", "ĠBob", "<ent>", "</s>", "[MASK]"], span: [4, 5, 6] },
  // Repeated tokens: "the" twice, "doctor" twice (one inside the mention); "The" once (case).
  { tokens: ["<s>", "ĠThe", "Ġdoctor", "Ġasked", "Ġthe", "Ġnurse", "<ent>", "Ġthe", "Ġdoctor", "<ent>", "Ġa", "Ġquestion", "Ġ.", "</s>", "[MASK]"], span: [6, 7, 8, 9] },
  // No "doctor": lacks the pair. A long left context (reaches the ≤−11 bin).
  {
    tokens: ["<s>", ..."Ġone Ġtwo Ġthree Ġfour Ġfive Ġsix Ġseven Ġeight Ġnine Ġten Ġeleven Ġtwelve".split(" "), "<ent>", "ĠCarol", "<ent>", "Ġ.", "</s>", "[MASK]"],
    span: [13, 14, 15],
  },
];

before(() => {
  runDir = join(work, "run");
  const r = lukelab([
    "entity-typing", "run", "--no-train", "--output-attentions", "--dont-save-model", "--quiet",
    "--model-file", MODEL, "--data-dir", DATA, "--output-dir", runDir,
  ]);
  assert.equal(r.status, 0, r.stderr);
  handBuilt = join(work, "hand-built.jsonl");
  writeFileSync(handBuilt, HAND_BUILT.map((ex, i) => JSON.stringify(record(ex.tokens, ex.span, i, 2, 3))).join("\n") + "\n");
});

after(() => rmSync(work, { recursive: true, force: true }));

type Row = Record<string, unknown>;

function readCsv(file: string): Row[] {
  const text = readFileSync(file, "utf8");
  const keep = (v: string) => v;
  return aq.fromCSV(text, { parse: { bin: keep, target: keep, from: keep, to: keep } }).objects() as Row[];
}

/** The bins as the reference takes them: "inside" or [from, to] with null for ±∞. */
function refBins(bins: readonly PositionBin[]): unknown[] {
  const end = (v: number) => (Number.isFinite(v) ? v : null);
  return bins.map((b) => (b.kind === "inside" ? "inside" : [end(b.from), end(b.to)]));
}

function close(actual: unknown, expected: unknown, where: string, tol = 1e-9): void {
  if (expected === null || expected === undefined) {
    assert.ok(actual === null || actual === undefined || actual === "", `${where}: expected no value, found ${String(actual)}`);
    return;
  }
  assert.equal(typeof actual, "number", `${where}: expected a number, found ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - (expected as number)) <= tol, `${where}: ${actual} vs reference ${expected}`);
}

/** Every row of a CSV table equals the reference's row with the same keys. */
function compareRows(ours: Row[], ref: Row[], keys: string[], what: string): void {
  assert.equal(ours.length, ref.length, `${what}: ${ours.length} rows, reference ${ref.length}`);
  const index = new Map(ours.map((r) => [keys.map((k) => String(r[k])).join("|"), r]));
  for (const r of ref) {
    const key = keys.map((k) => String(r[k])).join("|");
    const o = index.get(key);
    assert.ok(o, `${what}: no row for ${key}`);
    assert.equal(o.n, r.n, `${what} ${key}: n`);
    close(o.mean, r.mean, `${what} ${key}: mean`);
    close(o.se, r.se, `${what} ${key}: se`);
  }
}

interface Reference {
  examples: number;
  position_bins: Row[];
  position_bins_by_head: Row[];
  mask_targets: Row[];
  mask_targets_by_head: Row[];
  pairs: { by_layer: Row[]; by_head: Row[]; examples: { index: number; from: number[]; to: number[] }[] }[];
}

function checkAgainstReference(
  out: string,
  files: string[],
  bins: readonly PositionBin[],
  pairs: [string, string][],
  options: { duplicates?: string; ignoreCase?: boolean; distanceUnit?: string } = {},
): Reference {
  const ref = runPython<Reference>(REFERENCE, [], {
    files,
    bins: refBins(bins),
    pairs,
    duplicates: options.duplicates ?? "mean",
    ignore_case: options.ignoreCase ?? false,
    entity: 0,
    distance_unit: options.distanceUnit ?? "token",
  });
  const t = (name: string) => readCsv(join(out, "tables", `${name}.csv`));
  compareRows(t("position_bins"), ref.position_bins, ["layer", "bin"], "position_bins");
  compareRows(t("position_bins_by_head"), ref.position_bins_by_head, ["layer", "head", "bin"], "position_bins_by_head");
  compareRows(t("mask_targets"), ref.mask_targets, ["layer", "target"], "mask_targets");
  compareRows(t("mask_targets_by_head"), ref.mask_targets_by_head, ["layer", "head", "target"], "mask_targets_by_head");
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { pairs: { name: string; examples_with_both: number }[]; examples: number };
  assert.equal(summary.examples, ref.examples);
  pairs.forEach((_, p) => {
    const name = summary.pairs[p].name;
    assert.equal(summary.pairs[p].examples_with_both, ref.pairs[p].examples.length, `${name}: examples with both`);
    compareRows(t(name), ref.pairs[p].by_layer, ["layer"], name);
    compareRows(t(`${name}_by_head`), ref.pairs[p].by_head, ["layer", "head"], `${name}_by_head`);
    const matches = t(`${name}_examples`);
    assert.deepEqual(
      matches.map((m) => [m.index, String(m.from_positions), String(m.to_positions)]),
      ref.pairs[p].examples.map((m) => [m.index, m.from.join(" "), m.to.join(" ")]),
      `${name}: the examples and token positions matched`,
    );
  });
  return ref;
}

test("a real run's records: every table equals the NumPy reference (default and custom bins, pairs with repeats)", { timeout: 120_000 }, () => {
  const files = [join(runDir, "attentions_dev.jsonl"), join(runDir, "attentions_test.jsonl")];
  const pairs: [string, string][] = [["[MASK]", "<ent>"], ["a", "the"], ["absent", "the"]];
  const out = join(work, "real");
  const r = lukelab(["analyze", "attention", ...files.flatMap((f) => ["--records", f]), "--output-dir", out, ...pairs.flatMap((p) => ["--pair", p.join(",")])]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /analysed 40 examples \(2 layers × 4 heads\)/);
  assert.match(r.stdout, /token pair absent → the: in 0 of 40 examples/);
  assert.match(r.stdout, /note: token pair absent → the: no example has both tokens/);
  const ref = checkAgainstReference(out, files, DEFAULT_POSITION_BINS, pairs);
  // The categories split every query row: their means add up to 1 (half floats: to about 1e-2).
  for (let l = 0; l < 2; l++) {
    const total = ref.mask_targets.filter((row) => row.layer === l).reduce((s, row) => s + (row.n as number) * (row.mean as number), 0) / ref.examples;
    assert.ok(Math.abs(total - 1) < 1e-2, `layer ${l}: targets add up to ${total}`);
  }
  // Figures: an SVG and an HTML page each, error bars drawn, layers on x.
  for (const name of ["position_bins", "position_bins_by_head", "mask_targets", "token_pair_1_MASK_ent"]) {
    const svg = readFileSync(join(out, "figures", `${name}.svg`), "utf8");
    assert.match(svg, /class="errorbar"/, `${name}.svg has error bars`);
    assert.match(svg, /layer/);
    assert.ok(existsSync(join(out, "figures", `${name}.html`)));
  }

  // Custom bins with a gap (−4..−3 left out), distances in whole words, duplicates = last.
  const bins = parsePositionBins("-inf..-5,-2..-1,inside,1..3,4..inf");
  const out2 = join(work, "real-custom");
  const r2 = lukelab([
    "analyze", "attention", "--records", files[0], "--output-dir", out2, "--bins", "-inf..-5,-2..-1,inside,1..3,4..inf",
    "--distance-unit", "word", "--pair", "a,the", "--duplicates", "last", "--no-html",
  ]);
  assert.equal(r2.status, 0, r2.stderr + r2.stdout);
  assert.ok(!existsSync(join(out2, "figures", "position_bins.html")), "--no-html writes no HTML");
  assert.ok(existsSync(join(out2, "figures", "position_bins.svg")));
  checkAgainstReference(out2, [files[0]], bins, [["a", "the"]], { duplicates: "last", distanceUnit: "word" });
});

test("hand-built records: mention at the start and the end, repeated tokens, an example lacking the pair", { timeout: 60_000 }, () => {
  const pairs: [string, string][] = [["the", "doctor"], ["doctor", "[MASK]"], ["<s>", "nurse"]];
  for (const [duplicates, ignoreCase] of [["mean", false], ["first", false], ["last", true]] as const) {
    const out = join(work, `hand-${duplicates}`);
    const args = ["analyze", "attention", "--records", handBuilt, "--output-dir", out, "--no-html", "--duplicates", duplicates, ...pairs.flatMap((p) => ["--pair", p.join(",")])];
    const r = lukelab(ignoreCase ? [...args, "--ignore-case"] : args);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const ref = checkAgainstReference(out, [handBuilt], DEFAULT_POSITION_BINS, pairs, { duplicates, ignoreCase });
    // Case-sensitive "the" is in examples 0 and 2; ignoring case also example 1 ("The"), which has no "doctor".
    assert.deepEqual(ref.pairs[0].examples.map((e) => e.index), [0, 2]);
    assert.deepEqual(ref.pairs[0].examples[1], ignoreCase ? { index: 2, from: [1, 4, 7], to: [2, 8] } : { index: 2, from: [4, 7], to: [2, 8] });
  }
  // The bins each example reaches: nothing before a mention at the start, nothing after one at the end.
  const rows = readCsv(join(work, "hand-mean", "tables", "position_bins.csv")).filter((r) => r.layer === 0);
  const n = Object.fromEntries(rows.map((r) => [r.bin, r.n]));
  assert.deepEqual(n, { "<=-11": 1, "-10..-6": 1, "-5..-3": 3, "-2": 3, "-1": 3, mention: 4, "+1": 3, "+2": 2, "+3..+5": 2, "+6..+10": 0, ">=+11": 0 });
  const empty = rows.find((r) => r.bin === ">=+11")!;
  assert.ok(empty.mean === null || empty.mean === undefined, "a bin no example reaches has no mean");
});

test("distances count the words between a word and the mention, skipping markers, <s> and </s>", () => {
  const tokens = ["<s>", "Ġa", "Ġb", "<ent>", "Ġc", "Ġd", "<ent>", "Ġe", "</s>", "[MASK]"];
  const { category, distance } = mentionPositions(tokens, 9, [3, 4, 5, 6]);
  assert.deepEqual(category, ["start", "context", "context", "marker", "mention", "mention", "marker", "context", "end", "entity"]);
  assert.deepEqual(distance.map((d) => (Number.isNaN(d) ? null : d)), [null, -2, -1, null, 0, 0, null, 1, null, null]);
  // Whole words: "Ġp ro posed" is one word, the first piece after a marker starts one.
  const pieces = ["<s>", "ĠHe", "Ġp", "ro", "posed", "<ent>", "ĠAl", "an", "<ent>", "Ġto", "day", "Ġ.", "</s>", "[MASK]"];
  const words = mentionPositions(pieces, 13, [5, 6, 7, 8], "word").distance.map((d) => (Number.isNaN(d) ? null : d));
  assert.deepEqual(words, [null, -2, -1, -1, -1, null, 0, 0, null, 1, 1, 2, null, null]);
  assert.deepEqual(parseTokenPair("a\\,b, c"), ["a,b", "c"]);
  assert.throws(() => parseTokenPair("a"), /expected two tokens "from,to"/);
  assert.throws(() => parsePositionBins("-3..-1,-1"), /overlap/);
  assert.throws(() => parsePositionBins("-1..1"), /wholly before/);
  assert.throws(() => parsePositionBins("x"), /"x" is not a distance/);
});

test("records of another model, broken lines and usage mistakes: clear errors, nothing written", () => {
  const mixed = join(work, "mixed.jsonl");
  const other = record(HAND_BUILT[0].tokens, HAND_BUILT[0].span, 7, 3, 2);
  writeFileSync(mixed, [record(HAND_BUILT[1].tokens, HAND_BUILT[1].span, 0, 2, 3), other].map((x) => JSON.stringify(x)).join("\n") + "\n");
  const out = join(work, "never");
  let r = lukelab(["analyze", "attention", "--records", handBuilt, "--records", mixed, "--output-dir", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${mixed} line 2: 3 layers × 2 heads, but ${handBuilt} line 1 has 2 layers × 3 heads: these records come from different models`));
  assert.ok(!existsSync(out), "nothing written");

  const broken = join(work, "broken.jsonl");
  const good = JSON.stringify(record(HAND_BUILT[0].tokens, HAND_BUILT[0].span, 0, 2, 3));
  const cut = JSON.parse(good) as Record<string, unknown>;
  cut.data = (cut.data as string).slice(0, 40);
  for (const [line, message] of [
    ["{not json", /line 3, column 2: not valid JSON: /],
    [JSON.stringify({ ...JSON.parse(good), shape: [2, 3, 9, 9] }), /line 3: "shape" \[2,3,9,9\] has S = 9, but there are 10 tokens/],
    [JSON.stringify(cut), /line 3: \d+ attention values, expected 2×3×10×10 = 600/],
    [JSON.stringify({ tokens: [] }), /line 3: not an attention record: key "word_count" is missing/],
  ] as const) {
    writeFileSync(broken, `${good}\n\n${line}\n`);
    r = lukelab(["analyze", "attention", "--records", broken, "--output-dir", out]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`${broken} `));
    assert.match(r.stderr, message);
    assert.ok(!existsSync(out));
  }
  r = lukelab(["analyze", "attention", "--records", join(work, "missing.jsonl"), "--output-dir", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /missing\.jsonl: no such file/);

  r = lukelab(["analyze", "attention", "--output-dir", out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--records is required/);
  r = lukelab(["analyze", "attention", "--records", handBuilt, "--output-dir", out, "--bins", "0"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /position bin 0: must lie wholly before/);
  r = lukelab(["analyze", "attention", "--records", handBuilt, "--output-dir", out, "--duplicates", "all"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--duplicates must be one of mean, first, last/);
  assert.ok(!existsSync(out));
  r = lukelab(["analyze", "attention", "--help"]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /lukelab analyze attention --records FILE\.jsonl/);
  assert.match(r.stdout, /--duplicates MODE/);
  r = lukelab(["--help"]);
  assert.match(r.stdout, /lukelab analyze attention --records/, "lukelab --help names the subcommand");
});

test("notebook: forward results give the records' numbers (up to half-float rounding), no tensor leaks", { timeout: 120_000 }, async () => {
  await ready();
  const examples = readOpenEntityFile(join(DATA, "dev.json")).slice(0, 6);
  const luke = await loadLuke(MODEL);
  const results = await expectNoLeak(() => luke.forward(examples.map(toEncodeInput), { attentions: true, task: "entity_classification" }));
  const records = readFileSync(join(runDir, "attentions_dev.jsonl"), "utf8").trim().split("\n").slice(0, 6).map((l) => JSON.parse(l) as AttentionRecord);
  results.forEach((res, i) => assert.deepEqual([...res.tokens, "[MASK]"], records[i].tokens, `example ${i}: the same tokens as the record`));
  const pairs: [string, string][] = [["[MASK]", "<ent>"]];
  const fromForward = await attentionStatistics(results, { luke, pairs, sentences: examples.map((e) => e.text) });
  const fromRecords = await attentionStatistics(records, { pairs });
  assert.equal(fromForward.examples, 6);
  assert.deepEqual(fromForward.sources, [{ source: "forward results", examples: 6 }]);
  const flat = (s: typeof fromForward) => [
    ...s.position.byHead.flat(2),
    ...s.targets.byHead.flat(2),
    ...s.pairs[0].byHead.flat(),
  ];
  const a = flat(fromForward);
  const b = flat(fromRecords);
  assert.equal(a.length, b.length);
  a.forEach((m, i) => {
    assert.equal(m.n, b[i].n);
    if (m.mean !== null) assert.ok(Math.abs(m.mean - b[i].mean!) < 3e-3, `cell ${i}: ${m.mean} vs ${b[i].mean}`);
  });
  // The figures display as a bundle (Plotly JSON and a static SVG).
  const bundle = figureBundle(fromForward.figures.position_bins);
  assert.ok(String(bundle.data["image/svg+xml"]).startsWith("<svg"));
  assert.equal(fromForward.tables.position_bins.numRows(), 2 * DEFAULT_POSITION_BINS.length);
  await assert.rejects(attentionStatistics([{ ...results[0], attentions: undefined }]), /forward result 0: has no attentions/);
});
