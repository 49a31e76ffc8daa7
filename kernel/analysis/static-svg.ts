/**
 * A static SVG of a Plotly figure, for readers without the lukelab extension (GitHub, nbviewer, a
 * notebook opened elsewhere): it goes into the same display bundle as the Plotly JSON.
 *
 * It draws what figures.ts produces, not Plotly in general: scatter traces (lines, markers with the
 * circle, square, diamond and triangle symbols, error_y bars), heatmaps (cells coloured on the
 * figure's scale, with their numbers) and bars; linear, log and category axes; subplots through the
 * axes' domains (xaxis2/yaxis2); the title, axis titles and a legend. Drawn on white with fixed
 * colours, since an <img> does not see the notebook's theme.
 *
 * Every drawn data mark has class "mark" (and "point", "line", "cell" or "bar"); error bars have
 * class "errorbar", so tests can count them.
 */
import { niceTicks } from "../train/line-chart";
import type { PlotlyPayload } from "../portable/plotly-payload";
import { is3d, pairPlotFigure } from "./embedding/pair-plot";

/** Plotly's default trace colours, so the SVG matches the live figure. */
export const TRACE_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** The heatmap colour scale figures.ts uses (seaborn's and matplotlib's "Blues"). */
export const BLUES: ReadonlyArray<readonly [number, string]> = [
  [0, "#f7fbff"],
  [0.125, "#deebf7"],
  [0.25, "#c6dbef"],
  [0.375, "#9ecae1"],
  [0.5, "#6baed6"],
  [0.625, "#4292c6"],
  [0.75, "#2171b5"],
  [0.875, "#08519c"],
  [1, "#08306b"],
];

const FG = "#222222";
const GRID = "#e5e5e5";
const MAX_LINE_POINTS = 2000;

type Trace = Record<string, unknown>;
type AxisSpec = Record<string, unknown>;

export interface SvgOptions {
  width?: number;
  height?: number;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const r = (v: number) => (Math.round(v * 10) / 10).toString();

function titleText(t: unknown): string {
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { text?: unknown }).text === "string") return (t as { text: string }).text;
  return "";
}

function formatNumber(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The colour at t ∈ [0, 1] on a scale of [position, "#rrggbb"] stops. */
export function scaleColour(scale: ReadonlyArray<readonly [number, string]>, t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  let k = 0;
  while (k < scale.length - 2 && scale[k + 1][0] < x) k++;
  const [p0, c0] = scale[k];
  const [p1, c1] = scale[k + 1];
  const f = p1 === p0 ? 0 : (x - p0) / (p1 - p0);
  const [a, b] = [hexToRgb(c0), hexToRgb(c1)];
  return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * f)).join(",")})`;
}

function colourScaleOf(trace: Trace): ReadonlyArray<readonly [number, string]> {
  const cs = trace.colorscale;
  if (Array.isArray(cs) && cs.every((s) => Array.isArray(s) && typeof s[0] === "number" && typeof s[1] === "string" && /^#[0-9a-f]{6}$/i.test(s[1]))) {
    return cs as [number, string][];
  }
  return BLUES;
}

/** One axis: maps data values (numbers or categories) to pixels within its span. */
interface Scale {
  px(v: unknown): number;
  ticks: { value: unknown; label: string }[];
  /** Pixels per category (category axes), for cell and bar widths. */
  band: number;
  type: "linear" | "log" | "category";
}

function numeric(values: unknown[]): number[] {
  return values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

function makeScale(spec: AxisSpec, values: unknown[], from: number, to: number, isX: boolean, categoriesFirst: unknown[]): Scale {
  const forced = spec.type as string | undefined;
  const allNumbers = values.length > 0 && values.every((v) => typeof v === "number" || v === null);
  const type = forced === "category" || forced === "log" || forced === "linear" ? forced : allNumbers ? "linear" : "category";
  if (type === "category") {
    const cats: string[] = [];
    for (const v of [...categoriesFirst, ...values]) if (v !== null && v !== undefined && !cats.includes(String(v))) cats.push(String(v));
    const reversed = spec.autorange === "reversed";
    const band = (to - from) / Math.max(1, cats.length);
    const px = (v: unknown) => {
      const i = cats.indexOf(String(v));
      const k = reversed ? cats.length - 1 - i : i;
      return isX ? from + (k + 0.5) * band : to - (k + 0.5) * band;
    };
    return { px, band, type, ticks: cats.map((c) => ({ value: c, label: c })) };
  }
  const log = type === "log";
  const f = (v: number) => (log ? Math.log10(v) : v);
  let lo: number;
  let hi: number;
  if (Array.isArray(spec.range) && spec.range.length === 2) [lo, hi] = spec.range as [number, number];
  else {
    const nums = numeric(values).filter((v) => !log || v > 0).map(f);
    lo = nums.length ? Math.min(...nums) : 0;
    hi = nums.length ? Math.max(...nums) : 1;
    if (spec.rangemode === "tozero" && !log) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
    const pad = lo === hi ? Math.abs(lo || 1) * 0.1 : (hi - lo) * 0.05;
    [lo, hi] = [spec.rangemode === "tozero" && lo === 0 ? 0 : lo - pad, hi + pad];
  }
  const px = (v: unknown) => {
    const t = (f(v as number) - lo) / (hi - lo);
    return isX ? from + t * (to - from) : to - t * (to - from);
  };
  let ticks: { value: unknown; label: string }[];
  if (Array.isArray(spec.tickvals)) {
    const text = Array.isArray(spec.ticktext) ? spec.ticktext : spec.tickvals;
    ticks = (spec.tickvals as unknown[]).map((v, i) => ({ value: v, label: String(text[i]) }));
  } else if (log) {
    ticks = [];
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) ticks.push({ value: Math.pow(10, e), label: `1e${e}` });
  } else ticks = niceTicks(lo, hi).map((v) => ({ value: v, label: formatNumber(v) }));
  ticks = ticks.filter((t) => {
    const v = f(t.value as number);
    return v >= lo - 1e-9 && v <= hi + 1e-9;
  });
  return { px, band: 0, type, ticks };
}

function axisKey(id: unknown, letter: "x" | "y"): string {
  const s = typeof id === "string" && id.startsWith(letter) ? id.slice(1) : "";
  return `${letter}axis${s}`;
}

function symbolPath(symbol: string, x: number, y: number, size: number): string | undefined {
  const s = size / 2;
  switch (symbol) {
    case "square":
      return `M${r(x - s)} ${r(y - s)}H${r(x + s)}V${r(y + s)}H${r(x - s)}Z`;
    case "diamond":
      return `M${r(x)} ${r(y - s * 1.3)}L${r(x + s * 1.3)} ${r(y)}L${r(x)} ${r(y + s * 1.3)}L${r(x - s * 1.3)} ${r(y)}Z`;
    case "triangle-up":
      return `M${r(x)} ${r(y - s * 1.2)}L${r(x + s * 1.2)} ${r(y + s)}L${r(x - s * 1.2)} ${r(y + s)}Z`;
    case "triangle-down":
      return `M${r(x)} ${r(y + s * 1.2)}L${r(x + s * 1.2)} ${r(y - s)}L${r(x - s * 1.2)} ${r(y - s)}Z`;
    default:
      return undefined;
  }
}

/** The figure as a standalone <svg> document string. */
export function figureSvg(figure: PlotlyPayload, options: SvgOptions = {}): string {
  if (is3d(figure)) return figureSvg(pairPlotFigure(figure), options); // scatter3d: its 2-D pair plot
  const lay = (figure.layout ?? {}) as Record<string, unknown>;
  const width = options.width ?? (typeof lay.width === "number" ? lay.width : 720);
  const height = options.height ?? (typeof lay.height === "number" ? lay.height : 440);
  const traces = figure.data as Trace[];
  const legendEntries = traces
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t.type !== "heatmap" && t.showlegend !== false && typeof t.name === "string" && t.name !== "");
  const legendWidth = legendEntries.length > 1 ? Math.min(220, 24 + Math.max(...legendEntries.map(({ t }) => String(t.name).length)) * 6.2) : 0;
  const title = titleText(lay.title);
  const heatmapCats = traces.some((t) => t.type === "heatmap") ? Math.max(...traces.filter((t) => t.type === "heatmap").map((t) => ((t.y as unknown[]) ?? []).map(String).reduce((m, s) => Math.max(m, s.length), 0))) : 0;
  const margin = { left: Math.max(64, 28 + heatmapCats * 6.5), right: 16 + legendWidth, top: title ? 44 : 16, bottom: 52 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (title) parts.push(`<text x="${r(width / 2)}" y="22" text-anchor="middle" fill="${FG}" font-size="14">${escapeXml(title)}</text>`);

  // Subplots: one (x axis, y axis) pair per distinct trace axes, placed by the axes' domains.
  const pairs = new Map<string, { xKey: string; yKey: string; traces: number[] }>();
  traces.forEach((t, i) => {
    const xKey = axisKey(t.xaxis, "x");
    const yKey = axisKey(t.yaxis, "y");
    const key = `${xKey}/${yKey}`;
    if (!pairs.has(key)) pairs.set(key, { xKey, yKey, traces: [] });
    pairs.get(key)!.traces.push(i);
  });
  const colourOf = (t: Trace, i: number): string => {
    const line = t.line as { color?: unknown } | undefined;
    const marker = t.marker as { color?: unknown } | undefined;
    if (typeof line?.color === "string") return line.color;
    if (typeof marker?.color === "string") return marker.color;
    return TRACE_COLOURS[i % TRACE_COLOURS.length];
  };

  for (const { xKey, yKey, traces: members } of pairs.values()) {
    const xSpec = (lay[xKey] ?? {}) as AxisSpec;
    const ySpec = (lay[yKey] ?? {}) as AxisSpec;
    const [dx0, dx1] = Array.isArray(xSpec.domain) ? (xSpec.domain as number[]) : [0, 1];
    const [dy0, dy1] = Array.isArray(ySpec.domain) ? (ySpec.domain as number[]) : [0, 1];
    const gap = dy0 > 0 || dy1 < 1 ? 18 : 0; // room for the lower subplot's axis labels
    const x0 = margin.left + dx0 * plotW;
    const x1 = margin.left + dx1 * plotW;
    const yTop = margin.top + (1 - dy1) * plotH;
    const yBottom = margin.top + (1 - dy0) * plotH - (dy0 > 0 ? gap : 0);
    const xs: unknown[] = [];
    const ys: unknown[] = [];
    const xCats: unknown[] = [];
    const yCats: unknown[] = [];
    for (const i of members) {
      const t = traces[i];
      if (t.type === "heatmap") {
        xCats.push(...((t.x as unknown[]) ?? []));
        yCats.push(...((t.y as unknown[]) ?? []));
        continue;
      }
      const tx = (t.x as unknown[]) ?? [];
      const ty = (t.y as unknown[]) ?? [];
      xs.push(...tx);
      ys.push(...ty);
      const err = (t.error_y as { array?: unknown[] } | undefined)?.array;
      if (err) ty.forEach((y, k) => typeof y === "number" && typeof err[k] === "number" && ys.push(y - (err[k] as number), y + (err[k] as number)));
      if (t.type === "bar") ys.push(0);
    }
    const xScale = makeScale(xSpec, xs, x0, x1, true, xCats);
    const yScale = makeScale(ySpec, ys, yTop, yBottom, false, yCats);

    // Grid, ticks, frame, axis titles.
    for (const tk of yScale.ticks) {
      const y = yScale.px(tk.value);
      if (yScale.type !== "category") parts.push(`<line x1="${r(x0)}" x2="${r(x1)}" y1="${r(y)}" y2="${r(y)}" stroke="${GRID}"/>`);
      parts.push(`<text x="${r(x0 - 6)}" y="${r(y + 4)}" text-anchor="end" fill="${FG}">${escapeXml(tk.label)}</text>`);
    }
    const labelWidth = Math.max(...xScale.ticks.map((tk) => tk.label.length), 1) * 6.5 + 8;
    const everyX = Math.max(1, Math.ceil((xScale.ticks.length * Math.max(labelWidth, xScale.type === "category" ? 0 : 60)) / Math.max(1, x1 - x0)));
    xScale.ticks.forEach((tk, k) => {
      const x = xScale.px(tk.value);
      if (xScale.type !== "category") parts.push(`<line x1="${r(x)}" x2="${r(x)}" y1="${r(yTop)}" y2="${r(yBottom)}" stroke="${GRID}"/>`);
      if (k % everyX === 0) parts.push(`<text x="${r(x)}" y="${r(yBottom + 15)}" text-anchor="middle" fill="${FG}">${escapeXml(tk.label)}</text>`);
    });
    parts.push(`<rect x="${r(x0)}" y="${r(yTop)}" width="${r(x1 - x0)}" height="${r(yBottom - yTop)}" fill="none" stroke="${FG}"/>`);
    const xTitle = titleText(xSpec.title);
    const yTitle = titleText(ySpec.title);
    if (xTitle) parts.push(`<text x="${r((x0 + x1) / 2)}" y="${r(yBottom + 32)}" text-anchor="middle" fill="${FG}">${escapeXml(xTitle)}</text>`);
    if (yTitle) {
      const cx = Math.max(12, x0 - margin.left + 12);
      const cy = (yTop + yBottom) / 2;
      parts.push(`<text x="${r(cx)}" y="${r(cy)}" text-anchor="middle" fill="${FG}" transform="rotate(-90 ${r(cx)} ${r(cy)})">${escapeXml(yTitle)}</text>`);
    }

    for (const i of members) {
      const t = traces[i];
      const colour = colourOf(t, i);
      const name = escapeXml(String(t.name ?? ""));
      if (t.type === "heatmap") {
        const z = (t.z as (number | null)[][]) ?? [];
        const flat = z.flat().filter((v): v is number => typeof v === "number");
        const [lo, hi] = [Math.min(0, ...flat), Math.max(...flat, 1e-12)];
        const scale = colourScaleOf(t);
        const xv = (t.x as unknown[]) ?? [];
        const yv = (t.y as unknown[]) ?? [];
        z.forEach((row, a) =>
          row.forEach((v, b) => {
            const cx = xScale.px(xv[b]);
            const cy = yScale.px(yv[a]);
            const frac = typeof v === "number" ? (v - lo) / (hi - lo) : 0;
            parts.push(
              `<rect class="mark cell" x="${r(cx - xScale.band / 2)}" y="${r(cy - yScale.band / 2)}" width="${r(xScale.band)}" height="${r(yScale.band)}" fill="${typeof v === "number" ? scaleColour(scale, frac) : "#ffffff"}" stroke="#ffffff"><title>${escapeXml(`${yv[a]} × ${xv[b]}: ${v ?? ""}`)}</title></rect>`,
              `<text x="${r(cx)}" y="${r(cy + 4)}" text-anchor="middle" fill="${frac > 0.55 ? "#ffffff" : FG}">${typeof v === "number" ? formatNumber(v) : ""}</text>`,
            );
          }),
        );
        continue;
      }
      const tx = (t.x as unknown[]) ?? [];
      const ty = (t.y as unknown[]) ?? [];
      const valid = tx.map((_, k) => k).filter((k) => ty[k] !== null && ty[k] !== undefined && (typeof ty[k] !== "number" || Number.isFinite(ty[k] as number)));
      if (t.type === "bar") {
        const widths = t.width;
        const opacity = typeof t.opacity === "number" ? t.opacity : 1;
        for (const k of valid) {
          const w = Array.isArray(widths) && typeof widths[k] === "number" ? Math.abs(xScale.px((tx[k] as number) + (widths[k] as number) / 2) - xScale.px((tx[k] as number) - (widths[k] as number) / 2)) : xScale.band * 0.8 || 8;
          const top = yScale.px(ty[k]);
          const base = yScale.px(0);
          parts.push(`<rect class="mark bar" x="${r(xScale.px(tx[k]) - w / 2)}" y="${r(Math.min(top, base))}" width="${r(w)}" height="${r(Math.abs(base - top))}" fill="${colour}" fill-opacity="${opacity}"><title>${name}: ${escapeXml(String(ty[k]))}</title></rect>`);
        }
        continue;
      }
      const mode = String(t.mode ?? "lines+markers");
      if (mode.includes("lines") && valid.length > 1) {
        const stride = Math.ceil(valid.length / MAX_LINE_POINTS);
        const kept = valid.filter((_, n) => n % stride === 0 || n === valid.length - 1);
        const step = (t.line as { shape?: unknown } | undefined)?.shape === "hv";
        const d = kept.map((k, n) => `${n ? (step ? `H${r(xScale.px(tx[k]))}V` : `L${r(xScale.px(tx[k]))} `) : `M${r(xScale.px(tx[k]))} `}${r(yScale.px(ty[k]))}`).join("");
        const dash = (t.line as { dash?: unknown } | undefined)?.dash === "dash" ? ` stroke-dasharray="6 4"` : "";
        parts.push(`<path class="mark line" d="${d}" fill="none" stroke="${colour}" stroke-width="1.8"${dash}><title>${name}</title></path>`);
      }
      const err = (t.error_y as { array?: unknown[]; visible?: unknown } | undefined)?.array;
      if (err && (t.error_y as { visible?: unknown }).visible !== false) {
        for (const k of valid) {
          const e = err[k];
          if (typeof e !== "number" || !(e > 0)) continue;
          const x = xScale.px(tx[k]);
          const [ya, yb] = [yScale.px((ty[k] as number) - e), yScale.px((ty[k] as number) + e)];
          parts.push(`<path class="errorbar" d="M${r(x)} ${r(ya)}V${r(yb)}M${r(x - 4)} ${r(ya)}H${r(x + 4)}M${r(x - 4)} ${r(yb)}H${r(x + 4)}" stroke="${colour}" fill="none"/>`);
        }
      }
      if (mode.includes("markers")) {
        const marker = (t.marker ?? {}) as { size?: unknown; symbol?: unknown };
        const size = typeof marker.size === "number" ? marker.size : 7;
        const text = t.text as unknown[] | undefined;
        for (const k of valid) {
          const [x, y] = [xScale.px(tx[k]), yScale.px(ty[k])];
          const symbol = Array.isArray(marker.symbol) ? String(marker.symbol[k]) : String(marker.symbol ?? "circle");
          const tip = `<title>${escapeXml(`${text?.[k] ?? t.name ?? ""}: ${tx[k]}, ${ty[k]}`)}</title>`;
          const path = symbolPath(symbol, x, y, size);
          parts.push(path ? `<path class="mark point" d="${path}" fill="${colour}">${tip}</path>` : `<circle class="mark point" cx="${r(x)}" cy="${r(y)}" r="${r(size / 2)}" fill="${colour}">${tip}</circle>`);
        }
      }
    }
  }

  // Legend, right of the plots.
  legendEntries.forEach(({ t, i }, n) => {
    const lx = width - legendWidth + 4;
    const ly = margin.top + 10 + n * 16;
    const colour = colourOf(t, i);
    const dash = (t.line as { dash?: unknown } | undefined)?.dash === "dash" ? ` stroke-dasharray="4 3"` : "";
    parts.push(
      t.type === "bar"
        ? `<rect x="${r(lx)}" y="${r(ly - 9)}" width="16" height="10" fill="${colour}"/>`
        : t.mode === "markers"
          ? `<circle cx="${r(lx + 8)}" cy="${r(ly - 4)}" r="4" fill="${colour}"/>`
          : `<line x1="${r(lx)}" x2="${r(lx + 16)}" y1="${r(ly - 4)}" y2="${r(ly - 4)}" stroke="${colour}" stroke-width="2.5"${dash}/>`,
      `<text x="${r(lx + 20)}" y="${r(ly)}" fill="${FG}">${escapeXml(String(t.name))}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
