/**
 * The Plotly widget: one Lumino widget per `application/vnd.plotly.v1+json` output. It is thin: the
 * payload is read by ./read (checks from kernel/portable/plotly-payload), the theme is mapped by
 * ./theme, the drill-down list is ./drilldown-view, and plotly.js comes from ./loader on the first
 * figure. This file wires them to the page: it draws, re-themes when JupyterLab's theme changes,
 * resizes with the output area, and purges the plot when the widget goes.
 *
 * The notebook model's data is never changed: Plotly keeps (and on zoom or legend clicks, edits) the
 * objects it is given, so it gets copies.
 */
import { Widget } from "@lumino/widgets";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { PLOTLY_MIME, type PlotlyPayload } from "../../kernel/portable/plotly-payload";
import { el } from "../dom";
import { readJupyterTheme, watchTheme } from "../theme";
import { clickedCell } from "./drilldown";
import { DrillDownPanel } from "./drilldown-view";
import { figureHeading, fittedLayout, tracesWithSideTitles } from "./layout";
import { loadPlotly, type PlotlyApi, type PlotlyDiv } from "./loader";
import { readPlotlyPayload } from "./read";
import { plotThemeFromVariables, themedLayout, type PlotTheme } from "./theme";

export const CLASS = "lukelab-plotly";
/** Height of a figure whose layout gives none (Plotly's own default is 450). */
export const DEFAULT_HEIGHT = 420;
/** Frames to wait for the new theme's CSS after the theme attribute changes. */
const THEME_FRAMES = 30;

/** JupyterLab's theme as the figure draws it, from the CSS variables in effect at `node`. */
export function readPlotTheme(node: HTMLElement): PlotTheme {
  const { read, dark } = readJupyterTheme(node);
  return plotThemeFromVariables(read, dark);
}

export class PlotlyWidget extends Widget implements IRenderMime.IRenderer {
  private payload: PlotlyPayload | null = null;
  private plotly: PlotlyApi | null = null;
  private plot: HTMLDivElement | null = null;
  /** The plot div once Plotly has drawn in it (its click handler is bound then, once). */
  private drawn: PlotlyDiv | null = null;
  private drill: DrillDownPanel | null = null;
  private theme: PlotTheme | null = null;
  /** Bumped by every renderModel and by dispose, so a render that waited on plotly.js knows it is stale. */
  private generation = 0;
  private waitingForAttach = false;
  private unwatchTheme: (() => void) | null = null;
  private readonly resizeObserver = new ResizeObserver(() => this.scheduleResize());
  private resizeFrame = 0;
  private themeFrame = 0;
  private drawnWidth = 0;

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass(CLASS);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const generation = ++this.generation;
    const read = readPlotlyPayload(model.data[this.options.mimeType ?? PLOTLY_MIME]);
    if (!read.ok) return this.showError("Cannot show this Plotly figure. ", read.message);
    this.build(read.payload);
    this.node.dataset.state = "loading";
    let plotly: PlotlyApi;
    try {
      plotly = await loadPlotly();
    } catch (e) {
      if (generation === this.generation) this.showError("Cannot show this Plotly figure. ", e);
      return;
    }
    if (generation !== this.generation || this.isDisposed) return;
    this.plotly = plotly;
    // Sizes and theme variables need the page: a widget still detached draws when it is attached.
    if (this.isAttached) await this.draw(generation);
    else this.waitingForAttach = true;
  }

  /** The title, the plot div (kept across renders, so an updated display redraws in place) and the list. */
  private build(payload: PlotlyPayload): void {
    this.payload = payload;
    this.node.textContent = "";
    const heading = figureHeading(payload);
    if (heading.title) this.node.append(el("div", "lukelab-plotly-title", heading.title));
    if (heading.subtitle) this.node.append(el("div", "lukelab-plotly-subtitle", heading.subtitle));
    if (!this.plot) {
      this.plot = el("div", "lukelab-plotly-plot");
      this.resizeObserver.observe(this.plot);
    }
    const height = payload.layout?.height;
    this.plot.style.height = `${typeof height === "number" && height > 0 ? height : DEFAULT_HEIGHT}px`;
    this.node.append(this.plot);
    const drillDown = payload.lukelab?.drillDown;
    this.drill = drillDown ? new DrillDownPanel(payload, drillDown) : null;
    if (this.drill) this.node.append(this.drill.node);
    this.node.classList.toggle("lukelab-plotly-has-drilldown", !!drillDown);
  }

  private async draw(generation: number): Promise<void> {
    const { plotly, plot, payload } = this;
    if (!plotly || !plot || !payload || this.isDisposed) return;
    const theme = readPlotTheme(this.node);
    // uirevision: Plotly keeps zoom and legend choices across redraws of the same payload (a theme
    // switch), and starts afresh on a new one.
    const layout = themedLayout(fittedLayout({ uirevision: generation, ...structuredClone(payload.layout ?? {}) }), theme);
    const config = { displaylogo: false, ...structuredClone(payload.config ?? {}) };
    try {
      const gd = await plotly.react(plot, tracesWithSideTitles(structuredClone(payload.data)), layout, config);
      if (generation !== this.generation || this.isDisposed) return;
      if (this.drawn !== gd) {
        gd.on("plotly_click", this.onPlotClick);
        this.drawn = gd;
      }
      this.theme = theme;
      this.drawnWidth = plot.clientWidth;
      this.node.dataset.state = "ready";
      this.node.dataset.themeBackground = theme.paper;
    } catch (e) {
      if (generation === this.generation) this.showError("The Plotly figure failed. ", e);
    }
  }

  /** A click on the drill-down heatmap lists that cell's examples. Bound once, so it reads the current payload. */
  private readonly onPlotClick = (event: unknown): void => {
    const drillDown = this.payload?.lukelab?.drillDown;
    if (!drillDown || !this.drill) return;
    const cell = clickedCell(event, drillDown.trace);
    if (cell) this.drill.show(cell);
  };

  private showError(lead: string, error: unknown): void {
    this.purge();
    this.payload = null;
    this.drill = null;
    this.node.textContent = "";
    const box = el("div", "lukelab-plotly-error");
    box.setAttribute("role", "alert");
    box.append(el("strong", undefined, lead), el("span", undefined, error instanceof Error ? error.message : String(error)));
    this.node.append(box);
    this.node.dataset.state = "error";
  }

  private purge(): void {
    if (this.plot) {
      this.resizeObserver.unobserve(this.plot);
      if (this.plotly) this.plotly.purge(this.plot);
      this.plot.remove();
    }
    this.plot = null;
    this.drawn = null;
  }

  // ----------------------------------------------------------------------------------------------
  // Theme and size

  protected override onAfterAttach(): void {
    this.unwatchTheme = watchTheme(this.onThemeAttribute);
    if (this.waitingForAttach) {
      this.waitingForAttach = false;
      void this.draw(this.generation);
    } else {
      this.retheme(0);
    }
  }

  protected override onBeforeDetach(): void {
    this.unwatchTheme?.();
    this.unwatchTheme = null;
    cancelAnimationFrame(this.themeFrame);
  }

  protected override onResize(): void {
    this.scheduleResize();
  }

  private readonly onThemeAttribute = (): void => this.retheme(THEME_FRAMES);

  /**
   * Redraws when JupyterLab's colours differ from those drawn. The theme attribute can change a moment
   * before the new theme's variables apply, so an unchanged reading is retried for a few frames.
   */
  private retheme(framesLeft: number): void {
    cancelAnimationFrame(this.themeFrame);
    if (!this.drawn || !this.theme) return;
    const now = readPlotTheme(this.node);
    if (JSON.stringify(now) !== JSON.stringify(this.theme)) void this.draw(this.generation);
    else if (framesLeft > 0) this.themeFrame = requestAnimationFrame(() => this.retheme(framesLeft - 1));
  }

  /** One Plots.resize per frame, and only when the width changed (a figure with a fixed width stays). */
  private scheduleResize(): void {
    if (this.resizeFrame) return;
    this.resizeFrame = requestAnimationFrame(() => {
      this.resizeFrame = 0;
      const { plotly, drawn, payload } = this;
      if (!plotly || !drawn || !payload || payload.layout?.width !== undefined) return;
      const width = drawn.clientWidth;
      if (width === 0 || width === this.drawnWidth) return;
      this.drawnWidth = width;
      // Rejects when the plot is not displayed (a collapsed output); the next resize tries again.
      plotly.Plots.resize(drawn).then(
        () => (this.node.dataset.width = String(width)),
        () => (this.drawnWidth = 0),
      );
    });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.generation++;
    this.resizeObserver.disconnect();
    this.unwatchTheme?.();
    cancelAnimationFrame(this.resizeFrame);
    cancelAnimationFrame(this.themeFrame);
    this.purge();
    super.dispose();
  }
}
