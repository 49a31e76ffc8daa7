/**
 * The payload lukelab displays as `application/vnd.plotly.v1+json`: a Plotly figure
 * ({data, layout, config?, frames?}, exactly what Plotly.react takes), plus an optional `lukelab`
 * field that only the lukelab extension reads (other Plotly renderers ignore unknown fields).
 *
 * Pure types and checks, no Node or DOM: the JupyterLab extension (extension/) imports this file too.
 */

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** One example behind a number, e.g. a confusion-matrix cell. Offsets are code points, [start, end). */
export interface FigureExample {
  text: string;
  start: number;
  end: number;
  gold: string[];
  predicted: string[];
  /** Sigmoid probability per label. */
  probabilities: Record<string, number>;
  /** Where the example came from (run folder, split, index), shown with it. */
  source?: string;
}

/**
 * Click-through data for a heatmap trace: `cells["row,col"]` lists the examples counted in the cell
 * whose z value is at data[trace].z[row][col]. Rows and columns index the trace's y and x.
 */
export interface FigureDrillDown {
  kind: "confusion-matrix";
  trace: number;
  cells: Record<string, FigureExample[]>;
}

export interface PlotlyPayload {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
  frames?: Array<Record<string, unknown>>;
  lukelab?: { drillDown?: FigureDrillDown; title?: string };
}

/**
 * Checks a value received as `application/vnd.plotly.v1+json`; returns it typed, or throws an Error
 * naming the first thing wrong (path and what was found), so a renderer can show it instead of a blank.
 */
export function checkPlotlyPayload(value: unknown): PlotlyPayload {
  const fail = (where: string, what: string): never => {
    throw new Error(`${PLOTLY_MIME} payload: ${where} ${what}`);
  };
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("the payload", `must be an object, found ${kind(value)}`);
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.data)) fail("data", `must be an array of traces, found ${kind(v.data)}`);
  (v.data as unknown[]).forEach((t, i) => {
    if (typeof t !== "object" || t === null || Array.isArray(t)) fail(`data[${i}]`, `must be an object, found ${kind(t)}`);
  });
  for (const key of ["layout", "config"] as const) {
    if (v[key] !== undefined && (typeof v[key] !== "object" || v[key] === null || Array.isArray(v[key]))) fail(key, `must be an object, found ${kind(v[key])}`);
  }
  if (v.frames !== undefined && !Array.isArray(v.frames)) fail("frames", `must be an array, found ${kind(v.frames)}`);
  const lk = v.lukelab as Record<string, unknown> | undefined;
  if (lk !== undefined) {
    if (typeof lk !== "object" || lk === null || Array.isArray(lk)) fail("lukelab", `must be an object, found ${kind(lk)}`);
    const dd = lk.drillDown as Record<string, unknown> | undefined;
    if (dd !== undefined) {
      if (typeof dd !== "object" || dd === null) fail("lukelab.drillDown", `must be an object, found ${kind(dd)}`);
      if (dd.kind !== "confusion-matrix") fail("lukelab.drillDown.kind", `must be "confusion-matrix", found ${JSON.stringify(dd.kind)}`);
      if (!Number.isInteger(dd.trace) || (dd.trace as number) < 0 || (dd.trace as number) >= (v.data as unknown[]).length) {
        fail("lukelab.drillDown.trace", `must index data (0..${(v.data as unknown[]).length - 1}), found ${JSON.stringify(dd.trace)}`);
      }
      if (typeof dd.cells !== "object" || dd.cells === null || Array.isArray(dd.cells)) fail("lukelab.drillDown.cells", `must be an object, found ${kind(dd.cells)}`);
      for (const [key, list] of Object.entries(dd.cells as Record<string, unknown>)) {
        if (!/^\d+,\d+$/.test(key)) fail(`lukelab.drillDown.cells["${key}"]`, 'has a key that is not "row,col"');
        if (!Array.isArray(list)) fail(`lukelab.drillDown.cells["${key}"]`, `must be an array, found ${kind(list)}`);
        (list as unknown[]).forEach((e, i) => {
          const ex = e as Record<string, unknown>;
          const where = `lukelab.drillDown.cells["${key}"][${i}]`;
          if (typeof ex !== "object" || ex === null) fail(where, `must be an object, found ${kind(e)}`);
          if (typeof ex.text !== "string") fail(`${where}.text`, `must be a string, found ${kind(ex.text)}`);
          if (!Number.isInteger(ex.start) || !Number.isInteger(ex.end) || (ex.start as number) < 0 || (ex.end as number) < (ex.start as number)) {
            fail(where, `has a bad span [${String(ex.start)}, ${String(ex.end)})`);
          }
          if (!Array.isArray(ex.gold) || !Array.isArray(ex.predicted)) fail(where, "must have gold and predicted label arrays");
          if (typeof ex.probabilities !== "object" || ex.probabilities === null) fail(`${where}.probabilities`, `must be an object, found ${kind(ex.probabilities)}`);
        });
      }
    }
  }
  return v as unknown as PlotlyPayload;
}
