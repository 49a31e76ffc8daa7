/**
 * `lukelab analyze embed`: runs embedded by their confusion matrices (PCA and t-SNE), as CSV tables,
 * HTML figures and SVG images; the work is embedRuns and writeEmbedding.
 */
import { relative } from "node:path";
import { parseCommandLine } from "../../io/command-line";
import { embedRuns, writeEmbedding, type EmbedMethod } from "./index";
import { MATRIX_KINDS, type MatrixKind, type Normalize } from "./vectors";

export const USAGE = `lukelab analyze embed --data-dir RUNS --output-dir OUT [--method pca|tsne|both] [--dims 2|3]
                      [--perplexity P] [--seed S] [--iterations N] [--color-by PARAM|none]
                      [--split dev|test] [--matrices KIND[,KIND…]] [--normalize none|rows] [--no-html]
      Every run under RUNS (a folder with results.json) becomes one vector: its confusion matrices on
      --split (default test), the kinds in --matrices (multi_label_all, single_label_only,
      multi_label_only; default multi_label_all), flattened in that fixed order (per class TN, FP,
      FN, TP; the N×N matrix row by row), as counts or row-normalised (--normalize rows).
      PCA (as scikit-learn's) and t-SNE (seeded: the same --seed gives the same layout) place the runs
      in --dims dimensions (default 2). Written to OUT, each file atomically:
        tables/run_vectors.csv             the vectors, one column per matrix cell
        tables/pca_coordinates.csv         folder, the varying parameters, pc1…
        tables/pca_explained_variance.csv  per component: variance, ratio, cumulative ratio
        tables/tsne_coordinates.csv        folder, the varying parameters, tsne1…
        figures/{pca,tsne}.html            Plotly (offline, plotly.min.js beside them); not with --no-html
        figures/{pca,tsne}.svg             static images (a 3-D figure as its 2-D pair plot)
      --method      pca, tsne or both (default both)
      --perplexity  t-SNE perplexity, between 1 and (runs - 1); default min(30, (runs - 1) / 3)
      --seed        t-SNE seed (default 0); --iterations its steps (default 1000)
      --color-by    the log_parameters entry that colours the points (default: the swept one, i.e. the
                    first varying parameter other than seed); none for one colour
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class EmbedUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_EMBED";
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new EmbedUsageError(`--${name} must be a whole number, found ${JSON.stringify(value)}`);
  return Number(value);
}

function choice<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new EmbedUsageError(`--${name} must be one of ${allowed.join(", ")}, found ${JSON.stringify(value)}`);
  return value as T;
}

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, {
    strings: ["data-dir", "output-dir", "method", "dims", "perplexity", "seed", "iterations", "color-by", "split", "matrices", "normalize"],
    flags: ["no-html"],
    required: { "data-dir": "the folder holding the run folders", "output-dir": "" },
    usage: USAGE,
    error: EmbedUsageError,
  });
  if (!values) return 0;
  const dataDir = values["data-dir"];
  const outputDir = values["output-dir"];
  const method = choice<EmbedMethod>("method", values.method, ["pca", "tsne", "both"]);
  const dims = choice("dims", values.dims, ["2", "3"]);
  const split = choice("split", values.split, ["dev", "test"]);
  const normalize = choice<Normalize>("normalize", values.normalize, ["none", "rows"]);
  let perplexity: number | undefined;
  if (values.perplexity !== undefined) {
    perplexity = Number(values.perplexity);
    if (values.perplexity.trim() === "" || !Number.isFinite(perplexity)) throw new EmbedUsageError(`--perplexity must be a number, found ${JSON.stringify(values.perplexity)}`);
  }
  const matrices = values.matrices?.split(",").map((m) => m.trim());
  for (const m of matrices ?? []) choice("matrices", m, MATRIX_KINDS);
  if (matrices && matrices.length === 0) throw new EmbedUsageError(`--matrices needs one or more of ${MATRIX_KINDS.join(", ")}`);
  const colorBy = values["color-by"];

  const embedding = embedRuns(dataDir, {
    method,
    dims: dims === undefined ? undefined : dims === "3" ? 3 : 2,
    perplexity,
    seed: integer("seed", values.seed),
    iterations: integer("iterations", values.iterations),
    colorBy: colorBy === undefined ? undefined : colorBy === "none" ? null : colorBy,
    split,
    matrices: matrices as MatrixKind[] | undefined,
    normalize,
  });
  const written = writeEmbedding(embedding, outputDir, { html: !values["no-html"] });

  const lines: string[] = [];
  for (const s of embedding.skipped) lines.push(`skipped ${s.file}: ${s.reason.split("\n").join("\n    ")}`);
  if (embedding.leftOut.length) lines.push(`left out ${embedding.leftOut.length} NER run${embedding.leftOut.length === 1 ? "" : "s"} (${embedding.leftOut.join(", ")}): runs are embedded by entity typing's label confusion matrices`);
  const v = embedding.vectors;
  lines.push(`embedded ${v.runs.length} runs under ${dataDir} by ${v.features.length} numbers each (${v.split} ${v.matrices.join(" + ")}, ${v.normalize === "rows" ? "row-normalised" : "counts"})`);
  if (embedding.pca) {
    const parts = embedding.pca.explainedVarianceRatio.map((r, k) => `PC${k + 1} ${(r * 100).toFixed(1)} %`);
    lines.push(`PCA: ${parts.join(", ")} of the variance`);
  }
  if (embedding.tsne) lines.push(`t-SNE: perplexity ${Number(embedding.tsne.perplexity.toFixed(4))}, seed ${embedding.tsne.seed}, ${embedding.tsne.iterations} steps`);
  lines.push(`coloured by: ${embedding.colorBy ?? "(one colour)"}`);
  const show = (files: string[]) => files.map((f) => relative(outputDir, f)).join(", ");
  lines.push(`CSV tables: ${show(written.csv)}`);
  lines.push(`SVG images: ${show(written.svg)}`);
  lines.push(values["no-html"] ? "HTML figures: off" : `HTML figures: ${show(written.html)}`);
  lines.push(`written to ${outputDir}`);
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
