/** Paints a scene on a canvas: the one place the extension turns shapes into pixels. */
import type { Band } from "../../kernel/portable/raster";
import type { Scene, Shape } from "../../kernel/portable/scene";
import { bandImage, canvasRatio, type BandImage } from "./render-core";

const css = (c: readonly number[]) => `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;

/** One pixel buffer per canvas, reused while its size stays (hover repaints every frame). */
const images = new WeakMap<HTMLCanvasElement, ImageData>();

export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number, ratio = window.devicePixelRatio || 1): number {
  const r = canvasRatio(width, height, ratio);
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
 * (render-core.ts's bandImage, kernel/portable/raster.ts; stroking 10⁴ canvas paths costs a second per
 * frame in Chromium without a GPU, the rasteriser a few tens of milliseconds), then the texts are drawn
 * with the browser's fonts (putBand). With `band` (CSS pixels, rows of the scene) only those rows are
 * painted, at a cost in proportion to them; the canvas keeps the whole scene's size (so positions on it
 * stay the scene's), and the rest of it keeps what was painted there before.
 */
export function paintScene(canvas: HTMLCanvasElement, scene: Scene, fontFamily: string, ratio?: number, band?: Band): void {
  putBand(canvas, bandImage(scene, ratio ?? (window.devicePixelRatio || 1), band ?? null, images.get(canvas)?.data), fontFamily);
}

/**
 * Puts a band's pixels (painted here or in the worker) on the canvas, sized to the whole scene, and
 * draws the band's texts over them, clipped to the band.
 */
export function putBand(canvas: HTMLCanvasElement, b: BandImage, fontFamily: string): void {
  const r = sizeCanvas(canvas, b.width, b.height, b.ratio);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  let image = images.get(canvas);
  if (!image || image.data !== b.rgba) {
    image = new ImageData(b.rgba, b.canvasWidth, b.rows);
    images.set(canvas, image);
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.putImageData(image, 0, b.top);
  ctx.save();
  if (!b.whole) {
    ctx.beginPath();
    ctx.rect(0, b.top, canvas.width, b.rows);
    ctx.clip();
  }
  ctx.setTransform(r, 0, 0, r, 0, 0);
  ctx.globalAlpha = 1;
  ctx.textBaseline = "middle";
  for (const s of b.texts) {
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
