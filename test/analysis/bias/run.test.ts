/**
 * A bias probe end to end on samples/tiny-luke with the shipped probe files: the tokens, label
 * scores and attention of every filled template against transformers (bias_reference.py, which
 * finds the mention and target tokens its own way), the comparisons against SciPy on those
 * reference numbers, no tensor left behind, `lukelab analyze bias` writing its tables and figures,
 * and the errors that need a model (unknown label, missing layer, a model without the typing head).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as aq from "arquero";
import { tf } from "../../../kernel/backend";
import { loadLuke, type Luke } from "../../../kernel/inference/luke";
import { analyseBiasProbe, BiasProbeError, readProbeFile, runProbe } from "../../../kernel/analysis/bias";
import { ROOT, runPython, tmpDir } from "../../helpers";

const MODEL = join(ROOT, "samples", "tiny-luke");
const NAMES = join(ROOT, "samples", "bias", "doctor-nurse-names.yaml");
const PRONOUNS = join(ROOT, "samples", "bias", "doctor-nurse-pronouns.yaml");
const CLI = join(ROOT, "bin", "lukelab.js");

interface RefExample {
  tokens: string[];
  mention: number[];
  targets: Record<string, number[]>;
  scores: Record<string, number>;
  attention: Record<string, Record<string, number[]>>;
}

test("every filled template's tokens, scores and attention equal transformers'; comparisons equal SciPy's on them; no tensor leaks", { timeout: 180_000 }, async () => {
  const luke = await loadLuke(MODEL);
  try {
    const probe = readProbeFile(NAMES);
    const before = tf.memory().numTensors;
    const report = await analyseBiasProbe(luke, probe, { permutations: 500, seed: 1 });
    assert.equal(tf.memory().numTensors, before, "tensors left behind by the probe run");
    const { run } = report;
    assert.equal(run.examples.length, 80);
    assert.equal(run.layer, 1);

    const ref = runPython<{ examples: RefExample[]; welch: Record<string, [number, number, number]> }>(join(ROOT, "test", "analysis", "bias", "bias_reference.py"), [], {
      model: MODEL,
      targets: probe.targets,
      layer: run.layer,
      pairs: probe.compare,
      contrasts: probe.contrasts,
      examples: run.examples.map((e) => ({ text: e.text, start: e.mention[0], end: e.mention[1], group: e.group, template: e.template })),
    });
    let worst = 0;
    run.examples.forEach((e, i) => {
      const r = ref.examples[i];
      const where = `${e.template}/${e.filler}`;
      assert.deepEqual(e.tokens, r.tokens, `${where}: tokens`);
      assert.deepEqual(e.mentionTokens, r.mention, `${where}: mention tokens`);
      assert.deepEqual(e.targetTokens, r.targets, `${where}: target tokens`);
      for (const label of run.labels) worst = Math.max(worst, Math.abs(e.scores[label] - r.scores[label]));
      for (const from of ["mention", "entity"] as const) {
        for (const target of probe.targets) {
          e.attention[from]![target].forEach((v, l) => (worst = Math.max(worst, Math.abs(v - r.attention[from][target][l]))));
        }
      }
    });
    assert.ok(worst < 2e-5, `largest difference from transformers ${worst}`);
    // The mention of "Anna" is several BPE pieces in the tiny vocabulary: averaging over them is exercised.
    assert.ok(run.examples.some((e) => e.mentionTokens.length > 2));

    // Pooled comparisons: Welch on our numbers vs SciPy on transformers' numbers (float32 noise apart).
    const pooled = report.comparisons.filter((c) => c.template === "all");
    assert.deepEqual(pooled.map((c) => c.measure), [
      "score:person",
      "attention:mention:doctor",
      "attention:mention:nurse",
      "attention:entity:doctor",
      "attention:entity:nurse",
      "attention:mention:doctor-nurse",
      "attention:entity:doctor-nurse",
    ]);
    for (const c of pooled) {
      const [t, df, p] = ref.welch[`${c.measure}|${c.groupA}|${c.groupB}`];
      assert.ok(Math.abs(c.t - t) < 1e-3 * Math.max(1, Math.abs(t)), `${c.measure}: t ${c.t} vs ${t}`);
      assert.ok(Math.abs(c.df - df) < 1e-3 * df, `${c.measure}: df ${c.df} vs ${df}`);
      assert.ok(Math.abs(c.pWelch - p) < 1e-3, `${c.measure}: p ${c.pWelch} vs ${p}`);
      assert.equal(c.nA, 40);
      assert.equal(c.exact, false);
      assert.equal(c.permutations, 500);
      assert.ok(c.pPermutation >= 2 / 501 && c.pPermutation <= 1);
    }
    // by_template: one comparison per template too, on 20 + 20 examples.
    assert.deepEqual([...new Set(report.comparisons.map((c) => c.template))], ["all", "dn", "nd"]);
    assert.ok(report.comparisons.filter((c) => c.template === "dn").every((c) => c.nA === 20 && c.nB === 20));
    // One figure per comparison and a per-layer figure per attention measure (targets and contrasts) and pair.
    assert.equal(Object.keys(report.figures).length, report.comparisons.length + 6);
  } finally {
    luke.dispose();
  }
});

test("errors that need the model name the probe file and place", { timeout: 60_000 }, async () => {
  const dir = tmpDir("lukelab-bias-errors-");
  const base = readFileSync(PRONOUNS, "utf8");
  const luke = await loadLuke(MODEL);
  try {
    const withLabel = join(dir, "label.yaml");
    writeFileSync(withLabel, base.replace("labels: [person]", "labels: [person, human]"));
    await assert.rejects(runProbe(luke, readProbeFile(withLabel)), (err: Error) => {
      assert.ok(err instanceof BiasProbeError);
      assert.match(err.message, new RegExp(`^${withLabel.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: labels\\[1\\]: "human" is not a label of this model \\(entity, event, `));
      return true;
    });
    const withLayer = join(dir, "layer.yaml");
    writeFileSync(withLayer, `${base}layer: 2\n`);
    await assert.rejects(runProbe(luke, readProbeFile(withLayer)), { message: /layer\.yaml:\d+:8: layer: 2 does not exist; the model has 2 layers \(0–1\)/ });
  } finally {
    luke.dispose();
  }
  // A model without the entity-typing head (only the head is looked at before anything runs).
  const bare = { model: { head: "masked_lm" } } as unknown as Luke;
  await assert.rejects(runProbe(bare, readProbeFile(PRONOUNS)), { message: /needs an entity-typing model \(LukeForEntityClassification\); this checkpoint's head is "masked_lm"/ });
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "analyze", "bias", ...args], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("lukelab analyze bias writes the tables and figures; usage and probe errors write nothing", { timeout: 120_000 }, () => {
  const out = join(tmpDir("lukelab-bias-cli-"), "out");
  const r = cli(["--model", MODEL, "--probe", PRONOUNS, "--output-dir", out, "--permutations", "50", "--seed", "3"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /probe doctor-nurse-pronouns: 12 filled templates \(6 templates × 1 he, 1 she\)/);
  assert.match(r.stdout, /attention:entity:nurse: he .* vs she .*, Welch p .*, permutation p/);
  const examples = aq.fromCSV(readFileSync(join(out, "doctor-nurse-pronouns-examples.csv"), "utf8"));
  assert.equal(examples.numRows(), 12);
  assert.ok(examples.columnNames().includes("attention_mention_doctor_layer0") && examples.columnNames().includes("attention_entity_nurse_layer1"));
  const comparisons = aq.fromCSV(readFileSync(join(out, "doctor-nurse-pronouns-comparisons.csv"), "utf8"));
  assert.deepEqual(comparisons.columnNames(), ["measure", "description", "template", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "sd_a", "sd_b", "difference", "t", "df", "p_welch", "p_permutation", "permutations", "exact"]);
  assert.equal(comparisons.numRows(), 7);
  // 6 + 6 examples: C(12, 6) = 924 splits > 50, so random; p is a multiple of 1/51 (times two).
  for (const row of comparisons.objects() as { p_permutation: number; permutations: number; n_a: number }[]) {
    assert.equal(row.permutations, 50);
    assert.equal(row.n_a, 6);
    assert.ok(Math.abs(row.p_permutation * 51 - Math.round(row.p_permutation * 51)) < 1e-9);
  }
  const json = JSON.parse(readFileSync(join(out, "doctor-nurse-pronouns.json"), "utf8"));
  assert.equal(json.examples.length, 12);
  const figures = readdirSync(join(out, "figures"));
  const svgs = figures.filter((f) => f.endsWith(".svg"));
  assert.equal(svgs.length, 7 + 6);
  assert.equal(figures.filter((f) => f.endsWith(".html")).length, svgs.length);
  assert.ok(figures.includes("plotly.min.js"));
  const strip = readFileSync(join(out, "figures", "attention_mention_doctor_all_he-vs-she.svg"), "utf8");
  assert.equal((strip.match(/class="mark point"/g) ?? []).length, 12 + 2, "12 examples and 2 group means");
  assert.equal((strip.match(/class="errorbar"/g) ?? []).length, 2);
  const layers = readFileSync(join(out, "figures", "layers_attention_entity_doctor_he-vs-she.svg"), "utf8");
  assert.equal((layers.match(/class="mark line"/g) ?? []).length, 2);

  // The same seed gives the same table.
  const again = join(out, "..", "again");
  assert.equal(cli(["--model", MODEL, "--probe", PRONOUNS, "--output-dir", again, "--permutations", "50", "--seed", "3"]).status, 0);
  assert.equal(readFileSync(join(again, "doctor-nurse-pronouns-comparisons.csv"), "utf8"), readFileSync(join(out, "doctor-nurse-pronouns-comparisons.csv"), "utf8"));

  const help = cli(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^lukelab analyze bias --model DIR --probe FILE\.yaml --output-dir OUT/);
  for (const [args, re] of [
    [["--probe", PRONOUNS, "--output-dir", out], /--model is required/],
    [["--model", MODEL, "--output-dir", out], /--probe is required/],
    [["--model", MODEL, "--probe", PRONOUNS], /--output-dir is required/],
    [["--model", MODEL, "--probe", PRONOUNS, "--output-dir", out, "--permutations", "0"], /--permutations must be a positive integer, got 0/],
    [["--model", MODEL, "--probe", PRONOUNS, "--output-dir", out, "--seed", "x"], /--seed must be a non-negative integer/],
    [["--model", MODEL, "--probe", PRONOUNS, "--output-dir", out, "--colour"], /Unknown option '--colour'/],
  ] as const) {
    const e = cli([...args]);
    assert.equal(e.status, 2, `${args.join(" ")}: ${e.stderr}`);
    assert.match(e.stderr, re);
  }
  const badProbe = join(out, "..", "bad.yaml");
  writeFileSync(badProbe, readFileSync(PRONOUNS, "utf8").replace("question because {name} was late", "question because somebody was late"));
  const fresh = join(out, "..", "fresh");
  const e = cli(["--model", MODEL, "--probe", badProbe, "--output-dir", fresh]);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /bad\.yaml:6:29: templates\[0\]\.text: has no \{name\} slot/);
  assert.ok(!existsSync(fresh), "nothing is written for a bad probe");
});
