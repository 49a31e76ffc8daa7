/**
 * What the attention widget shares with its panes (one pane per view: head-pane.ts, model-pane.ts,
 * token-pane.ts). The widget owns the state and the lifecycle; a pane owns its part of the page, keeps
 * its controls in line with the state (`sync`, on every change) and paints its canvases (`paint`, from
 * the widget's onUpdateRequest, at most once a frame).
 */
import type { Attention } from "../../kernel/portable/attention-payload";
import type { Theme } from "../../kernel/portable/colours";
import { hitToken, type HeadViewLayout, type TokenRef } from "../../kernel/portable/head-view";
import type { Scene } from "../../kernel/portable/scene";
import { el } from "../dom";
import { putBand } from "./canvas";
import type { Band } from "../../kernel/portable/raster";
import type { BandPart } from "./band";
import type { BandImage, PaintRequest, SceneSpec } from "./render-core";
import type { Renderer } from "./renderer";
import * as S from "./state";

/** What a paint needs besides the state. */
export interface ViewContext {
  att: Attention;
  labels: string[];
  theme: Theme;
  font: string;
  /** Text width at a font size (canvas text metrics in the theme's font). */
  measure: (text: string, size: number) => number;
  /** The widget's width in CSS pixels (0 before it is attached). A function: reading it lays out the page. */
  width: () => number;
}

/** The widget as a pane sees it. */
export interface Host {
  readonly state: S.ViewState;
  /** Moves to a new state: controls follow at once, canvases at the next update. */
  apply(next: S.ViewState): void;
  /** Wraps an event handler so that a failure shows in the widget instead of escaping into the page. */
  guard<E extends Event>(fn: (e: E) => void): (e: E) => void;
  /** Decodes and paints (in a worker where there is one). */
  readonly renderer: Renderer;
  /** A canvas got its pixels (`notice`: what the scene says beside it). */
  onPixels(slot: string, notice: string | undefined): void;
  /** Shows a failure in the widget. */
  fail(what: string, e: unknown): void;
}

/** What a paint drew: the scene in view (for export, built when asked) and the lines said beside it. */
export interface Painted {
  scene: () => Scene;
  /** Stem of an exported file's name. */
  name: string;
  notice?: string;
  status?: string;
}

export interface Pane {
  readonly node: HTMLElement;
  sync(state: S.ViewState): void;
  paint(state: S.ViewState, ctx: ViewContext): Painted;
}

/**
 * Head-view canvases (the head view and the model view's opened head): hover isolates a token's links,
 * a click pins it, arrow keys move it, Escape clears. `key` is the state field the canvas focuses.
 */
export function wireTokenCanvas(canvas: HTMLCanvasElement, host: Host, layout: () => HeadViewLayout | null, key: "focus" | "detailFocus", tokens: number): void {
  const set = (token: TokenRef | null, pin?: boolean) => {
    const s = host.state;
    let next: S.ViewState;
    if (key === "focus") next = pin === undefined ? S.hover(s, token) : S.clickToken(s, token);
    else next = S.sameToken(s.detailFocus, token) && pin === undefined ? s : { ...s, detailFocus: token };
    if (next !== s) host.apply(next);
  };
  const at = (e: MouseEvent) => {
    const l = layout();
    return l ? hitToken(l, e.offsetX, e.offsetY) : undefined;
  };
  canvas.addEventListener("pointermove", host.guard((e: PointerEvent) => {
    const t = at(e);
    if (t !== undefined) set(t);
  }));
  canvas.addEventListener("pointerleave", host.guard(() => set(null)));
  canvas.addEventListener("click", host.guard((e: MouseEvent) => {
    const t = at(e);
    if (t !== undefined) set(t, true);
  }));
  canvas.addEventListener("keydown", host.guard((e: KeyboardEvent) => {
    const next = S.keyFocus(host.state[key], e.key, tokens);
    if (next === undefined) return;
    e.preventDefault();
    host.apply(key === "focus" ? { ...host.state, focus: next, pinned: next !== null } : { ...host.state, detailFocus: next });
  }));
}

/** A focusable canvas for a view, described for screen readers. */
export function viewCanvas(role: string, label: string): HTMLCanvasElement {
  const c = el("canvas", "lukelab-attention-canvas");
  c.tabIndex = 0;
  c.dataset.role = role;
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", label);
  return c;
}

let requests = 0;

/** The scene a scrolled canvas's bands show: its spec, the key naming it, the font its texts take. */
export interface BandSpec {
  spec: SceneSpec;
  key: string;
  font: string;
}

/**
 * Asks for one band of a scrolled canvas (band.ts): the rows in sight in `slot`, a margin in
 * `slot-below` / `slot-above`, at the page's pixel ratio.
 */
export function requestBand(host: Host, canvas: HTMLCanvasElement, slot: string, p: BandSpec, band: Band, part: BandPart, after: () => void): void {
  const req = { slot: part === "sight" ? slot : `${slot}-${part}`, key: p.key, spec: p.spec, ratio: window.devicePixelRatio || 1, band };
  requestPaint(host, canvas, req, () => p.font, after);
}

/**
 * Asks the renderer for `req` and puts the answer on `canvas`. While the newest request is unanswered
 * the canvas has `data-pending`; `data-band` says the rows last put (CSS pixels), `data-paint-ms`
 * the time from the request to the pixels on the canvas, `data-scene-ms` and `data-raster-ms` the
 * renderer's time building the scene and rasterising the band; for the rows in sight,
 * `data-helper-rows` the rows the helper worker painted and `data-own-rows-ms` the worker's own part.
 */
export function requestPaint(host: Host, canvas: HTMLCanvasElement, req: PaintRequest, font: () => string, after?: (image: BandImage) => void): void {
  const t0 = performance.now(), id = String(++requests);
  canvas.dataset.pending = id;
  host.renderer.paint(
    req,
    (image) => {
      try {
        putBand(canvas, image, font());
        if (canvas.dataset.pending === id) delete canvas.dataset.pending;
        canvas.dataset.band = `${Math.round(image.top / image.ratio)},${Math.round(image.rows / image.ratio)}`;
        canvas.dataset.paintMs = (performance.now() - t0).toFixed(2);
        canvas.dataset.sceneMs = (image.sceneMs ?? 0).toFixed(1);
        canvas.dataset.rasterMs = (image.rasterMs ?? 0).toFixed(1);
        // Rows in sight (a margin's slot has a part after "-": requestBand): how the helper shared them.
        if (!req.slot.includes("-")) {
          canvas.dataset.helperRows = String(image.helperRows ?? 0);
          canvas.dataset.ownRowsMs = (image.ownRowsMs ?? 0).toFixed(1);
        }
        after?.(image);
        host.onPixels(req.slot, image.notice);
      } catch (e) {
        host.fail("The attention view failed. ", e);
      }
    },
    (message) => host.fail("The attention view failed. ", new Error(message)),
  );
}
