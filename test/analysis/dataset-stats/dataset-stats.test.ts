/**
 * Dataset statistics against an independent Python/NumPy computation (reference_stats.py): on
 * ../shared/data/open-entity (read from there) and on a small hand-made folder (both formats, astral
 * characters, examples without labels), where word pieces are checked against transformers'
 * LukeTokenizer on samples/tiny-luke; the tables survive CSV, the figures are valid payloads with a
 * static SVG; `lukelab analyze dataset` writes them; bad input is named.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as aq from "arquero";
import { datasetFigures, datasetStatistics, datasetTables, lengthHistogram, type DatasetStatistics } from "../../../kernel/analysis/dataset-stats";
import { checkPlotlyPayload } from "../../../kernel/portable/plotly-payload";
import { figureSvg } from "../../../kernel/analysis/static-svg";
import { ROOT, SHARED, runPython, tmpDir } from "../../helpers";

const REFERENCE = join(ROOT, "test", "analysis", "dataset-stats", "reference_stats.py");
const OPEN_ENTITY = join(SHARED, "data", "open-entity");
const TINY = join(ROOT, "samples", "tiny-luke");
const CLI = join(ROOT, "bin", "lukelab.js");

type Reference = Record<
  "train" | "dev" | "test",
  { examples: number; label_counts: Record<string, number>; label_set_sizes: number[]; lengths: Record<string, number[]>; summary: Record<string, [number, number, number, number, number]> }
>;

/** Every number of `stats` and of its "lengths" table against the reference. */
function compare(stats: DatasetStatistics, ref: Reference): void {
  const lengths = datasetTables(stats).lengths.objects() as { split: string; measure: string; mean: number; sd: number; min: number; median: number; max: number }[];
  for (const split of ["train", "dev", "test"] as const) {
    const s = stats.splits[split];
    const r = ref[split];
    assert.equal(s.examples, r.examples, split);
    assert.deepEqual(s.labelCounts, r.label_counts, split);
    const sizes = [...s.labelSetSizes];
    while (sizes.length > r.label_set_sizes.length && sizes[sizes.length - 1] === 0) sizes.pop();
    assert.deepEqual(sizes, r.label_set_sizes, `${split} label-set sizes`);
    assert.deepEqual(Object.keys(s.lengths).sort(), Object.keys(r.lengths).sort());
    for (const [measure, values] of Object.entries(r.lengths)) {
      assert.deepEqual(s.lengths[measure as keyof typeof s.lengths], values, `${split} ${measure}`);
      const row = lengths.find((x) => x.split === split && x.measure === measure)!;
      const [mean, sd, min, median, max] = r.summary[measure];
      assert.ok(Math.abs(row.mean - mean) < 1e-9 && Math.abs(row.sd - sd) < 1e-9, `${split} ${measure} mean/sd`);
      assert.deepEqual([row.min, row.median, row.max], [min, median, max], `${split} ${measure} min/median/max`);
    }
  }
}

test("Open Entity (../shared/data/open-entity, ERNIE and UW crowd forms): every count and length as Python computes them", { timeout: 120_000 }, () => {
  const crowd = join(OPEN_ENTITY, "crowd");
  compare(datasetStatistics(crowd), runPython<Reference>(REFERENCE, [crowd]));
  const stats = datasetStatistics(OPEN_ENTITY);
  compare(stats, runPython<Reference>(REFERENCE, [OPEN_ENTITY]));
  // The tables survive CSV; fractions are counts over the split's examples.
  const tables = datasetTables(stats);
  const freq = aq.fromCSV(tables.label_frequencies.toCSV()).objects() as Record<string, number | string>[];
  const person = freq.find((r) => r.label === "person")!;
  assert.equal(person.train, stats.splits.train.labelCounts.person);
  assert.ok(Math.abs((person.dev_fraction as number) - stats.splits.dev.labelCounts.person / stats.splits.dev.examples) < 1e-12);
  const examples = aq.fromCSV(tables.examples.toCSV()).objects() as Record<string, number>[];
  assert.deepEqual(examples.map((r) => r.no_label), ["train", "dev", "test"].map((s) => stats.splits[s as "train"].labelSetSizes[0]));
  assert.equal(tables.example_lengths.numRows(), stats.splits.train.examples + stats.splits.dev.examples + stats.splits.test.examples);
});

function handMade(): string {
  const dir = tmpDir("lukelab-dataset-stats-");
  const ernie = (rows: [string, number, number, string[]][]) => JSON.stringify(rows.map(([sent, start, end, labels]) => ({ sent, start, end, labels })));
  writeFileSync(
    join(dir, "train.json"),
    ernie([
      ["😀 Zoë met the committee .", 2, 5, ["person"]],
      ["The new 🏟 stadium in Lisbon seats sixty thousand people .", 8, 17, ["location", "place", "object"]],
      ["Nothing   here  at all", 0, 7, []],
    ]),
  );
  const crowd = (left: string[], mention: string, right: string[], y: string[]) => JSON.stringify({ left_context_token: left, mention_span: mention, right_context_token: right, y_str: y });
  writeFileSync(join(dir, "dev.json"), [crowd(["In"], "the  City of Ōsaka", [",", "rain", "."], ["location", "city", "place"]), crowd([], "They", ["left", "."], ["group", "people"])].join("\n") + "\n");
  writeFileSync(join(dir, "test.json"), ernie([["Ada Lovelace wrote notes .", 0, 12, ["person"]], ["𝒳 corp grew .", 0, 6, ["organization", "group"]]]));
  return dir;
}

test("a hand-made folder (both formats, astral characters): counts, lengths and word pieces as Python and transformers", { timeout: 120_000 }, () => {
  const dir = handMade();
  const stats = datasetStatistics(dir, { tokenizer: TINY });
  compare(stats, runPython<Reference>(REFERENCE, [dir, TINY]));
  // Written down by hand, so the reference cannot share a mistake with us.
  assert.deepEqual(["train", "dev", "test"].map((s) => stats.splits[s as "train"].examples), [3, 2, 2]);
  assert.deepEqual(stats.splits.train.labelSetSizes, [1, 1, 0, 1]);
  assert.deepEqual(stats.splits.dev.labelCounts.location, 1);
  assert.deepEqual(stats.splits.train.lengths.sentence_code_points, [25, 57, 22]);
  assert.deepEqual(stats.splits.train.lengths.mention_words, [1, 2, 1]);
  assert.deepEqual(stats.splits.dev.lengths.mention_words, [4, 1]);
  assert.deepEqual(stats.splits.test.lengths.mention_code_points, [12, 6]);

  // Figures: valid payloads, a static SVG each, histograms that hold every example.
  const figures = datasetFigures(stats);
  assert.deepEqual(Object.keys(figures), ["examples_per_split", "label_frequencies", "label_set_sizes", ...stats.measures.map((m) => `length_${m}`)]);
  for (const [name, f] of Object.entries(figures)) {
    checkPlotlyPayload(f);
    assert.match(figureSvg(f), /class="mark/, name);
  }
  assert.deepEqual(figures.examples_per_split.data[0].y, [3, 2, 2]);
  const trainWords = figures.length_sentence_words.data[0].y as number[];
  assert.ok(Math.abs(trainWords.slice(0, -1).reduce((a, b) => a + b, 0) - 1) < 1e-12, "fractions of a split sum to 1");
  const h = lengthHistogram([0, 1, 49, 50, 120], 120);
  assert.deepEqual([h.edges[1], h.counts.reduce((a, b) => a + b, 0), h.counts[0], h.counts[h.counts.length - 1]], [3, 5, 2, 1]);
});

test("lukelab analyze dataset writes tables and figures; bad input names the file and example", () => {
  const dir = handMade();
  const out = join(dir, "out");
  const r = spawnSync(process.execPath, [CLI, "analyze", "dataset", "--data-dir", dir, "--output-dir", out], { encoding: "utf8", cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /train 3, dev 2, test 2 examples; 9 labels/);
  for (const t of ["examples", "label_frequencies", "label_set_sizes", "lengths", "example_lengths"]) assert.ok(existsSync(join(out, "tables", `${t}.csv`)), t);
  for (const f of ["examples_per_split", "label_frequencies", "label_set_sizes", "length_mention_words"]) {
    assert.match(readFileSync(join(out, "figures", `${f}.svg`), "utf8"), /^<svg/);
    assert.ok(existsSync(join(out, "figures", `${f}.html`)), f);
  }
  assert.ok(!existsSync(join(out, "figures", "length_sentence_tokens.svg")), "no word pieces without --tokenizer");
  const sizes = aq.fromCSV(readFileSync(join(out, "tables", "label_set_sizes.csv"), "utf8")).objects();
  assert.deepEqual(sizes[3], { labels: 3, train: 1, dev: 0, test: 0 });

  const usage = spawnSync(process.execPath, [CLI, "analyze", "dataset", "--data-dir", dir], { encoding: "utf8", cwd: ROOT });
  assert.equal(usage.status, 2);
  assert.match(spawnSync(process.execPath, [CLI, "analyze", "dataset", "--help"], { encoding: "utf8", cwd: ROOT }).stdout, /lukelab analyze dataset --data-dir DIR/);
  const bad = join(dir, "bad");
  mkdirSync(bad);
  writeFileSync(join(bad, "train.json"), readFileSync(join(dir, "train.json")));
  writeFileSync(join(bad, "dev.json"), readFileSync(join(dir, "dev.json")));
  writeFileSync(join(bad, "test.json"), JSON.stringify([{ sent: "ok .", start: 0, end: 2, labels: [] }, { sent: "a b", start: 2, end: 9, labels: ["person"] }]));
  const b = spawnSync(process.execPath, [CLI, "analyze", "dataset", "--data-dir", bad, "--output-dir", join(bad, "out")], { encoding: "utf8", cwd: ROOT });
  assert.equal(b.status, 1);
  assert.match(b.stderr, /bad\/test\.json: example 1: the span \[2, 9\) goes beyond the text/);
  assert.ok(!existsSync(join(bad, "out")), "nothing written");
});
