/**
 * The drill-down list under a confusion-matrix heatmap, as plain data: which cell a click hit, the
 * examples counted in it, how a cell is named, the mention cut out of its sentence, labels marked
 * correct or not, the top probabilities, and a list capped with "show more". No DOM here: the widget
 * (./drilldown-view) draws what these functions return, and tests call them in Node.
 */
import type { FigureDrillDown, FigureExample, PlotlyPayload } from "../../kernel/portable/plotly-payload";

/** Examples shown at first and added by each "show more". */
export const PAGE_SIZE = 20;
/** Probabilities listed per example. */
export const TOP_PROBABILITIES = 3;

/** A heatmap cell: z[row][col], the trace's y[row] and x[col]. */
export interface CellRef {
  row: number;
  col: number;
}

/** What the list shows: one cell's examples, the first `shown` of them. */
export interface DrillSelection {
  cell: CellRef;
  /** e.g. "gold person, predicted location". */
  title: string;
  examples: FigureExample[];
  shown: number;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The cell a plotly_click hit on the drill-down trace, or null (a click on another trace, or on
 * nothing). Plotly reports a heatmap point's index as [row, col] in `pointNumber` (and `pointIndex`).
 */
export function clickedCell(event: unknown, trace: number): CellRef | null {
  const points = isObject(event) && Array.isArray(event.points) ? event.points : [];
  for (const p of points) {
    if (!isObject(p) || p.curveNumber !== trace) continue;
    const index = Array.isArray(p.pointNumber) ? p.pointNumber : p.pointIndex;
    if (Array.isArray(index) && index.length === 2 && index.every((i) => Number.isInteger(i) && i >= 0)) {
      return { row: index[0] as number, col: index[1] as number };
    }
  }
  return null;
}

export const cellKey = (cell: CellRef): string => `${cell.row},${cell.col}`;

export function cellExamples(drill: FigureDrillDown, cell: CellRef): FigureExample[] {
  return drill.cells[cellKey(cell)] ?? [];
}

/** An axis title, whether given as a string or as {text}. */
function titleText(v: unknown): string | null {
  if (typeof v === "string") return v || null;
  if (isObject(v) && typeof v.text === "string") return v.text || null;
  return null;
}

/** The layout key of a trace's axis: "x" → "xaxis", "y2" → "yaxis2". */
function axisKey(ref: unknown, letter: "x" | "y"): string {
  return typeof ref === "string" && new RegExp(`^${letter}\\d*$`).test(ref) ? `${letter}axis${ref.slice(1)}` : `${letter}axis`;
}

/**
 * How a cell is named: its y and x labels (the trace's y[row] and x[col], else the indices), each after
 * its axis title when there is one: "gold person, predicted location", else "row person, column location".
 */
export function cellTitle(payload: PlotlyPayload, drill: FigureDrillDown, cell: CellRef): string {
  const trace = payload.data[drill.trace] ?? {};
  const layout = payload.layout ?? {};
  const label = (values: unknown, i: number) => (Array.isArray(values) && values[i] !== undefined && values[i] !== null ? String(values[i]) : String(i));
  const axisTitle = (letter: "x" | "y") => {
    const axis = layout[axisKey(trace[`${letter}axis`], letter)];
    return isObject(axis) ? titleText(axis.title) : null;
  };
  const y = `${axisTitle("y") ?? "row"} ${label(trace.y, cell.row)}`;
  const x = `${axisTitle("x") ?? "column"} ${label(trace.x, cell.col)}`;
  return `${y}, ${x}`;
}

/** The list for a clicked cell, showing its first page. */
export function selectCell(payload: PlotlyPayload, drill: FigureDrillDown, cell: CellRef, pageSize = PAGE_SIZE): DrillSelection {
  const examples = cellExamples(drill, cell);
  return { cell, title: cellTitle(payload, drill, cell), examples, shown: Math.min(pageSize, examples.length) };
}

export function showMore(s: DrillSelection, pageSize = PAGE_SIZE): DrillSelection {
  return { ...s, shown: Math.min(s.examples.length, s.shown + pageSize) };
}

export function visibleExamples(s: DrillSelection): FigureExample[] {
  return s.examples.slice(0, s.shown);
}

/** The count line: "3 examples", "57 examples, showing 20", "no examples in this cell". */
export function countText(s: DrillSelection): string {
  const n = s.examples.length;
  if (n === 0) return "no examples in this cell";
  const all = `${n} example${n === 1 ? "" : "s"}`;
  return s.shown < n ? `${all}, showing ${s.shown}` : all;
}

/** Every cell that has examples, in row then column order, for choosing a cell without a mouse. */
export function drillCells(payload: PlotlyPayload, drill: FigureDrillDown): { cell: CellRef; title: string; count: number }[] {
  return Object.entries(drill.cells)
    .filter(([, list]) => list.length > 0)
    .map(([key, list]) => {
      const [row, col] = key.split(",").map(Number);
      const cell = { row, col };
      return { cell, title: cellTitle(payload, drill, cell), count: list.length };
    })
    .sort((a, b) => a.cell.row - b.cell.row || a.cell.col - b.cell.col);
}

/**
 * The sentence cut around the mention. Offsets count Unicode code points, as Python's str does, so the
 * text is split with Array.from (an emoji before the mention is one code point but two UTF-16 units).
 * A span past the end is clamped, and `clamped` says so.
 */
export function mentionParts(text: string, start: number, end: number): { before: string; mention: string; after: string; clamped: boolean } {
  const points = Array.from(text);
  const s = Math.min(Math.max(0, start), points.length);
  const e = Math.min(Math.max(s, end), points.length);
  return {
    before: points.slice(0, s).join(""),
    mention: points.slice(s, e).join(""),
    after: points.slice(e).join(""),
    clamped: s !== start || e !== end,
  };
}

/** A label as listed: `correct` when it is both gold and predicted. */
export interface LabelMark {
  label: string;
  correct: boolean;
}

/** Gold labels (correct: also predicted) and predicted labels (correct: also gold), in their own order. */
export function labelMarks(gold: readonly string[], predicted: readonly string[]): { gold: LabelMark[]; predicted: LabelMark[] } {
  const g = new Set(gold), p = new Set(predicted);
  return {
    gold: gold.map((label) => ({ label, correct: p.has(label) })),
    predicted: predicted.map((label) => ({ label, correct: g.has(label) })),
  };
}

/** The k most probable labels, highest first (ties by name); values that are not numbers are left out. */
export function topProbabilities(probabilities: Record<string, number>, k = TOP_PROBABILITIES): { label: string; p: number }[] {
  return Object.entries(probabilities)
    .filter(([, p]) => typeof p === "number" && Number.isFinite(p))
    .map(([label, p]) => ({ label, p }))
    .sort((a, b) => b.p - a.p || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
    .slice(0, k);
}
