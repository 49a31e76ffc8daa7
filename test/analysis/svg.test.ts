/**
 * The static SVG of each figure kind parses as XML and holds the expected number of marks; the
 * display bundle carries the Plotly JSON and the SVG together.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { calibrationCurve } from "../../kernel/analysis/calibration";
import { calibrationFigure, confusionFigure, devTestFigure, lossFigure, parameterFigure } from "../../kernel/analysis/figures";
import { PLOTLY_MIME } from "../../kernel/portable/plotly-payload";
import { splitPredictions } from "../../kernel/analysis/predictions";
import { loadRuns } from "../../kernel/analysis/runs";
import { figureBundle } from "../../kernel/analysis/show";
import { BLUES, figureSvg, scaleColour } from "../../kernel/analysis/static-svg";
import { summariseBy } from "../../kernel/analysis/summaries";
import { ROOT, runPython, tmpDir } from "../helpers";
import { writeSweep } from "./synthetic-runs";

const PARSER = join(ROOT, "test", "analysis", "parse_svg.py");
type Parsed = { root: string; classes: Record<string, number>; texts: string[] };

test("static SVGs are well-formed and draw every point, error bar, cell and bar", () => {
  const root = tmpDir("lukelab-svg-");
  writeSweep(root);
  const c = loadRuns(root);
  const summary = summariseBy(c.table, "learning_rate");
  const predictions = splitPredictions(c.runs[0], "dev")!;
  const single = calibrationCurve([0, 1, 1, 0, 1, 0], [0.05, 0.15, 0.95, 0.92, 0.5, 0.31]);
  const figures = {
    parameter: parameterFigure(summary, "learning_rate"),
    confusion: confusionFigure(predictions),
    perLabel: confusionFigure(predictions, { kind: "multi-label-all" }),
    calibrationOne: calibrationFigure([{ name: "run <a & b>", curve: single }]),
    calibrationTwo: calibrationFigure([
      { name: "a", curve: single },
      { name: "b", curve: calibrationCurve([1, 0], [0.7, 0.2]) },
    ]),
    scatter: devTestFigure(c.table),
    loss: lossFigure(c.runs),
  };
  const svgs = Object.values(figures).map((f) => figureSvg(f));
  const parsed = runPython<Parsed[]>(PARSER, [], svgs);
  const byName = Object.fromEntries(Object.keys(figures).map((k, i) => [k, parsed[i]]));
  for (const p of parsed) assert.equal(p.root, "{http://www.w3.org/2000/svg}svg");

  // 2 metrics × 2 learning rates: 4 points, 4 error bars (every SD > 0), 2 lines.
  assert.equal(byName.parameter.classes.point, 4);
  assert.equal(byName.parameter.classes.errorbar, 4);
  assert.equal(byName.parameter.classes.line, 2);
  assert.ok(byName.parameter.texts.includes("learning rate"), "x axis title");
  assert.ok(byName.parameter.texts.some((t) => t.startsWith("dev F1, test F1 against learning rate")), "title");
  // 10 × 10 cells with their numbers, which add up to the single-label examples.
  assert.equal(byName.confusion.classes.cell, 100);
  const z = figures.confusion.data[0].z as number[][];
  assert.ok(byName.confusion.texts.includes("reject") && byName.confusion.texts.includes("gold label"));
  assert.equal(byName.perLabel.classes.cell, 40);
  // One curve: the diagonal and the curve are lines, one point per non-empty bin, one bar per bin.
  assert.equal(byName.calibrationOne.classes.point, single.probTrue.length);
  assert.equal(byName.calibrationOne.classes.bar, 10);
  assert.ok(byName.calibrationOne.texts.some((t) => t.includes("run <a & b>")), "names are escaped, not dropped");
  // Two curves: step outlines instead of bars.
  assert.equal(byName.calibrationTwo.classes.bar, undefined);
  assert.equal(byName.calibrationTwo.classes.line, 1 + 2 + 2);
  // Scatter: 3 metrics × 6 runs, and the identity line.
  assert.equal(byName.scatter.classes.point, 18);
  assert.equal(byName.loss.classes.line, 6);
  assert.ok(z.flat().reduce((a, b) => a + b, 0) > 0);
});

test("the colour scale runs from the first stop to the last", () => {
  assert.equal(scaleColour(BLUES, 0), "rgb(247,251,255)");
  assert.equal(scaleColour(BLUES, 1), "rgb(8,48,107)");
  assert.equal(scaleColour(BLUES, 0.5), "rgb(107,174,214)");
});

test("figureBundle holds the Plotly JSON, the SVG and a text line", () => {
  const fig = calibrationFigure([{ name: "x", curve: calibrationCurve([0, 1], [0.2, 0.8]) }], "Calibration of x");
  const bundle = figureBundle(fig);
  assert.equal(bundle.data[PLOTLY_MIME], fig);
  assert.match(String(bundle.data["image/svg+xml"]), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(String(bundle.data["text/plain"]), /Calibration of x/);
  assert.throws(() => figureBundle({ data: "nope" } as never), /data must be an array of traces/);
});
