/**
 * The rasteriser's band (kernel/portable/raster.ts): painting only some rows of a scene gives exactly
 * those rows of the whole image, for every kind of shape, at scale 1 and 2, at bands that cut through
 * lines, texts, dots, rectangles and images.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LIGHT_THEME } from "../../kernel/portable/colours";
import { headViewLayout, headViewScene } from "../../kernel/portable/head-view";
import { ALL_LINKS } from "../../kernel/portable/links";
import { gridLayout, modelGridScene } from "../../kernel/portable/model-view";
import { fill, paintShapes, rasterise, type Pixels } from "../../kernel/portable/raster";
import type { Scene } from "../../kernel/portable/scene";
import { tokenLabels } from "../../kernel/portable/tokens";
import { attention, measure, syntheticWeights } from "./synthetic";

/** Rows `top` to `top + height` of `px` equal `band`, byte for byte; the band is not all background. */
function assertRows(px: Pixels, band: Pixels, top: number, what: string): void {
  assert.equal(band.width, px.width, `${what}: width`);
  assert.ok(top + band.height <= px.height, `${what}: band inside the image`);
  const want = px.rgba.subarray(top * px.width * 4, (top + band.height) * px.width * 4);
  let differ = 0, first = -1;
  for (let i = 0; i < want.length; i++) if (want[i] !== band.rgba[i]) (differ++, first < 0 && (first = i));
  assert.equal(differ, 0, `${what}: ${differ} bytes differ, the first at row ${top + Math.floor(first / (4 * px.width))}, column ${Math.floor(first / 4) % px.width}`);
  const bg = [band.rgba[0], band.rgba[1], band.rgba[2]];
  let drawn = 0;
  for (let i = 0; i < band.rgba.length; i += 4) if (band.rgba[i] !== bg[0] || band.rgba[i + 1] !== bg[1] || band.rgba[i + 2] !== bg[2]) drawn++;
  assert.ok(drawn > 50, `${what}: the band has something drawn (${drawn} pixels)`);
}

/** Every kind of shape, some crossing the bands' edges, some nearly horizontal, one exactly so. */
function mixedScene(): Scene {
  const rgba = new Uint8ClampedArray(6 * 5 * 4).map((_, i) => (i % 4 === 3 ? (i % 3 ? 255 : 120) : (i * 37) % 256));
  return {
    width: 300,
    height: 400,
    background: [250, 250, 245],
    shapes: [
      { kind: "rect", x: 10, y: 50, w: 80, h: 200, fill: [200, 80, 40], alpha: 0.5, stroke: [0, 0, 0], lineWidth: 2 },
      { kind: "lines", xy: new Float32Array([0, 0, 300, 400, 0, 397, 299, 3, 20, 120, 280, 121.3, 5, 130.5, 295, 130.5, 150, 0, 150.4, 400]), width: 1.5, colour: [20, 40, 200], alpha: 0.8 },
      { kind: "segments", xy: new Float32Array([30, 10, 270, 390, 30, 390, 270, 10, 0, 200, 300, 201]), width: 1, rgba: new Uint8ClampedArray([255, 0, 0, 200, 0, 128, 0, 255, 10, 10, 10, 100]) },
      { kind: "polyline", xy: new Float32Array([0, 300, 60, 100, 120, 280, 180, 90, 240, 330, 300, 120]), width: 2, colour: [90, 0, 90], alpha: 1 },
      { kind: "dots", xy: new Float32Array([100, 99, 200, 101, 150, 205]), r: 6, colour: [0, 150, 150], alpha: 0.9 },
      { kind: "image", x: 180, y: 60, w: 90, h: 160, rows: 5, cols: 6, rgba },
      { kind: "text", x: 150, y: 100, text: "across the edge", colour: [0, 0, 0], size: 12, align: "center" },
      { kind: "text", x: 290, y: 199, text: "right é 京", colour: [0, 0, 0], size: 12, align: "right", bold: true, italic: true },
    ],
  };
}

test("raster band: the rows of a band are those rows of the whole image (every kind of shape)", () => {
  const scene = mixedScene();
  const full = rasterise(scene);
  for (const [top, height] of [[0, 40], [95, 10], [98, 7], [120, 13], [130, 1], [199, 60], [350, 50], [0, 400]]) {
    const band = rasterise(scene, { band: { top, height } });
    assert.equal(band.height, height);
    assertRows(full, band, top, `band ${top}+${height}`);
  }
  // A band past the end is cut to the image.
  assert.equal(rasterise(scene, { band: { top: 380, height: 100 } }).height, 20);
});

test("raster band: a tall head view (120 tokens, 4 heads) and the model view's images, at scale 1 and 2", () => {
  const words = Array.from({ length: 120 }, (_, i) => `Ġw${i}`);
  const att = attention({ layers: 2, heads: 4, words, entities: [], boundary: null, weights: syntheticWeights(2, 4, 120, 5, 3) });
  const labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const head = headViewScene(att, { layer: 1, activeHeads: [true, true, true, true], filter: ALL_LINKS, focus: null }, layout, labels, LIGHT_THEME, { floor: 0 });
  assert.ok(head.height > 1500, `a tall scene (${head.height} px)`);
  const grid = modelGridScene(att, gridLayout(2, 4, { maxWidth: 400 }), ALL_LINKS, LIGHT_THEME, { layer: 1, head: 2 });
  for (const [name, scene] of [["head view", head], ["model view", grid]] as const) {
    for (const k of [1, 2]) {
      const width = Math.ceil(scene.width * k), height = Math.ceil(scene.height * k);
      const whole: Pixels = { width, height, rgba: new Uint8ClampedArray(width * height * 4) };
      fill(whole, scene.background);
      paintShapes(whole, scene.shapes, k);
      for (const top of [0, Math.floor(height / 3), height - 61]) {
        const band: Pixels = { width, height: 60, rgba: new Uint8ClampedArray(width * 60 * 4) };
        fill(band, scene.background);
        paintShapes(band, scene.shapes, k, top);
        assertRows(whole, band, top, `${name} at scale ${k}, rows ${top}+60`);
      }
    }
    const full = rasterise(scene);
    assertRows(full, rasterise(scene, { band: { top: 17, height: 90 } }), 17, `${name}, rasterise with its texts`);
  }
});
