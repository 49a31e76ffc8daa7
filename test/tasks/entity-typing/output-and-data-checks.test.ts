/**
 * `entity-typing run` refuses what cannot work before any work (exit 2, usage: fix the command line)
 * and data that would make its numbers meaningless (exit 1, naming the file): an output path that
 * is a file or under one, a finished run, a negative epoch count, an empty train or dev split; and
 * it names dev/test labels the training data never has.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { datasetSurprises, readOpenEntityDir } from "../../../kernel/data/open-entity";
import { checkOutputDir } from "../../../kernel/tasks/entity-typing/output-dir";
import { FIXTURES, ROOT, tmpDir } from "../../helpers";

const CLI = join(ROOT, "bin", "lukelab.js");
const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const MICRO = join(FIXTURES, "training", "micro-config.json");

function lukelab(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
}

function dataWith(replace: Record<string, string>): string {
  const dir = join(tmpDir(), "data");
  mkdirSync(dir);
  for (const s of ["train", "dev", "test"]) {
    if (replace[s] !== undefined) writeFileSync(join(dir, `${s}.json`), replace[s]);
    else copyFileSync(join(SAMPLE, `${s}.json`), join(dir, `${s}.json`));
  }
  return dir;
}

test("an output path that is a file, or under one, is refused first with a plain message (exit 2)", () => {
  const base = tmpDir();
  const file = join(base, "a-file");
  writeFileSync(file, "x");
  const missingData = join(base, "no-data"); // would fail later: the folder check comes first
  const r = lukelab("entity-typing", "run", "--data-dir", missingData, "--output-dir", file);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--output-dir .*a-file is a file, not a folder/);
  const under = lukelab("entity-typing", "run", "--data-dir", missingData, "--output-dir", join(file, "run", "x"));
  assert.equal(under.status, 2, under.stderr);
  assert.match(under.stderr, /cannot be created: .*a-file is a file, not a folder/);
  assert.doesNotMatch(r.stderr + under.stderr, /EEXIST|ENOTDIR|at .*\.js:\d+/);
});

test("a finished training run is refused without --overwrite-output-dir; an evaluation is replaced", () => {
  const out = tmpDir();
  const results = join(out, "results.json");
  const trained = JSON.stringify({ experimental_configurations: { log_parameters: { do_train: true } } });
  writeFileSync(results, trained);
  assert.throws(() => checkOutputDir(out, false), /holds a finished run; lukelab does not train over finished work: pass --overwrite-output-dir/);
  assert.equal(checkOutputDir(out, true), "finished-training");
  const r = lukelab("entity-typing", "run", "--data-dir", SAMPLE, "--output-dir", out, "--quiet");
  assert.equal(r.status, 2);
  assert.equal(readFileSync(results, "utf8"), trained, "results.json is untouched");
  writeFileSync(results, "{ broken");
  assert.throws(() => checkOutputDir(out, false), /whose results\.json cannot be read .*results\.json:1:3: not valid JSON/);
  writeFileSync(results, JSON.stringify({ experimental_configurations: { log_parameters: { do_train: false } } }));
  assert.equal(checkOutputDir(out, false), "finished-evaluation");
  assert.equal(checkOutputDir(join(out, "new", "deeper"), false), "new");
});

test("usage errors exit 2, data errors exit 1", () => {
  const negative = lukelab("entity-typing", "run", "--num-train-epochs", "-1", "--data-dir", SAMPLE, "--output-dir", join(tmpDir(), "x"));
  assert.equal(negative.status, 2, negative.stderr);
  assert.match(negative.stderr, /--num-train-epochs must be in \(0, Infinity\), got -1\nRun `lukelab help` for usage/);

  const noDev = dataWith({ dev: "[]\n" });
  const out = join(tmpDir(), "never");
  const r = lukelab("entity-typing", "run", "--data-dir", noDev, "--output-dir", out, "--model-config", MICRO, "--quiet");
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${join(noDev, "dev.json").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: holds no examples; training keeps the epoch with the best dev F1`));
  assert.ok(!existsSync(out), "nothing was written");

  const noTrain = dataWith({ train: "[]" });
  const t = lukelab("entity-typing", "run", "--data-dir", noTrain, "--output-dir", out, "--model-config", MICRO, "--quiet");
  assert.equal(t.status, 1, t.stderr);
  assert.match(t.stderr, /train\.json: holds no examples, so there is nothing to train on/);

  const latin1 = dataWith({});
  const bytes = readFileSync(join(latin1, "dev.json"));
  const at = bytes.indexOf(Buffer.from('"sent"', "utf8")) + 9;
  bytes[at] = 0xe9;
  writeFileSync(join(latin1, "dev.json"), bytes);
  const e = lukelab("entity-typing", "run", "--data-dir", latin1, "--output-dir", out, "--model-config", MICRO, "--quiet");
  assert.equal(e.status, 1, e.stderr);
  assert.match(e.stderr, new RegExp(`dev\\.json: byte ${at} \\(line \\d+\\): not valid UTF-8`));
});

test("dev/test labels that train never has, and dropped crowd labels, are named with counts", () => {
  const ex = (labels: string[]) => ({ sent: "Ada wrote .", start: 0, end: 3, labels });
  const dir = dataWith({
    train: JSON.stringify([ex(["person"]), ex([])]),
    dev: JSON.stringify([ex(["person", "event"]), ex(["event"])]),
    test:
      JSON.stringify({ left_context_token: [], mention_span: "Ada", right_context_token: ["wrote"], y_str: ["person", "writer", "woman"] }) +
      "\n" +
      JSON.stringify({ left_context_token: [], mention_span: "Ada", right_context_token: [], y_str: ["scientist"] }) +
      "\n",
  });
  const data = readOpenEntityDir(dir);
  const { refuse, warn } = datasetSurprises(data, { train: true, eval: true });
  assert.deepEqual(refuse, []);
  assert.equal(warn.length, 2);
  assert.match(warn[0], /dev\.json: gold labels that .*train\.json never has \("event" ×2\)/);
  assert.match(warn[1], /test\.json: 3 labels outside the label set were left out .*; 1 examples were left with no label/);
  // Evaluation only: an empty dev split is worth a warning, not a refusal.
  const evalOnly = datasetSurprises({ ...data, dev: [] }, { train: false, eval: true });
  assert.deepEqual(evalOnly.refuse, []);
  assert.match(evalOnly.warn[0], /dev\.json: holds no examples; its precision, recall and F1 are 0/);
});
