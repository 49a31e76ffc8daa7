/** The head view's pane: one canvas with every active head's links of one layer, painted where in sight. */
import { describeFocus, headViewLayout, headViewScene, type HeadViewLayout } from "../../kernel/portable/head-view";
import { el } from "../dom";
import { ScrolledCanvas } from "./band";
import { viewCanvas, wireTokenCanvas, type Host, type Painted, type Pane, type ViewContext } from "./pane";
import type { ViewState } from "./state";

export class HeadPane implements Pane {
  readonly node = el("div", "lukelab-attention-pane lukelab-attention-scroll");
  private readonly canvas = viewCanvas("head-view", "Head view: queries on the left, keys on the right. Arrow keys move between tokens, Escape clears.");
  /** Paints the rows in sight of the pane's scroll box. */
  private readonly painter = new ScrolledCanvas(this.node, this.canvas);
  /** The layout and the measure it was made with (a theme change brings another font). */
  private layout: { of: ViewContext["measure"]; layout: HeadViewLayout } | null = null;

  constructor(host: Host, tokens: number) {
    wireTokenCanvas(this.canvas, host, () => this.layout?.layout ?? null, "focus", tokens);
    this.node.append(this.canvas);
  }

  sync(): void {}

  paint(s: ViewState, ctx: ViewContext): Painted {
    const t0 = performance.now();
    const { att } = ctx;
    if (this.layout?.of !== ctx.measure) this.layout = { of: ctx.measure, layout: headViewLayout(ctx.labels, att.heads, ctx.measure) };
    const l = this.layout.layout;
    const scene = headViewScene(att, s, l, ctx.labels, ctx.theme);
    this.painter.paint(scene, ctx.font);
    // Where the token rows are, for tests and tools that drive the view (no effect on drawing).
    this.canvas.dataset.layout = JSON.stringify({ top: l.top, rowHeight: l.rowHeight, leftText: l.leftText, rightText: l.rightText, x0: l.x0, x1: l.x1, tokens: l.tokens });
    // How long the last repaint took (a hover repaints).
    this.canvas.dataset.hoverMs = (performance.now() - t0).toFixed(2);
    return {
      scene,
      name: `head-view-layer${att.layers[s.layer]}`,
      notice: scene.notice,
      status: s.focus ? describeFocus(att, s.layer, s.focus, s.activeHeads) : "",
    };
  }
}
