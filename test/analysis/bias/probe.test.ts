/**
 * Bias probe definitions: the shipped probe files, filling templates (code-point offsets, {Name}),
 * and every bad input named by file, line, column and key (YAML and JSON files, name-list files,
 * notebook objects).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BiasProbeError, biasProbe, fillProbe, fillTemplate, readProbeFile } from "../../../kernel/analysis/bias/probe";
import { ROOT, tmpDir } from "../../helpers";

const dir = tmpDir("lukelab-bias-probe-");
let count = 0;

/** Writes a probe file and returns its path. */
function probeFile(text: string, ext = ".yaml"): string {
  const path = join(dir, `probe${++count}${ext}`);
  writeFileSync(path, text);
  return path;
}

/** Asserts that reading `text` fails with "<file>:<line>:<col>: <message matching re>". */
function rejects(text: string, line: number, col: number, re: RegExp, ext = ".yaml"): void {
  const path = probeFile(text, ext);
  assert.throws(
    () => readProbeFile(path),
    (err: Error) => {
      assert.ok(err instanceof BiasProbeError, `not a BiasProbeError: ${err.message}`);
      const prefix = `${path}:${line}:${col}: `;
      assert.ok(err.message.startsWith(prefix), `expected the error at ${line}:${col}, got: ${err.message}`);
      assert.match(err.message.slice(prefix.length), re);
      return true;
    },
  );
}

const GOOD = `name: demo
templates:
  - The doctor asked the nurse a question . {name}
  - { id: nd, text: "The nurse asked the doctor a question . {name}" }
targets: [doctor, nurse]
groups:
  a: [Anna, Maria]
  b: [James, Peter]
`;

test("the shipped probe files are valid and fill as the original's templates", () => {
  const names = readProbeFile(join(ROOT, "samples", "bias", "doctor-nurse-names.yaml"));
  assert.deepEqual(names.templates.map((t) => t.id), ["dn", "nd"]);
  assert.deepEqual(names.groups.map((g) => [g.name, g.fillers.length]), [["female_coded", 20], ["male_coded", 20]]);
  assert.deepEqual(names.compare, [["female_coded", "male_coded"]]);
  assert.deepEqual(names.contrasts, [["doctor", "nurse"]]);
  const filled = fillProbe(names);
  assert.equal(filled.length, 80);
  assert.deepEqual(filled[0], { template: "dn", group: "female_coded", filler: "Anna", text: "The doctor asked the nurse a question . Anna", mention: [40, 44] });
  const pronouns = readProbeFile(join(ROOT, "samples", "bias", "doctor-nurse-pronouns.yaml"));
  const said = fillProbe(pronouns).find((f) => f.template === "dn-said" && f.filler === "she")!;
  assert.equal(said.text, "She said that the doctor asked the nurse a question .");
  assert.deepEqual(said.mention, [0, 3]);
});

test("fillTemplate gives code-point offsets and upper-cases the first letter for {Name}", () => {
  assert.deepEqual(fillTemplate("😀 Dr. {name} met the nurse .", "José"), { text: "😀 Dr. José met the nurse .", mention: [6, 10] });
  assert.deepEqual(fillTemplate("{Name} met the nurse .", "élodie"), { text: "Élodie met the nurse .", mention: [0, 6] });
  const probe = readProbeFile(probeFile(GOOD));
  assert.equal(probe.name, "demo");
  assert.deepEqual(probe.from, ["mention", "entity"]);
  assert.equal(probe.layer, "last");
  assert.equal(probe.templates[0].id, "t1");
});

test("bad templates are named by file, line, column and key", () => {
  rejects(GOOD.replace("question . {name}\n  - {", "question .\n  - {"), 3, 5, /^templates\[0\]: has no \{name\} slot/);
  rejects(GOOD.replace('question . {name}" }', 'question . {person}" }'), 4, 21, /^templates\[1\]\.text: has an unknown slot \{person\}/);
  rejects(GOOD.replace("question . {name}\n", "question . {name} {Name}\n"), 3, 5, /^templates\[0\]: has 2 slots/);
  rejects(GOOD.replace("{ id: nd,", "{ id: nd, lang: en,"), 4, 15, /^templates\[1\]\.lang: unknown key; a template has id and text/);
  rejects(GOOD.replace("  - { id: nd", "  - { id: t1"), 4, 11, /^templates\[1\]\.id: repeats the template id "t1"/);
  rejects(GOOD.replace("templates:\n  - The doctor asked the nurse a question . {name}\n  - { id: nd, text: \"The nurse asked the doctor a question . {name}\" }", "templates: []"), 2, 12, /^templates: needs a list of templates/);
});

test("target words must occur once in every template", () => {
  rejects(GOOD.replace("targets: [doctor, nurse]", "targets: [doctor, surgeon]"), 5, 19, /^targets\[1\]: "surgeon" is not in template t1 \(templates\[0\]/);
  rejects(GOOD.replace("The nurse asked the doctor", "The doctor asked the doctor"), 5, 11, /^targets\[0\]: "doctor" occurs 2 times in template nd/);
  // Whole words only: "nurses" does not contain the target "nurse".
  rejects(GOOD.replace("The nurse asked the doctor", "The nurses asked the doctor"), 5, 19, /^targets\[1\]: "nurse" is not in template nd/);
  rejects(GOOD.replace("targets: [doctor, nurse]", "targets: [doctor, the nurse]"), 5, 19, /^targets\[1\]: a target is one word/);
});

test("groups need two examples, unique fillers, and valid name-list files", () => {
  const oneTemplate = `templates: ["The doctor asked the nurse a question . {name}"]\ntargets: [doctor]\n`;
  rejects(`${oneTemplate}groups:\n  a: [Anna, Maria]\n  b: [James]\n`, 5, 6, /^groups\.b: has 1 filler × 1 template = 1 example; a group needs at least two examples/);
  rejects(`${oneTemplate}groups:\n  a: [Anna, Maria]\n`, 4, 3, /^groups: needs at least two groups/);
  rejects(GOOD.replace("b: [James, Peter]", "b: [James, Anna]"), 8, 14, /^groups\.b\[1\]: "Anna" is also in group a/);
  rejects(GOOD.replace("b: [James, Peter]", "b: [James, James]"), 8, 14, /^groups\.b\[1\]: repeats "James"/);
  rejects(GOOD.replace("b: [James, Peter]", "b: [James, \" Peter\"]"), 8, 14, /^groups\.b\[1\]: a filler is a non-empty string without surrounding spaces/);
  rejects(`${GOOD}by_template: true\n`.replace("b: [James, Peter]", "b: [James]"), 8, 6, /^groups\.b: has 1 filler; with by_template each group needs at least two fillers/);
  // Name lists in files: errors name the list file and line; a missing file names the probe's key.
  mkdirSync(join(dir, "names"), { recursive: true });
  writeFileSync(join(dir, "names", "b.txt"), "# a comment\nJames\n\nPeter  # trailing comment\n");
  const fromFile = readProbeFile(probeFile(GOOD.replace("b: [James, Peter]", "b: { file: names/b.txt }")));
  assert.deepEqual(fromFile.groups[1].fillers, ["James", "Peter"]);
  writeFileSync(join(dir, "names", "bad.txt"), "James\nPeter\nAnna\n");
  assert.throws(() => readProbeFile(probeFile(GOOD.replace("b: [James, Peter]", "b: { file: names/bad.txt }"))), (err: Error) => {
    assert.equal(err.message, `${join(dir, "names", "bad.txt")}:3: group b: "Anna" is also in group a; a filler belongs to one group`);
    return true;
  });
  rejects(GOOD.replace("b: [James, Peter]", "b: { file: names/missing.txt }"), 8, 14, /^groups\.b\.file: .*missing\.txt: cannot be read \(ENOENT\)/);
  rejects(GOOD.replace("b: [James, Peter]", "b: James"), 8, 6, /^groups\.b: must be a list of fillers/);
});

test("unknown keys, bad options and broken files are named", () => {
  rejects(`${GOOD}colour: red\n`, 9, 1, /^colour: unknown key; a bias probe has name, description, templates/);
  rejects(`${GOOD}from: [mention, token]\n`, 9, 17, /^from\[1\]: must be "mention" .* or "entity"/);
  rejects(`${GOOD}layer: -1\n`, 9, 8, /^layer: must be a 0-based layer number or "last"/);
  rejects(`${GOOD}compare: [[a, c]]\n`, 9, 15, /^compare\[0\]\[1\]: "c" is not a group; the groups are a, b/);
  rejects(`${GOOD}compare: [[a, a]]\n`, 9, 11, /^compare\[0\]: compares group a with itself/);
  rejects(`${GOOD}contrasts: [[doctor, surgeon]]\n`, 9, 22, /^contrasts\[0\]\[1\]: "surgeon" is not a target; the targets are doctor, nurse/);
  rejects(`${GOOD}contrasts: [[nurse, nurse]]\n`, 9, 13, /^contrasts\[0\]: contrasts target nurse with itself/);
  rejects(`${GOOD}contrasts: [doctor, nurse]\n`, 9, 13, /^contrasts\[0\]: must be a pair of targets/);
  rejects(`${GOOD}labels: [person, person]\n`, 9, 18, /^labels\[1\]: repeats the label "person"/);
  rejects(GOOD.replace("name: demo", "name: my probe"), 1, 7, /^name: must be letters, digits/);
  rejects("templates: [a\ntargets: [b]\n", 2, 1, /is not valid YAML/);
  // JSON: invalid JSON is reported as such; valid JSON gets line and column like YAML.
  const bad = probeFile('{"templates": [}', ".json");
  assert.throws(() => readProbeFile(bad), { message: new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: not valid JSON: `) });
  rejects(
    JSON.stringify({ templates: ["The doctor asked the nurse a question . {name}"], targets: ["doctor"], groups: { a: ["Anna", "Maria"], b: ["James", "Peter"] }, extra: 1 }, null, 2),
    18,
    3,
    /^extra: unknown key/,
    ".json",
  );
  assert.throws(() => readProbeFile(join(dir, "nope.yaml")), /nope\.yaml: cannot be read \(ENOENT\)/);
  assert.throws(() => readProbeFile(probeFile(GOOD, ".txt")), /a bias probe file is \.yaml, \.yml or \.json/);
});

test("a notebook object is checked the same way, errors named by the object's description", () => {
  // One filler × one template is one example per group: too few for a t-test.
  assert.throws(
    () => biasProbe({ templates: ["{Name} asked the doctor ."], targets: ["doctor"], groups: { he: ["he"], she: ["she"] } }, "my probe"),
    { message: /^my probe: groups\.he: has 1 filler × 1 template = 1 example/ },
  );
  const probe = biasProbe({ templates: ["{Name} asked the doctor .", "The doctor saw {name} ."], targets: ["doctor"], groups: { he: ["he"], she: ["she"] }, from: "entity", layer: 0 });
  assert.deepEqual(probe.from, ["entity"]);
  assert.deepEqual(fillProbe(probe).map((f) => f.text), ["He asked the doctor .", "She asked the doctor .", "The doctor saw he .", "The doctor saw she ."]);
  assert.throws(() => biasProbe({ templates: ["no slot"], targets: ["slot"], groups: { a: ["x", "y"], b: ["z", "w"] } }), { message: /^bias probe: templates\[0\]: has no \{name\} slot/ });
});
