import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decodeSpans, nerMetrics, spanConfusion, spansToTags } from "../../../kernel/tasks/ner/metrics";
import { runPython } from "../../helpers";
import { SEQEVAL_SCRIPT, type SeqevalScores } from "./seqeval";

interface Ref extends SeqevalScores {
  confusion: Record<string, number>;
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("entity-level precision, recall, F1 and per-type figures equal seqeval's on random IOB1/IOB2 sequences", () => {
  const r = rng(7);
  const tags = ["O", "O", "O", "I-PER", "B-PER", "I-ORG", "B-ORG", "I-LOC", "I-MISC", "B-MISC"];
  const sentences = (n: number) => Array.from({ length: n }, () => Array.from({ length: 1 + Math.floor(r() * 12) }, () => tags[Math.floor(r() * tags.length)]));
  for (let trial = 0; trial < 5; trial++) {
    const gold = sentences(40);
    // Predictions: the gold with a fraction of tags changed, so some entities match.
    const pred = gold.map((s) => s.map((t) => (r() < 0.3 ? tags[Math.floor(r() * tags.length)] : t)));
    const ours = nerMetrics(gold, pred);
    const ref = runPython<Ref>(SEQEVAL_SCRIPT, [], { gold, pred });
    for (const k of ["precision", "recall", "f1"] as const) assert.ok(Math.abs(ours[k] - ref[k]) < 1e-12, `${k}: ${ours[k]} vs ${ref[k]}`);
    assert.deepEqual(Object.keys(ours.perType).filter((t) => ours.perType[t].support > 0).sort(), Object.keys(ref.per_type).sort());
    for (const [t, f] of Object.entries(ref.per_type)) {
      for (const k of ["precision", "recall", "f1"] as const) assert.ok(Math.abs(ours.perType[t][k] - f[k]) < 1e-12, `${t} ${k}`);
      assert.equal(ours.perType[t].support, f.support);
    }
    // The per-type confusion over spans, against the same table built from seqeval's entities.
    const c = spanConfusion(gold, pred);
    const cells: Record<string, number> = {};
    c.matrix.forEach((row, i) => row.forEach((n, j) => n > 0 && (cells[`${c.labels[i]}>${c.labels[j]}`] = n)));
    assert.deepEqual(cells, ref.confusion);
  }
});

test("all-O predictions score 0; perfect predictions in IOB2 score 1 against IOB1 gold", () => {
  const gold = [["I-PER", "I-PER", "O", "I-LOC", "B-LOC"], ["I-ORG"]];
  assert.equal(nerMetrics(gold, gold.map((s) => s.map(() => "O"))).f1, 0);
  const iob2 = [["B-PER", "I-PER", "O", "B-LOC", "B-LOC"], ["B-ORG"]];
  assert.equal(nerMetrics(gold, iob2).f1, 1);
});

test("upstream's decoding: spans by score, highest first, overlapping ones dropped", () => {
  const kept = decodeSpans([
    { start: 0, end: 2, type: "PER", score: 3 },
    { start: 1, end: 3, type: "ORG", score: 5 },
    { start: 0, end: 1, type: "LOC", score: 4 },
    { start: 3, end: 4, type: "MISC", score: 1 },
  ]);
  assert.deepEqual(kept.map((s) => [s.start, s.end, s.type]), [[0, 1, "LOC"], [1, 3, "ORG"], [3, 4, "MISC"]]);
  assert.deepEqual(spansToTags(5, kept), ["B-LOC", "B-ORG", "I-ORG", "B-MISC", "O"]);
});
