/**
 * The staleness comparison on committed notebooks changed by hand: it passes what may change (last
 * digits, base64 bytes, image bytes) and fails, naming the notebook, cell and difference and the
 * command to refresh, on what may not (sources, text, numbers beyond the tolerance, MIME types, payload
 * shapes, errors).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ATTENTION_MIME } from "../../kernel/portable/attention-payload";
import { NOTEBOOKS, readNotebook, type Notebook } from "./run-notebook";
import { compareNotebooks, numbersClose, shapeDifferences, staleMessage, staticViewProblems, textClose } from "./staleness";

const load = (file: string): Notebook => readNotebook(join(NOTEBOOKS, file));
const clone = (nb: Notebook): Notebook => structuredClone(nb);

function firstOutput(nb: Notebook, pred: (o: NonNullable<Notebook["cells"][0]["outputs"]>[0]) => boolean) {
  for (const [i, cell] of nb.cells.entries()) {
    const j = (cell.outputs ?? []).findIndex(pred);
    if (j >= 0) return { cell: i, index: j, output: cell.outputs![j] };
  }
  throw new Error("no such output");
}

test("numbers: integers exact, decimals within 1e-4 relative or one unit in the last digit", () => {
  assert.ok(numbersClose("0.1818", "0.1819"));
  assert.ok(numbersClose("-1.091182", "-1.091185"));
  assert.ok(numbersClose("3.269576", "3.2696"));
  assert.ok(numbersClose("0", "0.0"));
  assert.ok(!numbersClose("0.1818", "0.1765"));
  assert.ok(!numbersClose("88", "89"));
  assert.ok(!numbersClose("0.963", "0.965"));
  assert.ok(numbersClose("2e-3", "2.0001e-3"));
  assert.ok(textClose("dev F1 0.1818 (epoch 5)", "dev F1 0.1819 (epoch 5)"));
  assert.ok(!textClose("dev F1 0.1818 (epoch 5)", "dev F1 0.1818 (epoch 6)"));
  assert.ok(!textClose("dev F1 0.1818", "test F1 0.1818"));
});

test("a committed notebook compared with itself, last digits and bytes changed, is fresh", () => {
  const committed = load("quickstart.ipynb");
  assert.deepEqual(compareNotebooks(committed, clone(committed)), []);
  const now = clone(committed);
  const logits = firstOutput(now, (o) => /logits: \[/.test(o.text ?? ""));
  logits.output.text = logits.output.text!.replace(/-?\d+\.\d+/, (x) => (Number(x) * (1 + 2e-6)).toFixed(6));
  assert.notEqual(logits.output.text, firstOutput(committed, (o) => /logits: \[/.test(o.text ?? "")).output.text);
  assert.deepEqual(compareNotebooks(committed, now), []);

  const attention = load("attention.ipynb");
  const changed = clone(attention);
  const bundle = firstOutput(changed, (o) => o.data?.[ATTENTION_MIME] !== undefined).output;
  bundle.data!["image/png"] = Buffer.from("a different image").toString("base64");
  const payload = bundle.data![ATTENTION_MIME] as Record<string, unknown>;
  for (const [k, v] of Object.entries(payload)) if (typeof v === "string" && v.length > 40) payload[k] = v.split("").reverse().join("");
  assert.deepEqual(compareNotebooks(attention, changed), []);
});

test("a number changed beyond the tolerance: the message names the notebook, cell, line and the command", () => {
  const committed = load("quickstart.ipynb");
  const now = clone(committed);
  const at = firstOutput(now, (o) => /Beyoncé → \[/.test(o.text ?? ""));
  now.cells[at.cell].outputs![at.index].text = at.output.text!.replace(/group 0\.\d+/, "group 0.500");
  const diffs = compareNotebooks(committed, now);
  assert.equal(diffs.length, 1);
  assert.match(diffs[0], new RegExp(`^cell ${at.cell} \\(code, id ${committed.cells[at.cell].id}: .*\\) output ${at.index + 1} \\(stdout\\): line 1: committed "Beyoncé → .*group 0\\.9\\d+.*", now ".*group 0\\.500`));
  const message = staleMessage("quickstart.ipynb", committed, now, diffs);
  assert.match(message, /^notebooks\/quickstart\.ipynb is stale/);
  assert.match(message, /`npm run notebooks -- quickstart`/);
});

test("sources, outputs, MIME types, payload shapes and errors are compared", () => {
  const committed = load("attention.ipynb");
  const code = committed.cells.findIndex((c) => c.cell_type === "code");

  const source = clone(committed);
  source.cells[code].source += "\n// edited";
  assert.match(compareNotebooks(committed, source).join("\n"), new RegExp(`^cell ${code} .*: source line \\d+: committed \\(no line\\), now "// edited"`));

  const markdown = clone(committed);
  markdown.cells[0].source = markdown.cells[0].source.replace("attention", "ATTENTION");
  assert.match(compareNotebooks(committed, markdown).join("\n"), /^cell 0 \(markdown, .*source line 1/);

  const mime = clone(committed);
  const bundle = firstOutput(mime, (o) => o.data?.[ATTENTION_MIME] !== undefined);
  delete bundle.output.data!["image/png"];
  assert.match(compareNotebooks(committed, mime).join("\n"), new RegExp(`cell ${bundle.cell} .* output ${bundle.index + 1}: MIME types application/vnd\\.lukelab\\.attention\\+json, image/png, text/plain committed, application/vnd\\.lukelab\\.attention\\+json, text/plain now`));
  assert.match(staticViewProblems(mime).join("\n"), /needs an image\/png or image\/svg\+xml and a text\/plain beside it/);
  assert.deepEqual(staticViewProblems(committed), []);

  const shape = clone(committed);
  const payload = firstOutput(shape, (o) => o.data?.[ATTENTION_MIME] !== undefined).output.data![ATTENTION_MIME] as { words: string[] };
  payload.words = payload.words.slice(1);
  assert.match(compareNotebooks(committed, shape).join("\n"), /application\/vnd\.lukelab\.attention\+json payload shape: \$\.words: 26 items committed, 25 now/);

  const missing = clone(committed);
  missing.cells[code].outputs = [];
  assert.match(compareNotebooks(committed, missing).join("\n"), /1 outputs committed \(stream:stdout\), 0 now \(none\)/);

  const error = clone(committed);
  error.cells[code].outputs = [{ output_type: "error", ename: "TypeError", evalue: "luke is undefined", traceback: [] }];
  assert.match(compareNotebooks(committed, error).join("\n"), /an error in the execution now: "TypeError: luke is undefined"/);

  const unexecuted = clone(committed);
  unexecuted.cells[code].execution_count = null;
  assert.match(compareNotebooks(unexecuted, committed).join("\n"), /not executed in the committed file/);

  const fewer = clone(committed);
  fewer.cells.pop();
  assert.match(compareNotebooks(committed, fewer).join("\n"), /\d+ cells committed, \d+ now/);
});

test("a long line (an HTML table) is shown from where it differs", () => {
  const committed = load("analysis.ipynb");
  const now = clone(committed);
  const table = firstOutput(now, (o) => /<table>[^]*seed_2/.test(String(o.data?.["text/html"] ?? "")));
  table.output.data!["text/html"] = String(table.output.data!["text/html"]).replace("seed_2", "seed_9");
  const diffs = compareNotebooks(committed, now);
  assert.equal(diffs.length, 1);
  assert.match(diffs[0], new RegExp(`^cell ${table.cell} .* output ${table.index + 1} text/html: line 1: committed "….{0,40}seed_2.*", now "….{0,40}seed_9`));
});

test("payload shapes: keys, lengths and kinds of value, not the values", () => {
  assert.deepEqual(shapeDifferences({ a: [1, 2], b: "x" }, { a: [3, 4], b: "y" }), []);
  assert.deepEqual(shapeDifferences({ a: [1, 2] }, { a: [1] }), ["$.a: 2 items committed, 1 now"]);
  assert.deepEqual(shapeDifferences({ a: 1 }, { b: 1 }), ["$: keys -a +b"]);
  assert.deepEqual(shapeDifferences({ a: [{ x: 1 }] }, { a: [{ x: "1" }] }), ["$.a[0].x: number committed, string now"]);
});

test("HTML with an inline SVG needs an image beside it", () => {
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: "code", id: "a", source: "x", metadata: {}, execution_count: 1, outputs: [{ output_type: "display_data", data: { "text/html": "<div><svg></svg></div>" } }] }],
  };
  assert.match(staticViewProblems(nb).join(""), /cell 0 .*HTML with an inline <svg>/);
  nb.cells[0].outputs![0].data = { "text/html": "<table></table>" };
  assert.deepEqual(staticViewProblems(nb), []);
});
