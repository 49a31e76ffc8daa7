/**
 * `lukelab analyze` over NER runs, alone and mixed with entity-typing runs: the runs table names each
 * run's task, summaries are per task, the span confusion and F1 per type of every NER run and split
 * equal seqeval's reading of the run's predictions file, a real `ner run` folder is read, and a broken
 * predictions file is a note, not a crash.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as aq from "arquero";
import { analyseRuns } from "../../kernel/analysis/report";
import { embedRuns } from "../../kernel/analysis/embedding";
import { misclassifiedExamples } from "../../kernel/analysis/errors";
import { readNerPredictions } from "../../kernel/analysis/ner";
import { nerMetrics } from "../../kernel/tasks/ner/metrics";
import { validateResults } from "../../kernel/tasks/entity-typing/results";
import { runNer } from "../../kernel/tasks/ner/run";
import { Rng } from "../../kernel/train/random";
import { ROOT, ready, runPython, tmpDir } from "../helpers";
import { writeSweep } from "./synthetic-runs";

const CLI = join(ROOT, "bin", "lukelab.js");
const SEQEVAL = join(ROOT, "test", "tasks", "ner", "seqeval_ref.py");
const SAMPLE = join(ROOT, "samples", "conll-sample");
const TYPES = ["PER", "ORG", "LOC", "MISC"];

interface Ref {
  f1: number;
  per_type: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusion: Record<string, number>;
}

/** Random IOB1 gold and IOB2 predictions (a copy of the gold with some spans changed, dropped or added). */
function randomSentences(rng: Rng, n: number): { words: string[]; gold: string[]; predicted: string[] }[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.uniform() * xs.length)];
  return Array.from({ length: n }, (_, s) => {
    const len = 3 + Math.floor(rng.uniform() * 10);
    const words = Array.from({ length: len }, (_, k) => `w${s}_${k}`);
    const gold = words.map(() => (rng.uniform() < 0.6 ? "O" : `${rng.uniform() < 0.2 ? "B" : "I"}-${pick(TYPES)}`));
    const predicted = gold.map((t, k) => {
      const u = rng.uniform();
      if (u < 0.6) return t === "O" ? "O" : `${k > 0 && gold[k - 1].slice(2) === t.slice(2) && t[0] === "I" ? "I" : "B"}-${t.slice(2)}`;
      if (u < 0.8) return "O";
      return `${rng.uniform() < 0.5 ? "B" : "I"}-${pick(TYPES)}`;
    });
    return { words, gold, predicted };
  });
}

/** A NER run folder without training: results.json as `ner run` writes it and the two predictions files. */
function writeNerRun(dir: string, learningRate: number, seed: number): void {
  const rng = new Rng(seed * 7 + Math.round(learningRate * 1e5));
  mkdirSync(dir, { recursive: true });
  const results: Record<string, unknown> = {};
  const perLabel: Record<string, unknown> = {};
  for (const split of ["dev", "test"] as const) {
    const sentences = randomSentences(rng, 40);
    const m = nerMetrics(sentences.map((s) => s.gold), sentences.map((s) => s.predicted));
    Object.assign(results, { [`${split}_precision`]: m.precision, [`${split}_recall`]: m.recall, [`${split}_f1`]: m.f1 });
    if (split === "dev") Object.assign(results, { dev_precision_epoch0: m.precision, dev_recall_epoch0: m.recall, dev_f1_epoch0: m.f1 });
    perLabel[split] = m.perType;
    const lines = sentences.flatMap((s) => [...s.words.map((w, k) => `${w} ${s.gold[k]} ${s.predicted[k]}`), ""]);
    writeFileSync(join(dir, `${split}_predictions.txt`), lines.join("\n") + "\n");
  }
  Object.assign(results, {
    best_epoch: 0,
    experimental_configurations: {
      log_parameters: { learning_rate: learningRate, seed, train_batch_size: 2, max_seq_length: 128, data_dir: SAMPLE, output_dir: dir },
      model_config: { hidden_size: 128 },
    },
    training_loss: [1.2, 0.8, 0.5],
    per_label: perLabel,
    lukelab: { task: "ner", labels: ["NIL", "MISC", "PER", "ORG", "LOC"] },
  });
  validateResults(results, join(dir, "results.json"));
  writeFileSync(join(dir, "results.json"), JSON.stringify(results));
}

function mixedFolder(): string {
  const root = tmpDir("lukelab-analyze-ner-");
  writeSweep(join(root, "runs", "typing"));
  for (const lr of [1e-3, 1e-2]) for (const seed of [1, 2]) writeNerRun(join(root, "runs", "ner", `lr_${lr}`, `seed_${seed}`), lr, seed);
  return root;
}

test("NER runs beside entity-typing runs: task column, summaries per task, span confusion and F1 per type equal seqeval's", () => {
  const root = mixedFolder();
  const a = analyseRuns(join(root, "runs"));
  const { runs, table } = a.collection;
  assert.equal(runs.length, 10);
  assert.deepEqual(
    table.array("task"),
    runs.map((r) => (r.folder.startsWith("ner/") ? "ner" : "entity-typing")),
  );
  assert.equal(a.best?.task, "entity-typing");
  assert.equal(a.bestNer?.task, "ner");
  const nerRuns = runs.filter((r) => r.task === "ner");
  assert.equal(a.bestNer!.results.dev_f1, Math.max(...nerRuns.map((r) => r.results.dev_f1!)));
  // Summaries over each task's runs only.
  assert.deepEqual(a.tables.summary_learning_rate.array("n"), [3, 3]);
  assert.deepEqual(a.tables.ner_summary_learning_rate.array("n"), [2, 2]);
  const nerMean = (nerRuns.filter((r) => r.parameters.learning_rate === 1e-3).reduce((s, r) => s + r.results.test_f1!, 0)) / 2;
  assert.ok(Math.abs((a.tables.ner_summary_learning_rate.array("test_f1_mean") as number[])[0] - nerMean) < 1e-12);
  // Entity typing's confusion tables only for its runs.
  assert.ok(Object.keys(a.tables).some((k) => k.startsWith("confusion/typing__")));
  assert.ok(!Object.keys(a.tables).some((k) => k.startsWith("confusion/ner__")));

  const perType = a.tables.ner_per_type.objects() as { folder: string; split: string; type: string; precision: number; recall: number; f1: number; support: number }[];
  for (const run of nerRuns) {
    for (const split of ["dev", "test"]) {
      const file = join(run.dir, `${split}_predictions.txt`);
      const ref = runPython<Ref>(SEQEVAL, [], { file });
      const mine = perType.filter((r) => r.folder === run.folder && r.split === split && r.support > 0);
      assert.deepEqual(mine.map((r) => r.type).sort(), Object.keys(ref.per_type).sort(), `${run.folder} ${split} types`);
      for (const r of mine) {
        for (const k of ["precision", "recall", "f1"] as const) assert.ok(Math.abs(r[k] - ref.per_type[r.type][k]) < 1e-12, `${run.folder} ${split} ${r.type} ${k}`);
        assert.equal(r.support, ref.per_type[r.type].support);
      }
      // The span confusion: rows gold, columns predicted, "none" for missed and spurious spans.
      const rows = a.tables[`span_confusion/${run.folder.replace(/\//g, "__")}/${split}`].objects() as Record<string, string | number>[];
      const cells: Record<string, number> = {};
      for (const row of rows) for (const [col, n] of Object.entries(row)) if (col !== "gold" && (n as number) > 0) cells[`${row.gold}>${col}`] = n as number;
      assert.deepEqual(cells, ref.confusion);
      assert.equal(rows[rows.length - 1].gold, "none");
    }
  }
  assert.equal(a.figures.span_confusion_test.data[0].type, "heatmap");
  assert.deepEqual(a.figures.span_confusion_test.data[0].x, [...TYPES].sort().concat("none"));
  assert.equal(a.figures.ner_per_type_f1.data.length, nerRuns.length);
});

test("lukelab analyze on a mixed folder with a real ner run: the CLI names the tasks and writes the NER figures; a broken predictions file is a note", { timeout: 180_000 }, async () => {
  await ready();
  const root = mixedFolder();
  const real = join(root, "runs", "ner", "real");
  const outcome = await runNer({
    dataDir: SAMPLE, outputDir: real, numTrainEpochs: 2, trainBatchSize: 8, gradientAccumulationSteps: 1, learningRate: 1e-3,
    maxSeqLength: 64, maxMentionLength: 8, quiet: true, saveModel: false,
  });
  outcome.luke.dispose();
  writeFileSync(join(root, "runs", "ner", "lr_0.01", "seed_2", "dev_predictions.txt"), "EU B-ORG B-ORG\nrejects O\n");

  const out = join(root, "out");
  const r = spawnSync(process.execPath, [CLI, "analyze", "--data-dir", join(root, "runs"), "--output-dir", out, "--no-png", "--no-tensorboard"], { encoding: "utf8", cwd: ROOT });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /analysed 11 runs/);
  assert.match(r.stdout, /tasks: 6 entity-typing, 5 ner runs/);
  assert.match(r.stdout, /best entity-typing run by dev F1: typing\//);
  assert.match(r.stdout, /best NER run by dev F1: ner\//);
  assert.match(r.stdout, /note: ner\/lr_0\.01\/seed_2: no dev span confusion: .*dev_predictions\.txt:2: expected "token gold predicted"/);
  const runsCsv = aq.fromCSV(readFileSync(join(out, "tables", "runs.csv"), "utf8"));
  assert.deepEqual(runsCsv.array("task").filter((t) => t === "ner").length, 5);
  for (const name of ["span_confusion_dev", "span_confusion_test", "ner_per_type_f1", "dev_f1_progress", "summary_learning_rate", "ner_summary_learning_rate"]) {
    assert.ok(existsSync(join(out, "figures", `${name}.html`)), name);
  }
  // The real run's per-type rows are results.json's per_label (seqeval's numbers, checked in test/tasks/ner).
  const perType = aq.fromCSV(readFileSync(join(out, "tables", "ner_per_type.csv"), "utf8")).objects() as Record<string, unknown>[];
  const realRows = perType.filter((p) => p.folder === "ner/real" && p.split === "test");
  const expected = outcome.results.per_label!.test!;
  assert.deepEqual(realRows.map((p) => p.type).sort(), Object.keys(expected).sort());
  for (const p of realRows) assert.ok(Math.abs((p.f1 as number) - expected[p.type as string].f1) < 1e-9);
  // The predictions reader names the file and line of a bad tag.
  const bad = join(root, "bad.txt");
  writeFileSync(bad, "EU B-ORG B-ORG\n\nrejects X-ORG O\n");
  assert.throws(() => readNerPredictions(bad, "dev"), /bad\.txt:3: the gold tag must be O or B-\/I-TYPE, found "X-ORG"/);
});

test("analyze embed on a mixed folder embeds the entity-typing runs and names the NER runs it leaves out; analyze errors names a NER run", () => {
  const root = mixedFolder();
  const e = embedRuns(join(root, "runs"), { method: "pca" });
  assert.deepEqual(e.collection.runs.map((r) => r.task), new Array(6).fill("entity-typing"));
  assert.deepEqual(e.leftOut, ["ner/lr_0.001/seed_1", "ner/lr_0.001/seed_2", "ner/lr_0.01/seed_1", "ner/lr_0.01/seed_2"]);
  assert.equal(e.tables.pca_coordinates.numRows(), 6);
  assert.throws(() => embedRuns(join(root, "runs", "ner")), /only NER runs \(4\); embedding compares entity-typing runs/);
  // Error analysis names a NER run as such.
  assert.throws(() => misclassifiedExamples(join(root, "runs", "ner", "lr_0.001", "seed_1")), /seed_1\/results\.json: a NER run; error analysis is of entity-typing runs/);
});
