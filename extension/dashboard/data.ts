/**
 * The runs dashboard's data: every results.json under a folder, read through a Source (the Jupyter
 * server's contents API in JupyterLab), turned into run records and table columns by the code
 * `lukelab analyze` uses (kernel/analysis/run-table.ts), with each run's sweep status from the
 * sweep's state files (kernel/sweep/run-status.ts). A reload lists the folders again and fetches only
 * the files whose modification time changed, so a refresh while a sweep runs costs little.
 */
import {
  byName,
  parseResults,
  RESULTS_FILE,
  runColumns,
  runFolder,
  runRecord,
  skipReason,
  varyingParameters,
  type RunRecord,
  type SkippedRun,
} from "../../kernel/analysis/run-table";
import { runStatus } from "../../kernel/sweep/run-status";
import { parseJsonText } from "../../kernel/io/json-text";
import { PROGRESS_FILE, validateProgress, type RunProgress } from "../../kernel/tasks/entity-typing/progress";
import type { RunState, RunStatus } from "../../kernel/sweep/run-status";

export interface Entry {
  name: string;
  /** Server path ("a/b/c"). */
  path: string;
  type: "directory" | "file" | string;
  /** When the entry last changed, as the server says it (compared, never parsed). */
  modified: string;
}

/** Where the dashboard reads from: a folder's entries, a file's text. */
export interface Source {
  list(path: string): Promise<Entry[]>;
  read(path: string): Promise<string>;
}

/** The sweep status of a run, or of a planned run that has no results.json yet. */
export interface RunStatusView {
  folder: string;
  status: RunStatus;
  message?: string;
}

export interface DashboardData {
  root: string;
  runs: RunRecord[];
  skipped: SkippedRun[];
  /** The runs table: the columns `lukelab analyze` writes to tables/runs.csv. */
  columns: Record<string, unknown[]>;
  parameters: string[];
  /** Parameters that take more than one value across the runs. */
  varying: string[];
  /** Whether the folder is a sweep (it has a state/ folder of run state files). */
  sweep: boolean;
  /** Status by run folder, for sweeps; planned runs without results are here too. */
  status: Map<string, RunStatusView>;
  /** Runs still training (a progress.json and no valid results.json), by folder. */
  progress: Map<string, RunProgress>;
  /** Files fetched by the last load (the others were unchanged). */
  fetched: number;
  /** Whether anything differs from the previous load (a file fetched, added or gone). */
  changed: boolean;
}

const STATE_DIR = "state";
const join = (a: string, b: string) => (a === "" ? b : `${a}/${b}`);
const relativeTo = (root: string, path: string) => (root === "" ? path : path.slice(root.length + 1));

interface Cached {
  modified: string;
  value: { run: RunRecord } | { skipped: SkippedRun };
}

/** Loads a folder of runs and keeps what it read, so the next load fetches only what changed. */
export class RunsLoader {
  private cache = new Map<string, Cached>();
  private stateCache = new Map<string, { modified: string; state?: RunState; problem?: string }>();
  private progressCache = new Map<string, { modified: string; progress?: RunProgress }>();
  /** The files seen by the last load, with their times: a load that sees the same has changed nothing. */
  private lastSeen = "";

  constructor(
    private readonly source: Source,
    readonly root: string,
  ) {}

  async load(): Promise<DashboardData> {
    let stateEntries: Entry[] = [];
    const progressEntries: Entry[] = [];
    // Each folder's results.json, then its subfolders' (walked together, kept in order): findResultsFiles' order.
    const walk = async (dir: string): Promise<Entry[]> => {
      const entries = byName(await this.source.list(dir));
      const here = entries.filter((e) => e.type === "file" && e.name === RESULTS_FILE);
      const progress = entries.find((e) => e.type === "file" && e.name === PROGRESS_FILE);
      if (progress && !here.length) progressEntries.push(progress);
      const folders = entries.filter((e) => e.type === "directory");
      if (dir === this.root) {
        const state = folders.find((e) => e.name === STATE_DIR);
        if (state) stateEntries = byName(await this.source.list(state.path)).filter((e) => e.type === "file" && e.name.endsWith(".json"));
      }
      const below = await Promise.all(folders.map((f) => walk(f.path)));
      return [...here, ...below.flat()];
    };
    const files = await walk(this.root);

    let fetched = 0;
    const seen = new Set<string>();
    await Promise.all(
      files.map(async (e) => {
        seen.add(e.path);
        const cached = this.cache.get(e.path);
        if (cached && cached.modified === e.modified) return;
        fetched++;
        this.cache.set(e.path, { modified: e.modified, value: await this.readRun(e.path) });
      }),
    );
    for (const k of [...this.cache.keys()]) if (!seen.has(k)) this.cache.delete(k);
    const runs: RunRecord[] = [];
    const skipped: SkippedRun[] = [];
    for (const e of files) {
      const v = this.cache.get(e.path)!.value;
      if ("run" in v) runs.push(v.run);
      else skipped.push(v.skipped);
    }
    const progress = new Map<string, RunProgress>();
    await Promise.all(
      progressEntries.map(async (e) => {
        let cached = this.progressCache.get(e.path);
        if (!cached || cached.modified !== e.modified) {
          fetched++;
          cached = { modified: e.modified };
          try {
            cached.progress = validateProgress(parseJsonText(await this.source.read(e.path), e.path), e.path);
          } catch {
            // Being rewritten, or not lukelab's: the row shows no progress until it reads.
          }
          this.progressCache.set(e.path, cached);
        }
        if (cached.progress) progress.set(runFolder(relativeTo(this.root, e.path)), cached.progress);
      }),
    );
    const { columns, parameters } = runColumns(runs);
    const status = await this.statuses(stateEntries, runs, skipped);
    const signature = JSON.stringify([files, progressEntries, stateEntries].map((list) => list.map((e) => [e.path, e.modified])));
    const changed = signature !== this.lastSeen;
    this.lastSeen = signature;
    return { root: this.root, runs, skipped, columns, parameters, varying: varyingParameters({ runs, parameters }), sweep: stateEntries.length > 0, status, progress, fetched, changed };
  }

  private async readRun(path: string): Promise<Cached["value"]> {
    try {
      const text = await this.source.read(path);
      const results = parseResults(text, path);
      const folder = runFolder(relativeTo(this.root, path));
      return { run: runRecord(results, folder, folder === "." ? this.root : join(this.root, folder)) };
    } catch (err) {
      return { skipped: { file: path, reason: skipReason(path, err) } };
    }
  }

  /** Each state file's run, with the status observeRun would give it (owners cannot be checked from here). */
  private async statuses(entries: Entry[], runs: RunRecord[], skipped: SkippedRun[]): Promise<Map<string, RunStatusView>> {
    const out = new Map<string, RunStatusView>();
    await Promise.all(
      entries.map(async (e) => {
        const cached = this.stateCache.get(e.path);
        if (cached && cached.modified === e.modified) return;
        try {
          this.stateCache.set(e.path, { modified: e.modified, state: JSON.parse(await this.source.read(e.path)) as RunState });
        } catch (err) {
          this.stateCache.set(e.path, { modified: e.modified, problem: `${e.path}: ${(err as Error).message}` });
        }
      }),
    );
    const finished = new Set(runs.map((r) => r.folder));
    const broken = new Map(skipped.map((s) => [runFolder(relativeTo(this.root, s.file)), s.reason]));
    for (const e of entries) {
      const folder = e.name.slice(0, -".json".length);
      const { state, problem } = this.stateCache.get(e.path)!;
      if (!state) {
        out.set(folder, { folder, status: "pending", message: problem });
        continue;
      }
      const view = runStatus({
        state,
        finished: finished.has(folder),
        problem: broken.get(folder),
        resultsFile: join(join(this.root, folder), RESULTS_FILE),
        ownerAlive: () => undefined,
      });
      out.set(folder, { folder, ...view });
    }
    return out;
  }
}
