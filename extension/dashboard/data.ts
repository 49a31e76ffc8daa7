/**
 * The runs dashboard's data: every results.json under a folder, read through a Source (the Jupyter
 * server's contents API in JupyterLab), turned into run records and table columns by the code
 * `lukelab analyze` uses (kernel/analysis/run-table.ts), with each run's sweep status from the
 * sweep's state files (kernel/sweep/run-status.ts). A run's table row comes from its small
 * results-summary.json when that describes the results.json beside it (same size and time), else from
 * results.json itself, or from the folder's runs-index.json without reading the run folder at all
 * while the folder's listed time is the one the index entry records (kernel/tasks/entity-typing/runs-index.ts);
 * the per-example data is read when a run's details need it (`full`); a sweep's state files likewise
 * come from the index while state/'s listing gives each the size and time its entry records. A reload
 * lists the folder again, lists again only the run folders whose time changed, and fetches only the
 * files whose time or size changed, a few at a time, so a refresh while a sweep runs costs little.
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
import type { EntityTypingResults } from "../../kernel/tasks/entity-typing/results-schema";
import { runStatus } from "../../kernel/sweep/run-status";
import { parseJsonText } from "../../kernel/io/json-text";
import { parseSummary, SUMMARY_FILE, summaryMatches, type ResultsSummary } from "../../kernel/tasks/entity-typing/results-summary";
import { indexEntryMatches, parseRunsIndex, RUNS_INDEX_FILE, STATE_FOLDER, stateEntryMatches, type RunsIndex, type StateFileEntry } from "../../kernel/tasks/entity-typing/runs-index";
import { PROGRESS_FILE, validateProgress, type RunProgress } from "../../kernel/tasks/entity-typing/progress";
import type { RunState, RunStatus } from "../../kernel/sweep/run-status";

export interface Entry {
  name: string;
  /** Server path ("a/b/c"). */
  path: string;
  type: "directory" | "file" | string;
  /** When the entry last changed, as the server says it. */
  modified: string;
  /** A file's size in bytes, as the server lists it. */
  size?: number | null;
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

const join = (a: string, b: string) => (a === "" ? b : `${a}/${b}`);
const relativeTo = (root: string, path: string) => (root === "" ? path : path.slice(root.length + 1));

interface Cached {
  /** The listed times and sizes of results.json and its summary this value was read for. */
  key: string;
  value: { run: RunRecord } | { skipped: SkippedRun };
  /** The run was read from results-summary.json: its per-example data is in results.json, read by `full`. */
  summary?: boolean;
}

/** How many files a load reads at once. */
const CONCURRENT_READS = 8;

/** `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Loads a folder of runs and keeps what it read, so the next load fetches only what changed. */
export class RunsLoader {
  private cache = new Map<string, Cached>();
  /** Each folder's entries at the last load, with the folder's time as its parent listed it. */
  private listings = new Map<string, { modified: string; entries: Entry[] }>();
  /** Each state file's status input, with the listed time and size it was read (or taken from the index) for. */
  private stateCache = new Map<string, { key: string; state?: RunState; problem?: string }>();
  private progressCache = new Map<string, { modified: string; progress?: RunProgress }>();
  /** Each runs-index.json read, by path, with the listed time and size it was read at (no index: broken). */
  private indexCache = new Map<string, { key: string; index?: RunsIndex }>();
  /** The files seen by the last load, with their times: a load that sees the same has changed nothing. */
  private lastSeen = "";

  constructor(
    private readonly source: Source,
    readonly root: string,
  ) {}

  /**
   * Reads the folder again. Run folders (folders without subfolders) whose listed time is unchanged are
   * not listed again: lukelab replaces its files by renaming (kernel/io/atomic.ts), which moves the
   * folder's time. `relist` lists every folder, to see files rewritten in place (the Refresh button).
   */
  async load(options: { relist?: boolean } = {}): Promise<DashboardData> {
    let stateEntries: Entry[] = [];
    const progressEntries: Entry[] = [];
    const summaries = new Map<string, Entry>();
    /** Runs whose table row comes from a runs-index.json entry, by results.json path. */
    const indexed = new Map<string, ResultsSummary>();
    let indexReads = 0;
    /** The runs-index.json among `entries` of `dir`, read when first needed (again only when its time or size changed). */
    const indexOf = (dir: string, entries: Entry[]) => {
      const file = entries.find((e) => e.type === "file" && e.name === RUNS_INDEX_FILE);
      if (!file || options.relist) return undefined;
      let read: Promise<RunsIndex | undefined> | undefined;
      return () =>
        (read ??= (async () => {
          const key = JSON.stringify([file.modified, file.size]);
          const cached = this.indexCache.get(file.path);
          if (cached?.key === key) return cached.index;
          indexReads++;
          let index: RunsIndex | undefined;
          try {
            index = parseRunsIndex(await this.source.read(file.path), file.path);
          } catch {
            // Broken or being replaced: every run is read from its folder.
          }
          this.indexCache.set(file.path, { key, index });
          return index;
        })()).then((index) => (index ? { base: dir, index } : undefined));
    };
    const listed = new Map<string, { modified: string; entries: Entry[] }>();
    /** The root's runs-index.json, for the sweep's state files. */
    let rootIndex: Scope | undefined;
    const list = async (dir: string, modified?: string): Promise<Entry[]> => {
      // Listed already in this load (state/, read for the statuses before the walk reaches it).
      const now = listed.get(dir);
      if (now && modified !== undefined && now.modified === modified) return now.entries;
      const cached = this.listings.get(dir);
      const reuse = !options.relist && modified !== undefined && cached?.modified === modified && !cached.entries.some((e) => e.type === "directory");
      const entries = reuse ? cached!.entries : byName(await this.source.list(dir));
      if (modified !== undefined) listed.set(dir, { modified, entries });
      return entries;
    };
    type Scope = () => Promise<{ base: string; index: RunsIndex } | undefined>;
    /**
     * A run folder listed with the time its index entry records: its results.json and summary as the
     * entry gives them, without a request (its subfolders are still walked).
     */
    const fromIndex = async (dir: string, modified: string, scope: Scope | undefined): Promise<Entry[] | undefined> => {
      const cached = this.listings.get(dir);
      if (!scope || (cached?.modified === modified && !cached.entries.some((e) => e.type === "directory"))) return undefined;
      const found = await scope();
      const entry = found?.index.runs[relativeTo(found.base, dir)];
      if (!entry || !indexEntryMatches(entry, modified)) return undefined;
      const results: Entry = { name: RESULTS_FILE, path: join(dir, RESULTS_FILE), type: "file", modified: new Date(entry.summary.results_mtime_ms).toISOString(), size: entry.summary.results_bytes };
      indexed.set(results.path, entry.summary);
      const below: Entry[][] = new Array(entry.subfolders.length);
      await eachLimited(entry.subfolders.map((name, i) => [name, i] as const), CONCURRENT_READS, async ([name, i]) => {
        below[i] = await walk(join(dir, name), undefined, scope);
      });
      return [results, ...below.flat()];
    };
    // Each folder's results.json, then its subfolders' (walked together, kept in order): findResultsFiles' order.
    const walk = async (dir: string, modified?: string, scope?: Scope): Promise<Entry[]> => {
      const known = modified === undefined ? undefined : await fromIndex(dir, modified, scope);
      if (known) return known;
      const entries = await list(dir, modified);
      scope = indexOf(dir, entries) ?? scope;
      if (dir === this.root) rootIndex = scope;
      const here = entries.filter((e) => e.type === "file" && e.name === RESULTS_FILE);
      const progress = entries.find((e) => e.type === "file" && e.name === PROGRESS_FILE);
      const summary = entries.find((e) => e.type === "file" && e.name === SUMMARY_FILE);
      if (summary && here.length) summaries.set(here[0].path, summary);
      if (progress && !here.length) progressEntries.push(progress);
      const folders = entries.filter((e) => e.type === "directory");
      if (dir === this.root) {
        const state = folders.find((e) => e.name === STATE_FOLDER);
        if (state) stateEntries = (await list(state.path, state.modified)).filter((e) => e.type === "file" && e.name.endsWith(".json"));
      }
      const below: Entry[][] = new Array(folders.length);
      await eachLimited(folders.map((f, i) => [f, i] as const), CONCURRENT_READS, async ([f, i]) => {
        below[i] = await walk(f.path, f.modified, scope);
      });
      return [...here, ...below.flat()];
    };
    const files = await walk(this.root);
    this.listings = listed;

    let fetched = indexReads;
    const seen = new Set<string>();
    await eachLimited(files, CONCURRENT_READS, async (e) => {
      seen.add(e.path);
      const summary = summaries.get(e.path);
      const fromIndex = indexed.get(e.path);
      const key = JSON.stringify([e.modified, e.size, summary?.modified, summary?.size, !!fromIndex]);
      const cached = this.cache.get(e.path);
      if (cached && cached.key === key) return;
      const read = await this.readRun(e, summary, fromIndex);
      fetched += read.reads;
      this.cache.set(e.path, { key, value: read.value, summary: read.summary });
    });
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
    const status = await this.statuses(stateEntries, runs, skipped, async () => (await rootIndex?.())?.index.state_files);
    const signature = JSON.stringify([files, progressEntries, stateEntries].map((list) => list.map((e) => [e.path, e.modified])));
    const changed = signature !== this.lastSeen;
    this.lastSeen = signature;
    return { root: this.root, runs, skipped, columns, parameters, varying: varyingParameters({ runs, parameters }), sweep: stateEntries.length > 0, status, progress, fetched, changed };
  }

  /**
   * A run from its results-summary.json when the summary describes the results.json listed beside it
   * (same size and time), else from results.json itself: a stale or broken summary never hides what
   * results.json holds, and a results.json changed since its summary is read and checked whole.
   */
  private async readRun(file: Entry, summary: Entry | undefined, indexed?: ResultsSummary): Promise<{ value: Cached["value"]; summary?: boolean; reads: number }> {
    const folder = runFolder(relativeTo(this.root, file.path));
    const record = (results: EntityTypingResults) => runRecord(results, folder, folder === "." ? this.root : join(this.root, folder));
    if (indexed) return { value: { run: record(indexed.results) }, summary: true, reads: 0 };
    if (summary) {
      try {
        const s = parseSummary(await this.source.read(summary.path), summary.path);
        if (summaryMatches(s, file.size, file.modified)) return { value: { run: record(s.results) }, summary: true, reads: 1 };
      } catch {
        // Being rewritten, or not lukelab's: results.json decides.
      }
    }
    try {
      return { value: { run: record(parseResults(await this.source.read(file.path), file.path)) }, reads: summary ? 2 : 1 };
    } catch (err) {
      return { value: { skipped: { file: file.path, reason: skipReason(file.path, err) } }, reads: summary ? 2 : 1 };
    }
  }

  /** `run` with its per-example data if it is at hand (read whole), else undefined (see `full`). */
  readWhole(run: RunRecord): RunRecord | undefined {
    const cached = this.cache.get(join(run.dir, RESULTS_FILE));
    if (!cached) return run;
    return !cached.summary && "run" in cached.value ? cached.value.run : undefined;
  }

  /**
   * `run` with everything its results.json holds (logits, training loss), for its details and figures:
   * read now if the table came from the summary, kept for the next call while the file is unchanged.
   */
  async full(run: RunRecord): Promise<RunRecord> {
    const known = this.readWhole(run);
    if (known) return known;
    const path = join(run.dir, RESULTS_FILE);
    const cached = this.cache.get(path)!;
    const full = runRecord(parseResults(await this.source.read(path), path), run.folder, run.dir);
    if (this.cache.get(path) === cached) this.cache.set(path, { key: cached.key, value: { run: full } });
    return full;
  }

  /**
   * Each state file's run, with the status observeRun would give it (owners cannot be checked from here).
   * A state file listed with the size and time the root's runs-index.json records for it is taken from
   * the index (`indexed`, read only if some file is not known yet); any other is read.
   */
  private async statuses(entries: Entry[], runs: RunRecord[], skipped: SkippedRun[], indexed: () => Promise<Record<string, StateFileEntry> | undefined>): Promise<Map<string, RunStatusView>> {
    const out = new Map<string, RunStatusView>();
    const keyOf = (e: Entry) => JSON.stringify([e.modified, e.size]);
    const unknown = entries.filter((e) => this.stateCache.get(e.path)?.key !== keyOf(e));
    const index = unknown.length ? await indexed() : undefined;
    await eachLimited(unknown, CONCURRENT_READS, async (e) => {
      const entry = index?.[e.name];
      if (entry && stateEntryMatches(entry, e.modified, e.size)) {
        this.stateCache.set(e.path, { key: keyOf(e), state: entry.state as unknown as RunState });
        return;
      }
      try {
        // Parsed as the index's writer parses it (kernel/io/json-text.ts; its errors name the file).
        this.stateCache.set(e.path, { key: keyOf(e), state: parseJsonText(await this.source.read(e.path), e.path) as RunState });
      } catch (err) {
        this.stateCache.set(e.path, { key: keyOf(e), problem: (err as Error).message });
      }
    });
    const listedPaths = new Set(entries.map((e) => e.path));
    for (const k of [...this.stateCache.keys()]) if (!listedPaths.has(k)) this.stateCache.delete(k);
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
