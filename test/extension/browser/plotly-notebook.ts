/**
 * The notebooks the Plotly browser test opens. Their outputs are stored, so nothing runs: a line chart,
 * a confusion-matrix heatmap with click-through examples (one with an emoji before the mention, one
 * cell with more examples than a page), a bar chart stored as a JSON string (as tslab's display.raw
 * sends it), and a malformed payload.
 */
import { PLOTLY_MIME, type FigureExample, type PlotlyPayload } from "../../../kernel/portable/plotly-payload";

export const LABELS = ["person", "location", "organization"];
/** Examples in cell "0,0": more than one page of the list. */
export const MANY = 25;
/** The example in cell "1,0" (gold location, predicted person): "Paris" after a code point outside the BMP. */
export const EMOJI_EXAMPLE: FigureExample = {
  text: "🎉 Party in Paris 🇫🇷!",
  start: 11,
  end: 16,
  gold: ["location"],
  predicted: ["person", "location"],
  probabilities: { person: 0.81, location: 0.64, organization: 0.07 },
  source: "runs/seed-1 dev #17",
};

export function confusionPayload(): PlotlyPayload {
  const many = Array.from({ length: MANY }, (_, i) => ({
    text: `Speaker ${i} met Ada Lovelace in London.`,
    start: `Speaker ${i} met `.length,
    end: `Speaker ${i} met Ada Lovelace`.length,
    gold: ["person"],
    predicted: ["person"],
    probabilities: { person: 0.9, location: 0.05 },
  }));
  return {
    data: [{ type: "heatmap", z: [[MANY, 0, 1], [1, 4, 0], [0, 2, 5]], x: LABELS, y: LABELS, texttemplate: "%{z}", colorscale: "Blues" }],
    layout: { title: { text: "Confusion (dev)" }, xaxis: { title: { text: "predicted" } }, yaxis: { title: { text: "gold" }, autorange: "reversed" }, margin: { l: 110, r: 40, t: 50, b: 60 } },
    lukelab: {
      title: "tiny-luke on open-entity-sample: confusion",
      drillDown: {
        kind: "confusion-matrix",
        trace: 0,
        cells: {
          "0,0": many,
          "0,2": [{ text: "Ada founded Babbage & Co.", start: 0, end: 3, gold: ["person"], predicted: ["organization"], probabilities: { organization: 0.55, person: 0.45 } }],
          "1,0": [EMOJI_EXAMPLE],
        },
      },
    },
  };
}

export function lineChart(): PlotlyPayload {
  return {
    data: [
      { type: "scatter", mode: "lines+markers", name: "train loss", x: [1, 2, 3, 4, 5], y: [2.1, 1.4, 1.0, 0.8, 0.7] },
      { type: "scatter", mode: "lines", name: "dev loss", x: [1, 2, 3, 4, 5], y: [2.2, 1.6, 1.3, 1.2, 1.2] },
    ],
    layout: { title: { text: "Loss" }, xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: "loss" } } },
  };
}

function output(data: unknown): unknown {
  return { output_type: "display_data", metadata: {}, data: { [PLOTLY_MIME]: data, "text/plain": ["<Plotly figure>"] } };
}

function notebook(cells: { source: string; outputs: unknown[] }[]): unknown {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    // The Python kernel, the quickest to start: the outputs are stored, nothing runs.
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, language_info: { name: "python" } },
    cells: cells.map((c, i) => ({ cell_type: "code", id: `cell-${i}`, execution_count: null, metadata: {}, ...c })),
  };
}

export function plotlyNotebook(): unknown {
  const bar = { data: [{ type: "bar", x: ["a", "b", "c"], y: [3, 1, 2] }], layout: { title: { text: "Bars from a JSON string" } } };
  return notebook([
    { source: "# a line chart", outputs: [output(lineChart())] },
    { source: "# a confusion matrix with click-through examples", outputs: [output(confusionPayload())] },
    { source: "# a bar chart sent as a JSON string", outputs: [output(JSON.stringify(bar))] },
    { source: "# malformed", outputs: [output({ data: "not traces", layout: {} })] },
  ]);
}

/** A notebook without figures: opening it must not load plotly.js. */
export function plainNotebook(): unknown {
  return notebook([{ source: "print('no figures here')", outputs: [{ output_type: "stream", name: "stdout", text: ["no figures here\n"] }] }]);
}
