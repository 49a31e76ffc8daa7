/**
 * A "scene": what one view draws, as a flat list of rectangles, line batches, texts and images. The
 * views (head-view.ts, model-view.ts, token-view.ts) build scenes; thin painters draw them: on a canvas
 * in the JupyterLab extension (extension/attention/canvas.ts), as SVG for export, and into pixels by
 * the kernel (raster.ts) for the static PNG stored beside the payload. So every view looks the same
 * wherever it is drawn, and the drawing maths is tested in Node without a DOM.
 */
import { headColours, type Rgb, type Theme } from "./colours";

export type Shape =
  | { kind: "rect"; x: number; y: number; w: number; h: number; fill?: Rgb; alpha?: number; stroke?: Rgb; lineWidth?: number }
  /** Straight segments x0 y0 x1 y1 … drawn with one colour and opacity. */
  | { kind: "lines"; colour: Rgb; alpha: number; width: number; xy: Float32Array }
  /** Straight segments x0 y0 x1 y1 …, each with its own colour and opacity (rgba: 4 bytes a segment). */
  | { kind: "segments"; width: number; xy: Float32Array; rgba: Uint8ClampedArray }
  /** An open polyline x0 y0 x1 y1 x2 y2 … */
  | { kind: "polyline"; colour: Rgb; alpha: number; width: number; xy: Float32Array }
  | { kind: "dots"; colour: Rgb; alpha: number; r: number; xy: Float32Array }
  /** Text whose vertical middle is at y. */
  | { kind: "text"; x: number; y: number; text: string; colour: Rgb; size: number; align: "left" | "right" | "center"; bold?: boolean; italic?: boolean; mono?: boolean }
  /** An RGBA image of cols × rows pixels scaled (nearest neighbour) into w × h. */
  | { kind: "image"; x: number; y: number; w: number; h: number; cols: number; rows: number; rgba: Uint8ClampedArray };

export interface Scene {
  width: number;
  height: number;
  background: Rgb;
  shapes: Shape[];
  /** Said on screen next to the view (e.g. that only the strongest links are drawn). */
  notice?: string;
}

/** Text width in pixels at a font size; the canvas measures, the kernel counts bitmap-font cells. */
export type Measure = (text: string, size: number) => number;

/** A copy of the scene's shapes moved by (dx, dy). */
export function translateShapes(shapes: readonly Shape[], dx: number, dy: number): Shape[] {
  return shapes.map((s) => {
    if (s.kind === "lines" || s.kind === "polyline" || s.kind === "dots" || s.kind === "segments") {
      const xy = new Float32Array(s.xy.length);
      for (let i = 0; i < xy.length; i += 2) {
        xy[i] = s.xy[i] + dx;
        xy[i + 1] = s.xy[i + 1] + dy;
      }
      return { ...s, xy };
    }
    return { ...s, x: s.x + dx, y: s.y + dy };
  });
}

/** The head colour legend as shapes: one swatch and number per head, wrapping at maxWidth. */
export function legendShapes(heads: number, active: readonly boolean[], theme: Theme, x: number, y: number, maxWidth: number): { shapes: Shape[]; height: number } {
  const colours = headColours(heads);
  const shapes: Shape[] = [];
  const step = 30;
  const perRow = Math.max(1, Math.floor(maxWidth / step));
  for (let h = 0; h < heads; h++) {
    const cx = x + (h % perRow) * step, cy = y + Math.floor(h / perRow) * 18;
    shapes.push({ kind: "rect", x: cx, y: cy, w: 12, h: 12, fill: colours[h], alpha: active[h] ? 1 : 0.2 });
    shapes.push({ kind: "text", x: cx + 15, y: cy + 6, text: String(h), colour: theme.text, size: 10, align: "left" });
  }
  return { shapes, height: Math.ceil(heads / perRow) * 18 };
}
