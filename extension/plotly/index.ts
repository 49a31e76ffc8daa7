/**
 * The Plotly renderer's factory and extension entry: `application/vnd.plotly.v1+json`, the standard
 * Plotly MIME type, so lukelab's figures also render in other Plotly-aware front ends, and other
 * producers' figures render here.
 *
 * Rank. JupyterLab keeps one renderer factory per MIME type: when two extensions register this type,
 * the one registered last replaces the other, whatever their ranks (RenderMimeRegistry.addFactory); a
 * rank only orders MIME types against each other when an output carries several. So no rank can make
 * this renderer win over another Plotly extension; `jupyter labextension disable` picks one instead
 * (docs/notebook-api.md, "Plotly panels"). The rank is 2, the one jupyterlab-plotly uses, so that whichever of the two
 * is registered, a bundle's Plotly JSON is preferred over its text/html (50) and image/png (90) copies,
 * the same way.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { PLOTLY_MIME } from "../../kernel/portable/plotly-payload";
import { PlotlyWidget } from "./widget";

export const PLOTLY_RANK = 2;

export const plotlyRendererFactory: IRenderMime.IRendererFactory = {
  // Plotly JSON is data: the renderer evaluates nothing from it and shows example text as text only.
  safe: true,
  mimeTypes: [PLOTLY_MIME],
  defaultRank: PLOTLY_RANK,
  createRenderer: (options) => new PlotlyWidget(options),
};

export const plotlyExtension: IRenderMime.IExtension = {
  id: "lukelab:plotly",
  description: "Plotly figures that follow JupyterLab's theme, with click-through examples for confusion matrices",
  rendererFactory: plotlyRendererFactory,
  rank: PLOTLY_RANK,
  dataType: "json",
};
