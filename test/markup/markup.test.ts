/**
 * Marked-up sentences to examples: offsets and texts against an independent Python reading
 * (reference_markup.py: regular expressions and Python's code-point slicing), the input forms, the
 * labels, the escapes, astral characters, and every error with its sentence and column.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { OPEN_ENTITY_LABELS, readOpenEntityFile } from "../../kernel/data/open-entity";
import { MarkupError, detectMarkupFormat, markupExamples, markupJson, parseMarkedSentence, readMarkupFile } from "../../kernel/markup";
import { ROOT, runPython, tmpDir } from "../helpers";

const REFERENCE = join(ROOT, "test", "markup", "reference_markup.py");

/** Well-formed sentences covering the rules: several mentions, labels, escapes, spaces, astral characters. */
const WELL_FORMED = [
  "<Ada Lovelace> wrote the first algorithm .",
  "The doctor asked the nurse a question . <Mary>",
  "<Ada|person> met <Charles Babbage|person> in <London|location,place> in <1833|time> .",
  "😀 <Zoë> likes 🎉🎉 and <𝒳 corp|organization> , 👩‍👩‍👧 too",
  "Literal \\<brackets\\> stay, <this one> is a mention",
  "A \\\\ backslash, a C:\\path and <a\\|bar> inside",
  "<  padded mention  > keeps its spaces outside the span",
  "<no labels|> here, <default> there",
  "tab\t<x>\tand newline-free",
  "<first><second> touch",
  "a | outside is literal, <m | person , group > spaced labels",
  "<\\<quoted\\>|entity> mention made of brackets",
];

test("examples match an independent Python reading, offsets in code points", () => {
  const labels = ["person"];
  const ours = markupExamples(WELL_FORMED, { labels });
  const reference = runPython<unknown[]>(REFERENCE, [], { sentences: WELL_FORMED, labels });
  assert.equal(ours.length, 18);
  assert.deepEqual(ours, reference);
  // Spot checks that the reference cannot share a mistake with us on.
  assert.deepEqual(ours[0], { sent: "Ada Lovelace wrote the first algorithm .", start: 0, end: 12, labels: ["person"], entity: "Ada Lovelace" });
  const astral = ours.filter((e) => e.sent.startsWith("😀"));
  assert.deepEqual(astral.map((e) => [e.start, e.end, e.entity]), [
    [2, 5, "Zoë"],
    [19, 25, "𝒳 corp"],
  ]);
  assert.equal(astral[1].sent.slice(22, 29), "𝒳 corp", "in UTF-16 the span starts three units later (the emoji before it)");
  assert.deepEqual(ours[4].labels, ["location", "place"]);
  assert.equal(ours.find((e) => e.entity === "no labels")!.labels.length, 0);
  assert.equal(ours.find((e) => e.entity === "default")!.labels[0], "person");
  assert.equal(ours.find((e) => e.entity === "a|bar")!.sent, "A \\ backslash, a C:\\path and a|bar inside");
  assert.equal(ours.find((e) => e.entity === "<quoted>")!.labels[0], "entity");
  assert.deepEqual(ours.find((e) => e.entity === "m")!.labels, ["person", "group"]);
  const padded = ours.find((e) => e.entity === "padded mention")!;
  assert.equal(padded.sent, "  padded mention   keeps its spaces outside the span");
  assert.deepEqual([padded.start, padded.end], [2, 16]);
});

test("the original's form: an object of named sentences, keys are names only, order kept", () => {
  const examples = markupExamples({ dn_Ada: "The doctor asked the nurse a question . <Ada>", nd_Ada: "The nurse asked the doctor a question . <Ada|person>" });
  assert.deepEqual(
    examples.map((e) => [e.sent.split(" ")[1], e.start, e.end, e.labels]),
    [
      ["doctor", 40, 43, []],
      ["nurse", 40, 43, ["person"]],
    ],
  );
});

test("every broken sentence is an error with its column (code points, 1-based)", () => {
  const cases: [string, number, RegExp][] = [
    ["an <unclosed mention", 4, /"<" is never closed/],
    ["😀😀 <unclosed", 4, /"<" is never closed/],
    ["empty <> brackets", 7, /mention opened here is empty/],
    ["blank <   > brackets", 7, /empty \(only white space\)/],
    ["labels only <|person>", 13, /empty/],
    ["nested <a <b> c>", 11, /inside the mention opened at column 8; mentions cannot be nested/],
    ["stray > here <x>", 7, /">" without a "<"/],
    ["🎉 stray >", 9, /">" without a "<"/],
    ["no mention at all", 1, /no mention is marked/],
    ["<x|persn>", 4, /unknown label "persn"; the labels are entity, event/],
    ["<x|person, 🎉>", 12, /unknown label "🎉"/],
    ["<x|person,,time>", 11, /empty label name/],
    ["<x|person,person>", 11, /label "person" is repeated/],
    ["<x|\\|person>", 4, /unknown label "\|person"/],
  ];
  for (const [sentence, column, message] of cases) {
    assert.throws(
      () => parseMarkedSentence(sentence, { labelSet: OPEN_ENTITY_LABELS }),
      (err: unknown) => err instanceof MarkupError && err.column === column && message.test(err.message),
      `${sentence} → column ${column}, ${message}`,
    );
  }
  // Placed errors name the sentence: key, element or line.
  assert.throws(() => markupExamples({ ok: "<a>", "dn_Zoë": "x <y" }), /^MarkupError: key "dn_Zoë", column 3: "<" is never closed/);
  assert.throws(() => markupExamples(["<a>", "<b>", "c>"]), /element 2, column 2: ">" without/);
  assert.throws(() => markupExamples("<a>\n\n<b|mammal>"), /line 3, column 4: unknown label "mammal"/);
  assert.throws(() => markupExamples(["<a>"], { labels: ["mammal"] }), /the default labels: unknown label "mammal"/);
  assert.throws(() => markupExamples({ a: 3 } as unknown as Record<string, string>), /key "a": expected a sentence \(a string\), found 3/);
  // Any label with labelSet null.
  assert.deepEqual(markupExamples(["<a|mammal>"], { labelSet: null })[0].labels, ["mammal"]);
});

test("files: object, array, text and JSON lines; errors name the file; the output reads back as Open Entity", () => {
  const dir = tmpDir("lukelab-markup-");
  const write = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const object = write("object.json", JSON.stringify({ a: "<Ada|person> met <Bob> .", b: "😀 <Zoë>" }, null, 1));
  const array = write("array.json", JSON.stringify(["<Ada|person> met <Bob> .", "😀 <Zoë>"]));
  const text = write("sentences.txt", "<Ada|person> met <Bob> .\r\n\n😀 <Zoë>\n");
  const jsonl = write("lines.jsonl", ['"<Ada|person> met <Bob> ."', "", JSON.stringify({ sent: "😀 <Zoë>" })].join("\n"));
  const jsonlText = write("lines2.jsonl", [JSON.stringify({ text: "<Ada|person> met <Bob> .", labels: ["group"] }), JSON.stringify({ text: "😀 <Zoë>" })].join("\n"));
  const noExt = write("sentences", "<Ada|person> met <Bob> .\n😀 <Zoë>\n");
  assert.deepEqual([object, array, text, jsonl, noExt].map((f) => detectMarkupFormat(f, require("node:fs").readFileSync(f, "utf8"))), ["object", "array", "text", "jsonl", "text"]);
  const expected = markupExamples(["<Ada|person> met <Bob> .", "😀 <Zoë>"], { labels: ["person"] });
  for (const f of [object, array, text, jsonl, noExt]) assert.deepEqual(readMarkupFile(f, { labels: ["person"] }), expected, f);
  assert.deepEqual(
    readMarkupFile(jsonlText).map((e) => e.labels),
    [["person"], ["group"], []],
    "a line's labels are its default; a mention's own labels win",
  );

  // The output file is an ERNIE-format split that readOpenEntityFile accepts, spans included.
  const out = write("out.json", markupJson(expected));
  const read = readOpenEntityFile(out);
  assert.deepEqual(
    read.map((e) => [e.text, e.start, e.end, e.labels]),
    expected.map((e) => [e.sent, e.start, e.end, e.labels]),
  );

  // Errors name the file and the place.
  const bad = (name: string, content: string, message: RegExp) => assert.throws(() => readMarkupFile(write(name, content)), message, name);
  bad("broken.json", '{"a": "<x>",\n "b": }', /broken\.json: line 2, column 7: not valid JSON: unexpected '\}' where a value was expected; a \.json file holds an object/);
  bad("number.json", "3", /number\.json: expected a JSON object \{name: sentence\}, found 3/);
  bad("badline.jsonl", '"<a>"\n{"sent": 1}\n', /badline\.jsonl: line 2: expected a sentence \(a string\), found 1/);
  bad("notjson.jsonl", '"<a>"\n{oops\n', /notjson\.jsonl: line 2: column 2: not valid JSON: unexpected word "oops"/);
  bad("both.jsonl", '{"sent": "<a>", "text": "<b>"}\n', /both\.jsonl: line 1: has both "sent" and "text"/);
  bad("neither.jsonl", '{"sentence": "<a>"}\n', /neither\.jsonl: line 1: has neither "sent" nor "text"/);
  bad("labels.jsonl", '{"sent": "<a>", "labels": "person"}\n', /labels\.jsonl: line 1: "labels" must be a list/);
  bad("unknown.jsonl", '{"sent": "<a>", "labels": ["mammal"]}\n', /unknown\.jsonl: line 1: "labels": unknown label "mammal"/);
  bad("unclosed.txt", "<a>\n\n😀 <b\n", /unclosed\.txt: line 3, column 3: "<" is never closed/);
  bad("empty.txt", "\n\n", /empty\.txt: holds no sentences/);
  bad("object-error.json", JSON.stringify({ first: "<a>", "second key": "<>" }), /object-error\.json: key "second key", column 1: the mention opened here is empty/);
  assert.throws(() => readMarkupFile(join(dir, "missing.txt")), /missing\.txt: the file does not exist/);
});
