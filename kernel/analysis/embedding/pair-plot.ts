/**
 * The static stand-in for a 3-D scatter: static-svg.ts draws 2-D axes only, so a figure with
 * `scatter3d` traces is drawn as its pair plot, three 2-D panels (axes 1×2, 1×3 and 2×3), as the
 * original meta_tsne_pca.py drew beside its 3-D plot. Pure (type imports only), so static-svg.ts can
 * use it without an import cycle.
 */
import type { PlotlyPayload } from "../../portable/plotly-payload";

/** Whether a figure holds 3-D traces. */
export function is3d(figure: PlotlyPayload): boolean {
  return figure.data.some((t) => t.type === "scatter3d");
}

/**
 * The 2-D pair plot of a 3-D figure: three side-by-side panels (axes 1×2, 1×3, 2×3), each trace
 * drawn in all three with its colour and name (in the legend once).
 */
export function pairPlotFigure(figure: PlotlyPayload): PlotlyPayload {
  const scene = ((figure.layout ?? {}) as { scene?: Record<string, { title?: { text?: string } }> }).scene ?? {};
  const titles = ["xaxis", "yaxis", "zaxis"].map((a, k) => scene[a]?.title?.text ?? `axis ${k + 1}`);
  const pairs: [number, number][] = [
    [0, 1],
    [0, 2],
    [1, 2],
  ];
  const letters = ["x", "y", "z"];
  const data: Record<string, unknown>[] = [];
  pairs.forEach(([a, b], panel) => {
    const suffix = panel === 0 ? "" : String(panel + 1);
    for (const t of figure.data) {
      if (t.type !== "scatter3d") continue;
      const marker = { ...((t.marker as Record<string, unknown>) ?? {}), size: 7 };
      data.push({
        type: "scatter",
        mode: "markers",
        name: t.name,
        x: t[letters[a]],
        y: t[letters[b]],
        text: t.text,
        marker,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        showlegend: panel === 0,
        hovertemplate: `%{text}<br>${titles[a]}: %{x:.4g}<br>${titles[b]}: %{y:.4g}<extra></extra>`,
      });
    }
  });
  const title = ((figure.layout as { title?: { text?: string } } | undefined)?.title?.text ?? "") + " (pair plot of the 3-D axes)";
  const layout: Record<string, unknown> = { title: { text: title }, width: 1080, height: 420, hovermode: "closest", showlegend: data.length > 3 };
  const domains = [
    [0, 0.26],
    [0.37, 0.63],
    [0.74, 1],
  ];
  pairs.forEach(([a, b], panel) => {
    const suffix = panel === 0 ? "" : String(panel + 1);
    layout[`xaxis${suffix}`] = { title: { text: titles[a] }, domain: domains[panel], anchor: `y${suffix}`, zeroline: false };
    layout[`yaxis${suffix}`] = { title: { text: titles[b] }, domain: [0, 1], anchor: `x${suffix}`, zeroline: false };
  });
  return { data, layout, lukelab: { title } };
}
