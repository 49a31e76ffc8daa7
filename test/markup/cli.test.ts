/**
 * `lukelab markup` end to end: marked-up sentences → a dataset folder → `entity-typing run --no-train
 * --output-attentions` on samples/tiny-luke, whose attention records are the marked-up examples; a
 * broken sentence writes nothing; usage mistakes exit with 2.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readResults } from "../../kernel/tasks/entity-typing/results";
import { ROOT, tmpDir } from "../helpers";

const CLI = join(ROOT, "bin", "lukelab.js");

function lukelab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("lukelab markup feeds entity-typing run --no-train --output-attentions", { timeout: 120_000 }, () => {
  const dir = tmpDir("lukelab-markup-cli-");
  const input = join(dir, "sentences.json");
  writeFileSync(input, JSON.stringify({ dn_Ada: "The doctor asked the nurse a question . <Ada>", two: "<Zoë 😀|person> met <the committee|group,organization> ." }));
  const data = join(dir, "data");
  const out = join(dir, "examples.json");
  const r = lukelab(["markup", "--input", input, "--output", out, "--dataset-dir", data, "--labels", "person"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 examples \(one per mention\)/);
  const examples = JSON.parse(readFileSync(out, "utf8"));
  assert.deepEqual(examples[1], { sent: "Zoë 😀 met the committee .", start: 0, end: 5, labels: ["person"], entity: "Zoë 😀" });
  assert.equal(readFileSync(join(data, "test.json"), "utf8"), readFileSync(out, "utf8"));
  assert.deepEqual(JSON.parse(readFileSync(join(data, "train.json"), "utf8")), []);

  const run = join(dir, "run");
  const t = lukelab(["entity-typing", "run", "--no-train", "--output-attentions", "--model-file", "samples/tiny-luke", "--data-dir", data, "--output-dir", run, "--quiet"]);
  assert.equal(t.status, 0, t.stderr);
  const records = readFileSync(join(run, "attentions_test.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    records.map((x) => x.sentence),
    examples.map((e: { sent: string }) => e.sent),
  );
  assert.ok(records.every((x) => x.entity_count === 1 && x.tokens.includes("[MASK]")));
  const results = readResults(join(run, "results.json"));
  assert.deepEqual(results.evaluation_predict_label!.test!.true_labels.map((row) => results.evaluation_predict_label!.label_list.filter((_, j) => row[j])), [["person"], ["person"], ["group", "organization"]]);
});

test("lukelab markup: a broken sentence names file, key and column and writes nothing; usage errors exit 2", () => {
  const dir = tmpDir("lukelab-markup-cli-");
  const input = join(dir, "sentences.txt");
  writeFileSync(input, "<fine> sentence\n🎉 <nested <mention>> here\n");
  const out = join(dir, "out.json");
  const r = lukelab(["markup", "--input", input, "--output", out, "--dataset-dir", join(dir, "data")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /sentences\.txt: line 2, column 11: "<" inside the mention opened at column 3; mentions cannot be nested/);
  assert.ok(!existsSync(out) && !existsSync(join(dir, "data")), "nothing written");

  const help = lukelab(["markup", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /lukelab markup --input FILE/);
  for (const args of [["--output", out], ["--input", input], ["--input", input, "--output", out, "--format", "yaml"], ["--input", input, "--output", out, "--labels", "person,"], ["--bogus"]]) {
    const u = lukelab(["markup", ...args]);
    assert.equal(u.status, 2, `${args.join(" ")}: ${u.stderr}`);
    assert.match(u.stderr, /Run `lukelab help` for usage/);
  }
  const unknown = lukelab(["markup", "--input", input, "--output", out, "--labels", "mammal"]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /the default labels: unknown label "mammal"; the labels are entity/);
});
