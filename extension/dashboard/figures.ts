/**
 * The dashboard's figures and run details, drawn by the extension's Plotly widget from the figure
 * functions `lukelab analyze` uses (kernel/analysis/figures.ts): over all runs, dev F1 per epoch and
 * dev against test; for the run clicked in the table, its options, dev metrics per epoch, training
 * loss, calibration and confusion matrix (dev). Each figure is drawn when its button is chosen, from
 * the data already loaded (per-example logits come with results.json).
 */
import { Widget } from "@lumino/widgets";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { calibrationFromLogits } from "../../kernel/analysis/calibration";
import { calibrationFigure, confusionFigure, devProgressFigure, devTestFigure, lossFigure } from "../../kernel/analysis/figures";
import { PLOTLY_MIME, type PlotlyPayload } from "../../kernel/portable/plotly-payload";
import type { RunRecord } from "../../kernel/analysis/run-table";
import { logitsPredictions } from "../../kernel/analysis/split-predictions";
import { devCurve } from "../../kernel/tasks/entity-typing/results-schema";
import { el } from "../dom";
import type { DatasetReader } from "./dataset";
import { PlotlyWidget } from "../plotly/widget";

/** A figure, possibly with a line under its buttons saying what it lacks (e.g. a confusion matrix without its examples). */
export type Drawn = PlotlyPayload | { figure: PlotlyPayload; note?: string };
export type FigureMaker = () => Drawn | undefined | Promise<Drawn | undefined>;

/** The figures over all runs: name → maker. */
export function runsFigures(runs: readonly RunRecord[], rows: readonly Record<string, unknown>[], columns: Record<string, unknown[]>, varying: readonly string[]): Record<string, FigureMaker> {
  const makers: Record<string, FigureMaker> = {
    "dev F1 per epoch": () => devProgressFigure(runs),
    "dev against test": () => devTestFigure(rows),
  };
  for (const p of varying) {
    makers[`F1 against ${p}`] = async () => (await import("./parameter-figure")).metricAgainstParameter(columns, p);
  }
  return makers;
}

/**
 * The figures of one run: name → maker (undefined when the run lacks what the figure needs). With
 * `dataset`, a click on a confusion-matrix cell lists the examples in it, from the run's dataset.
 */
export function runFigures(run: RunRecord, dataset?: DatasetReader): Record<string, FigureMaker> {
  return {
    "dev F1 per epoch": () => devProgressFigure([run]),
    "training loss": () => (run.results.training_loss?.length ? lossFigure([run]) : undefined),
    "calibration (dev)": () => {
      const e = run.results.evaluation_predict_label;
      if (!e?.dev || e.dev.predict_logits.length === 0) return undefined;
      return calibrationFigure([{ name: run.folder, curve: calibrationFromLogits(e.dev, e.label_list).pooled }], `Calibration on dev, ${run.folder}`);
    },
    "confusion (dev)": async () => {
      const predictions = logitsPredictions(run, "dev");
      if (!predictions) return undefined;
      const found = dataset ? await dataset.examples(run, predictions) : {};
      const figure = confusionFigure(predictions, { kind: "single-label-only", source: run.folder, examples: found.examples });
      return { figure, note: found.examples ? `Click a cell to list its examples (from ${found.file}).` : found.note };
    },
  };
}

function fakeModel(payload: PlotlyPayload): IRenderMime.IMimeModel {
  return { trusted: false, data: { [PLOTLY_MIME]: payload as never }, metadata: {}, setData: () => undefined };
}

/**
 * A row of buttons (one per figure) over one Plotly widget. `set` replaces the figures; the chosen
 * one is drawn again only when `redraw` is asked (new data), so a live refresh does not flicker.
 */
export class FigureSwitch {
  readonly node = el("div", "lukelab-dashboard-figures");
  private readonly buttons = el("div", "lukelab-dashboard-figure-buttons");
  private readonly host = el("div", "lukelab-dashboard-figure");
  private widget: PlotlyWidget | null = null;
  private makers: Record<string, FigureMaker> = {};
  private chosen = "";
  private shown = 0;

  constructor(role: string) {
    this.node.dataset.role = role;
    this.buttons.setAttribute("role", "toolbar");
    this.node.append(this.buttons, this.host);
  }

  set(makers: Record<string, FigureMaker>, redraw: boolean): void {
    this.makers = makers;
    this.buttons.replaceChildren();
    for (const name of Object.keys(makers)) {
      const b = el("button", "lukelab-attention-button", name);
      b.dataset.figure = name;
      b.setAttribute("aria-pressed", String(name === this.chosen));
      b.addEventListener("click", () => void this.show(name));
      this.buttons.append(b);
    }
    if (this.chosen && redraw) void this.show(this.chosen);
  }

  async show(name: string): Promise<void> {
    this.chosen = name;
    const shown = ++this.shown;
    for (const b of this.buttons.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.figure === name));
    let payload: PlotlyPayload | undefined;
    let note: string | undefined;
    try {
      const drawn = await this.makers[name]?.();
      if (drawn && "figure" in drawn) ({ figure: payload, note } = drawn);
      else payload = drawn;
    } catch (err) {
      this.clear();
      this.host.append(el("div", "lukelab-dashboard-error", `Cannot draw ${name}: ${(err as Error).message}`));
      return;
    }
    if (shown !== this.shown) return; // another figure was chosen meanwhile
    this.clear();
    if (!payload) {
      this.host.append(el("div", "lukelab-dashboard-subtitle", `No ${name} figure: the runs have no data for it`));
      return;
    }
    if (note) {
      const line = el("div", "lukelab-dashboard-subtitle", note);
      line.dataset.role = "figure-note";
      this.host.append(line);
    }
    const widget = new PlotlyWidget({ mimeType: PLOTLY_MIME } as IRenderMime.IRendererOptions);
    this.widget = widget;
    Widget.attach(widget, this.host);
    void widget.renderModel(fakeModel(payload));
  }

  clear(): void {
    if (this.widget) {
      if (this.widget.isAttached) Widget.detach(this.widget);
      this.widget.dispose();
    }
    this.widget = null;
    this.host.replaceChildren();
  }
}

/** The details of a run: its options and dev metrics per epoch as tables, then its figures. */
export function runDetails(run: RunRecord, figures: FigureSwitch): HTMLElement {
  const box = el("section", "lukelab-dashboard-details");
  box.dataset.role = "details";
  box.dataset.folder = run.folder;
  box.append(el("div", "lukelab-dashboard-title", `Run ${run.folder}`));
  const options = el("table", "lukelab-dashboard-kv");
  options.dataset.role = "options";
  for (const [k, v] of Object.entries(run.parameters)) {
    const tr = el("tr");
    tr.append(el("th", undefined, k), el("td", undefined, v === null ? "null" : String(v)));
    options.append(tr);
  }
  const epochs = el("table", "lukelab-dashboard-kv");
  epochs.dataset.role = "epochs";
  const head = el("tr");
  for (const h of ["epoch", "dev precision", "dev recall", "dev F1"]) head.append(el("th", undefined, h));
  epochs.append(head);
  for (const p of devCurve(run.results)) {
    const tr = el("tr");
    tr.append(el("td", undefined, p.epoch === "no_training" ? "before training" : String(p.epoch)));
    for (const m of [p.precision, p.recall, p.f1]) tr.append(el("td", undefined, m.toFixed(4)));
    if (p.epoch === run.results.best_epoch) tr.dataset.best = "true";
    epochs.append(tr);
  }
  const tables = el("div", "lukelab-dashboard-detail-tables");
  tables.append(options, epochs);
  box.append(tables, figures.node);
  return box;
}
