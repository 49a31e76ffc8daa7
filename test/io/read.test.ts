/**
 * The shared reader (kernel/io/read.ts): every JSON syntax error placed at a line and column, checked
 * against where Python's json module places the same error; JSON lines placed at their line; bytes
 * that are not UTF-8 refused at their byte offset; a byte-order mark skipped.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  FileFormatError,
  decodeUtf8Strict,
  firstInvalidUtf8,
  lineAndColumn,
  locateJsonError,
  parseJsonLines,
  parseJsonText,
  readJson,
  readJsonLines,
  readText,
} from "../../kernel/io/read";
import { ROOT, runPython, tmpDir } from "../helpers";

function place(fn: () => unknown): { line?: number; column?: number; byteOffset?: number; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FileFormatError, `expected a FileFormatError, got ${(err as Error).stack}`);
    return { ...err.place, message: err.message };
  }
  assert.fail("expected an error");
}

// Errors where Python and lukelab agree on the place (the character that cannot be JSON).
const AGREED = [
  "[1 2]",
  '{"a":1 "b":2}',
  '"abc',
  "",
  "{a:1}",
  "[01]",
  "[1]x",
  "[1,,2]",
  '{"a" 1}',
  '["a\tb"]',
  '["\\q"]',
  '["\\u12g4"]',
  "[1,\n 2,\n  x]",
  '{\n  "name": "é😀 ünïcode",\n  "v": tru\n}',
  '["é😀", x]',
  "[1, 2",
  '{"a": [1, {"b": }]}',
  "[1.]",
  "[1e]",
  "[-]",
  "[1]\n[2]",
  "{'a': 1}",
  "[1, // comment\n 2]",
];

test("JSON syntax errors: the same line and column as Python's json module", () => {
  const python = runPython<([number, number] | null)[]>(join(ROOT, "test", "io", "json_errors.py"), [], AGREED);
  AGREED.forEach((text, k) => {
    const ours = place(() => parseJsonText(text, "f.json"));
    assert.ok(python[k], `Python accepts ${JSON.stringify(text)}`);
    assert.deepEqual([ours.line, ours.column], python[k], `${JSON.stringify(text)}: ${ours.message}`);
    assert.match(ours.message, new RegExp(`^f\\.json:${ours.line}:${ours.column}: not valid JSON: `));
  });
});

test("JSON: trailing commas, NaN and Infinity, Python literals, a byte-order mark are named where they are", () => {
  const cases: [string, number, number, RegExp][] = [
    ["[1, 2,]", 1, 6, /trailing comma/],
    ['{\n  "a": 1,\n}', 2, 9, /trailing comma/],
    ['{"loss": NaN}', 1, 10, /NaN is not JSON.*allow_nan=False/],
    ["[Infinity]", 1, 2, /Infinity is not JSON.*allow_nan=False/],
    ["[1, -Infinity]", 1, 5, /Infinity is not JSON/],
    ['{"x": None}', 1, 7, /None is Python.*null/],
    ["\uFEFF[1]", 1, 1, /byte-order mark/],
    ['{"a": 1]', 1, 8, /does not match/],
    ['[\n  "never closed\n]', 2, 3, /not closed before the end of its line/],
    ["   \n  ", 1, 1, /empty/],
    ['[{"a": 1}, {"b"', 1, 16, /ends where ':' after the key was expected.*cut short/],
  ];
  for (const [text, line, column, detail] of cases) {
    const p = place(() => parseJsonText(text, "x.json"));
    assert.deepEqual([p.line, p.column], [line, column], `${JSON.stringify(text)}: ${p.message}`);
    assert.match(p.message, detail);
  }
});

test("locateJsonError finds nothing wrong in what JSON.parse accepts, deep nesting included", () => {
  const deep = "[".repeat(100000) + "]".repeat(100000);
  for (const text of ['{"a": [1, -2.5e-3, true, false, null, "\\u00e9\\n"], "b": {}}', " [ ] ", '"x"', "0", deep]) {
    JSON.parse(text);
    assert.equal(locateJsonError(text), undefined);
  }
  const p = place(() => parseJsonText(deep.slice(0, -1), "deep.json"));
  assert.equal(p.column, 200000);
});

test("lineAndColumn counts code points from 1", () => {
  assert.deepEqual(lineAndColumn("ab\n😀x", 5), [2, 2]);
  assert.deepEqual(lineAndColumn("", 0), [1, 1]);
});

test("JSON lines: the line and the column within it; a checker's message lands on its line", () => {
  const p = place(() => parseJsonLines('{"a": 1}\n\n{"a": 2,}\n', "d.jsonl"));
  assert.deepEqual([p.line, p.column], [3, 8]);
  assert.match(p.message, /^d\.jsonl:3:8: not valid JSON: .*trailing comma/);
  const q = place(() =>
    parseJsonLines('{"a": 1}\r\n{"a": "x"}\r\n', "d.jsonl", (v) => {
      if (typeof (v as { a: unknown }).a !== "number") throw new Error('"a" must be a number');
    }),
  );
  assert.equal(q.line, 2);
  assert.equal(q.message, 'd.jsonl:2: "a" must be a number');
  const pretty = place(() => parseJsonLines('[\n  {"a": 1}\n]\n', "p.jsonl"));
  assert.match(pretty.message, /pretty-printed/);
  assert.deepEqual(
    parseJsonLines('{"a": 1}\n\n  [2]  \r\n', "ok.jsonl").map((l) => [l.line, l.value]),
    [
      [1, { a: 1 }],
      [3, [2]],
    ],
  );
});

test("encoding: bytes that are not UTF-8 are refused at their byte offset; a byte-order mark is skipped", () => {
  const dir = tmpDir();
  const latin1 = join(dir, "latin1.json");
  writeFileSync(latin1, Buffer.concat([Buffer.from('[\n"caf'), Buffer.from([0xe9]), Buffer.from('"]\n')]));
  const p = place(() => readJson(latin1));
  assert.equal(p.byteOffset, 6);
  assert.equal(p.line, 2);
  assert.match(p.message, /latin1\.json: byte 6 \(line 2\): not valid UTF-8 \(bytes 0xe9 /);

  const bom = join(dir, "bom.json");
  writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": "é"}')]));
  assert.deepEqual(readJson(bom), { a: "é" });
  const bomLines = join(dir, "bom.jsonl");
  writeFileSync(bomLines, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": 1}\n{"a": 2}\n')]));
  assert.equal(readJsonLines(bomLines).length, 2);

  const utf16 = join(dir, "utf16.json");
  writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("[1]", "utf16le")]));
  assert.match(place(() => readText(utf16)).message, /byte 0 .*UTF-16/);

  // Offsets checked against Python's own decoder on sequences that are wrong in each way UTF-8 can be.
  const bad = [
    [0x61, 0x80],
    [0xc0, 0xaf],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0x61, 0xe2, 0x82],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0x61, 0xc3, 0xa9, 0xe2, 0x28, 0xa1],
  ];
  const py = runPython<number[]>(join(ROOT, "test", "io", "utf8_offsets.py"), [], bad);
  bad.forEach((bytes, k) => assert.equal(firstInvalidUtf8(Uint8Array.from(bytes)), py[k], `bytes ${bytes}`));
  assert.equal(decodeUtf8Strict(Uint8Array.from([0x61, 0xf0, 0x9f, 0x98, 0x80]), "ok"), "a😀");
});

test("a file that is missing or a folder is named with the reason", () => {
  const dir = tmpDir();
  assert.throws(() => readJson(join(dir, "nope.json")), /nope\.json: cannot be read \(ENOENT\)/);
  assert.throws(() => readText(dir), /cannot be read \(EISDIR\)/);
});
