/**
 * A line chart as an SVG string: the live loss curve of a notebook training run. A pure function,
 * so a notebook shows it as plain image/svg+xml (no extension needed) and tests check its output.
 *
 * Colours follow JupyterLab's theme variables where the front end has them, with fixed fallbacks,
 * so the chart reads in light and dark themes alike.
 */

export interface Series {
  name: string;
  /** [x, y] points; non-finite values are left out (a gap is not drawn). */
  points: ReadonlyArray<readonly [number, number]>;
  colour?: string;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round numbers for axis ticks: about `count` of them covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** The chart as a standalone <svg> element. */
export function lineChartSvg(series: readonly Series[], options: ChartOptions = {}): string {
  const width = options.width ?? 480;
  const height = options.height ?? 260;
  const margin = { left: 56, right: 16, top: options.title ? 28 : 12, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const fg = "var(--jp-ui-font-color1, #333)";
  const grid = "var(--jp-border-color2, #ddd)";
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  ];
  if (options.title) parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" fill="${fg}" font-size="13">${escapeXml(options.title)}</text>`);

  if (finite.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="${fg}">no data yet</text>`, "</svg>");
    return parts.join("");
  }
  let [xMin, xMax] = [Math.min(...finite.map((p) => p[0])), Math.max(...finite.map((p) => p[0]))];
  let [yMin, yMax] = [Math.min(...finite.map((p) => p[1])), Math.max(...finite.map((p) => p[1]))];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMin === yMax) [yMin, yMax] = [yMin - Math.abs(yMin || 1) * 0.1, yMax + Math.abs(yMax || 1) * 0.1];
  const px = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number) => margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const r = (v: number) => v.toFixed(1);

  for (const t of niceTicks(yMin, yMax)) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${r(py(t))}" y2="${r(py(t))}" stroke="${grid}" stroke-width="1"/>`,
      `<text x="${margin.left - 6}" y="${r(py(t) + 4)}" text-anchor="end" fill="${fg}">${formatTick(t)}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(`<text x="${r(px(t))}" y="${margin.top + plotH + 16}" text-anchor="middle" fill="${fg}">${formatTick(t)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="${fg}" stroke-width="1"/>`);
  if (options.xLabel) {
    parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle" fill="${fg}">${escapeXml(options.xLabel)}</text>`);
  }
  if (options.yLabel) {
    const cy = margin.top + plotH / 2;
    parts.push(`<text x="12" y="${cy}" text-anchor="middle" fill="${fg}" transform="rotate(-90 12 ${cy})">${escapeXml(options.yLabel)}</text>`);
  }
  series.forEach((s, i) => {
    const colour = s.colour ?? PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 1) {
      parts.push(`<circle cx="${r(px(pts[0][0]))}" cy="${r(py(pts[0][1]))}" r="2.5" fill="${colour}"/>`);
    } else if (pts.length > 1) {
      const d = pts.map(([x, y], k) => `${k ? "L" : "M"}${r(px(x))} ${r(py(y))}`).join("");
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"><title>${escapeXml(s.name)}</title></path>`);
    }
    // Legend, top right inside the plot.
    const ly = margin.top + 14 + i * 14;
    parts.push(
      `<line x1="${margin.left + plotW - 110}" x2="${margin.left + plotW - 94}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${margin.left + plotW - 90}" y="${ly}" fill="${fg}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

/**
 * Every `stride`-th point with a moving mean over the window (long loss curves stay readable and
 * the SVG small): at most `maxPoints` points.
 */
export function downsample(values: readonly number[], maxPoints = 400): Array<[number, number]> {
  if (values.length <= maxPoints) return values.map((v, i) => [i + 1, v]);
  const stride = Math.ceil(values.length / maxPoints);
  const out: Array<[number, number]> = [];
  for (let start = 0; start < values.length; start += stride) {
    const window = values.slice(start, start + stride);
    out.push([start + window.length, window.reduce((a, b) => a + b, 0) / window.length]);
  }
  return out;
}
