/**
 * A figure as a standalone HTML page that works offline: plotly.js from the installed
 * plotly.js-dist-min package, loaded from a file beside the page, and the figure as inline JSON.
 * Clicking a confusion-matrix cell lists the examples in it (lukelab.drillDown) under the plot,
 * written as text nodes only.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { checkPlotlyPayload, type PlotlyPayload } from "../portable/plotly-payload";

/** The file name of plotly.js beside the pages. */
export const PLOTLY_JS = "plotly.min.js";

/** The installed plotly.js bundle. */
export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

/** JSON that is safe inside a <script> element (no "</script>", no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// Runs in the page: draws the figure, wires the click-through list, sets window.lukelabReady.
const PAGE_SCRIPT = `
const figure = JSON.parse(document.getElementById("figure-data").textContent);
const list = document.getElementById("examples");
function showCell(key) {
  const examples = (figure.lukelab.drillDown.cells[key] || []);
  list.replaceChildren();
  const head = document.createElement("h3");
  const [row, col] = key.split(",").map(Number);
  const trace = figure.data[figure.lukelab.drillDown.trace];
  head.textContent = trace.y[row] + " × " + trace.x[col] + ": " + examples.length + " example(s) listed";
  list.appendChild(head);
  for (const ex of examples) {
    const item = document.createElement("div");
    item.className = "example";
    const chars = Array.from(ex.text);
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(ex.start, ex.end).join("");
    item.append(chars.slice(0, ex.start).join(""), mark, chars.slice(ex.end).join(""));
    const info = document.createElement("div");
    info.className = "info";
    const probs = Object.entries(ex.probabilities).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([l, p]) => l + " " + p.toFixed(2)).join(", ");
    info.textContent = "gold [" + ex.gold.join(", ") + "], predicted [" + ex.predicted.join(", ") + "]" + (probs ? "; top probabilities " + probs : "") + (ex.source ? " (" + ex.source + ")" : "");
    item.appendChild(info);
    list.appendChild(item);
  }
}
Plotly.newPlot("figure", figure.data, figure.layout || {}, Object.assign({ responsive: true }, figure.config || {})).then((gd) => {
  if (figure.lukelab && figure.lukelab.drillDown) {
    gd.on("plotly_click", (ev) => {
      const p = ev.points.find((q) => q.curveNumber === figure.lukelab.drillDown.trace);
      if (p) showCell(p.pointIndex[0] + "," + p.pointIndex[1]);
    });
  }
  window.lukelabReady = true;
});
`;

/** The page for one figure; `plotlySrc` is where the page loads plotly.js from (relative URL). */
export function figureHtml(figure: PlotlyPayload, plotlySrc = PLOTLY_JS): string {
  checkPlotlyPayload(figure);
  const t = (figure.layout as { title?: { text?: unknown } } | undefined)?.title?.text;
  const title = typeof t === "string" ? t : (figure.lukelab?.title ?? "lukelab figure");
  const hint = figure.lukelab?.drillDown ? `<p class="hint">Click a cell to list its examples.</p>` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; margin: 16px; color: #222; }
#figure { width: 100%; max-width: 960px; height: ${typeof figure.layout?.height === "number" ? figure.layout.height : 480}px; }
.hint { color: #666; font-size: 13px; }
.example { margin: 6px 0; padding: 4px 8px; border-left: 3px solid #4292c6; }
.example .info { color: #555; font-size: 12px; }
mark { background: #c6dbef; }
</style>
<script src="${escapeHtml(plotlySrc)}"></script>
</head>
<body>
<div id="figure"></div>
${hint}
<div id="examples"></div>
<script type="application/json" id="figure-data">${scriptJson(figure)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Writes `<path>` (atomically) and plotly.js beside it (copied once; a copy of the same size is kept).
 * Returns the page's path.
 */
export function writeFigureHtml(path: string, figure: PlotlyPayload): string {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, PLOTLY_JS);
  const source = plotlyBundlePath();
  if (!existsSync(target) || statSync(target).size !== statSync(source).size) writeFileAtomic(target, readFileSync(source));
  writeFileAtomic(path, figureHtml(figure));
  return path;
}
