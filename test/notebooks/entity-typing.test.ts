/**
 * notebooks/entity-typing.ipynb runs end to end on the tslab kernel through nbclient: it trains,
 * shows the live view (HTML with an inline SVG loss chart, updated in place through one display
 * id, ending as a static SVG chart with the summary), evaluates and predicts.
 */
import assert from "node:assert/strict";
import { notebookTest } from "./notebook-test";

notebookTest("entity-typing.ipynb", "trains, evaluates and predicts in tslab", (run) => {
  const outputs = run.cells.flatMap((c) => c.outputs);
  const text = outputs.map((o) => o.text ?? "").join("");
  assert.ok(!outputs.some((o) => o.output_type === "error"), `a cell raised an error; printed:\n${text}`);
  assert.match(text, /TF\.js backend: (wasm|cpu|tensorflow)/, `printed:\n${text}`);
  assert.match(text, /best epoch \d+: dev F1 [\d.]+, test F1 [\d.]+/, `printed:\n${text}`);
  assert.match(text, /test: precision [\d.]+, recall [\d.]+, f1 [\d.]+/, `printed:\n${text}`);
  assert.match(text, /Katherine Johnson → \[/, `printed:\n${text}`);
  assert.match(text, /dev after epoch no_training: f1/, `printed:\n${text}`);
  assert.match(text, /training loss: 88 optimiser steps/, `printed:\n${text}`);

  // The training cell's view: one display entry, updated in place (HTML while training), ending as a
  // static chart titled with the summary, and the summary as text, for readers without HTML.
  const trainCell = run.cells.find((c) => c.source.includes("trainEntityTyping("))!;
  const displays = trainCell.outputs.filter((o) => o.output_type === "display_data");
  assert.equal(displays.length, 1, "the view is one display entry, updated in place");
  assert.deepEqual(Object.keys(displays[0].data!).sort(), ["image/svg+xml", "text/plain"]);
  const svg = String(displays[0].data!["image/svg+xml"]);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^]*>entity typing — best epoch \d+, dev F1 [\d.]+, test F1 [\d.]+<[^]*training loss[^]*<\/svg>$/);
  assert.doesNotMatch(svg, /var\(--/, "a standalone image has fixed colours");
  assert.match(String(displays[0].data!["text/plain"]), /^done: best epoch \d+, dev F1 [\d.]+, test F1 [\d.]+ — \.\.\/samples\/out\/entity-typing-notebook\/results\.json$/);
});
