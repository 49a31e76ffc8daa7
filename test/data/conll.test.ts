import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { conllCounts, parseConll, readConllDir, readConllFile, tagsToEntities, ConllFormatError } from "../../kernel/data/conll";
import { ROOT, SHARED, runPython, tmpDir } from "../helpers";

const REAL = join(SHARED, "data", "conll2003");
const SAMPLE = join(ROOT, "samples", "conll-sample");
const SCRIPT = join(ROOT, "test", "data", "conll_counts.py");

function compare(paths: string[]) {
  const reference = runPython<Record<string, { documents: number; sentences: number; tokens: number; entities: number; per_type: Record<string, number> }>>(SCRIPT, [], { files: paths });
  for (const path of paths) {
    const ours = conllCounts(readConllFile(path).documents);
    const ref = reference[path];
    assert.deepEqual(
      { documents: ours.documents, sentences: ours.sentences, tokens: ours.tokens, entities: ours.entities, perType: ours.perType },
      { documents: ref.documents, sentences: ref.sentences, tokens: ref.tokens, entities: ref.entities, perType: ref.per_type },
      path,
    );
  }
  return reference;
}

test("CoNLL-2003 train/testa/testb: counts equal an independent Python reading with seqeval's entities", () => {
  const paths = ["eng.train", "eng.testa", "eng.testb"].map((f) => join(REAL, f));
  const ref = compare(paths);
  // And the published statistics (the shared data's README).
  assert.deepEqual([ref[paths[0]].documents, ref[paths[0]].sentences, ref[paths[0]].tokens, ref[paths[0]].entities], [946, 14041, 203621, 23499]);
  assert.deepEqual(ref[paths[2]].per_type, { LOC: 1668, MISC: 702, ORG: 1661, PER: 1617 });
});

test("the shipped sample reads the same way, has every type, B- tags and several documents", () => {
  const data = readConllDir(SAMPLE);
  compare(Object.values(data.files));
  const counts = conllCounts(data.train);
  assert.ok(counts.documents >= 10);
  for (const t of ["PER", "ORG", "LOC", "MISC"]) assert.ok((counts.perType[t] ?? 0) > 5, t);
  assert.ok(data.train.some((d) => d.sentences.some((s) => s.tags.some((t) => t.startsWith("B-")))));
});

test("IOB1 and IOB2 entities: B- splits touching entities of one type, a type change splits, O closes", () => {
  assert.deepEqual(tagsToEntities(["I-ORG", "I-ORG", "B-ORG", "O", "I-PER", "I-LOC", "B-LOC"]), [
    { start: 0, end: 2, type: "ORG" },
    { start: 2, end: 3, type: "ORG" },
    { start: 4, end: 5, type: "PER" },
    { start: 5, end: 6, type: "LOC" },
    { start: 6, end: 7, type: "LOC" },
  ]);
});

test("documents and sentences: -DOCSTART- starts a document, blank lines end sentences, lines before the first -DOCSTART- form a document", () => {
  const f = parseConll("a X Y O\n\n-DOCSTART- -X- O O\n\nb X Y I-PER\nc X Y O\n\n\nd X Y O\n-DOCSTART- -X- -X- O\n", "t");
  assert.equal(f.documents.length, 2);
  assert.deepEqual(f.documents.map((d) => d.sentences.map((s) => s.words)), [[["a"]], [["b", "c"], ["d"]]]);
  assert.equal(f.documents[1].sentences[1].line, 9);
});

test("malformed lines stop with the file and the line", () => {
  const dir = tmpDir();
  const bad = join(dir, "eng.train");
  writeFileSync(bad, "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects\n");
  assert.throws(() => readConllFile(bad), (e: Error) => e instanceof ConllFormatError && e.message.startsWith(`${bad}:4: expected`));
  writeFileSync(bad, "EU NNP I-NP I-ORG\nx NN I-NP X-PER\n");
  assert.throws(() => readConllFile(bad), /eng\.train:2: the last column must be O, B-TYPE or I-TYPE, found "X-PER"/);
  writeFileSync(bad, "EU NNP I-NP I-ORG\r\n");
  assert.throws(() => readConllFile(bad), /eng\.train:1: a CR character/);
  writeFileSync(bad, "EU NNP I-NP I-ORG\n");
  assert.throws(() => readConllDir(dir), /eng\.testa: (does not exist|cannot be read)/);
});
