/**
 * The attention widget: one Lumino widget with the head view, the model view and the token-to-token
 * view. It is thin: the payload is decoded by kernel/portable/attention-payload, scenes are built by
 * the views in kernel/portable, transitions come from ./state, and this file only wires controls to
 * them and paints. Every string from the payload reaches the page through textContent or a canvas,
 * never as markup.
 */
import { Widget } from "@lumino/widgets";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { ATTENTION_MIME, decodeAttentionPayload, type Attention } from "../../kernel/portable/attention-payload";
import { LIGHT_THEME, headColours, hex, themeFromVariables, type Theme } from "../../kernel/portable/colours";
import { headViewLayout, headViewScene, hitToken, type HeadViewLayout } from "../../kernel/portable/head-view";
import { BLOCKS, PAIRS, type Block, type Pair } from "../../kernel/portable/links";
import { gridLayout, hitCell, modelGridScene, type GridLayout } from "../../kernel/portable/model-view";
import type { Scene } from "../../kernel/portable/scene";
import { pairLayout, pairScene } from "../../kernel/portable/token-view";
import { prettifyToken, tokenLabels } from "../../kernel/portable/tokens";
import { el } from "../dom";
import { readJupyterTheme, watchTheme } from "../theme";
import { canvasMeasure, imageCanvas, paintScene } from "./canvas";
import * as S from "./state";
import { sceneToSvg } from "./svg";

export const CLASS = "lukelab-attention";

export class AttentionWidget extends Widget implements IRenderMime.IRenderer {
  private att: Attention | null = null;
  private state!: S.ViewState;
  private labels: string[] = [];
  private theme: Theme = LIGHT_THEME;
  private font = "sans-serif";
  private measure!: (t: string, s: number) => number;
  private headLayout: HeadViewLayout | null = null;
  private detailLayout: HeadViewLayout | null = null;
  private grid: GridLayout | null = null;
  private unwatchTheme: (() => void) | null = null;
  private current: { scene: Scene; name: string } | null = null;

  // DOM built once per payload; references kept so updates only touch what changed.
  private headButtons: HTMLButtonElement[] = [];
  private viewButtons = new Map<S.ViewName, HTMLButtonElement>();
  private layerSelect!: HTMLSelectElement;
  private notice!: HTMLElement;
  private status!: HTMLElement;
  private panes = new Map<S.ViewName, HTMLElement>();
  private headCanvas!: HTMLCanvasElement;
  private gridCanvas!: HTMLCanvasElement;
  private detailCanvas!: HTMLCanvasElement;
  private detailTitle!: HTMLElement;
  private pairCanvas!: HTMLCanvasElement;
  private token1Select!: HTMLSelectElement;
  private token2Select!: HTMLSelectElement;
  private tokenStrip: HTMLButtonElement[] = [];
  private pickHint!: HTMLElement;

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass(CLASS);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const t0 = performance.now();
    this.node.textContent = "";
    const decoded = decodeAttentionPayload(model.data[this.options.mimeType ?? ATTENTION_MIME]);
    if (!decoded.ok) {
      this.att = null;
      const box = el("div", "lukelab-attention-error");
      box.setAttribute("role", "alert");
      box.append(el("strong", undefined, "Cannot show this attention payload. "), el("span", undefined, decoded.error.message));
      this.node.append(box);
      this.node.dataset.state = "error";
      return;
    }
    try {
      this.att = decoded.attention;
      this.state = S.initialState(this.att.layers.length, this.att.heads, this.att.tokens);
      this.labels = tokenLabels(this.att);
      this.readStyle();
      this.build();
      this.redraw();
      this.node.dataset.state = "ready";
      this.node.dataset.renderMs = (performance.now() - t0).toFixed(1);
    } catch (e) {
      this.showFailure(e);
    }
  }

  private showFailure(e: unknown): void {
    const box = el("div", "lukelab-attention-error");
    box.setAttribute("role", "alert");
    box.append(el("strong", undefined, "The attention view failed. "), el("span", undefined, e instanceof Error ? e.message : String(e)));
    this.node.prepend(box);
    this.node.dataset.state = "error";
  }

  /** Runs an event handler; a failure shows in the widget instead of escaping into the page. */
  private guard<E extends Event>(fn: (e: E) => void): (e: E) => void {
    return (e: E) => {
      try {
        fn(e);
      } catch (err) {
        this.showFailure(err);
      }
    };
  }

  protected override onAfterAttach(): void {
    const onTheme = this.guard(() => {
      if (!this.att) return;
      this.readStyle();
      this.redraw();
    });
    this.unwatchTheme = watchTheme(() => onTheme(new Event("theme")));
    if (this.att) {
      this.readStyle();
      this.redraw();
    }
  }

  protected override onBeforeDetach(): void {
    this.unwatchTheme?.();
    this.unwatchTheme = null;
  }

  private readStyle(): void {
    const jt = readJupyterTheme(this.node);
    this.theme = themeFromVariables(jt.read, jt.dark);
    this.font = jt.font;
    this.measure = canvasMeasure(this.font);
    this.headLayout = null;
    this.detailLayout = null;
  }

  // ----------------------------------------------------------------------------------------------
  // DOM

  private build(): void {
    const att = this.att!;
    const root = this.node;
    if (att.title) root.append(el("div", "lukelab-attention-title", att.title));

    const bar = el("div", "lukelab-attention-toolbar");
    const tabs = el("div", "lukelab-attention-tabs");
    tabs.setAttribute("role", "tablist");
    for (const v of S.VIEWS) {
      const b = el("button", "lukelab-attention-tab", v.label);
      b.type = "button";
      b.setAttribute("role", "tab");
      b.dataset.view = v.id;
      b.addEventListener("click", this.guard(() => this.apply({ ...this.state, view: v.id })));
      this.viewButtons.set(v.id, b);
      tabs.append(b);
    }
    bar.append(tabs);

    const layerLabel = el("label", "lukelab-attention-field", "Layer ");
    this.layerSelect = el("select");
    this.layerSelect.setAttribute("aria-label", "Layer");
    att.layers.forEach((l, i) => {
      const o = el("option", undefined, String(l));
      o.value = String(i);
      this.layerSelect.append(o);
    });
    this.layerSelect.addEventListener("change", this.guard(() => this.apply(S.setLayer(this.state, Number(this.layerSelect.value), att.layers.length))));
    layerLabel.append(this.layerSelect);
    bar.append(layerLabel);

    const filters = el("fieldset", "lukelab-attention-filters");
    filters.append(el("legend", undefined, "Links"));
    const hasEntities = att.entities.length > 0;
    for (const b of BLOCKS) {
      if (!hasEntities && b.id !== "ww") continue;
      const label = el("label", "lukelab-attention-check");
      const box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.dataset.block = b.id;
      box.addEventListener("change", this.guard(() => this.apply(S.setBlock(this.state, b.id as Block, box.checked))));
      label.append(box, document.createTextNode(" " + b.label));
      filters.append(label);
    }
    if (att.segmentBoundary !== null) {
      const pairLabel = el("label", "lukelab-attention-field", "Sentences ");
      const pair = el("select");
      pair.setAttribute("aria-label", "Sentence pair filter");
      pair.dataset.role = "pair";
      for (const p of PAIRS) {
        const o = el("option", undefined, p.label);
        o.value = p.id;
        pair.append(o);
      }
      pair.addEventListener("change", this.guard(() => this.apply(S.setPair(this.state, pair.value as Pair))));
      pairLabel.append(pair);
      filters.append(pairLabel);
    }
    if (hasEntities || att.segmentBoundary !== null) bar.append(filters);

    const exports = el("div", "lukelab-attention-export");
    const png = el("button", "lukelab-attention-button", "PNG");
    png.type = "button";
    png.title = "Export the current view as PNG";
    png.dataset.export = "png";
    png.addEventListener("click", this.guard(() => this.exportPng()));
    const svg = el("button", "lukelab-attention-button", "SVG");
    svg.type = "button";
    svg.title = "Export the current view as SVG";
    svg.dataset.export = "svg";
    svg.addEventListener("click", this.guard(() => this.exportSvg()));
    exports.append(el("span", undefined, "Export "), png, svg);
    bar.append(exports);
    root.append(bar);

    const heads = el("div", "lukelab-attention-heads");
    heads.setAttribute("role", "group");
    heads.setAttribute("aria-label", "Heads: click to toggle, double-click (or S) to show one head alone");
    heads.append(el("span", "lukelab-attention-heads-label", "Heads"));
    const colours = headColours(att.heads);
    this.headButtons = colours.map((c, h) => {
      const b = el("button", "lukelab-attention-head");
      b.type = "button";
      b.dataset.head = String(h);
      b.title = `Head ${h}: click to toggle, double-click to show it alone`;
      const sw = el("span", "lukelab-attention-swatch");
      sw.style.backgroundColor = hex(c);
      b.append(sw, el("span", undefined, String(h)));
      b.addEventListener("click", this.guard(() => this.apply(S.toggleHead(this.state, h))));
      b.addEventListener("dblclick", this.guard(() => this.apply(S.soloHead(this.state, h))));
      b.addEventListener(
        "keydown",
        this.guard((e: KeyboardEvent) => {
          if (e.key === "s" || e.key === "S") {
            e.preventDefault();
            this.apply(S.soloHead(this.state, h));
          }
        }),
      );
      heads.append(b);
      return b;
    });
    const all = el("button", "lukelab-attention-button", "All");
    all.type = "button";
    all.title = "Show all heads";
    all.addEventListener("click", this.guard(() => this.apply(S.allHeads(this.state))));
    heads.append(all);
    root.append(heads);

    this.notice = el("div", "lukelab-attention-notice");
    this.notice.setAttribute("aria-live", "polite");
    root.append(this.notice);

    // Head view.
    const headPane = el("div", "lukelab-attention-pane lukelab-attention-scroll");
    this.headCanvas = el("canvas", "lukelab-attention-canvas");
    this.headCanvas.tabIndex = 0;
    this.headCanvas.dataset.role = "head-view";
    this.headCanvas.setAttribute("role", "img");
    this.headCanvas.setAttribute("aria-label", "Head view: queries on the left, keys on the right. Arrow keys move between tokens, Escape clears.");
    this.wireTokenCanvas(this.headCanvas, () => this.headLayout, "focus");
    headPane.append(this.headCanvas);
    this.panes.set("head", headPane);

    // Model view.
    const modelPane = el("div", "lukelab-attention-pane");
    const gridWrap = el("div", "lukelab-attention-scroll");
    this.gridCanvas = el("canvas", "lukelab-attention-canvas");
    this.gridCanvas.tabIndex = 0;
    this.gridCanvas.dataset.role = "model-view";
    this.gridCanvas.setAttribute("role", "img");
    this.gridCanvas.setAttribute("aria-label", "Model view: layers by heads. Click a thumbnail or use the arrow keys to open a head.");
    this.gridCanvas.addEventListener("click", this.guard((e: MouseEvent) => this.grid && this.apply(S.openDetail(this.state, hitCell(this.grid, e.offsetX, e.offsetY)))));
    this.gridCanvas.addEventListener(
      "keydown",
      this.guard((e: KeyboardEvent) => {
        const next = S.keyDetail(this.state.detail, e.key, att.layers.length, att.heads);
        if (next === undefined) return;
        e.preventDefault();
        this.apply({ ...this.state, detail: next, detailFocus: null });
      }),
    );
    gridWrap.append(this.gridCanvas);
    const detail = el("div", "lukelab-attention-detail");
    this.detailTitle = el("div", "lukelab-attention-detail-title");
    const detailScroll = el("div", "lukelab-attention-scroll");
    this.detailCanvas = el("canvas", "lukelab-attention-canvas");
    this.detailCanvas.tabIndex = 0;
    this.detailCanvas.dataset.role = "detail-view";
    this.detailCanvas.setAttribute("role", "img");
    this.detailCanvas.setAttribute("aria-label", "The opened head. Arrow keys move between tokens.");
    this.wireTokenCanvas(this.detailCanvas, () => this.detailLayout, "detailFocus");
    detailScroll.append(this.detailCanvas);
    detail.append(this.detailTitle, detailScroll);
    modelPane.append(gridWrap, detail);
    this.panes.set("model", modelPane);

    // Token to token.
    const tokenPane = el("div", "lukelab-attention-pane");
    const pick = el("div", "lukelab-attention-pick");
    this.token1Select = this.tokenSelect("Token 1 (query)", (i) => this.apply({ ...this.state, token1: i }));
    this.token2Select = this.tokenSelect("Token 2 (key)", (i) => this.apply({ ...this.state, token2: i }));
    this.token1Select.dataset.role = "token1";
    this.token2Select.dataset.role = "token2";
    pick.append(this.token1Select.parentElement!, el("span", undefined, " → "), this.token2Select.parentElement!);
    this.pickHint = el("span", "lukelab-attention-hint");
    pick.append(this.pickHint);
    const strip = el("div", "lukelab-attention-strip");
    strip.setAttribute("aria-label", "Tokens: a click sets token 1, the next click token 2");
    this.tokenStrip = this.labels.map((label, i) => {
      const b = el("button", i >= att.numWords ? "lukelab-attention-token lukelab-attention-entity" : "lukelab-attention-token", label);
      b.type = "button";
      b.dataset.token = String(i);
      b.title = i >= att.numWords ? `entity ${i - att.numWords}: ${att.entities[i - att.numWords]}` : `word ${i}: ${att.words[i]}`;
      b.addEventListener("click", this.guard(() => this.apply(S.pickToken(this.state, i))));
      strip.append(b);
      return b;
    });
    const pairWrap = el("div", "lukelab-attention-scroll");
    this.pairCanvas = el("canvas", "lukelab-attention-canvas");
    this.pairCanvas.dataset.role = "token-view";
    this.pairCanvas.setAttribute("role", "img");
    pairWrap.append(this.pairCanvas);
    tokenPane.append(pick, strip, pairWrap);
    this.panes.set("token", tokenPane);

    for (const p of this.panes.values()) root.append(p);
    this.status = el("div", "lukelab-attention-status");
    root.append(this.status);
  }

  private tokenSelect(label: string, onPick: (i: number) => void): HTMLSelectElement {
    const wrap = el("label", "lukelab-attention-field", label + " ");
    const select = el("select");
    select.setAttribute("aria-label", label);
    this.labels.forEach((l, i) => {
      const o = el("option", undefined, `${i}: ${l}`);
      o.value = String(i);
      select.append(o);
    });
    select.addEventListener("change", this.guard(() => onPick(Number(select.value))));
    wrap.append(select);
    return select;
  }

  /** Hover isolates a token's links, click pins it, arrow keys move it; for the head view and the detail. */
  private wireTokenCanvas(canvas: HTMLCanvasElement, layout: () => HeadViewLayout | null, key: "focus" | "detailFocus"): void {
    const set = (token: S.ViewState["focus"], pin?: boolean) => {
      const t0 = performance.now();
      let next: S.ViewState;
      if (key === "focus") next = pin === undefined ? S.hover(this.state, token) : S.clickToken(this.state, token);
      else next = S.sameToken(this.state.detailFocus, token) && pin === undefined ? this.state : { ...this.state, detailFocus: token };
      if (next === this.state) return;
      this.apply(next);
      canvas.dataset.hoverMs = (performance.now() - t0).toFixed(2);
    };
    canvas.addEventListener("pointermove", this.guard((e: PointerEvent) => {
      const l = layout();
      if (l) set(hitToken(l, e.offsetX, e.offsetY));
    }));
    canvas.addEventListener("pointerleave", this.guard(() => set(null)));
    canvas.addEventListener("click", this.guard((e: MouseEvent) => {
      const l = layout();
      if (l) set(hitToken(l, e.offsetX, e.offsetY), true);
    }));
    canvas.addEventListener("keydown", this.guard((e: KeyboardEvent) => {
      const next = S.keyFocus(this.state[key], e.key, this.att!.tokens);
      if (next === undefined) return;
      e.preventDefault();
      if (key === "focus") this.apply({ ...this.state, focus: next, pinned: next !== null });
      else this.apply({ ...this.state, detailFocus: next });
    }));
  }

  // ----------------------------------------------------------------------------------------------
  // Drawing

  private apply(next: S.ViewState): void {
    this.state = next;
    this.redraw();
  }

  private redraw(): void {
    const att = this.att;
    if (!att) return;
    const s = this.state;
    for (const [id, b] of this.viewButtons) {
      b.setAttribute("aria-selected", String(id === s.view));
      b.tabIndex = id === s.view ? 0 : -1;
    }
    for (const [id, p] of this.panes) p.hidden = id !== s.view;
    this.layerSelect.value = String(s.layer);
    // The layer applies to the head view; the other views show every layer.
    this.layerSelect.parentElement!.hidden = s.view !== "head";
    this.headButtons.forEach((b, h) => b.setAttribute("aria-pressed", String(s.activeHeads[h])));
    this.notice.textContent = "";
    this.status.textContent = "";
    if (s.view === "head") this.drawHead();
    else if (s.view === "model") this.drawModel();
    else this.drawPair();
  }

  private drawHead(): void {
    const att = this.att!;
    const s = this.state;
    this.headLayout ??= headViewLayout(this.labels, att.heads, this.measure);
    const scene = headViewScene(att, s, this.headLayout, this.labels, this.theme);
    paintScene(this.headCanvas, scene, this.font);
    const l = this.headLayout;
    // Where the token rows are, for tests and tools that drive the view (no effect on drawing).
    this.headCanvas.dataset.layout = JSON.stringify({ top: l.top, rowHeight: l.rowHeight, leftText: l.leftText, rightText: l.rightText, x0: l.x0, x1: l.x1, tokens: l.tokens });
    this.current = { scene, name: `head-view-layer${att.layers[s.layer]}` };
    this.notice.textContent = scene.notice ?? "";
    if (s.focus) this.status.textContent = this.describeFocus(s.layer, s.focus, s.activeHeads);
  }

  private describeFocus(layer: number, focus: NonNullable<S.ViewState["focus"]>, active: readonly boolean[]): string {
    const att = this.att!;
    // The strongest link of the token in focus, over the active heads.
    let best = { w: -1, h: 0, other: 0 };
    for (let h = 0; h < att.heads; h++) {
      if (!active[h]) continue;
      const m = att.matrix(layer, h);
      for (let i = 0; i < att.tokens; i++) {
        const w = focus.side === "left" ? m[focus.index * att.tokens + i] : m[i * att.tokens + focus.index];
        if (w > best.w) best = { w, h, other: i };
      }
    }
    const token = this.tokenName(focus.index);
    const other = this.tokenName(best.other);
    return focus.side === "left"
      ? `${token} attends most to ${other} (head ${best.h}, ${best.w.toFixed(3)})`
      : `${token} is attended most by ${other} (head ${best.h}, ${best.w.toFixed(3)})`;
  }

  private tokenName(i: number): string {
    const att = this.att!;
    return i < att.numWords ? `“${prettifyToken(att.words[i])}”` : `entity “${att.entities[i - att.numWords]}”`;
  }

  private drawModel(): void {
    const att = this.att!;
    const s = this.state;
    const width = Math.max(480, this.node.clientWidth || 900) - 24;
    this.grid = gridLayout(att.layers.length, att.heads, { maxWidth: width });
    const scene = modelGridScene(att, this.grid, s.filter, this.theme, s.detail);
    paintScene(this.gridCanvas, scene, this.font);
    this.current = { scene, name: "model-view" };
    const detail = this.detailCanvas.parentElement!.parentElement!;
    detail.hidden = !s.detail;
    if (s.detail) {
      const { layer, head } = s.detail;
      this.detailTitle.textContent = `Layer ${att.layers[layer]}, head ${head}`;
      this.detailLayout ??= headViewLayout(this.labels, att.heads, this.measure, { linkWidth: 180 });
      const only = Array.from({ length: att.heads }, (_, h) => h === head);
      const dscene = headViewScene(att, { layer, activeHeads: only, filter: s.filter, focus: s.detailFocus }, this.detailLayout, this.labels, this.theme);
      paintScene(this.detailCanvas, dscene, this.font);
      this.current = { scene: dscene, name: `layer${att.layers[layer]}-head${head}` };
      this.notice.textContent = dscene.notice ?? "";
      if (s.detailFocus) this.status.textContent = this.describeFocus(layer, s.detailFocus, only);
    } else {
      this.status.textContent = "Click a thumbnail (or press an arrow key) to open that head.";
    }
  }

  private drawPair(): void {
    const att = this.att!;
    const s = this.state;
    this.token1Select.value = String(s.token1);
    this.token2Select.value = String(s.token2);
    this.tokenStrip.forEach((b, i) => {
      b.classList.toggle("lukelab-attention-token1", i === s.token1);
      b.classList.toggle("lukelab-attention-token2", i === s.token2);
      b.setAttribute("aria-pressed", String(i === s.token1 || i === s.token2));
    });
    this.pickHint.textContent = `A click on a token sets token ${s.nextPick}.`;
    const scene = pairScene(att, s.token1, s.token2, this.labels, this.theme, pairLayout(att.layers.length, att.heads));
    paintScene(this.pairCanvas, scene, this.font);
    this.current = { scene, name: `token-${s.token1}-to-${s.token2}` };
  }

  // ----------------------------------------------------------------------------------------------
  // Export

  private download(blob: Blob, name: string): void {
    const url = URL.createObjectURL(blob);
    const a = el("a");
    a.href = url;
    a.download = name;
    a.style.display = "none";
    this.node.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private exportPng(): void {
    if (!this.current) return;
    const { scene, name } = this.current;
    const canvas = el("canvas");
    paintScene(canvas, scene, this.font, 2);
    canvas.toBlob((blob) => blob && this.download(blob, `lukelab-attention-${name}.png`), "image/png");
  }

  private exportSvg(): void {
    if (!this.current) return;
    const { scene, name } = this.current;
    const svg = sceneToSvg(scene, {
      fontFamily: this.font,
      title: this.att?.title || "lukelab attention",
      imageHref: (shape) => imageCanvas(shape).toDataURL("image/png"),
    });
    this.download(new Blob([svg], { type: "image/svg+xml" }), `lukelab-attention-${name}.svg`);
  }
}
