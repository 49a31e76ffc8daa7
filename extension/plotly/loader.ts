/**
 * plotly.js, loaded the first time a figure is drawn. The dynamic import() makes webpack put the 4.8 MB
 * bundle in a chunk of its own (scripts/build-labextension.mjs checks that it did), so opening
 * JupyterLab, or a notebook without figures, never downloads it. Every widget waits on one shared
 * promise; a failed load is forgotten so the next figure tries again.
 */

/** A graph div once Plotly has drawn in it: Plotly adds an event emitter to the element. */
export interface PlotlyDiv extends HTMLDivElement {
  on(event: "plotly_click", handler: (event: unknown) => void): void;
}

/** The few Plotly functions lukelab calls (the package's own typings are far larger than this). */
export interface PlotlyApi {
  react(div: HTMLElement, data: unknown[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<PlotlyDiv>;
  purge(div: HTMLElement): void;
  Plots: { resize(div: HTMLElement): Promise<void> };
  version?: string;
}

let loading: Promise<PlotlyApi> | null = null;

export function loadPlotly(): Promise<PlotlyApi> {
  loading ??= import(/* webpackChunkName: "plotly" */ "plotly.js-dist-min")
    .then((m: unknown) => {
      // The bundle is UMD (CommonJS under webpack): the API is the default export.
      const mod = m as { default?: unknown };
      const api = (mod.default ?? mod) as PlotlyApi;
      if (typeof api?.react !== "function" || typeof api?.Plots?.resize !== "function") throw new Error("plotly.js loaded, but without Plotly.react");
      return api;
    })
    .catch((e: unknown) => {
      loading = null;
      throw new Error(`plotly.js could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    });
  return loading;
}
