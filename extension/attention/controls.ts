/**
 * The controls above the attention views: title, view tabs, layer, link filters, export buttons, the
 * head toggles, and the notice and status lines. Every change goes to the widget as a new state
 * (through the Host); `sync` brings the controls in line with a state.
 */
import type { Attention } from "../../kernel/portable/attention-payload";
import { headColours, hex } from "../../kernel/portable/colours";
import { BLOCKS, PAIRS, type Pair } from "../../kernel/portable/links";
import { el } from "../dom";
import type { Host, Painted } from "./pane";
import * as S from "./state";

export class Controls {
  /** In page order: title (if any), toolbar, heads. */
  readonly nodes: HTMLElement[] = [];
  readonly notice = el("div", "lukelab-attention-notice");
  readonly status = el("div", "lukelab-attention-status");
  private readonly tabs = new Map<S.ViewName, HTMLButtonElement>();
  private readonly layer = el("select");
  private readonly heads: HTMLButtonElement[];

  constructor(host: Host, att: Attention, onExport: (format: "png" | "svg") => void) {
    if (att.title) this.nodes.push(el("div", "lukelab-attention-title", att.title));
    const bar = el("div", "lukelab-attention-toolbar");
    bar.append(this.tabBar(host), this.layerField(host, att));
    const filters = this.filters(host, att);
    if (filters) bar.append(filters);
    const exports = el("div", "lukelab-attention-export");
    exports.append(el("span", undefined, "Export "));
    for (const format of ["png", "svg"] as const) {
      const b = button("lukelab-attention-button", format.toUpperCase(), `Export the current view as ${format.toUpperCase()}`);
      b.dataset.export = format;
      b.addEventListener("click", host.guard(() => onExport(format)));
      exports.append(b);
    }
    bar.append(exports);
    const heads = el("div", "lukelab-attention-heads");
    heads.setAttribute("role", "group");
    heads.setAttribute("aria-label", "Heads: click to toggle, double-click (or S) to show one head alone");
    heads.append(el("span", "lukelab-attention-heads-label", "Heads"));
    this.heads = headColours(att.heads).map((c, h) => {
      const b = button("lukelab-attention-head", undefined, `Head ${h}: click to toggle, double-click to show it alone`);
      b.dataset.head = String(h);
      const sw = el("span", "lukelab-attention-swatch");
      sw.style.backgroundColor = hex(c);
      b.append(sw, el("span", undefined, String(h)));
      b.addEventListener("click", host.guard(() => host.apply(S.toggleHead(host.state, h))));
      b.addEventListener("dblclick", host.guard(() => host.apply(S.soloHead(host.state, h))));
      b.addEventListener("keydown", host.guard((e: KeyboardEvent) => {
        if (e.key !== "s" && e.key !== "S") return;
        e.preventDefault();
        host.apply(S.soloHead(host.state, h));
      }));
      heads.append(b);
      return b;
    });
    const all = button("lukelab-attention-button", "All", "Show all heads");
    all.addEventListener("click", host.guard(() => host.apply(S.allHeads(host.state))));
    heads.append(all);
    this.notice.setAttribute("aria-live", "polite");
    this.nodes.push(bar, heads, this.notice);
  }

  private tabBar(host: Host): HTMLElement {
    const tabs = el("div", "lukelab-attention-tabs");
    tabs.setAttribute("role", "tablist");
    for (const v of S.VIEWS) {
      const b = button("lukelab-attention-tab", v.label);
      b.setAttribute("role", "tab");
      b.dataset.view = v.id;
      b.addEventListener("click", host.guard(() => host.apply({ ...host.state, view: v.id })));
      this.tabs.set(v.id, b);
      tabs.append(b);
    }
    return tabs;
  }

  private layerField(host: Host, att: Attention): HTMLElement {
    const label = el("label", "lukelab-attention-field", "Layer ");
    this.layer.setAttribute("aria-label", "Layer");
    att.layers.forEach((l, i) => {
      const o = el("option", undefined, String(l));
      o.value = String(i);
      this.layer.append(o);
    });
    this.layer.addEventListener("change", host.guard(() => host.apply(S.setLayer(host.state, Number(this.layer.value), att.layers.length))));
    label.append(this.layer);
    return label;
  }

  /** Word/entity blocks (when there are entities) and the sentence pair (when there are two sentences). */
  private filters(host: Host, att: Attention): HTMLElement | null {
    const hasEntities = att.entities.length > 0;
    if (!hasEntities && att.segmentBoundary === null) return null;
    const filters = el("fieldset", "lukelab-attention-filters");
    filters.append(el("legend", undefined, "Links"));
    for (const b of BLOCKS) {
      if (!hasEntities && b.id !== "ww") continue;
      const label = el("label", "lukelab-attention-check");
      const box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.dataset.block = b.id;
      box.addEventListener("change", host.guard(() => host.apply(S.setBlock(host.state, b.id, box.checked))));
      label.append(box, document.createTextNode(" " + b.label));
      filters.append(label);
    }
    if (att.segmentBoundary !== null) {
      const label = el("label", "lukelab-attention-field", "Sentences ");
      const pair = el("select");
      pair.setAttribute("aria-label", "Sentence pair filter");
      pair.dataset.role = "pair";
      for (const p of PAIRS) {
        const o = el("option", undefined, p.label);
        o.value = p.id;
        pair.append(o);
      }
      pair.addEventListener("change", host.guard(() => host.apply(S.setPair(host.state, pair.value as Pair))));
      label.append(pair);
      filters.append(label);
    }
    return filters;
  }

  sync(s: S.ViewState): void {
    for (const [id, b] of this.tabs) {
      b.setAttribute("aria-selected", String(id === s.view));
      b.tabIndex = id === s.view ? 0 : -1;
    }
    this.layer.value = String(s.layer);
    // The layer applies to the head view; the other views show every layer.
    // (It keeps its place, hidden, so the toolbar is the same size in every view.)
    this.layer.parentElement!.classList.toggle("lukelab-attention-idle", s.view !== "head");
    this.layer.disabled = s.view !== "head";
    this.heads.forEach((b, h) => b.setAttribute("aria-pressed", String(s.activeHeads[h])));
  }

  /** The lines beside the painted view (a notice left out comes with the pixels: `notice`). */
  report(painted: Painted | null): void {
    if (painted?.notice !== undefined) this.notice.textContent = painted.notice;
    this.status.textContent = painted?.status ?? "";
  }

  /** What the view's scene says beside it. */
  setNotice(text: string): void {
    this.notice.textContent = text;
  }
}

function button(cls: string, text?: string, title?: string): HTMLButtonElement {
  const b = el("button", cls, text);
  b.type = "button";
  if (title) b.title = title;
  return b;
}
