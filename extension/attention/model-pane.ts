/** The model view's pane: the layers × heads thumbnails, and the head opened from them. */
import { describeFocus, headViewLayout, headViewScene, type HeadViewLayout } from "../../kernel/portable/head-view";
import { gridLayout, hitCell, modelGridScene, type GridLayout } from "../../kernel/portable/model-view";
import type { Scene } from "../../kernel/portable/scene";
import { el } from "../dom";
import { ScrolledCanvas } from "./band";
import { paintScene } from "./canvas";
import { viewCanvas, wireTokenCanvas, type Host, type Painted, type Pane, type ViewContext } from "./pane";
import * as S from "./state";

export class ModelPane implements Pane {
  readonly node = el("div", "lukelab-attention-pane");
  private readonly gridCanvas = viewCanvas("model-view", "Model view: layers by heads. Click a thumbnail or use the arrow keys to open a head.");
  private readonly detail = el("div", "lukelab-attention-detail");
  private readonly detailTitle = el("div", "lukelab-attention-detail-title");
  private readonly detailCanvas = viewCanvas("detail-view", "The opened head. Arrow keys move between tokens.");
  private readonly detailScroll = el("div", "lukelab-attention-scroll");
  /** Paints the opened head's rows in sight of its scroll box. */
  private readonly detailPainter = new ScrolledCanvas(this.detailScroll, this.detailCanvas);
  private grid: GridLayout | null = null;
  /** The last grid scene and what it was made from: max-pooling every head of every layer costs ~0.7 s at 12 × 12 × 512, so a repaint that changes none of it (a hover in the opened head) reuses it. */
  private gridScene: { key: string; theme: ViewContext["theme"]; scene: Scene } | null = null;
  private detailLayout: { of: ViewContext["measure"]; layout: HeadViewLayout } | null = null;

  constructor(
    host: Host,
    private readonly layers: readonly number[],
    heads: number,
    tokens: number,
  ) {
    this.gridCanvas.addEventListener("click", host.guard((e: MouseEvent) => this.grid && host.apply(S.openDetail(host.state, hitCell(this.grid, e.offsetX, e.offsetY)))));
    this.gridCanvas.addEventListener(
      "keydown",
      host.guard((e: KeyboardEvent) => {
        const next = S.keyDetail(host.state.detail, e.key, layers.length, heads);
        if (next === undefined) return;
        e.preventDefault();
        host.apply({ ...host.state, detail: next, detailFocus: null });
      }),
    );
    wireTokenCanvas(this.detailCanvas, host, () => this.detailLayout?.layout ?? null, "detailFocus", tokens);
    const gridWrap = el("div", "lukelab-attention-scroll");
    gridWrap.append(this.gridCanvas);
    this.detailScroll.append(this.detailCanvas);
    this.detail.append(this.detailTitle, this.detailScroll);
    this.node.append(gridWrap, this.detail);
  }

  sync(s: S.ViewState): void {
    this.detail.hidden = !s.detail;
    this.detailTitle.textContent = s.detail ? `Layer ${this.layers[s.detail.layer]}, head ${s.detail.head}` : "";
  }

  paint(s: S.ViewState, ctx: ViewContext): Painted {
    const { att } = ctx;
    this.grid = gridLayout(att.layers.length, att.heads, { maxWidth: Math.max(480, ctx.width() || 900) - 24, maxHeight: 600 });
    const key = JSON.stringify([this.grid, s.filter, s.detail]);
    if (this.gridScene?.key !== key || this.gridScene.theme !== ctx.theme) {
      this.gridScene = { key, theme: ctx.theme, scene: modelGridScene(att, this.grid, s.filter, ctx.theme, s.detail) };
      paintScene(this.gridCanvas, this.gridScene.scene, ctx.font);
    }
    const scene = this.gridScene.scene;
    if (!s.detail) return { scene, name: "model-view", status: "Click a thumbnail (or press an arrow key) to open that head." };
    const { layer, head } = s.detail;
    if (this.detailLayout?.of !== ctx.measure) this.detailLayout = { of: ctx.measure, layout: headViewLayout(ctx.labels, att.heads, ctx.measure, { linkWidth: 180 }) };
    const only = Array.from({ length: att.heads }, (_, h) => h === head);
    const detail = headViewScene(att, { layer, activeHeads: only, filter: s.filter, focus: s.detailFocus }, this.detailLayout.layout, ctx.labels, ctx.theme);
    this.detailPainter.paint(detail, ctx.font);
    return {
      scene: detail,
      name: `layer${att.layers[layer]}-head${head}`,
      notice: detail.notice,
      status: s.detailFocus ? describeFocus(att, layer, s.detailFocus, only) : "",
    };
  }
}
