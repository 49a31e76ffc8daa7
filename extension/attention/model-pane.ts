/** The model view's pane: the layers × heads thumbnails, and the head opened from them. */
import { describeFocus, headViewLayout, headViewScene, type HeadViewLayout } from "../../kernel/portable/head-view";
import { gridLayout, hitCell, modelGridScene, type GridLayout } from "../../kernel/portable/model-view";
import type { Band } from "../../kernel/portable/raster";
import { el } from "../dom";
import { ScrolledCanvas, type BandPart } from "./band";
import { requestBand, requestPaint, viewCanvas, wireTokenCanvas, type BandSpec, type Host, type Painted, type Pane, type ViewContext } from "./pane";
import type { SceneSpec } from "./render-core";
import * as S from "./state";

export class ModelPane implements Pane {
  readonly node = el("div", "lukelab-attention-pane");
  private readonly gridCanvas = viewCanvas("model-view", "Model view: layers by heads. Click a thumbnail or use the arrow keys to open a head.");
  private readonly detail = el("div", "lukelab-attention-detail");
  private readonly detailTitle = el("div", "lukelab-attention-detail-title");
  private readonly detailCanvas = viewCanvas("detail-view", "The opened head. Arrow keys move between tokens.");
  private readonly detailScroll = el("div", "lukelab-attention-scroll");
  /** Paints the opened head's rows in sight of its scroll box. */
  private readonly detailPainter: ScrolledCanvas;
  private grid: GridLayout | null = null;
  /** What the grid shows: max-pooling every head of every layer takes a while at 12 × 12 × 512, so a repaint that changes none of it (a hover in the opened head) asks for nothing. */
  private gridKey = "";
  private detailLayout: { of: ViewContext["measure"]; layout: HeadViewLayout } | null = null;
  /** What the opened head's next band shows. */
  private detailSpec: BandSpec | null = null;

  constructor(
    private readonly host: Host,
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
    this.detailPainter = new ScrolledCanvas(this.detailScroll, this.detailCanvas, (band, part, done) => this.drawDetail(band, part, done));
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
    const gridSpec: SceneSpec = { kind: "grid", grid: this.grid, filter: s.filter, theme: ctx.theme, selected: s.detail };
    const key = JSON.stringify(gridSpec);
    if (this.gridKey !== key) {
      this.gridKey = key;
      // The grid's size on the page now, before its pixels come: a click maps to a cell at once.
      this.gridCanvas.style.width = `${this.grid.width}px`;
      this.gridCanvas.style.height = `${this.grid.height}px`;
      requestPaint(this.host, this.gridCanvas, { slot: "grid", key, spec: gridSpec, ratio: window.devicePixelRatio || 1, band: null }, () => ctx.font);
    }
    const grid = this.grid;
    const gridScene = () => modelGridScene(att, grid, s.filter, ctx.theme, s.detail);
    if (!s.detail) return { scene: gridScene, name: "model-view", notice: "", status: "Click a thumbnail (or press an arrow key) to open that head." };
    const { layer, head } = s.detail;
    if (this.detailLayout?.of !== ctx.measure) this.detailLayout = { of: ctx.measure, layout: headViewLayout(ctx.labels, att.heads, ctx.measure, { linkWidth: 180 }) };
    const only = Array.from({ length: att.heads }, (_, h) => h === head);
    const state = { layer, activeHeads: only, filter: s.filter, focus: s.detailFocus };
    const layout = this.detailLayout.layout;
    const spec: SceneSpec = { kind: "head", state, layout, theme: ctx.theme };
    this.detailSpec = { spec, key: JSON.stringify(spec), font: ctx.font };
    this.detailPainter.paint(layout.width, layout.height);
    return {
      scene: () => headViewScene(att, state, layout, ctx.labels, ctx.theme),
      name: `layer${att.layers[layer]}-head${head}`,
      status: s.detailFocus ? describeFocus(att, layer, s.detailFocus, only) : "",
    };
  }

  private drawDetail(band: Band, part: BandPart, done: () => void): void {
    const p = this.detailSpec;
    if (p) requestBand(this.host, this.detailCanvas, "detail", p, band, part, done);
  }
}
