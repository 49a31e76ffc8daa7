/** Paints a scene on a canvas: the one place the extension turns shapes into pixels. */
import type { Scene, Shape } from "../../kernel/portable/scene";
import { fill, paintShapes, type Band } from "../../kernel/portable/raster";

const css = (c: readonly number[]) => `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;

/** One pixel buffer per canvas, reused while its size stays (hover repaints every frame). */
const images = new WeakMap<HTMLCanvasElement, ImageData>();

/** Largest backing-store side; taller views are drawn at a lower pixel ratio. */
const MAX_SIDE = 16384;

export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number, ratio = window.devicePixelRatio || 1): number {
  const r = Math.max(0.25, Math.min(ratio, MAX_SIDE / Math.max(width, height, 1)));
  const w = Math.ceil(width * r), h = Math.ceil(height * r);
  // Assigning a canvas's size clears and reallocates it even when it does not change.
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  return r;
}

export function imageCanvas(shape: Extract<Shape, { kind: "image" }>): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = shape.cols;
  c.height = shape.rows;
  const ctx = c.getContext("2d")!;
  const data = ctx.createImageData(shape.cols, shape.rows);
  data.data.set(shape.rgba);
  ctx.putImageData(data, 0, 0);
  return c;
}

/**
 * Paints a scene: lines, rectangles and images go through the pure rasteriser into one ImageData
 * (kernel/portable/raster.ts; stroking 10⁴ canvas paths costs a second per frame in Chromium without a
 * GPU, the rasteriser a few tens of milliseconds), then the texts are drawn with the browser's fonts.
 * With `band` (CSS pixels, rows of the scene) only those rows are painted, at a cost in proportion to
 * them; the canvas keeps the whole scene's size (so positions on it stay the scene's), and the rest of
 * it keeps what was painted there before.
 */
export function paintScene(canvas: HTMLCanvasElement, scene: Scene, fontFamily: string, ratio?: number, band?: Band): void {
  const r = sizeCanvas(canvas, scene.width, scene.height, ratio);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  // The rows painted, in canvas pixels.
  const top = band ? Math.max(0, Math.min(canvas.height - 1, Math.floor(band.top * r))) : 0;
  const rows = band ? Math.max(1, Math.min(canvas.height - top, Math.ceil(band.height * r))) : canvas.height;
  let image = images.get(canvas);
  if (!image || image.width !== canvas.width || image.height !== rows) {
    image = ctx.createImageData(canvas.width, rows);
    images.set(canvas, image);
  }
  const px = { width: canvas.width, height: rows, rgba: image.data };
  fill(px, scene.background);
  paintShapes(px, scene.shapes, r, top);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.putImageData(image, 0, top);
  ctx.save();
  if (band) {
    ctx.beginPath();
    ctx.rect(0, top, canvas.width, rows);
    ctx.clip();
  }
  ctx.setTransform(r, 0, 0, r, 0, 0);
  ctx.globalAlpha = 1;
  ctx.textBaseline = "middle";
  // Texts more than a line away from the band are skipped.
  const from = top / r, to = (top + rows) / r;
  for (const s of scene.shapes) {
    if (s.kind !== "text" || s.y + s.size < from || s.y - s.size > to) continue;
    ctx.fillStyle = css(s.colour);
    ctx.font = `${s.italic ? "italic " : ""}${s.bold ? "bold " : ""}${s.size}px ${s.mono ? "monospace" : fontFamily}`;
    ctx.textAlign = s.align;
    ctx.fillText(s.text, s.x, s.y);
  }
  ctx.restore();
}

/** A canvas 2D text measurer for layouts. */
export function canvasMeasure(fontFamily: string): (text: string, size: number) => number {
  const ctx = document.createElement("canvas").getContext("2d")!;
  const cache = new Map<string, number>();
  return (text, size) => {
    const key = `${size}|${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      ctx.font = `${size}px ${fontFamily}`;
      w = ctx.measureText(text).width;
      cache.set(key, w);
    }
    return w;
  };
}
