/**
 * Showing a figure from a tslab cell: one output holding the Plotly JSON (drawn live by the lukelab
 * extension or any Plotly-aware front end), a static SVG of it (for front ends without either) and a
 * line of text.
 */
import { sendBundle } from "../display/tslab";
import { PLOTLY_MIME, checkPlotlyPayload, type PlotlyPayload } from "../portable/plotly-payload";
import { figureSvg, type SvgOptions } from "./static-svg";

export interface FigureBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

function figureTitle(figure: PlotlyPayload): string {
  const t = (figure.layout as { title?: unknown } | undefined)?.title;
  const text = typeof t === "string" ? t : typeof (t as { text?: unknown })?.text === "string" ? (t as { text: string }).text : undefined;
  return text ?? figure.lukelab?.title ?? "figure";
}

/** The MIME bundle of a figure: Plotly JSON, image/svg+xml and text/plain. */
export function figureBundle(figure: PlotlyPayload, options: SvgOptions & { svg?: boolean } = {}): FigureBundle {
  checkPlotlyPayload(figure);
  const data: Record<string, unknown> = { [PLOTLY_MIME]: figure, "text/plain": `lukelab figure: ${figureTitle(figure)}` };
  if (options.svg !== false) data["image/svg+xml"] = figureSvg(figure, options);
  return { data, metadata: {} };
}

/**
 * Displays a figure in the running tslab kernel: the whole bundle in one output (display/tslab.ts
 * sendBundle), or the Plotly JSON alone where tslab's internal is missing.
 */
export function showFigure(figure: PlotlyPayload, options: SvgOptions = {}): void {
  sendBundle(
    figureBundle(figure, options),
    PLOTLY_MIME,
    "showFigure needs the tslab kernel; use figureBundle() to get the MIME bundle, or writeFigureHtml() for a file",
  );
}
