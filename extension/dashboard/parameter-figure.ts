/**
 * Metric against a hyperparameter with error bars over seeds, from the runs table's columns, by the
 * code `lukelab analyze` uses (summariseBy on an arquero table, then parameterFigure). Loaded when the
 * figure is first asked for, so arquero is not downloaded with JupyterLab's start.
 */
import { aq } from "../../kernel/analysis/arquero";
import { parameterFigure } from "../../kernel/analysis/figures";
import type { PlotlyPayload } from "../../kernel/portable/plotly-payload";
import { summariseBy } from "../../kernel/analysis/summaries";

export function metricAgainstParameter(columns: Record<string, unknown[]>, parameter: string): PlotlyPayload {
  return parameterFigure(summariseBy(aq().table(columns), parameter), parameter);
}
