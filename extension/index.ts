/**
 * lukelab's JupyterLab 4 MIME renderers. `application/vnd.lukelab.attention+json` (schema in
 * kernel/portable/attention-payload.ts) is drawn by the attention widget; `application/vnd.plotly.v1+json`
 * (kernel/portable/plotly-payload.ts) by the Plotly widget (extension/plotly/). Both renderers are
 * `safe`: they evaluate nothing from the payload and show its strings as text only, so they also run
 * in untrusted notebooks.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { ATTENTION_MIME } from "../kernel/portable/attention-payload";
import { startRenderWorker } from "./attention/renderer";
import { AttentionWidget } from "./attention/widget";
import { plotlyExtension } from "./plotly/index";

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [ATTENTION_MIME],
  // Ahead of image/png (rank 90), which the kernel stores beside the payload for front ends without us.
  defaultRank: 50,
  createRenderer: (options) => new AttentionWidget(options),
};

const attentionExtension: IRenderMime.IExtension = {
  id: "lukelab:attention",
  description: "Interactive attention views (head, model, token to token) for lukelab payloads",
  rendererFactory,
  rank: 50,
  dataType: "json",
};

const extensions: IRenderMime.IExtension[] = [attentionExtension, plotlyExtension];

// The attention views' worker starts with JupyterLab, so that it has loaded and warmed up by the time
// an output comes (extension/attention/renderer.ts).
void startRenderWorker();

export default extensions;
