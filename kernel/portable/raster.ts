/**
 * Paints a scene (scene.ts) into RGBA pixels without a browser: the kernel's static image of the
 * attention, stored beside the payload so a notebook opened without the extension still shows it, and
 * the lines and fills of the extension's canvases. Lines are anti-aliased and alpha-blended; text uses
 * the public-domain 6 × 13 bitmap font.
 */
import { GLYPHS, GLYPH_HEIGHT, GLYPH_WIDTH } from "./bitmap-font";
import type { Rgb } from "./colours";
import type { Scene, Shape } from "./scene";

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8ClampedArray;
}

/** Width of a text in the bitmap font (one 6-pixel cell per code point). */
export function measureBitmap(text: string): number {
  return Array.from(text).length * GLYPH_WIDTH;
}

/**
 * A horizontal band of the image: rows `top` to `top + height` (pixels, after scaling). Painting into a
 * band costs what shows in it: a line crossing it costs its pixels inside, a shape outside is skipped,
 * and the rows come out the same as those rows of the whole image.
 */
export interface Band {
  top: number;
  height: number;
}

/** The whole scene, or with `band` only those rows (a `band.height`-row image). */
export function rasterise(scene: Scene, options: { band?: Band } = {}): Pixels {
  const width = Math.max(1, Math.ceil(scene.width));
  const full = Math.max(1, Math.ceil(scene.height));
  const top = options.band ? Math.max(0, Math.floor(options.band.top)) : 0;
  const height = options.band ? Math.max(1, Math.min(full - top, Math.ceil(options.band.height))) : full;
  const px: Pixels = { width, height, rgba: new Uint8ClampedArray(width * height * 4) };
  fill(px, scene.background);
  for (const s of scene.shapes) paint(px, s, 1, top);
  return px;
}

/** Fills every pixel with one opaque colour. */
export function fill(px: Pixels, c: Rgb): void {
  const v = new Uint32Array(px.rgba.buffer, px.rgba.byteOffset, px.width * px.height);
  const probe = new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] === 4; // little-endian
  v.fill(probe ? ((255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0 : ((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | 255) >>> 0);
}

/**
 * Paints the shapes other than text at `scale` pixels per scene unit (the canvas painter draws text
 * with the browser's fonts on top). Lines are anti-aliased (Xiaolin Wu): in headless Chromium without a
 * GPU this is an order of magnitude faster than stroking tens of thousands of canvas paths.
 */
export function paintShapes(px: Pixels, shapes: readonly Shape[], scale: number, top = 0): void {
  for (const s of shapes) if (s.kind !== "text") paint(px, s, scale, top);
}

/** Blends pixel (x, y) of the whole image into `px`, which holds its rows from `top` on. */
function blend(px: Pixels, x: number, y: number, c: Rgb, a: number, top: number): void {
  y -= top;
  if (x < 0 || y < 0 || x >= px.width || y >= px.height || a <= 0) return;
  blendAt(px.rgba, (y * px.width + x) * 4, c, a);
}

/** A hard one-pixel line (rectangle outlines). */
function line(px: Pixels, x0: number, y0: number, x1: number, y1: number, c: Rgb, a: number, top: number): void {
  if (Math.max(y0, y1) < top || Math.min(y0, y1) >= top + px.height) return;
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    blend(px, Math.round(x0 + (x1 - x0) * t), Math.round(y0 + (y1 - y0) * t), c, a, top);
  }
}

function blendAt(d: Uint8ClampedArray, o: number, c: Rgb, a: number): void {
  d[o] += (c[0] - d[o]) * a;
  d[o + 1] += (c[1] - d[o + 1]) * a;
  d[o + 2] += (c[2] - d[o + 2]) * a;
}

/**
 * An anti-aliased line of about one pixel (Xiaolin Wu) in whole-image coordinates, clipped to the rows
 * `px` holds (from `top` on) and to its width: only the steps that can touch them are walked, and each
 * step's position is computed from the line's start (not accumulated), so a band's pixels are the
 * same as the whole image's. Hot loop: kept flat.
 */
function smoothLine(px: Pixels, ax: number, ay: number, bx: number, by: number, c: Rgb, a: number, top: number): void {
  const w = px.width, h = px.height, d = px.rgba;
  if (Math.max(ay, by) < top - 1 || Math.min(ay, by) > top + h + 1) return;
  const steep = Math.abs(by - ay) > Math.abs(bx - ax);
  let x0 = steep ? ay : ax, y0 = steep ? ax : ay, x1 = steep ? by : bx, y1 = steep ? bx : by;
  if (x0 > x1) {
    let t = x0;
    x0 = x1;
    x1 = t;
    t = y0;
    y0 = y1;
    y1 = t;
  }
  const g = x1 === x0 ? 0 : (y1 - y0) / (x1 - x0);
  // The range of the major axis inside the pixels: steep lines walk rows (the band's), others columns.
  const lo = steep ? top : 0, hi = steep ? top + h - 1 : w - 1;
  let xa = Math.max(lo, Math.round(x0)), xb = Math.min(hi, Math.round(x1));
  // The minor axis's range: its two pixels at a step are floor(y) and floor(y) + 1.
  const mlo = steep ? 0 : top, mhi = steep ? w : top + h;
  if (g !== 0) {
    // Steps where y lies in [mlo - 1, mhi]: outside them neither pixel is inside (one step's margin).
    const ta = x0 + (mlo - 1 - y0) / g - 1, tb = x0 + (mhi + 1 - y0) / g + 1;
    xa = Math.max(xa, Math.floor(Math.min(ta, tb)));
    xb = Math.min(xb, Math.ceil(Math.max(ta, tb)));
  } else if (y0 - 0.5 < mlo - 1 || y0 - 0.5 >= mhi) return;
  // Offsets: along the major axis one step moves `stepMajor` bytes, along the minor one `stepMinor`.
  const stepMajor = steep ? w * 4 : 4, stepMinor = steep ? 4 : w * 4;
  const majorTop = steep ? top : 0, minorTop = steep ? 0 : top, minor = steep ? w : h;
  const c0 = c[0], c1 = c[1], c2 = c[2];
  for (let x = xa; x <= xb; x++) {
    const y = y0 + g * (x - x0) - 0.5;
    const yi = Math.floor(y);
    const w1 = a * (y - yi), w0 = a - w1;
    const m = yi - minorTop;
    let o = (x - majorTop) * stepMajor + m * stepMinor;
    if (m >= 0 && m < minor) {
      d[o] += (c0 - d[o]) * w0;
      d[o + 1] += (c1 - d[o + 1]) * w0;
      d[o + 2] += (c2 - d[o + 2]) * w0;
    }
    o += stepMinor;
    if (m + 1 >= 0 && m + 1 < minor) {
      d[o] += (c0 - d[o]) * w1;
      d[o + 1] += (c1 - d[o + 1]) * w1;
      d[o + 2] += (c2 - d[o + 2]) * w1;
    }
  }
}

/** The segment xy[i..i+3] at scale k, `width` wide: parallel anti-aliased passes one pixel apart. */
function wideLine(px: Pixels, xy: ArrayLike<number>, i: number, width: number, k: number, colour: Rgb, alpha: number, top: number): void {
  const passes = Math.max(1, Math.round(width * k * 0.75));
  for (let p = 0; p < passes; p++) smoothLine(px, xy[i] * k, xy[i + 1] * k + p, xy[i + 2] * k, xy[i + 3] * k + p, colour, alpha, top);
}

/** Paints one shape at scale k into `px`, which holds the whole image's rows from `top` on. */
function paint(px: Pixels, s: Shape, k: number, top: number): void {
  switch (s.kind) {
    case "rect": {
      const x0 = Math.round(s.x * k), y0 = Math.round(s.y * k), x1 = Math.round((s.x + s.w) * k), y1 = Math.round((s.y + s.h) * k);
      if (s.fill) for (let y = Math.max(y0, top); y < Math.min(y1, top + px.height); y++) for (let x = x0; x < x1; x++) blend(px, x, y, s.fill, s.alpha ?? 1, top);
      if (s.stroke) {
        const a = s.alpha ?? 1;
        for (let t = 0; t < Math.max(1, Math.round((s.lineWidth ?? 1) * k)); t++) {
          line(px, x0 + t, y0 + t, x1 - t, y0 + t, s.stroke, a, top);
          line(px, x0 + t, y1 - t, x1 - t, y1 - t, s.stroke, a, top);
          line(px, x0 + t, y0 + t, x0 + t, y1 - t, s.stroke, a, top);
          line(px, x1 - t, y0 + t, x1 - t, y1 - t, s.stroke, a, top);
        }
      }
      return;
    }
    case "lines":
      for (let i = 0; i + 3 < s.xy.length; i += 4) wideLine(px, s.xy, i, s.width, k, s.colour, s.alpha, top);
      return;
    case "segments":
      for (let i = 0; i + 3 < s.xy.length; i += 4) wideLine(px, s.xy, i, s.width, k, [s.rgba[i], s.rgba[i + 1], s.rgba[i + 2]], s.rgba[i + 3] / 255, top);
      return;
    case "polyline":
      for (let i = 0; i + 3 < s.xy.length; i += 2) wideLine(px, s.xy, i, s.width, k, s.colour, s.alpha, top);
      return;
    case "dots":
      for (let i = 0; i + 1 < s.xy.length; i += 2) {
        const cx = s.xy[i] * k, cy = s.xy[i + 1] * k, r = s.r * k;
        for (let y = Math.max(top, Math.floor(cy - r)); y <= Math.min(top + px.height - 1, Math.ceil(cy + r)); y++)
          for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) blend(px, x, y, s.colour, s.alpha, top);
      }
      return;
    case "image": {
      const x0 = Math.round(s.x * k), y0 = Math.round(s.y * k) - top, w = Math.round(s.w * k), h = Math.round(s.h * k);
      const d = px.rgba;
      for (let y = Math.max(0, -y0); y < h && y0 + y < px.height; y++) {
        const sy = Math.min(s.rows - 1, Math.floor((y * s.rows) / h));
        for (let x = Math.max(0, -x0); x < w && x0 + x < px.width; x++) {
          const sx = Math.min(s.cols - 1, Math.floor((x * s.cols) / w));
          const o = (sy * s.cols + sx) * 4, t = ((y0 + y) * px.width + x0 + x) * 4;
          const a = s.rgba[o + 3] / 255;
          if (a >= 1) {
            d[t] = s.rgba[o];
            d[t + 1] = s.rgba[o + 1];
            d[t + 2] = s.rgba[o + 2];
          } else if (a > 0) blendAt(d, t, [s.rgba[o], s.rgba[o + 1], s.rgba[o + 2]], a);
        }
      }
      return;
    }
    case "text": {
      const chars = Array.from(s.text);
      const w = chars.length * GLYPH_WIDTH;
      let x = Math.round(s.align === "left" ? s.x : s.align === "right" ? s.x - w : s.x - w / 2);
      const y = Math.round(s.y - GLYPH_HEIGHT / 2) + 1 - top;
      if (y + GLYPH_HEIGHT < 0 || y >= px.height) return;
      for (const ch of chars) {
        glyph(px, ch.codePointAt(0)!, x, y, s.colour, !!s.bold, !!s.italic);
        x += GLYPH_WIDTH;
      }
      return;
    }
  }
}

/** A glyph at (x, y) in `px`'s own rows. */
function glyph(px: Pixels, cp: number, x: number, y: number, c: Rgb, bold: boolean, italic: boolean): void {
  const hex = GLYPHS.get(cp);
  if (cp === 0x20) return;
  if (hex === undefined) {
    // A hollow box for a character the font lacks.
    for (let i = 1; i < 5; i++) {
      blend(px, x + i, y + 3, c, 1, 0);
      blend(px, x + i, y + 10, c, 1, 0);
    }
    for (let j = 3; j <= 10; j++) {
      blend(px, x + 1, y + j, c, 1, 0);
      blend(px, x + 4, y + j, c, 1, 0);
    }
    return;
  }
  for (let row = 0; row < GLYPH_HEIGHT; row++) {
    const bits = parseInt(hex.slice(2 * row, 2 * row + 2), 16);
    if (!bits) continue;
    const slant = italic ? Math.floor((GLYPH_HEIGHT - 1 - row) / 5) : 0;
    for (let b = 0; b < 8; b++) {
      if (bits & (0x80 >> b)) {
        blend(px, x + b + slant, y + row, c, 1, 0);
        if (bold) blend(px, x + b + slant + 1, y + row, c, 1, 0);
      }
    }
  }
}
