/**
 * `lukelab ner run` end to end: a fresh tiny LUKE fine-tuned on the shipped sample (killed with
 * SIGKILL and resumed, ending as the uninterrupted run) and on a slice of real CoNLL-2003; each must
 * beat the all-O baseline (F1 0), and its results.json and predictions files must agree with
 * seqeval reading those files.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tf } from "../../../kernel/backend";
import { readConllFile } from "../../../kernel/data/conll";
import { readResults } from "../../../kernel/tasks/entity-typing/results";
import { runNer } from "../../../kernel/tasks/ner/run";
import { recognizeEntities } from "../../../kernel/tasks/ner/notebook";
import { ROOT, SHARED, metricsOf, ready, runAndKill, runPython, tmpDir } from "../../helpers";
import { SEQEVAL_SCRIPT, type SeqevalScores } from "./seqeval";

const CLI = join(ROOT, "bin", "lukelab.js");
const SAMPLE = join(ROOT, "samples", "conll-sample");
interface Ref extends SeqevalScores {
  sentences: number;
  tokens: number;
}

/** results.json and the predictions files agree with seqeval reading the files, and with the data. */
function checkAgainstSeqeval(out: string, dataDir: string) {
  const r = readResults(join(out, "results.json"));
  for (const [split, file] of [["dev", "eng.testa"], ["test", "eng.testb"]] as const) {
    const ref = runPython<Ref>(SEQEVAL_SCRIPT, [], { file: join(out, `${split}_predictions.txt`) });
    const sentences = readConllFile(join(dataDir, file)).documents.flatMap((d) => d.sentences);
    assert.equal(ref.sentences, sentences.length, `${split}: one block per sentence`);
    assert.equal(ref.tokens, sentences.reduce((n, s) => n + s.words.length, 0));
    for (const m of ["precision", "recall", "f1"] as const) assert.ok(Math.abs(r[`${split}_${m}`]! - ref[m]) < 1e-12, `${split}_${m}: ${r[`${split}_${m}`]} vs seqeval ${ref[m]}`);
    const perType = r.per_label![split]!;
    for (const [type, f] of Object.entries(ref.per_type)) {
      assert.ok(Math.abs(perType[type].f1 - f.f1) < 1e-12, `${split} ${type} f1`);
      assert.equal(perType[type].support, f.support);
    }
  }
  return r;
}

function lukelab(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}


test("sample: a fresh tiny LUKE beats all-O, its files agree with seqeval, and a run killed mid-training resumes to the same results", { timeout: 400_000 }, async () => {
  const args = (out: string) => [
    "ner", "run", "--data-dir", SAMPLE, "--output-dir", out, "--num-train-epochs", "8", "--train-batch-size", "4",
    "--gradient-accumulation-steps", "1", "--learning-rate", "1e-3", "--max-seq-length", "96", "--max-mention-length", "32",
    "--resume-steps", "10", "--quiet",
  ];
  const base = tmpDir();
  const whole = join(base, "whole");
  const r = lukelab(...args(whole));
  assert.equal(r.status, 0, r.stderr);
  const expected = checkAgainstSeqeval(whole, SAMPLE);
  assert.ok(expected.test_f1! > 0 && expected.dev_f1! > 0, `F1 above the all-O baseline: dev ${expected.dev_f1}, test ${expected.test_f1}`);
  const curve = Array.from({ length: 8 }, (_, k) => expected[`dev_f1_epoch${k}`] as number);
  assert.ok(curve.every((v) => typeof v === "number"), "dev F1 after every epoch");
  assert.equal(expected.dev_f1, Math.max(...curve), "the best epoch's weights are kept");
  assert.equal(expected[`dev_f1_epoch${expected.best_epoch}`], expected.dev_f1);
  assert.ok(existsSync(join(whole, "model.safetensors")));
  // The span confusion table: its diagonal is the correct entities of results.json's per-type figures.
  const csv = readFileSync(join(whole, "span_confusion_test.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
  for (const row of csv.slice(1)) {
    const type = row[0];
    if (type === "none") continue;
    assert.equal(Number(row[csv[0].indexOf(type)]), expected.per_label!.test![type].correct, `correct ${type}`);
  }
  const config = JSON.parse(readFileSync(join(whole, "config.json"), "utf8"));
  assert.deepEqual(config.architectures, ["LukeForEntitySpanClassification"]);
  assert.deepEqual(config.id2label, { 0: "NIL", 1: "MISC", 2: "PER", 3: "ORG", 4: "LOC" });

  const broken = join(base, "broken");
  const first = await runAndKill(args(broken), broken, 20);
  assert.ok(first.killed, "the first run was killed mid-training");
  const last = lukelab(...args(broken));
  assert.equal(last.status, 0, last.stderr);
  assert.match(last.stdout, /resumed run/);
  const got = readResults(join(broken, "results.json"));
  assert.deepEqual(metricsOf(got), metricsOf(expected));
  got.training_loss!.forEach((v, i) => assert.ok(Math.abs(v - expected.training_loss![i]) <= 1e-6, `loss of step ${i + 1}`));
  assert.equal(readFileSync(join(broken, "test_predictions.txt"), "utf8"), readFileSync(join(whole, "test_predictions.txt"), "utf8"));
  const events = runPython<{ scalars: Record<string, [number, number][]> }>(join(ROOT, "test", "train", "read_events.py"), [join(broken, "tensorboard")]);
  assert.deepEqual(events.scalars["train/loss"].map(([s]) => s), Array.from({ length: expected.training_loss!.length }, (_, i) => i + 1));
  assert.equal(events.scalars["dev/f1"].length, 8);
  assert.equal(readdirSync(join(broken, "tensorboard")).length, 1);
});

/** The first documents of a real CoNLL-2003 file, sentences of at most `maxWords` words, about `sentences` of them. */
function slice(file: string, sentences: number, maxWords: number): string {
  const out: string[] = [];
  let n = 0;
  for (const d of readConllFile(join(SHARED, "data", "conll2003", file)).documents) {
    const kept = d.sentences.filter((s) => s.words.length <= maxWords);
    if (!kept.length) continue;
    out.push("-DOCSTART- -X- O O", "");
    for (const s of kept) out.push(...s.words.map((w, i) => `${w} X X ${s.tags[i]}`), "");
    if ((n += kept.length) >= sentences) break;
  }
  return out.join("\n") + "\n";
}

test("a slice of real CoNLL-2003: a fresh tiny LUKE beats all-O on dev, seqeval agrees, no tensor leaks; recognizeEntities gives offsets into the text", { timeout: 400_000 }, async () => {
  await ready();
  const data = tmpDir();
  writeFileSync(join(data, "eng.train"), slice("eng.train", 300, 12));
  writeFileSync(join(data, "eng.testa"), slice("eng.testa", 60, 12));
  writeFileSync(join(data, "eng.testb"), slice("eng.testb", 60, 12));
  const out = join(tmpDir(), "run");
  const before = tf.memory().numTensors;
  const outcome = await runNer({
    dataDir: data, outputDir: out, numTrainEpochs: 3, trainBatchSize: 8, gradientAccumulationSteps: 1, learningRate: 1e-3,
    maxSeqLength: 96, maxMentionLength: 24, quiet: true,
  });
  const r = checkAgainstSeqeval(out, data);
  assert.ok(r.dev_f1! > 0, `dev F1 ${r.dev_f1} above the all-O baseline`);

  const text = "EU rejects German call to boycott British lamb. Peter Blackburn said so in Brussels.";
  const entities = await recognizeEntities(outcome.luke, text);
  const chars = Array.from(text);
  for (const e of entities) {
    assert.equal(chars.slice(e.start, e.end).join(""), e.text);
    assert.ok(["MISC", "PER", "ORG", "LOC"].includes(e.type) && e.score > 0 && e.score <= 1);
  }
  // luke.ner is the same call.
  assert.deepEqual(await outcome.luke.ner(text), entities);
  outcome.luke.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
});

test("ner --help lists NER's options with upstream's defaults; a bad value is a usage error (exit 2); a missing file is named", () => {
  const help = lukelab("ner", "run", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--max-mention-length N\s+.*\[default: 16\]/);
  assert.match(help.stdout, /--num-train-epochs N\s+.*\[default: 5\]/);
  assert.doesNotMatch(help.stdout, /--context-window/);
  const bad = lukelab("ner", "run", "--max-entity-length", "0", "--data-dir", SAMPLE, "--output-dir", tmpDir());
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--max-entity-length must be an integer ≥ 1, got 0/);
  const missing = lukelab("ner", "run", "--data-dir", join(tmpDir(), "none"), "--output-dir", tmpDir());
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /none\/eng\.train: (does not exist|cannot be read)/);
  // A finished run that trained is not trained over without --overwrite-output-dir (as entity typing).
  const done = tmpDir();
  writeFileSync(join(done, "results.json"), JSON.stringify({ training_loss: [1], experimental_configurations: { log_parameters: { global_step: 1 }, model_config: {} } }));
  const again = lukelab("ner", "run", "--data-dir", SAMPLE, "--output-dir", done);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--overwrite-output-dir/);
});
