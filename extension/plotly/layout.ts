/**
 * What the Plotly panels change in a figure's layout so that nothing is clipped or overlaps: the title
 * moves out of the plot into the panel's heading (Plotly draws it on one line, centred, and cuts a
 * long one at both ends in a narrow output; the page wraps it), and a colour bar's title goes beside
 * the bar instead of on its top tick, and every axis makes room for its tick labels and title
 * (automargin), so long class names neither leave the output nor run into the axis title. Pure
 * functions on copies, tested in Node.
 */
import type { PlotlyPayload } from "../../kernel/portable/plotly-payload";
import { axisKeys } from "./theme";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The top margin left once the title is out of the plot: room for the mode bar. */
export const TOP_MARGIN = 32;

/** A Plotly title (a string, or {text}) as plain text: its <br> become line breaks, nothing else is read as markup. */
export function titleText(title: unknown): string | null {
  const text = typeof title === "string" ? title : isObject(title) && typeof title.text === "string" ? title.text : null;
  if (text === null || text.trim() === "") return null;
  return text.replace(/<br\s*\/?>/gi, "\n");
}

/**
 * The panel's heading: lukelab's title, then the layout's title when it says something else (the
 * analysis figures give both the same text, which was shown twice).
 */
export function figureHeading(payload: Pick<PlotlyPayload, "layout" | "lukelab">): { title: string | null; subtitle: string | null } {
  const own = payload.lukelab?.title?.trim() ? payload.lukelab.title : null;
  const layoutTitle = titleText(payload.layout?.title);
  if (!own) return { title: layoutTitle, subtitle: null };
  return { title: own, subtitle: layoutTitle && layoutTitle !== own ? layoutTitle : null };
}

/** A copy of the layout without its title, its top margin reduced to what the mode bar needs. */
export function layoutWithoutTitle(layout: Obj): Obj {
  const out: Obj = { ...layout };
  if (titleText(out.title) === null) return out;
  delete out.title;
  const margin = isObject(out.margin) ? out.margin : {};
  const t = typeof margin.t === "number" ? margin.t : 100;
  out.margin = { ...margin, t: Math.min(t, TOP_MARGIN) };
  return out;
}

/** Copies of the traces whose colour bars have a title, with it beside the bar unless the trace places it. */
export function tracesWithSideTitles(data: readonly unknown[]): unknown[] {
  return data.map((trace) => {
    if (!isObject(trace) || !isObject(trace.colorbar)) return trace;
    const bar = trace.colorbar;
    const title = typeof bar.title === "string" ? { text: bar.title } : bar.title;
    if (!isObject(title) || "side" in title) return trace;
    return { ...trace, colorbar: { ...bar, title: { ...title, side: "right" } } };
  });
}

/** A copy of the layout whose axes grow the margins to hold their labels (unless an axis says otherwise). */
export function layoutWithAutomargins(layout: Obj): Obj {
  const out: Obj = { ...layout };
  for (const key of axisKeys(out)) {
    const axis = isObject(out[key]) ? (out[key] as Obj) : {};
    if (!("automargin" in axis)) out[key] = { ...axis, automargin: true };
  }
  return out;
}

/** What the widget draws: the layout without its title, with automargins. */
export function fittedLayout(layout: Obj): Obj {
  return layoutWithAutomargins(layoutWithoutTitle(layout));
}
