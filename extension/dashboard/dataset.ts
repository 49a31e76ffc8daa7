/**
 * The examples behind a run's confusion-matrix cells, for the dashboard: the split file of the dataset
 * the run recorded (log_parameters.data_dir), read through the Jupyter server's contents API and
 * checked by the parser `lukelab analyze` uses (kernel/data/open-entity-parse.ts). The folder is looked
 * for as kernel/analysis/predictions.ts' findDatasetDir does, within what the server serves: an
 * absolute data_dir under the server's root folder (JupyterLab's serverRoot); a relative one from the
 * run folder and each folder above it up to the root (a run started from the repository root records
 * "samples/…"). When it is not there the figure is drawn without examples and says what to do.
 */
import { parseOpenEntitySplit, type TypingExample } from "../../kernel/data/open-entity-parse";
import type { RunRecord } from "../../kernel/analysis/run-table";
import type { SplitPredictions } from "../../kernel/analysis/split-predictions";
import type { Entry, Source } from "./data";

export interface SplitExamples {
  examples?: TypingExample[];
  /** The server path of the split file the examples came from. */
  file?: string;
  /** Why there are none, and what to do. */
  note?: string;
}

/** "a/b/../c" → "a/c"; undefined when it leaves the root. */
function normalise(parts: string[]): string | undefined {
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(p);
  }
  return out.join("/");
}

/**
 * The server paths where the dataset folder `dataDir` may be, in the order they are tried: for an
 * absolute path, the one under `serverRoot` (none when it lies elsewhere or the root is unknown); for
 * a relative one, from the run folder `runDir` (a server path) and each folder above it.
 */
export function datasetCandidates(dataDir: string, runDir: string, serverRoot: string | undefined): string[] {
  const slash = dataDir.replace(/\\/g, "/");
  if (slash.startsWith("/") || /^[A-Za-z]:\//.test(slash)) {
    if (!serverRoot) return [];
    const root = serverRoot.replace(/\\/g, "/").replace(/\/+$/, "");
    if (slash !== root && !slash.startsWith(`${root}/`)) return [];
    const inside = normalise(slash.slice(root.length).split("/"));
    return inside === undefined ? [] : [inside];
  }
  const out: string[] = [];
  const run = runDir.split("/").filter((p) => p !== "" && p !== ".");
  for (let depth = run.length; depth >= 0; depth--) {
    const candidate = normalise([...run.slice(0, depth), ...slash.split("/")]);
    if (candidate !== undefined && !out.includes(candidate)) out.push(candidate);
  }
  return out;
}

/** Reads datasets through a Source, each split file once. */
export class DatasetReader {
  private files = new Map<string, Promise<TypingExample[]>>();

  constructor(
    private readonly source: Source,
    /** The server's root folder as an absolute path (JupyterLab's serverRoot), when known. */
    private readonly serverRoot: string | undefined,
  ) {}

  /** The examples of `predictions`' split of `run`'s dataset, or a note saying why there are none. */
  async examples(run: RunRecord, predictions: SplitPredictions): Promise<SplitExamples> {
    const recorded = run.parameters.data_dir;
    if (typeof recorded !== "string" || recorded === "") return { note: `No examples behind the cells: ${run.folder} records no data_dir (the dataset folder it was trained on).` };
    const name = `${predictions.split}.json`;
    const listings = new Map<string, Promise<Entry[] | undefined>>();
    for (const dir of datasetCandidates(recorded, run.dir, this.serverRoot)) {
      const entries = await this.folder(dir, listings);
      if (!entries) continue;
      const names = entries.filter((e) => e.type === "file").map((e) => e.name);
      // As findDatasetDir: the folder that has dev.json and test.json.
      if (!names.includes("dev.json") || !names.includes("test.json")) continue;
      const file = dir === "" ? name : `${dir}/${name}`;
      try {
        const examples = await this.read(file, predictions.labels);
        if (examples.length !== predictions.gold.length) {
          return { note: `No examples behind the cells: ${file} holds ${examples.length} examples, but ${run.folder} has ${predictions.gold.length} ${predictions.split} predictions; is it the run's dataset?` };
        }
        return { examples, file };
      } catch (err) {
        return { note: `No examples behind the cells: ${(err as Error).message}` };
      }
    }
    const where = this.serverRoot ? `the folder JupyterLab serves (${this.serverRoot})` : "the folder JupyterLab serves";
    return {
      note:
        `No examples behind the cells: the dataset ${run.folder} was trained on (data_dir ${JSON.stringify(recorded)}) is not in ${where}. ` +
        "Start JupyterLab from a folder that contains both the runs and the dataset, or use `lukelab analyze --dataset-dir DIR` (its HTML figures list the examples).",
    };
  }

  /**
   * The entries of the folder `path`, or undefined when there is no such folder. Only folders seen in
   * their parent's listing are listed (no request for a folder that is not there).
   */
  private folder(path: string, listings: Map<string, Promise<Entry[] | undefined>>): Promise<Entry[] | undefined> {
    let entries = listings.get(path);
    if (!entries) {
      entries = (async () => {
        if (path !== "") {
          const cut = path.lastIndexOf("/");
          const parent = await this.folder(cut < 0 ? "" : path.slice(0, cut), listings);
          if (!parent?.some((e) => e.type === "directory" && e.name === path.slice(cut + 1))) return undefined;
        }
        try {
          return await this.source.list(path);
        } catch {
          return undefined;
        }
      })();
      listings.set(path, entries);
    }
    return entries;
  }

  private read(file: string, labels: readonly string[]): Promise<TypingExample[]> {
    const key = JSON.stringify([file, labels]);
    let read = this.files.get(key);
    if (!read) {
      read = this.source.read(file).then((text) => parseOpenEntitySplit(text.replace(/^\uFEFF/, ""), file, { labels }).examples);
      read.catch(() => this.files.delete(key));
      this.files.set(key, read);
    }
    return read;
  }
}
