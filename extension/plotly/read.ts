/**
 * The Plotly payload as the renderer receives it. Notebooks store `application/*+json` outputs as JSON
 * objects, but tslab's public `display.raw` sends a JSON string, so both are accepted. The checks are
 * kernel/portable/plotly-payload's, so the error names the field that is wrong.
 */
import { PLOTLY_MIME, checkPlotlyPayload, type PlotlyPayload } from "../../kernel/portable/plotly-payload";

export type ReadPayload = { ok: true; payload: PlotlyPayload } | { ok: false; message: string };

export function readPlotlyPayload(value: unknown): ReadPayload {
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch (e) {
      return { ok: false, message: `${PLOTLY_MIME} payload: not valid JSON (${e instanceof Error ? e.message : String(e)})` };
    }
  }
  try {
    return { ok: true, payload: checkPlotlyPayload(v) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
