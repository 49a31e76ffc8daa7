/**
 * notebooks/pretrained.ipynb runs against the local Hub stand-in (scripts/notebooks.py serves
 * samples/tiny-luke as lukelab/tiny-luke, LUKELAB_NOTEBOOK_MODEL names it, HF_HUB_CACHE is fresh):
 * the model loads by Hub id, and its predictions and Open Entity F1 agree with transformers and
 * scikit-learn on the same model and examples.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readOpenEntityFile } from "../../kernel/data/open-entity";
import { ROOT, runPython } from "../helpers";
import { notebookTest } from "./notebook-test";

const TINY = join(ROOT, "samples", "tiny-luke");
const REFERENCE = join(ROOT, "test", "hub", "typing_reference.py");

/** The notebook's `mention` helper: the span of `words` in `text`, in code points. */
function mention(text: string, words: string): { text: string; spans: [number, number][] } {
  const at = Array.from(text.slice(0, text.indexOf(words))).length;
  return { text, spans: [[at, at + Array.from(words).length]] };
}

interface Reference {
  labels: string[];
  probabilities: number[][];
  micro?: { precision: number; recall: number; f1: number };
}

notebookTest("pretrained.ipynb", "loads lukelab/tiny-luke by Hub id and agrees with transformers and scikit-learn", (run) => {
  const outputs = run.cells.flatMap((c) => c.outputs);
  assert.ok(!outputs.some((o) => o.output_type === "error"), "a cell raised an error");
  const text = outputs.map((o) => o.text ?? "").join("");
  assert.match(text, /lukelab\/tiny-luke: 2 layers, hidden 32, head entity_classification/);

  // Predictions: the top three types and their probabilities, as transformers gives them.
  const sentences = [
    mention("The doctor asked the nurse a question .", "The doctor"),
    mention("The doctor asked the nurse a question .", "the nurse"),
    mention("Ana asked the engineer to check the bridge before the storm .", "Ana"),
    mention("Ana asked the engineer to check the bridge before the storm .", "the bridge"),
    mention("Beyoncé lives in Los Angeles .", "Los Angeles"),
    mention("The regatta was postponed because of the storm .", "The regatta"),
    mention("Apple opened its first store in Tokyo in 2003 .", "Apple"),
    mention("Katherine Johnson calculated the flight paths by hand .", "Katherine Johnson"),
  ];
  const lines = [...text.matchAll(/^ {2}(.+) → \[(.*)\] {2}\((.*)\)$/gm)];
  assert.equal(lines.length, sentences.length, `one prediction line per sentence; got:\n${text}`);
  const ref = runPython<Reference>(REFERENCE, [], { dir: TINY, inputs: sentences });
  lines.forEach((m, i) => {
    const probs = ref.probabilities[i];
    const order = probs.map((p, j) => [p, j] as const).sort((a, b) => b[0] - a[0]);
    const [start, end] = sentences[i].spans[0];
    assert.equal(m[1], Array.from(sentences[i].text).slice(start, end).join(""));
    const predicted = order.filter(([p]) => p > 0.5).map(([, j]) => ref.labels[j]);
    assert.deepEqual(m[2].split(", ").filter(Boolean), predicted, `sentence ${i}: labels`);
    const top = m[3].split(", ").map((s) => s.split(" "));
    top.forEach(([label, score], k) => {
      assert.equal(label, ref.labels[order[k][1]], `sentence ${i}: rank ${k}`);
      assert.ok(Math.abs(Number(score) - order[k][0]) <= 0.0011, `sentence ${i} ${label}: ${score} vs ${order[k][0]}`);
    });
  });

  // The [MASK] entity's attention: the view (interactive payload + static image) and the table.
  const view = outputs.find((o) => o.output_type === "display_data" && o.data?.["application/vnd.lukelab.attention+json"]);
  assert.ok(view, "no attention view");
  assert.ok(typeof view.data!["image/png"] === "string", "the view has a static image");
  const weights = [...text.matchAll(/^(\S+) +(0\.\d{3})$/gm)].map((m) => Number(m[2]));
  assert.equal(weights.length, 5);
  assert.deepEqual([...weights].sort((a, b) => b - a), weights, "the table is sorted");
  assert.match(text, /\(on the entity itself: 0\.\d{3}\)/);

  // Open Entity dev (the project's data where it is, else the sample), at most 200 examples:
  // micro P/R/F1 as scikit-learn computes them from transformers' probabilities.
  const shared = join(ROOT, "..", "shared", "data", "open-entity", "dev.json");
  const devFile = existsSync(shared) ? shared : join(ROOT, "samples", "open-entity-sample", "dev.json");
  const dev = readOpenEntityFile(devFile).slice(0, 200);
  const evalLine = /^(Open Entity dev|the sample's dev split), (\d+) examples: precision (\S+), recall (\S+), F1 (\S+)$/m.exec(text);
  assert.ok(evalLine, `no evaluation line; got:\n${text}`);
  assert.equal(evalLine[1], existsSync(shared) ? "Open Entity dev" : "the sample's dev split");
  assert.equal(Number(evalLine[2]), dev.length);
  const micro = runPython<Reference>(REFERENCE, [], {
    dir: TINY,
    inputs: dev.map((x) => ({ text: x.text, spans: [[x.start, x.end]] })),
    gold: dev.map((x) => x.labels),
  }).micro!;
  assert.ok(Math.abs(Number(evalLine[3]) - micro.precision) <= 6e-5, `precision ${evalLine[3]} vs ${micro.precision}`);
  assert.ok(Math.abs(Number(evalLine[4]) - micro.recall) <= 6e-5, `recall ${evalLine[4]} vs ${micro.recall}`);
  assert.ok(Math.abs(Number(evalLine[5]) - micro.f1) <= 6e-5, `F1 ${evalLine[5]} vs ${micro.f1}`);
});
