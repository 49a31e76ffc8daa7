/**
 * Runs embedded by their confusion matrices (the original's meta_tsne_pca.py, seed-features §1.3):
 * every run's confusion matrices flattened into one vector (vectors.ts), then PCA (pca.ts, equal to
 * scikit-learn's) and t-SNE (tsne.ts, seeded), each as a table of coordinates and a 2-D or 3-D Plotly
 * scatter named by run and coloured by the swept parameter (figures.ts).
 *
 * Notebook use:
 *   const e = embedRuns("runs/", { method: "both", dims: 2 });
 *   showFigure(e.figures.pca); e.tables.pca_explained_variance.print();
 *   writeEmbedding(e, "out/embedding");
 */
import { join } from "node:path";
import { aq, type ColumnTable } from "../arquero";
import { writeFileAtomic } from "../../io/atomic";
import { writeFigureHtml } from "../html";
import type { PlotlyPayload } from "../../portable/plotly-payload";
import { loadRuns, runTable, varyingParameters, type RunCollection, type SkippedRun } from "../runs";
import { figureSvg } from "../static-svg";
import { embeddingFigure } from "./figures";
import { pca, type PcaResult } from "./pca";
import { tsne, type TsneResult } from "./tsne";
import { runVectors, type RunVectors, type VectorOptions } from "./vectors";

export { MATRIX_KINDS, runVectors } from "./vectors";
export type { MatrixKind, Normalize, RunVectors, VectorOptions } from "./vectors";
export { pca, symmetricEigen } from "./pca";
export type { PcaResult, SymmetricEigen } from "./pca";
export { checkPerplexity, defaultPerplexity, tsne, tsneAffinities } from "./tsne";
export type { TsneOptions, TsneResult } from "./tsne";
export { embeddingFigure } from "./figures";
export type { EmbeddingFigureInput } from "./figures";
export { is3d, pairPlotFigure } from "./pair-plot";

export type EmbedMethod = "pca" | "tsne" | "both";

export interface EmbedOptions extends VectorOptions {
  /** Default "both". */
  method?: EmbedMethod;
  /** Default 2. */
  dims?: 2 | 3;
  /** t-SNE perplexity; default min(30, (n - 1) / 3). */
  perplexity?: number;
  /** t-SNE seed; default 0. */
  seed?: number;
  /** t-SNE steps; default 1000. */
  iterations?: number;
  /**
   * The log_parameters entry the points are coloured by; default: the first varying parameter other
   * than the seed (else the seed, else none); null: one colour.
   */
  colorBy?: string | null;
}

export interface RunEmbedding {
  collection: RunCollection;
  vectors: RunVectors;
  colorBy?: string;
  pca?: PcaResult & { axisTitles: string[] };
  tsne?: TsneResult & { axisTitles: string[] };
  /** NER runs of the folder, left out: their span confusion is not entity typing's label matrices. */
  leftOut: string[];
  /** "run_vectors", "pca_coordinates", "pca_explained_variance", "tsne_coordinates". */
  tables: Record<string, ColumnTable>;
  /** "pca", "tsne". */
  figures: Record<string, PlotlyPayload>;
  skipped: SkippedRun[];
}

/** The default colour: the first varying parameter that is not the seed, else the seed, else none. */
export function defaultColorBy(collection: Pick<RunCollection, "runs" | "parameters">): string | undefined {
  const varying = varyingParameters(collection);
  return varying.find((p) => p !== "seed") ?? varying[0];
}

/** Embeds every run under `source` (a folder, or loaded runs). Throws with a clear message on bad input. */
export function embedRuns(source: string | RunCollection, options: EmbedOptions = {}): RunEmbedding {
  const loaded = typeof source === "string" ? loadRuns(source) : source;
  // Runs are embedded by entity typing's confusion matrices: NER runs (span confusion) are left out.
  const typing = loaded.runs.filter((r) => r.task !== "ner");
  const leftOut = loaded.runs.filter((r) => r.task === "ner").map((r) => r.folder);
  if (leftOut.length > 0 && typing.length === 0) {
    throw new Error(`${loaded.root}: only NER runs (${leftOut.length}); embedding compares entity-typing runs by their label confusion matrices (for NER runs see \`lukelab analyze\`: span confusion and F1 per type)`);
  }
  const collection = leftOut.length ? { ...loaded, runs: typing, ...runTable(typing) } : loaded;
  const method = options.method ?? "both";
  if (!["pca", "tsne", "both"].includes(method)) throw new Error(`method must be pca, tsne or both, found ${JSON.stringify(method)}`);
  const dims = options.dims ?? 2;
  if (dims !== 2 && dims !== 3) throw new Error(`dims must be 2 or 3, found ${JSON.stringify(dims)}`);
  const { runs } = collection;
  if (runs.length < 2) {
    const skipped = collection.skipped.length ? ` (${collection.skipped.length} results.json skipped as broken)` : "";
    throw new Error(`${collection.root}: ${runs.length} run${runs.length === 1 ? "" : "s"} found${skipped}; embedding needs at least 2 run folders, each with a results.json`);
  }
  let colorBy: string | undefined;
  if (options.colorBy === null) colorBy = undefined;
  else if (options.colorBy !== undefined) {
    colorBy = options.colorBy;
    if (!runs.some((r) => colorBy! in r.parameters)) {
      throw new Error(`--color-by ${colorBy}: no run under ${collection.root} has log_parameters.${colorBy}; parameters that vary: ${varyingParameters(collection).join(", ") || "(none)"}`);
    }
  } else colorBy = defaultColorBy(collection);

  const vectors = runVectors(runs, options);
  const described = `${vectors.split} ${vectors.matrices.join(" + ")}${vectors.normalize === "rows" ? ", row-normalised" : ""}`;
  const varying = varyingParameters(collection);
  const shown = colorBy !== undefined && !varying.includes(colorBy) ? [...varying, colorBy] : varying;
  const base = () => {
    const cols: Record<string, unknown[]> = { folder: runs.map((r) => r.folder) };
    for (const p of shown) cols[p] = runs.map((r) => r.parameters[p] ?? null);
    return cols;
  };
  const tables: Record<string, ColumnTable> = {};
  const figures: Record<string, PlotlyPayload> = {};
  const vectorColumns: Record<string, unknown[]> = { folder: runs.map((r) => r.folder) };
  vectors.features.forEach((f, j) => (vectorColumns[f] = vectors.vectors.map((v) => v[j])));
  tables.run_vectors = aq().table(vectorColumns);

  const out: RunEmbedding = { collection, vectors, colorBy, leftOut, tables, figures, skipped: collection.skipped };
  if (method === "pca" || method === "both") {
    const result = pca(vectors.vectors, dims);
    const axisTitles = result.explainedVarianceRatio.map((r, k) => `PC${k + 1} (${(r * 100).toFixed(1)} %)`);
    out.pca = { ...result, axisTitles };
    const cols = base();
    for (let k = 0; k < dims; k++) cols[`pc${k + 1}`] = result.scores.map((s) => s[k]);
    tables.pca_coordinates = aq().table(cols);
    let cumulative = 0;
    tables.pca_explained_variance = aq().table({
      component: result.explainedVariance.map((_, k) => `PC${k + 1}`),
      explained_variance: result.explainedVariance,
      explained_variance_ratio: result.explainedVarianceRatio,
      cumulative_ratio: result.explainedVarianceRatio.map((r) => (cumulative += r)),
    });
    figures.pca = embeddingFigure({ coordinates: result.scores, runs, axisTitles, colorBy, title: `Runs by their ${described} confusion matrices: PCA` });
  }
  if (method === "tsne" || method === "both") {
    const result = tsne(vectors.vectors, { dims, perplexity: options.perplexity, seed: options.seed, iterations: options.iterations });
    const axisTitles = Array.from({ length: dims }, (_, k) => `t-SNE ${k + 1}`);
    out.tsne = { ...result, axisTitles };
    const cols = base();
    for (let k = 0; k < dims; k++) cols[`tsne${k + 1}`] = result.coordinates.map((c) => c[k]);
    tables.tsne_coordinates = aq().table(cols);
    const p = Number(result.perplexity.toFixed(4));
    figures.tsne = embeddingFigure({
      coordinates: result.coordinates,
      runs,
      axisTitles,
      colorBy,
      title: `Runs by their ${described} confusion matrices: t-SNE (perplexity ${p}, seed ${result.seed})`,
    });
  }
  return out;
}

export interface EmbeddingWriteOptions {
  /** HTML pages (plotly.js beside them); default true. */
  html?: boolean;
  /** Static SVG images (a 3-D figure as its pair plot); default true. */
  svg?: boolean;
}

export interface WrittenEmbedding {
  csv: string[];
  html: string[];
  svg: string[];
}

/** Writes tables/<name>.csv, figures/<name>.html and figures/<name>.svg under `outDir`, each atomically. */
export function writeEmbedding(embedding: RunEmbedding, outDir: string, options: EmbeddingWriteOptions = {}): WrittenEmbedding {
  const written: WrittenEmbedding = { csv: [], html: [], svg: [] };
  // Everything is rendered before the first file is written, so a failure writes nothing.
  const csv = Object.entries(embedding.tables).map(([name, table]) => [join(outDir, "tables", `${name}.csv`), table.toCSV()] as const);
  const svg = options.svg === false ? [] : Object.entries(embedding.figures).map(([name, figure]) => [join(outDir, "figures", `${name}.svg`), figureSvg(figure)] as const);
  for (const [file, text] of [...csv, ...svg]) writeFileAtomic(file, text);
  written.csv.push(...csv.map(([f]) => f));
  written.svg.push(...svg.map(([f]) => f));
  if (options.html !== false) {
    for (const [name, figure] of Object.entries(embedding.figures)) written.html.push(writeFigureHtml(join(outDir, "figures", `${name}.html`), figure));
  }
  return written;
}
