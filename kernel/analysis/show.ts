/**
 * Showing a figure from a tslab cell: one output holding the Plotly JSON (drawn live by the lukelab
 * extension or any Plotly-aware front end), a static SVG of it (for front ends without either) and a
 * line of text.
 */
import { PLOTLY_MIME, checkPlotlyPayload, type PlotlyPayload } from "./plotly-payload";
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
 * Displays a figure in the running tslab kernel. tslab's public `display.raw` sends one MIME key per
 * output, so, as the attention view does (display/attention.ts), the bundle goes through the function
 * tslab keeps for the executing cell (`tslab/dist/jupyter`'s `lastWriteDisplayData`); without it the
 * Plotly JSON alone is sent through the public API.
 */
export function showFigure(figure: PlotlyPayload, options: SvgOptions = {}): void {
  const bundle = figureBundle(figure, options);
  let jupyter: { lastWriteDisplayData?: ((data: unknown, update: boolean) => void) | null } | undefined;
  try {
    jupyter = require("tslab/dist/jupyter");
  } catch {
    jupyter = undefined;
  }
  if (jupyter && typeof jupyter.lastWriteDisplayData === "function") {
    jupyter.lastWriteDisplayData({ data: bundle.data, metadata: bundle.metadata, transient: {} }, false);
    return;
  }
  let tslab: { display: { raw(mime: string, data: unknown): void } } | undefined;
  try {
    tslab = require("tslab");
  } catch {
    tslab = undefined;
  }
  if (!tslab) throw new Error("showFigure needs the tslab kernel; use figureBundle() to get the MIME bundle, or writeFigureHtml() for a file");
  tslab.display.raw(PLOTLY_MIME, figure);
}
