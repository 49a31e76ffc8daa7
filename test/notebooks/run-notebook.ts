/** Runs a notebook through nbclient on the tslab kernel (run_notebook.py) and returns its cells. */
import { join } from "node:path";
import { ROOT, runPython } from "../helpers";

export interface CellOutput {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, { width?: number; height?: number }>;
  transient?: { display_id?: string };
}

export interface NotebookRun {
  cells: { source: string; outputs: CellOutput[] }[];
}

export function runNotebook(path: string): NotebookRun {
  return runPython<NotebookRun>(join(ROOT, "test", "notebooks", "run_notebook.py"), [path]);
}
