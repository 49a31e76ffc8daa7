/** Paints a scene on a canvas: the one place the extension turns shapes into pixels. */
import type { Scene, Shape } from "../../kernel/portable/scene";
import { fill, paintShapes } from "../../kernel/portable/raster";

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
 */
export function paintScene(canvas: HTMLCanvasElement, scene: Scene, fontFamily: string, ratio?: number): void {
  const r = sizeCanvas(canvas, scene.width, scene.height, ratio);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  let image = images.get(canvas);
  if (!image || image.width !== canvas.width || image.height !== canvas.height) {
    image = ctx.createImageData(canvas.width, canvas.height);
    images.set(canvas, image);
  }
  const px = { width: canvas.width, height: canvas.height, rgba: image.data };
  fill(px, scene.background);
  paintShapes(px, scene.shapes, r);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.putImageData(image, 0, 0);
  ctx.setTransform(r, 0, 0, r, 0, 0);
  ctx.globalAlpha = 1;
  ctx.textBaseline = "middle";
  for (const s of scene.shapes) {
    if (s.kind !== "text") continue;
    ctx.fillStyle = css(s.colour);
    ctx.font = `${s.italic ? "italic " : ""}${s.bold ? "bold " : ""}${s.size}px ${s.mono ? "monospace" : fontFamily}`;
    ctx.textAlign = s.align;
    ctx.fillText(s.text, s.x, s.y);
  }
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
