/** The head view's pane: one canvas with every active head's links of one layer, painted where in sight. */
import { describeFocus, headViewLayout, headViewScene, type HeadViewLayout } from "../../kernel/portable/head-view";
import type { Band } from "../../kernel/portable/raster";
import { el } from "../dom";
import { ScrolledCanvas, type BandPart } from "./band";
import { requestBand, viewCanvas, wireTokenCanvas, type BandSpec, type Host, type Painted, type Pane, type ViewContext } from "./pane";
import type { SceneSpec } from "./render-core";
import type { ViewState } from "./state";

export class HeadPane implements Pane {
  readonly node = el("div", "lukelab-attention-pane lukelab-attention-scroll");
  private readonly canvas = viewCanvas("head-view", "Head view: queries on the left, keys on the right. Arrow keys move between tokens, Escape clears.");
  /** Paints the rows in sight of the pane's scroll box. */
  private readonly painter: ScrolledCanvas;
  /** The layout and the measure it was made with (a theme change brings another font). */
  private layout: { of: ViewContext["measure"]; layout: HeadViewLayout } | null = null;
  /** What the next band shows (the last paint's scene). */
  private spec: BandSpec | null = null;

  constructor(
    private readonly host: Host,
    tokens: number,
  ) {
    wireTokenCanvas(this.canvas, host, () => this.layout?.layout ?? null, "focus", tokens);
    this.painter = new ScrolledCanvas(this.node, this.canvas, (band, part, done) => this.draw(band, part, done));
    this.node.append(this.canvas);
  }

  sync(): void {}

  paint(s: ViewState, ctx: ViewContext): Painted {
    const { att } = ctx;
    if (this.layout?.of !== ctx.measure) this.layout = { of: ctx.measure, layout: headViewLayout(ctx.labels, att.heads, ctx.measure) };
    const l = this.layout.layout;
    const state = { layer: s.layer, activeHeads: s.activeHeads, filter: s.filter, focus: s.focus };
    const spec: SceneSpec = { kind: "head", state, layout: l, theme: ctx.theme };
    this.spec = { spec, key: JSON.stringify(spec), font: ctx.font };
    this.painter.paint(l.width, l.height);
    // Where the token rows are, for tests and tools that drive the view (no effect on drawing).
    this.canvas.dataset.layout = JSON.stringify({ top: l.top, rowHeight: l.rowHeight, leftText: l.leftText, rightText: l.rightText, x0: l.x0, x1: l.x1, tokens: l.tokens });
    return {
      scene: () => headViewScene(att, state, l, ctx.labels, ctx.theme),
      name: `head-view-layer${att.layers[s.layer]}`,
      status: s.focus ? describeFocus(att, s.layer, s.focus, s.activeHeads) : "",
    };
  }

  private draw(band: Band, part: BandPart, done: () => void): void {
    const p = this.spec;
    if (!p) return;
    requestBand(this.host, this.canvas, "head", p, band, part, () => {
      // How long the last repaint of the rows in sight took, from the request to the pixels on the canvas (a hover repaints).
      if (part === "sight") this.canvas.dataset.hoverMs = this.canvas.dataset.paintMs;
      done();
    });
  }
}
