/**
 * What the head and model views paint, as one request: which scene (the state it shows, the layout,
 * the theme) and which rows of it (a band, or the whole scene). The same function answers it in the
 * worker (render-worker.ts) and, where there is no worker, on the page (renderer.ts): it builds the
 * scene (kept while only the band changes, so a scroll does not build it again) and rasterises the
 * band's lines and fills into RGBA with kernel/portable/raster.ts. The texts in the band go back as
 * shapes: the page draws them with its own fonts (canvas.ts). No DOM here: it runs in a worker.
 */
import type { Attention } from "../../kernel/portable/attention-payload";
import type { Theme } from "../../kernel/portable/colours";
import { headViewLinks, headViewLinksSteps, headViewScene, type HeadLinks, type HeadViewLayout, type HeadViewState } from "../../kernel/portable/head-view";
import { ALL_LINKS } from "../../kernel/portable/links";
import type { LinkFilter } from "../../kernel/portable/links";
import { modelGridScene, type GridLayout } from "../../kernel/portable/model-view";
import { fill, paintShapes, type Band } from "../../kernel/portable/raster";
import type { Scene, Shape } from "../../kernel/portable/scene";

export type SceneSpec =
  | { kind: "head"; state: HeadViewState; layout: HeadViewLayout; theme: Theme }
  | { kind: "grid"; grid: GridLayout; filter: LinkFilter; theme: Theme; selected: { layer: number; head: number } | null };

export interface PaintRequest {
  /** Which canvas ("head", "grid", "detail"): a newer request for it replaces an older one. */
  slot: string;
  /** Names the scene: a request with the key of the scene last built for its slot reuses it. */
  key: string;
  spec: SceneSpec;
  /** CSS pixels to device pixels (devicePixelRatio); lowered for views taller than the largest canvas. */
  ratio: number;
  /** The rows to paint (CSS pixels of the scene), or null for the whole scene. */
  band: Band | null;
}

export type TextShape = Extract<Shape, { kind: "text" }>;

/** A band's pixels, ready for putImageData at (0, top) of a canvas of canvasWidth × canvasHeight. */
export interface BandImage {
  /** The scene's size in CSS pixels. */
  width: number;
  height: number;
  /** The pixel ratio used (devicePixelRatio, or lower for a tall scene). */
  ratio: number;
  canvasWidth: number;
  canvasHeight: number;
  /** First canvas row painted and the number of rows. */
  top: number;
  rows: number;
  rgba: Uint8ClampedArray;
  /** The scene's texts near the band, to draw on top with the browser's fonts. */
  texts: TextShape[];
  notice?: string;
  /** Whether the band is the whole scene. */
  whole: boolean;
  /** Time spent building the scene (0: kept from the last request) and rasterising the band, ms. */
  sceneMs?: number;
  rasterMs?: number;
  /** Rows of the band painted by the helper worker (render-worker.ts), if it had any; waiting for them is in rasterMs. */
  helperRows?: number;
  /** With a helper: the time this worker took for its own rows. */
  ownRowsMs?: number;
}

/** Largest backing-store side; taller views are drawn at a lower pixel ratio. */
const MAX_SIDE = 16384;

export function canvasRatio(width: number, height: number, ratio: number): number {
  return Math.max(0.25, Math.min(ratio, MAX_SIDE / Math.max(width, height, 1)));
}

/** Which rows of which canvas a band is, in device pixels. */
export interface BandPlan {
  /** The pixel ratio used (canvasRatio). */
  ratio: number;
  canvasWidth: number;
  canvasHeight: number;
  top: number;
  rows: number;
}

export function bandPlan(scene: Scene, ratio: number, band: Band | null): BandPlan {
  const r = canvasRatio(scene.width, scene.height, ratio);
  const canvasWidth = Math.ceil(scene.width * r), canvasHeight = Math.ceil(scene.height * r);
  const top = band ? Math.max(0, Math.min(canvasHeight - 1, Math.floor(band.top * r))) : 0;
  const rows = band ? Math.max(1, Math.min(canvasHeight - top, Math.ceil(band.height * r))) : canvasHeight;
  return { ratio: r, canvasWidth, canvasHeight, top, rows };
}

/** What painting rows needs of a scene: its texts are drawn by the page. */
export type RowsScene = Pick<Scene, "width" | "height" | "background" | "shapes">;

/** Rows `top` to `top + rows` (device pixels) of the scene at `ratio` into `rgba` (`width` × `rows`): background, lines, fills, images. */
export function paintRows(scene: RowsScene, ratio: number, width: number, top: number, rows: number, rgba: Uint8ClampedArray): void {
  const px = { width, height: rows, rgba };
  fill(px, scene.background);
  paintShapes(px, scene.shapes, ratio, top);
}

/**
 * The rows `band` (CSS pixels; none: every row) of `scene` at `ratio`: background, lines, fills and
 * images rasterised, texts listed. Its pixels are those rows of the whole image (raster.ts).
 * `reuse` is a buffer of the right size to paint into (the page reuses one per canvas).
 */
export function bandImage(scene: Scene, ratio: number, band: Band | null, reuse?: Uint8ClampedArray): BandImage {
  const plan = bandPlan(scene, ratio, band);
  const size = plan.canvasWidth * plan.rows * 4;
  const rgba = reuse && reuse.length === size ? reuse : new Uint8ClampedArray(size);
  paintRows(scene, plan.ratio, plan.canvasWidth, plan.top, plan.rows, rgba);
  return planImage(scene, plan, rgba);
}

/** A band's image from its plan and its pixels (all rows painted): the texts near it listed. */
export function planImage(scene: Scene, plan: BandPlan, rgba: Uint8ClampedArray): BandImage {
  const { ratio: r, canvasWidth, canvasHeight, top, rows } = plan;
  // Texts more than a line away from the band are skipped.
  const from = top / r, to = (top + rows) / r;
  const texts = scene.shapes.filter((s): s is TextShape => s.kind === "text" && !(s.y + s.size < from || s.y - s.size > to));
  return { width: scene.width, height: scene.height, ratio: r, canvasWidth, canvasHeight, top, rows, rgba, texts, notice: scene.notice, whole: top === 0 && rows === canvasHeight };
}

/** Below this much estimated line work (pixel steps) a band is painted by one thread: splitting would not pay. */
export const SPLIT_MIN_STEPS = 200_000;

/**
 * Where to cut a band so that two threads paint it in about the same time: the row (counted from the
 * band's top) above which about half of the band's line work lies, or 0 when the band is not worth
 * splitting. A line walks its longer side one pixel a step (a steep one a row a step, a flat one a
 * column), its steps spread over the rows it spans; fills and images are cheap next to thousands of lines.
 */
export function splitRow(scene: RowsScene, plan: BandPlan): number {
  const { ratio: k, top, rows } = plan;
  if (rows < 32) return 0;
  const work = new Float64Array(rows + 1);
  let total = 0;
  const segment = (ax: number, ay: number, bx: number, by: number, passes: number) => {
    const y0 = Math.floor(Math.min(ay, by) * k), y1 = Math.ceil(Math.max(ay, by) * k) + passes;
    const r0 = Math.max(0, y0 - top), r1 = Math.min(rows, y1 - top);
    if (r1 <= r0) return;
    // Its steps (the longer side, in pixels) spread evenly over the rows it spans.
    const perRow = (passes * Math.max(Math.abs(bx - ax), Math.abs(by - ay)) * k) / (y1 - y0);
    work[r0] += perRow;
    work[r1] -= perRow;
    total += perRow * (r1 - r0);
  };
  for (const s of scene.shapes) {
    if (s.kind !== "lines" && s.kind !== "segments" && s.kind !== "polyline") continue;
    const passes = Math.max(1, Math.round(s.width * k * 0.75)), step = s.kind === "polyline" ? 2 : 4;
    for (let i = 0; i + 3 < s.xy.length; i += step) segment(s.xy[i], s.xy[i + 1], s.xy[i + 2], s.xy[i + 3], passes);
  }
  if (total < SPLIT_MIN_STEPS) return 0;
  let acc = 0, perRow = 0;
  for (let r = 0; r < rows; r++) {
    perRow += work[r];
    acc += perRow;
    if (acc >= total / 2) return Math.max(1, Math.min(rows - 1, r + 1));
  }
  return 0;
}

export function buildScene(att: Attention, labels: readonly string[], spec: SceneSpec, links?: HeadLinks): Scene {
  if (spec.kind === "head") return headViewScene(att, spec.state, spec.layout, labels, spec.theme, {}, links);
  return modelGridScene(att, spec.grid, spec.filter, spec.theme, spec.selected);
}

/** Names a head-view state's links (HeadLinks: what a scene of it draws whatever the layout and theme). */
function linksKey(state: HeadViewState): string {
  return JSON.stringify([state.layer, state.activeHeads, state.filter, state.focus]);
}

/** How long one call of SceneCache.prefetch works before it returns (a request waits at most this long for it). */
export const PREFETCH_SLICE_MS = 4;

/**
 * The order in which the head view's other layers are made ahead of a switch: the neighbours (the
 * next, then the one before), then the last and the first (the ends of the layer list), then the
 * rest, nearest first.
 */
export function aheadOrder(layers: number, from: number): number[] {
  const order: number[] = [];
  const add = (l: number) => l >= 0 && l < layers && l !== from && !order.includes(l) && order.push(l);
  add(from + 1);
  add(from - 1);
  add(layers - 1);
  add(0);
  for (let d = 2; d < layers; d++) {
    add(from + d);
    add(from - d);
  }
  return order;
}

/**
 * Answers paint requests for one payload, keeping the scenes last asked for (by key) and, made ahead
 * in slices while there is nothing else to do (`prefetch`), the links of the head view's other layers
 * in the same state: a layer switch then places them and rasterises.
 */
export class SceneCache {
  private readonly scenes = new Map<string, Scene>();
  /** Links made ahead (prepare, prefetch), by linksKey, the newest last. */
  private readonly links = new Map<string, HeadLinks>();
  private readonly limit: number;
  /** The head view's state to make the other layers of, and the layers still to make. */
  private ahead: { state: HeadViewState; layers: number[] } | null = null;
  /** The links being made, a slice a call, and their zeros to composite in (left zeroed by each). */
  private making: { key: string; steps: Generator<void, HeadLinks, void> } | null = null;
  private zeros: Float32Array | null = null;

  constructor(
    private readonly att: Attention,
    private readonly labels: readonly string[],
  ) {
    this.limit = att.layers.length + 6;
  }

  scene(req: PaintRequest): Scene {
    let scene = this.scenes.get(req.key);
    if (scene) this.scenes.delete(req.key);
    else scene = this.build(req.spec);
    this.scenes.set(req.key, scene); // the newest last
    if (this.scenes.size > this.limit) this.scenes.delete(this.scenes.keys().next().value as string);
    const spec = req.spec;
    if (spec.kind === "head" && !spec.state.focus && spec.state.activeHeads.length === this.att.heads) {
      const { layer, activeHeads, filter } = spec.state;
      this.ahead = { state: { layer, activeHeads, filter, focus: null }, layers: aheadOrder(this.att.layers.length, layer) };
    }
    return scene;
  }

  /**
   * Makes links ahead for about PREFETCH_SLICE_MS (`sliceMs`); false when there were none left to make.
   */
  prefetch(sliceMs = PREFETCH_SLICE_MS): boolean {
    const until = performance.now() + sliceMs;
    for (;;) {
      if (!this.making) {
        const a = this.ahead;
        let state: HeadViewState | null = null;
        while (a?.layers.length && !state) {
          const next = { ...a.state, layer: a.layers.shift()! };
          if (!this.links.has(linksKey(next))) state = next;
        }
        if (!state) {
          this.ahead = null;
          return false;
        }
        this.zeros ??= new Float32Array(this.att.tokens * this.att.tokens * 4);
        this.making = { key: linksKey(state), steps: headViewLinksSteps(this.att, state, {}, this.zeros) };
      }
      const step = this.making.steps.next();
      if (step.done) {
        this.keepLinks(this.making.key, step.value);
        this.making = null;
      }
      if (performance.now() >= until) return true;
    }
  }

  /**
   * Makes the links of the head view's first state (layer 0, every head, every link, nothing in
   * focus) before it is asked for: the worker does this after sending the decoded payload, while the
   * page lays the view out, so that the first scene only places them.
   */
  prepare(): void {
    const state: HeadViewState = { layer: 0, activeHeads: Array.from({ length: this.att.heads }, () => true), filter: ALL_LINKS, focus: null };
    const key = linksKey(state);
    if (!this.links.has(key)) this.keepLinks(key, headViewLinks(this.att, state));
  }

  private keepLinks(key: string, links: HeadLinks): void {
    this.links.delete(key);
    this.links.set(key, links);
    if (this.links.size > this.limit) this.links.delete(this.links.keys().next().value as string);
  }

  private build(spec: SceneSpec): Scene {
    if (spec.kind !== "head") return buildScene(this.att, this.labels, spec);
    // Links made ahead serve every scene of their state (another width, the other theme); unfocused
    // links made now are kept too.
    const key = linksKey(spec.state);
    let links = this.links.get(key);
    if (links) this.keepLinks(key, links);
    else if (!spec.state.focus) {
      links = headViewLinks(this.att, spec.state);
      this.keepLinks(key, links);
    }
    return buildScene(this.att, this.labels, spec, links);
  }

  /** The states whose links are kept, oldest first (for the tests: linksKey's JSON). */
  linksKept(): string[] {
    return [...this.links.keys()];
  }

  /** The keys of the scenes kept, oldest first (for the tests). */
  keys(): string[] {
    return [...this.scenes.keys()];
  }

  paint(req: PaintRequest, reuse?: Uint8ClampedArray): BandImage {
    const t0 = performance.now();
    const scene = this.scene(req);
    const t1 = performance.now();
    const image = bandImage(scene, req.ratio, req.band, reuse);
    return { ...image, sceneMs: t1 - t0, rasterMs: performance.now() - t1 };
  }
}
