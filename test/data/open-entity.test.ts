/**
 * Open Entity readers: the ERNIE format and the UW crowd format read to the same examples (checked
 * on all 3 × 1,998 examples of ../shared/data/open-entity), offsets in code points, examples
 * without a label kept, and every malformed input an error that names the file and the example.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  DatasetError,
  OPEN_ENTITY_LABELS,
  elementIndexAt,
  readOpenEntityDir,
  readOpenEntityFile,
  withContextWindow,
} from "../../kernel/data/open-entity";
import { defaultOutputDir, logParameters, resolveOptions, runFingerprint } from "../../kernel/tasks/entity-typing/options";
import { ROOT, SHARED, runPython, tmpDir } from "../helpers";

const SAMPLE = join(ROOT, "samples", "open-entity-sample");
const OPEN_ENTITY = join(SHARED, "data", "open-entity");

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function expectDatasetError(fn: () => unknown, file: string, index: number | undefined, detail: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DatasetError, `expected a DatasetError, got ${err}`);
    assert.equal(err.file, file);
    assert.equal(err.index, index);
    assert.match(err.message, detail);
    assert.ok(err.message.startsWith(file), `the message names the file: ${err.message}`);
    if (index !== undefined) assert.match(err.message, new RegExp(`example ${index}\\b`));
    return true;
  });
}

test("the shipped sample reads in the ERNIE format, with a label-less example kept", () => {
  const data = readOpenEntityDir(SAMPLE);
  assert.deepEqual([data.train.length, data.dev.length, data.test.length], [43, 20, 20]);
  assert.deepEqual(data.format, { train: "ernie", dev: "ernie", test: "ernie" });
  assert.ok(data.train.some((e) => e.labels.length === 0));
  assert.ok(data.train.some((e) => e.labels.length === 2));
  for (const e of [...data.train, ...data.dev, ...data.test]) {
    assert.ok(e.labels.every((l) => OPEN_ENTITY_LABELS.includes(l)));
    assert.ok(e.start < e.end);
  }
});

test("offsets are code points: an emoji before the mention counts as one character", () => {
  const ex = readOpenEntityDir(SAMPLE).train.find((e) => e.text.includes("🌍"))!;
  assert.equal(Array.from(ex.text).slice(ex.start, ex.end).join(""), "the agency");
  // In UTF-16 units the span would be off by one.
  assert.notEqual(ex.text.slice(ex.start, ex.end), "the agency");
});

test("ERNIE and UW crowd files of Open Entity give the same examples", { timeout: 60_000 }, () => {
  for (const split of ["train", "dev", "test"]) {
    const ernie = readOpenEntityFile(join(OPEN_ENTITY, `${split}.json`));
    const crowd = readOpenEntityFile(join(OPEN_ENTITY, "crowd", `${split}.json`));
    assert.equal(ernie.length, 1998);
    assert.equal(crowd.length, ernie.length);
    ernie.forEach((e, i) => {
      const c = crowd[i];
      assert.equal(c.text, e.text, `${split} ${i}: text`);
      assert.deepEqual([c.start, c.end], [e.start, e.end], `${split} ${i}: span`);
      assert.deepEqual([...c.labels].sort(), [...e.labels].sort(), `${split} ${i}: labels`);
    });
    // Zero-label examples are kept (354 in train, 386 in dev, 400 in test).
    assert.equal(ernie.filter((e) => e.labels.length === 0).length, { train: 354, dev: 386, test: 400 }[split]);
  }
});

test("the crowd format filters the ultra-fine types to the 9 general labels", () => {
  const dir = tmpDir();
  const file = write(
    dir,
    "train.json",
    [
      { y_str: ["politician", "person", "leader"], annot_id: "x:1", mention_span: "the mayor", left_context_token: ["Yesterday"], right_context_token: ["spoke", "."] },
      { y_str: ["thing"], annot_id: "x:2", mention_span: "It", left_context_token: [], right_context_token: ["fell", "."] },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n",
  );
  const [a, b] = readOpenEntityFile(file);
  assert.deepEqual(a, { index: 0, text: "Yesterday the mayor spoke .", start: 10, end: 19, labels: ["person"] });
  assert.deepEqual(b, { index: 1, text: "It fell .", start: 0, end: 2, labels: [] });
});

test("malformed data: each error names the file and the example", () => {
  const dir = tmpDir();
  const good = { sent: "Ada wrote notes .", start: 0, end: 3, labels: ["person"] };
  const ernie = (rows: unknown[]) => JSON.stringify(rows, null, 1);

  // The second example loses the comma after "end".
  const three = ernie([good, good, good]);
  const second = three.indexOf('"end": 3,', three.indexOf('"end": 3,') + 1);
  let f = write(dir, "bad-json.json", three.slice(0, second) + '"end": 3' + three.slice(second + '"end": 3,'.length));
  expectDatasetError(() => readOpenEntityFile(f), f, 1, /not valid JSON at line \d+, column \d+/);

  f = write(dir, "start-after-end.json", ernie([good, good, { ...good, start: 9, end: 4 }]));
  expectDatasetError(() => readOpenEntityFile(f), f, 2, /start 9 is after end 4/);

  f = write(dir, "beyond.json", ernie([{ ...good, end: 40 }]));
  expectDatasetError(() => readOpenEntityFile(f), f, 0, /span \[0, 40\) goes beyond the text, which has 17 characters/);

  f = write(dir, "unknown-label.json", ernie([good, { ...good, labels: ["person", "animal"] }]));
  expectDatasetError(() => readOpenEntityFile(f), f, 1, /unknown label "animal"; the labels are entity, event/);

  f = write(dir, "repeated.json", ernie([{ ...good, labels: ["person", "person"] }]));
  expectDatasetError(() => readOpenEntityFile(f), f, 0, /label "person" is repeated/);

  f = write(dir, "types.json", ernie([good, { sent: 3, start: 0, end: 1, labels: [] }]));
  expectDatasetError(() => readOpenEntityFile(f), f, 1, /"sent" must be a string/);

  f = write(dir, "empty-span.json", ernie([{ ...good, start: 2, end: 2 }]));
  expectDatasetError(() => readOpenEntityFile(f), f, 0, /mention is empty/);

  f = write(dir, "not-array.json", JSON.stringify("a sentence"));
  assert.throws(() => readOpenEntityFile(f), /not-array\.json: is neither a JSON array \(ERNIE format\) nor JSON lines/);

  f = write(dir, "bad-line.json", JSON.stringify({ y_str: [], mention_span: "a", left_context_token: [], right_context_token: [] }) + "\n{oops\n");
  expectDatasetError(() => readOpenEntityFile(f), f, 1, /not valid JSON/);
  assert.throws(() => readOpenEntityFile(f), /example 1 \(line 2\)/);

  assert.throws(() => readOpenEntityFile(join(dir, "missing.json")), /missing\.json: the file does not exist/);
});

test("elementIndexAt finds the array element around an offset", () => {
  const text = '[{"a": "x]"}, {"b": [1, 2]},\n {"c": 3}]';
  assert.equal(elementIndexAt(text, 3), 0);
  assert.equal(elementIndexAt(text, text.indexOf('"b"')), 1);
  assert.equal(elementIndexAt(text, text.indexOf('"c"')), 2);
  assert.equal(elementIndexAt(text, 0), undefined);
});

test("a context window keeps the mention and k words on each side, offsets in code points", () => {
  const ex = (text: string, mention: string) => {
    const cps = Array.from(text), m = Array.from(mention);
    const start = cps.findIndex((_, i) => cps.slice(i, i + m.length).join("") === mention);
    return { index: 0, text, start, end: start + m.length, labels: [] as string[] };
  };
  const cut = (e: ReturnType<typeof ex>, k: number) => {
    const w = withContextWindow(e, k);
    return [w.text, Array.from(w.text).slice(w.start, w.end).join("")];
  };
  const s = ex("🌍 One  two three the agency said on Monday .", "the agency");
  assert.deepEqual(cut(s, 0), ["the agency", "the agency"]);
  assert.deepEqual(cut(s, 1), ["three the agency said", "the agency"]);
  assert.deepEqual(cut(s, 3), ["One  two three the agency said on Monday", "the agency"], "inner spacing kept");
  assert.deepEqual(cut(s, 50), [s.text, "the agency"], "more words than there are: the whole sentence");
  // A word the mention touches without a space is one of the k words.
  assert.deepEqual(cut(ex("He met (Obama) in Paris", "Obama"), 1), ["(Obama)", "Obama"]);
  assert.deepEqual(cut(ex("He met (Obama) in Paris", "Obama"), 2), ["met (Obama) in", "Obama"]);
  assert.deepEqual(cut(ex("Obama", "Obama"), 2), ["Obama", "Obama"]);
  assert.throws(() => withContextWindow(s, -1), /non-negative number of words, got -1/);
  assert.throws(() => withContextWindow(s, 1.5), /got 1.5/);
});

test("the context window cuts every Open Entity example as the PyTorch side of the comparison does", { timeout: 120_000 }, () => {
  const words = [0, 1, 4];
  const splits = ["train", "dev"] as const;
  const expected = runPython<Record<string, Record<string, [string, number, number][]>>>(join(ROOT, "test", "data", "context_window.py"), [], { words, splits });
  const data = readOpenEntityDir(OPEN_ENTITY);
  for (const k of words) {
    for (const split of splits) {
      const got = data[split].map((e) => withContextWindow(e, k)).map((e) => [e.text, e.start, e.end]);
      assert.equal(got.length, 1998);
      assert.deepEqual(got, expected[k][split], `k = ${k}, ${split}`);
    }
  }
  // Four words of context shorten the sentences about threefold.
  const chars = (k?: number) => data.dev.reduce((n, e) => n + Array.from(k === undefined ? e.text : withContextWindow(e, k).text).length, 0);
  assert.ok(chars(4) < chars() / 2, `dev: ${chars(4)} characters with a window of 4, ${chars()} without`);
});

test("--context-window: checked, logged, and part of a run's identity only when given", () => {
  assert.throws(() => resolveOptions({ outputDir: "x", contextWindow: -1 }), /--context-window must be a non-negative integer, got -1/);
  assert.throws(() => resolveOptions({ outputDir: "x", contextWindow: 2.5 }), /--context-window must be a non-negative integer, got 2.5/);
  const plain = resolveOptions({ dataDir: "d" });
  const cut = resolveOptions({ dataDir: "d", contextWindow: 4 });
  assert.ok(!("context_window" in runFingerprint(plain)), "an unset window leaves older runs' fingerprints as they were");
  assert.equal(runFingerprint(cut).context_window, 4);
  assert.notEqual(defaultOutputDir(cut), defaultOutputDir(plain));
  assert.equal(logParameters(plain).context_window, null);
  assert.equal(logParameters(cut).context_window, 4);
});

test("the format guess says what was expected and what was found", () => {
  const dir = tmpDir();
  const good = { sent: "Ada wrote notes .", start: 0, end: 3, labels: ["person"] };
  let f = write(dir, "object.json", JSON.stringify({ data: [good, good] }, null, 2));
  expectDatasetError(() => readOpenEntityFile(f), f, undefined, /holds one JSON object over several lines \(an object with keys "data"\); expected a JSON array of examples .*one JSON object per line \(UW crowd format\); if the examples are its "data" array, save that array alone/);
  f = write(dir, "empty.json", "  \n");
  expectDatasetError(() => readOpenEntityFile(f), f, undefined, /is empty; expected a JSON array of examples/);
  f = write(dir, "no-bracket.json", JSON.stringify([good, good], null, 0).slice(1).replace("},{", "},\n{"));
  expectDatasetError(() => readOpenEntityFile(f), f, 0, /column \d+: not valid JSON: .*is its opening '\[' missing\?/);
  f = write(dir, "trailing.json", JSON.stringify([good, good], null, 1).replace(/\n\]$/, ",\n]"));
  expectDatasetError(() => readOpenEntityFile(f), f, 1, /not valid JSON at line 17, column 3: a comma before '\]' \(a trailing comma\)/);
  // A byte-order mark is skipped; bytes that are not UTF-8 are refused at their offset.
  f = join(dir, "bom.json");
  writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([good]))]));
  assert.equal(readOpenEntityFile(f).length, 1);
  f = join(dir, "latin1.json");
  writeFileSync(f, Buffer.concat([Buffer.from('[{"sent": "Caf'), Buffer.from([0xe9]), Buffer.from(' noir .", "start": 0, "end": 4, "labels": []}]')]));
  expectDatasetError(() => readOpenEntityFile(f), f, undefined, /byte 14 \(line 1\): not valid UTF-8/);
});
