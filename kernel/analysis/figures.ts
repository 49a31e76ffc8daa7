/**
 * Figures over runs as Plotly JSON (PlotlyPayload): what the original's meta-analysis and
 * confusion-matrix scripts drew as PNGs, as data that JupyterLab, the HTML export and the static SVG
 * renderer all draw. Pure functions: tables and numbers in, figure specs out.
 *
 * Every figure has a title, axis titles and hover text; the trace types are the ones static-svg.ts
 * draws (scatter with lines, markers and error bars; heatmap with numbers in cells; bar).
 */
import type { ColumnTable } from "./arquero";
import type { TypingExample } from "../data/open-entity";
import { devCurve } from "../tasks/entity-typing/results-schema";
import { binaryCell, confusionMatrices, withReject, type ConfusionMatrices } from "./confusion";
import type { CalibrationCurve } from "./calibration";
import type { FigureExample, PlotlyPayload } from "../portable/plotly-payload";
import { figureExample, type SplitPredictions } from "./split-predictions";
import type { MetricColumn, RunRecord } from "./run-table";
import { BLUES, TRACE_COLOURS } from "./static-svg";

const METRIC_NAMES: Record<string, string> = { precision: "precision", recall: "recall", f1: "F1" };

/** "dev_f1" → "dev F1". */
export function metricTitle(metric: string): string {
  const [split, m] = metric.split("_");
  return `${split} ${METRIC_NAMES[m] ?? m}`;
}

/** "learning_rate" → "learning rate". */
function parameterTitle(parameter: string): string {
  return parameter.replace(/_/g, " ");
}

export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, zeroline: false, automargin: true, ...extra };
}

export function layout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, hovermode: "closest", margin: { t: 60, l: 70, r: 30, b: 60 }, ...extra };
}

/** A log axis when every value is positive and they span two decades or more (learning rates). */
function valueAxisType(values: readonly unknown[]): "log" | "linear" | "category" {
  if (!values.every((v) => typeof v === "number")) return "category";
  const nums = values as number[];
  if (nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) >= 100) return "log";
  return "linear";
}

/**
 * A metric against a hyperparameter's values: the mean over the runs with each value (the seeds)
 * with ± one sample standard deviation as error bars, one line per metric. `summary` is summariseBy's
 * table for `parameter` and `metrics`.
 */
export function parameterFigure(summary: ColumnTable, parameter: string, metrics: readonly MetricColumn[] = ["dev_f1", "test_f1"]): PlotlyPayload {
  const rows = summary.objects() as Record<string, unknown>[];
  const x = rows.map((r) => r[parameter]);
  const type = valueAxisType(x);
  const data = metrics.map((m) => ({
    type: "scatter",
    mode: "lines+markers",
    name: metricTitle(m),
    x: type === "category" ? x.map(String) : x,
    y: rows.map((r) => r[`${m}_mean`] ?? null),
    error_y: { type: "data", array: rows.map((r) => r[`${m}_std`] ?? 0), visible: true },
    customdata: rows.map((r) => [r.n, r[`${m}_std`] ?? null]),
    hovertemplate: `${parameterTitle(parameter)} = %{x}<br>${metricTitle(m)}: %{y:.4f} ± %{customdata[1]:.4f}<br>%{customdata[0]} runs<extra></extra>`,
  }));
  return {
    data,
    layout: layout(`${metrics.map(metricTitle).join(", ")} against ${parameterTitle(parameter)} (mean ± SD over runs)`, {
      xaxis: axis(parameterTitle(parameter), { type }),
      yaxis: axis(metrics.length === 1 ? metricTitle(metrics[0]) : "score", { rangemode: "tozero" }),
    }),
    lukelab: { title: `${parameter} summary` },
  };
}

export type ConfusionKind = "single-label-only" | "multi-label-all" | "multi-label-only";

export interface ConfusionFigureOptions {
  kind?: ConfusionKind;
  /** The split's examples, in prediction order: they fill the click-through lists. */
  examples?: readonly TypingExample[];
  /** Shown with each example (e.g. the run folder and split). */
  source?: string;
  /** Most examples listed per cell of the per-label figures (default 200; every example is in one cell per label). */
  maxExamplesPerCell?: number;
  title?: string;
}

const BINARY_COLUMNS = ["TN", "FP", "FN", "TP"];

/**
 * A confusion-matrix heatmap with counts in the cells. "single-label-only" is the N×N matrix (gold
 * rows, predicted columns); the per-label kinds show one row per class with its TN, FP, FN and TP.
 * With `examples`, `lukelab.drillDown` lists the examples behind each cell.
 */
export function confusionFigure(predictions: SplitPredictions, options: ConfusionFigureOptions = {}): PlotlyPayload {
  const kind = options.kind ?? "single-label-only";
  const cm: ConfusionMatrices = confusionMatrices(predictions.gold, predictions.predicted, predictions.labels);
  const split = predictions.split;
  const gold = withReject(predictions.gold);
  const pred = withReject(predictions.predicted);
  const cells: Record<string, FigureExample[]> = {};
  const add = (row: number, col: number, i: number, cap: number) => {
    const list = (cells[`${row},${col}`] ??= []);
    if (list.length < cap && options.examples) list.push(figureExample(predictions, options.examples[i], options.source && `${options.source}, ${split} example ${i}`));
  };
  let trace: Record<string, unknown>;
  let title: string;
  if (kind === "single-label-only") {
    for (const i of cm.singleLabelRows) add(gold[i].indexOf(1), pred[i].indexOf(1), i, Infinity);
    trace = {
      type: "heatmap",
      z: cm.singleLabelOnly,
      x: cm.classes,
      y: cm.classes,
      colorscale: BLUES.map(([at, colour]) => [at, colour]),
      texttemplate: "%{z}",
      hovertemplate: "gold %{y}, predicted %{x}: %{z} examples<extra></extra>",
      colorbar: { title: { text: "examples" } },
    };
    title = options.title ?? `${split}: single-label examples (${cm.singleLabelRows.length} of ${predictions.gold.length}), gold × predicted`;
  } else {
    const rows = kind === "multi-label-all" ? [...predictions.gold.keys()] : cm.multiLabelRows;
    const matrices = kind === "multi-label-all" ? cm.multiLabelAll : cm.multiLabelOnly;
    const cap = options.maxExamplesPerCell ?? 200;
    for (const i of rows) {
      cm.classes.forEach((_, c) => {
        const [g, p] = binaryCell(gold[i][c], pred[i][c]);
        add(c, g * 2 + p, i, cap);
      });
    }
    trace = {
      type: "heatmap",
      z: matrices.map(([[tn, fp], [fn, tp]]) => [tn, fp, fn, tp]),
      x: BINARY_COLUMNS,
      y: cm.classes,
      colorscale: BLUES.map(([at, colour]) => [at, colour]),
      texttemplate: "%{z}",
      hovertemplate: "%{y}: %{x} = %{z} examples<extra></extra>",
      colorbar: { title: { text: "examples" } },
    };
    const which = kind === "multi-label-all" ? `all ${rows.length} examples` : `the ${rows.length} multi-label examples`;
    title = options.title ?? `${split}: per-label counts over ${which} (TN, FP, FN, TP)`;
  }
  const figure: PlotlyPayload = {
    data: [trace],
    layout: layout(title, {
      xaxis: axis(kind === "single-label-only" ? "predicted label" : "outcome", { side: "bottom", type: "category" }),
      yaxis: axis(kind === "single-label-only" ? "gold label" : "label", { autorange: "reversed", type: "category" }),
    }),
    lukelab: { title },
  };
  if (options.examples) figure.lukelab!.drillDown = { kind: "confusion-matrix", trace: 0, cells };
  return figure;
}

export interface NamedCurve {
  name: string;
  curve: CalibrationCurve;
}

/**
 * Reliability diagram (top: fraction of positives against mean predicted probability per bin, one
 * curve per entry, the diagonal for reference) over the histogram of the probabilities (bottom).
 */
export function calibrationFigure(curves: readonly NamedCurve[], title = "Calibration"): PlotlyPayload {
  const data: Record<string, unknown>[] = [
    {
      type: "scatter",
      mode: "lines",
      name: "perfectly calibrated",
      x: [0, 1],
      y: [0, 1],
      line: { dash: "dash", color: "#888888" },
      hoverinfo: "skip",
    },
  ];
  const colour = (k: number) => TRACE_COLOURS[k % TRACE_COLOURS.length];
  curves.forEach(({ name, curve }, k) => {
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${name} (ECE ${curve.ece.toFixed(3)})`,
      legendgroup: name,
      x: curve.probPred,
      y: curve.probTrue,
      line: { color: colour(k) },
      marker: { color: colour(k) },
      customdata: curve.counts,
      hovertemplate: `${name}<br>mean predicted %{x:.3f}<br>fraction of positives %{y:.3f}<br>%{customdata} predictions<extra></extra>`,
    });
  });
  // The histogram: filled bars for one curve, step outlines (as the original drew) for several.
  curves.forEach(({ name, curve }, k) => {
    const common = { name: `${name} histogram`, legendgroup: name, showlegend: false, xaxis: "x2", yaxis: "y2" };
    const hover = `${name}<br>%{y} predictions in this bin<extra></extra>`;
    if (curves.length === 1) {
      data.push({
        ...common,
        type: "bar",
        x: curve.histogram.map((_, b) => (curve.edges[b] + curve.edges[b + 1]) / 2),
        y: curve.histogram,
        width: curve.histogram.map((_, b) => curve.edges[b + 1] - curve.edges[b]),
        marker: { color: colour(k), line: { color: "#ffffff", width: 1 } },
        hovertemplate: hover,
      });
    } else {
      data.push({
        ...common,
        type: "scatter",
        mode: "lines",
        x: curve.edges,
        y: [...curve.histogram, curve.histogram[curve.histogram.length - 1]],
        line: { shape: "hv", color: colour(k) },
        hovertemplate: hover,
      });
    }
  });
  const only = curves.length === 1 ? ` (ECE ${curves[0].curve.ece.toFixed(3)})` : "";
  return {
    data,
    layout: layout(`${title}${only}`, {
      height: 560,
      xaxis: axis("mean predicted probability", { range: [-0.02, 1.02], anchor: "y", domain: [0, 1] }),
      yaxis: axis("fraction of positives", { range: [-0.02, 1.02], domain: [0.38, 1] }),
      xaxis2: axis("predicted probability", { range: [-0.02, 1.02], anchor: "y2", domain: [0, 1] }),
      yaxis2: axis("count", { domain: [0, 0.24], rangemode: "tozero" }),
    }),
    lukelab: { title },
  };
}

const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "x", "star", "pentagon", "hexagon"];

/**
 * Dev against test for every run: F1, precision and recall as three traces, each run with its own
 * marker symbol, and the identity line (points above it did better on test than on dev).
 */
export function devTestFigure(table: ColumnTable | readonly Record<string, unknown>[], title = "Dev against test"): PlotlyPayload {
  const rows = ("objects" in table ? table.objects() : table) as Record<string, unknown>[];
  const data: Record<string, unknown>[] = [
    { type: "scatter", mode: "lines", name: "dev = test", x: [0, 1], y: [0, 1], line: { dash: "dash", color: "#888888" }, hoverinfo: "skip" },
  ];
  for (const m of ["f1", "precision", "recall"]) {
    const kept = rows.filter((r) => typeof r[`dev_${m}`] === "number" && typeof r[`test_${m}`] === "number");
    data.push({
      type: "scatter",
      mode: "markers",
      name: METRIC_NAMES[m],
      x: kept.map((r) => r[`dev_${m}`]),
      y: kept.map((r) => r[`test_${m}`]),
      text: kept.map((r) => String(r.folder)),
      marker: { size: 10, symbol: kept.map((r) => SYMBOLS[rows.indexOf(r) % SYMBOLS.length]) },
      hovertemplate: `%{text}<br>${METRIC_NAMES[m]}: dev %{x:.4f}, test %{y:.4f}<extra></extra>`,
    });
  }
  return {
    data,
    layout: layout(title, {
      xaxis: axis("development", { range: [0, 1] }),
      yaxis: axis("test", { range: [0, 1], scaleanchor: "x" }),
    }),
    lukelab: { title },
  };
}

/**
 * Dev F1 after each epoch, one line per run; x is the number of epochs trained, so the evaluation
 * before training (when the run made one) is x = 0, "0 (no train)".
 */
export function devProgressFigure(runs: readonly RunRecord[], metric: "f1" | "precision" | "recall" = "f1", title = `Dev ${METRIC_NAMES[metric]} during training`): PlotlyPayload {
  let maxEpochs = 0;
  const data = runs.map((run) => {
    const curve = devCurve(run.results);
    const x = curve.map((p) => (p.epoch === "no_training" ? 0 : p.epoch + 1));
    maxEpochs = Math.max(maxEpochs, ...x);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: run.folder,
      x,
      y: curve.map((p) => p[metric]),
      hovertemplate: `${run.folder}<br>epochs trained %{x}: dev ${METRIC_NAMES[metric]} %{y:.4f}<extra></extra>`,
    };
  });
  const tickvals = Array.from({ length: maxEpochs + 1 }, (_, i) => i);
  return {
    data,
    layout: layout(title, {
      xaxis: axis("epochs trained", { tickvals, ticktext: tickvals.map((v) => (v === 0 ? "0 (no train)" : String(v))) }),
      yaxis: axis(`dev ${METRIC_NAMES[metric]}`, { rangemode: "tozero" }),
    }),
    lukelab: { title },
  };
}

/** The training loss of every optimiser step (results.json's training_loss), one line per run. */
export function lossFigure(runs: readonly RunRecord[], title = "Training loss per optimiser step"): PlotlyPayload {
  const data = runs
    .filter((run) => run.results.training_loss?.length)
    .map((run) => ({
      type: "scatter",
      mode: "lines",
      name: run.folder,
      x: run.results.training_loss!.map((_, i) => i + 1),
      y: run.results.training_loss!,
      hovertemplate: `${run.folder}<br>step %{x}: loss %{y:.4f}<extra></extra>`,
    }));
  return {
    data,
    layout: layout(title, { xaxis: axis("optimiser step"), yaxis: axis("loss (mean over the step's micro-batches)") }),
    lukelab: { title },
  };
}
