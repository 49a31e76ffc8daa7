/**
 * Runs a notebook exactly as `npm run notebooks` does (scripts/notebooks.py --json: the tslab kernel
 * through nbclient, the Hub stand-in, the normalisation) and returns it executed, without writing it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runPython } from "../helpers";

export interface CellOutput {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, { width?: number; height?: number }>;
  transient?: { display_id?: string };
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string;
  metadata: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: CellOutput[];
}

/** An .ipynb file (nbformat 4), with multi-line strings joined (see joinLines). */
export interface Notebook {
  cells: NotebookCell[];
  metadata: { lukelab?: { backend?: string }; [key: string]: unknown };
  nbformat: number;
  nbformat_minor: number;
}

/** The code cells of an executed notebook: what the notebook-specific assertions read. */
export interface NotebookRun {
  cells: { source: string; outputs: CellOutput[] }[];
}

export const NOTEBOOKS = join(ROOT, "notebooks");
const SCRIPT = join(ROOT, "scripts", "notebooks.py");

const join1 = (v: unknown): unknown => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("") : v);

/** nbformat may store a source, a stream's text or a text MIME value as a list of lines: join them. */
export function joinLines(nb: Notebook): Notebook {
  for (const cell of nb.cells) {
    cell.source = join1(cell.source) as string;
    for (const o of cell.outputs ?? []) {
      if (o.text !== undefined) o.text = join1(o.text) as string;
      for (const [k, v] of Object.entries(o.data ?? {})) if (!k.endsWith("json")) o.data![k] = join1(v);
    }
  }
  return nb;
}

export function readNotebook(path: string): Notebook {
  return joinLines(JSON.parse(readFileSync(path, "utf8")) as Notebook);
}

/**
 * Executes the notebook at `path` on the backend its committed version was made on (its
 * `lukelab.backend` metadata; the script falls back to what is built if that one is not).
 */
export function executeNotebook(path: string): Notebook {
  let backend: string | undefined;
  try {
    backend = readNotebook(path).metadata.lukelab?.backend;
  } catch {
    backend = undefined; // an unreadable file is reported by the comparison, not here
  }
  return joinLines(runPython<Notebook>(SCRIPT, ["--json", path, ...(backend ? ["--backend", backend] : [])]));
}

export function codeCells(nb: Notebook): NotebookRun {
  return { cells: nb.cells.filter((c) => c.cell_type === "code").map((c) => ({ source: c.source, outputs: c.outputs ?? [] })) };
}

/** Executes a notebook and returns its code cells (see executeNotebook). */
export function runNotebook(path: string): NotebookRun {
  return codeCells(executeNotebook(path));
}
