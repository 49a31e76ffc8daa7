/**
 * The attention widget: one Lumino widget per `application/vnd.lukelab.attention+json` output, with the
 * head view, the model view and the token-to-token view. It keeps the lifecycle only: it has the
 * payload decoded (./renderer: in the page's worker, started with the extension so that it is ready
 * when the output comes; on the main thread where there is none), holds the ViewState (./state), builds the controls
 * (./controls) and one pane per view (./head-pane, ./model-pane, ./token-pane), and paints the pane in
 * sight in onUpdateRequest, so that a burst of changes (pointer moves, a resize, a theme switch) costs
 * one paint a frame; the head and model views' pixels come back from the renderer. `data-renderer`
 * says which ("worker" or "main-thread"). Every string from the payload reaches the page through
 * textContent or a canvas, never as markup.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { ATTENTION_MIME } from "../../kernel/portable/attention-payload";
import { describeOmitted } from "../../kernel/portable/attention-sparse";
import { themeFromVariables } from "../../kernel/portable/colours";
import { tokenLabels } from "../../kernel/portable/tokens";
import { el } from "../dom";
import { readJupyterTheme, watchTheme } from "../theme";
import { canvasMeasure } from "./canvas";
import { Controls } from "./controls";
import { exportView } from "./export";
import { HeadPane } from "./head-pane";
import { ModelPane } from "./model-pane";
import type { Host, Painted, Pane, ViewContext } from "./pane";
import { createRenderer, type Renderer } from "./renderer";
import * as S from "./state";
import { TokenPane } from "./token-pane";

export const CLASS = "lukelab-attention";

/** A decoded payload with its controls and panes. */
interface View {
  ctx: ViewContext;
  controls: Controls;
  panes: Map<S.ViewName, Pane>;
  /** What a sparse payload left out (empty for a dense one). */
  omitted: HTMLElement;
}

export class AttentionWidget extends Widget implements IRenderMime.IRenderer, Host {
  state = S.initialState(1, 1, 1);
  private view: View | null = null;
  private painted: Painted | null = null;
  private unwatchTheme: (() => void) | null = null;
  /** Set by renderModel: the first pixels on the view's canvas report the time from there. */
  private firstRender: { t0: number } | null = null;
  /** Counts renderModel calls: a payload decoded after a newer one came is dropped. */
  private generation = 0;
  readonly renderer: Renderer;

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass(CLASS);
    this.renderer = createRenderer();
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const t0 = performance.now();
    const generation = ++this.generation;
    this.node.textContent = "";
    this.view = null;
    this.painted = null;
    const decoded = await this.renderer.load(model.data[this.options.mimeType ?? ATTENTION_MIME]);
    if (generation !== this.generation || this.isDisposed) return;
    this.node.dataset.renderer = this.renderer.mode;
    if (!decoded.ok) return this.showError("Cannot show this attention payload. ", decoded.error.message, "append");
    try {
      const att = decoded.attention;
      const labels = tokenLabels(att);
      this.state = S.initialState(att.layers.length, att.heads, att.tokens);
      const panes = new Map<S.ViewName, Pane>([
        ["head", new HeadPane(this, att.tokens)],
        ["model", new ModelPane(this, att.layers, att.heads, att.tokens)],
        ["token", new TokenPane(this, att, labels)],
      ]);
      const controls = new Controls(this, att, (format) => this.painted && exportView(this.painted, format, this.view!.ctx.font, att.title || "lukelab attention", this.node));
      const omitted = el("div", "lukelab-attention-omitted");
      this.node.append(...controls.nodes, ...[...panes.values()].map((p) => p.node), controls.status, omitted);
      this.view = { ctx: { att, labels, ...this.style(), width: () => this.node.clientWidth }, controls, panes, omitted };
      this.sync();
      this.firstRender = { t0 };
      this.update();
    } catch (e) {
      this.showError("The attention view failed. ", e);
    }
  }

  /** Host: a new state; the controls follow now, the canvases at the next update. */
  apply(next: S.ViewState): void {
    this.state = next;
    this.sync();
    this.update();
  }

  guard<E extends Event>(fn: (e: E) => void): (e: E) => void {
    return (e: E) => {
      try {
        fn(e);
      } catch (err) {
        this.showError("The attention view failed. ", err);
      }
    };
  }

  protected override onUpdateRequest(_msg: Message): void {
    const view = this.view;
    if (!view) return;
    try {
      this.painted = view.panes.get(this.state.view)!.paint(this.state, view.ctx);
      view.controls.report(this.painted);
      // The token view paints here; the others when their pixels come (onPixels).
      if (this.state.view === "token") this.ready();
    } catch (e) {
      this.showError("The attention view failed. ", e);
    }
  }

  /** Host: a canvas has its pixels; the notice of the view in sight follows them. */
  onPixels(slot: string, notice: string | undefined): void {
    const view = this.view, s = this.state;
    if (!view) return;
    if (slot === (s.view === "head" ? "head" : s.view === "model" ? (s.detail ? "detail" : "grid") : "")) view.controls.setNotice(notice ?? "");
    if (slot === "head" || slot === "grid") this.ready();
  }

  fail(what: string, e: unknown): void {
    this.showError(what, e);
  }

  /** The first render is on the page: its time, from renderModel (decoding, painting and the waits between). */
  private ready(): void {
    if (!this.firstRender) return;
    this.node.dataset.renderMs = (performance.now() - this.firstRender.t0).toFixed(1);
    this.node.dataset.state = "ready";
    this.firstRender = null;
  }

  protected override onResize(_msg: Widget.ResizeMessage): void {
    // The model view's thumbnails and the token view's charts follow the width.
    if (this.state.view !== "head") this.update();
  }

  protected override onAfterAttach(_msg: Message): void {
    const onTheme = this.guard(() => this.restyle());
    this.unwatchTheme = watchTheme(() => onTheme(new Event("theme")));
    this.restyle();
  }

  protected override onBeforeDetach(_msg: Message): void {
    this.unwatchTheme?.();
    this.unwatchTheme = null;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.unwatchTheme?.();
    this.view = null;
    this.painted = null;
    this.renderer.dispose();
    super.dispose();
  }

  private sync(): void {
    const view = this.view;
    if (!view) return;
    view.controls.sync(this.state);
    const att = view.ctx.att;
    view.omitted.hidden = !att.omitted;
    if (att.omitted) view.omitted.textContent = describeOmitted(att.omitted, att.heads, this.state.view === "head" ? this.state.layer : undefined);
    for (const [id, pane] of view.panes) {
      pane.node.hidden = id !== this.state.view;
      if (id === this.state.view) pane.sync(this.state);
    }
  }

  /** JupyterLab's theme and font as they are now (they are only readable once the node is in the page). */
  private style(): Pick<ViewContext, "theme" | "font" | "measure"> {
    const jt = readJupyterTheme(this.node);
    return { theme: themeFromVariables(jt.read, jt.dark), font: jt.font, measure: canvasMeasure(jt.font) };
  }

  private restyle(): void {
    if (!this.view) return;
    Object.assign(this.view.ctx, this.style());
    this.update();
  }

  private showError(what: string, e: unknown, where: "append" | "prepend" = "prepend"): void {
    const box = el("div", "lukelab-attention-error");
    box.setAttribute("role", "alert");
    box.append(el("strong", undefined, what), el("span", undefined, e instanceof Error ? e.message : String(e)));
    if (where === "append") this.node.append(box);
    else this.node.prepend(box);
    this.node.dataset.state = "error";
  }
}
