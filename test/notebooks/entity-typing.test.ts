/**
 * notebooks/entity-typing.ipynb runs end to end on the tslab kernel through nbclient: it trains,
 * shows the live view (HTML with an inline SVG loss chart, updated in place through one display
 * id), evaluates and predicts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers";
import { runNotebook } from "./run-notebook";

test("notebooks/entity-typing.ipynb trains, evaluates and predicts in tslab", { timeout: 600_000 }, () => {
  const run = runNotebook(join(ROOT, "notebooks", "entity-typing.ipynb"));
  const outputs = run.cells.flatMap((c) => c.outputs);
  const text = outputs.map((o) => o.text ?? "").join("");
  assert.ok(!outputs.some((o) => o.output_type === "error"), `a cell raised an error; printed:\n${text}`);
  assert.match(text, /TF\.js backend: (wasm|cpu|tensorflow)/, `printed:\n${text}`);
  assert.match(text, /best epoch \d+: dev F1 [\d.]+, test F1 [\d.]+/, `printed:\n${text}`);
  assert.match(text, /test: precision [\d.]+, recall [\d.]+, f1 [\d.]+/, `printed:\n${text}`);
  assert.match(text, /Katherine Johnson → \[/, `printed:\n${text}`);
  assert.match(text, /dev after epoch no_training: f1/, `printed:\n${text}`);
  assert.match(text, /training loss: 88 optimiser steps/, `printed:\n${text}`);

  // The training cell's view: one display entry, updated in place, ending with the summary and chart.
  const trainCell = run.cells.find((c) => c.source.includes("trainEntityTyping("))!;
  const displays = trainCell.outputs.filter((o) => o.output_type === "display_data");
  assert.equal(displays.length, 1, "the view is one display entry, updated in place");
  const html = String(displays[0].data!["text/html"]);
  assert.match(html, /<svg[^>]*>.*training loss.*<\/svg>/s);
  assert.match(html, /done: best epoch/);
});
