/**
 * notebooks/analysis.ipynb runs end to end on the tslab kernel through nbclient: it trains a small
 * sweep, loads it into a table, and shows summaries, a confusion matrix with click-through examples,
 * calibration, dev against test and training progress, each as one output holding the Plotly JSON and
 * a static SVG.
 */
import assert from "node:assert/strict";
import { checkPlotlyPayload, PLOTLY_MIME } from "../../kernel/portable/plotly-payload";
import { notebookTest } from "./notebook-test";

notebookTest("analysis.ipynb", "analyses a sweep and shows Plotly figures with SVG fallbacks", (run) => {
  const outputs = run.cells.flatMap((c) => c.outputs);
  const text = outputs.map((o) => o.text ?? "").join("");
  assert.ok(!outputs.some((o) => o.output_type === "error"), `a cell raised an error; printed:\n${text}`);
  assert.match(text, /4 runs, 0 skipped/, text);
  assert.match(text, /best run by dev F1: lr_[\d.e-]+\/seed_\d/, text);
  assert.match(text, /reject +\[\[TN, FP\], \[FN, TP\]\] = \[\[\d+,\d+\],\[\d+,\d+\]\]/, text);
  assert.match(text, /ECE [\d.]+ over 180 predictions/, text);

  const figures = outputs.filter((o) => o.output_type === "display_data" && o.data?.[PLOTLY_MIME] !== undefined);
  assert.equal(figures.length, 6, "summary, confusion, calibration, scatter, progress, loss");
  for (const f of figures) {
    const payload = checkPlotlyPayload(f.data![PLOTLY_MIME]);
    assert.ok(payload.data.length > 0);
    assert.match(String(f.data!["image/svg+xml"]), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^]*<\/svg>$/);
    assert.match(String(f.data!["text/plain"]), /^lukelab figure: /);
  }
  const confusion = figures.map((f) => checkPlotlyPayload(f.data![PLOTLY_MIME])).find((p) => p.lukelab?.drillDown);
  assert.ok(confusion, "the confusion matrix carries its examples");
  const examples = Object.values(confusion.lukelab!.drillDown!.cells).flat();
  assert.ok(examples.length > 0 && examples.every((e) => e.text.length > 0 && e.end > e.start));
  const tables = outputs.filter((o) => o.output_type === "display_data" && typeof o.data?.["text/html"] === "string");
  assert.ok(tables.some((t) => /<table>[^]*learning_rate[^]*<\/table>/.test(String(t.data!["text/html"]))), "the run table is shown as HTML");
});
