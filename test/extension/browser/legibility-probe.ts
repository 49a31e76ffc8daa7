/**
 * What the legibility browser test measures in the page: for every text of a lukelab output (DOM text
 * and Plotly's SVG text), its colour and the colour it is drawn on, composited as the browser does
 * (translucent colours and backgrounds over their ancestors', opacity), and its box. Runs in the page
 * (page.evaluate), so probeTexts is self-contained: it uses nothing outside itself.
 */

import { contrast, MIN_CONTRAST } from "../../../kernel/portable/colours";

// The page's globals, typed loosely: the project compiles without the DOM library.
declare const document: any, getComputedStyle: any, NodeFilter: any, SVGElement: any;
type Element = any;

export interface ProbedText {
  text: string;
  /** What it is: a CSS path of classes, for messages. */
  where: string;
  colour: [number, number, number];
  ground: [number, number, number];
  box: { x0: number; y0: number; x1: number; y1: number };
  /** Its outline on screen: a quadrilateral per line (a wrapped text has several; a rotated SVG text's is turned). */
  quads: [number, number][][];
  /** Inside a scrolling box (its box may extend past the output; the scroller is checked instead). */
  scrolled: boolean;
  svg: boolean;
}

/** Runs in the page: the texts under `root`. */
export async function probeTexts(root: Element): Promise<ProbedText[]> {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  /** Any CSS colour (rgb(), color(srgb …), color-mix() results, names) as RGBA 0–255 / alpha 0–1. */
  const rgba = (css: string): [number, number, number, number] => {
    if (!css || css === "none" || css === "transparent") return [0, 0, 0, 0];
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "rgba(0,0,0,0)";
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const over = (top: [number, number, number, number], under: [number, number, number]): [number, number, number] => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])) as [number, number, number];
  /** The opaque colour behind an element: its and its ancestors' backgrounds, composited from the page's. */
  const groundOf = (el: Element | null): [number, number, number] => {
    const layers: [number, number, number, number][] = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = rgba(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let c: [number, number, number] = [255, 255, 255];
    for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
    return c;
  };
  const opacityOf = (el: Element | null): number => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const where = (el: Element): string => {
    const parts: string[] = [];
    for (let e: Element | null = el; e && e !== root.parentElement; e = e.parentElement) {
      const cls = typeof e.className === "string" ? e.className.split(/\s+/).filter(Boolean)[0] : e.getAttribute("class")?.split(/\s+/)[0];
      parts.unshift(e.tagName.toLowerCase() + (cls ? "." + cls : ""));
    }
    return parts.slice(-3).join(" > ");
  };
  const visible = (el: Element): boolean => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    for (let e: Element | null = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden") return false;
    }
    return true;
  };
  const scrolledIn = (el: Element): boolean => {
    for (let e = el.parentElement; e && e !== root; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (/(auto|scroll)/.test(s.overflowX + s.overflowY)) return true;
    }
    return false;
  };
  // A heatmap is one <image> per trace: its pixels, drawn at its box, give the cell under a label.
  const heatmaps = new Map<Element, { box: any; data: any; w: number; h: number }>();
  for (const img of Array.from(root.querySelectorAll("g.hm image") as ArrayLike<any>)) {
    const b = img.getBoundingClientRect();
    const pic = new (globalThis as any).Image();
    pic.src = img.getAttribute("href") ?? img.getAttribute("xlink:href");
    await pic.decode();
    const c = document.createElement("canvas");
    c.width = Math.max(1, Math.round(b.width));
    c.height = Math.max(1, Math.round(b.height));
    const g = c.getContext("2d", { willReadFrequently: true });
    g.imageSmoothingEnabled = false;
    g.drawImage(pic, 0, 0, c.width, c.height);
    heatmaps.set(img.closest("g.hm"), { box: b, data: g.getImageData(0, 0, c.width, c.height).data, w: c.width, h: c.height });
  }
  const cellUnder = (el: Element): [number, number, number] | null => {
    const hm = heatmaps.get(el.closest("g.hm"));
    if (!hm) return null;
    const t = el.getBoundingClientRect();
    const x = Math.min(hm.w - 1, Math.max(0, Math.round((t.left + t.right) / 2 - hm.box.left)));
    const y = Math.min(hm.h - 1, Math.max(0, Math.round((t.top + t.bottom) / 2 - hm.box.top)));
    const o = (y * hm.w + x) * 4;
    return [hm.data[o], hm.data[o + 1], hm.data[o + 2]];
  };
  const out: ProbedText[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const seen = new Set<Element>();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent?.trim() || seen.has(el) || el.closest("option, script, style")) continue;
    seen.add(el);
    if (!visible(el)) continue;
    const svg = el instanceof SVGElement;
    let colour: [number, number, number];
    let ground: [number, number, number];
    if (svg) {
      // Plotly's text: fill and fill-opacity, on the figure's paper (the SVG's background) or plot area.
      const s = getComputedStyle(el);
      const fill = rgba(s.fill);
      const main = el.closest("svg.main-svg") ?? el.closest("svg");
      const paper = groundOf(el.closest(".js-plotly-plot") ?? main);
      const plotBg = main?.parentElement?.querySelector("svg.main-svg .bg");
      ground = paper;
      const cell = cellUnder(el);
      if (cell) ground = cell;
      else if (plotBg) {
        const b = plotBg.getBoundingClientRect(), t = el.getBoundingClientRect();
        if (t.left >= b.left && t.right <= b.right && t.top >= b.top && t.bottom <= b.bottom) ground = over(rgba(getComputedStyle(plotBg).fill), paper);
      }
      colour = over([fill[0], fill[1], fill[2], fill[3] * Number(s.fillOpacity || 1) * opacityOf(el)], ground);
    } else {
      ground = groundOf(el);
      const c = rgba(getComputedStyle(el).color);
      colour = over([c[0], c[1], c[2], c[3] * opacityOf(el)], ground);
    }
    const r = el.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(n);
    const quad = (q: any): [number, number][] => [[q.left, q.top], [q.right, q.top], [q.right, q.bottom], [q.left, q.bottom]];
    let quads: [number, number][][];
    if (svg) {
      // The text's own box, through its transform (Plotly turns crowded tick labels).
      const b = el.getBBox(), m = el.getScreenCTM();
      const at = (x: number, y: number): [number, number] => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
      quads = [[at(b.x, b.y), at(b.x + b.width, b.y), at(b.x + b.width, b.y + b.height), at(b.x, b.y + b.height)]];
    } else quads = Array.from(range.getClientRects() as ArrayLike<any>).filter((q) => q.width > 0.5).map(quad);
    out.push({ text: n.textContent.trim().slice(0, 60), where: where(el), colour, ground, box: { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom }, quads, scrolled: scrolledIn(el), svg });
  }
  // Selects show their chosen option's text in the select's own colours.
  for (const sel of Array.from(root.querySelectorAll("select") as ArrayLike<any>)) {
    if (!visible(sel)) continue;
    const ground = groundOf(sel);
    const c = rgba(getComputedStyle(sel).color);
    const r = sel.getBoundingClientRect();
    out.push({ text: `<select> ${sel.selectedOptions[0]?.textContent ?? ""}`.slice(0, 60), where: where(sel), colour: over([c[0], c[1], c[2], c[3] * opacityOf(sel)], ground), ground, box: { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom }, quads: [[[r.left, r.top], [r.right, r.top], [r.right, r.bottom], [r.left, r.bottom]]], scrolled: scrolledIn(sel), svg: false });
  }
  return out;
}

/** Node side: the texts below WCAG's 4.5:1, one line each. */
export function lowContrast(texts: readonly ProbedText[], label: string): string[] {
  return texts.flatMap((t) => {
    const ratio = contrast(t.colour, t.ground);
    return ratio < MIN_CONTRAST ? [`${label}: “${t.text}” (${t.where}) rgb(${t.colour.map(Math.round)}) on rgb(${t.ground.map(Math.round)}): ${ratio.toFixed(2)}:1`] : [];
  });
}
