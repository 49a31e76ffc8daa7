/**
 * The attention widget: one Lumino widget per `application/vnd.lukelab.attention+json` output, with the
 * head view, the model view and the token-to-token view. It keeps the lifecycle only: it decodes the
 * payload (kernel/portable/attention-payload), holds the ViewState (./state), builds the controls
 * (./controls) and one pane per view (./head-pane, ./model-pane, ./token-pane), and paints the pane in
 * sight in onUpdateRequest, so that a burst of changes (pointer moves, a resize, a theme switch) costs
 * one paint a frame. Every string from the payload reaches the page through textContent or a canvas,
 * never as markup.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { ATTENTION_MIME, decodeAttentionPayload } from "../../kernel/portable/attention-payload";
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
  /** Set by renderModel: the first paint reports the time from there (work only, not the wait for a frame). */
  private firstRender: { buildMs: number } | null = null;

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass(CLASS);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const t0 = performance.now();
    this.node.textContent = "";
    this.view = null;
    this.painted = null;
    const decoded = decodeAttentionPayload(model.data[this.options.mimeType ?? ATTENTION_MIME]);
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
      this.firstRender = { buildMs: performance.now() - t0 };
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
      const t0 = performance.now();
      this.painted = view.panes.get(this.state.view)!.paint(this.state, view.ctx);
      view.controls.report(this.painted);
      if (this.firstRender) {
        this.node.dataset.renderMs = (this.firstRender.buildMs + performance.now() - t0).toFixed(1);
        this.node.dataset.state = "ready";
        this.firstRender = null;
      }
    } catch (e) {
      this.showError("The attention view failed. ", e);
    }
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
