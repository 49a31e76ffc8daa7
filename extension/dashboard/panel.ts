/**
 * The runs dashboard panel: a folder of runs (a sweep's output folder or any folder of run folders)
 * as a table with the same columns and numbers as `lukelab analyze`'s tables/runs.csv, plus each
 * run's sweep status, sortable by any column (click or Enter on its header) and filtered by the swept
 * parameters and the status. Runs whose results.json is broken are listed with the reason.
 *
 * Live: while the panel is visible it reloads every `intervalMs` (only changed files are fetched,
 * see ./data); hidden or closed, it stops. All text from files is set as text, never parsed as HTML.
 */
import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import { METRIC_COLUMNS, type RunRecord } from "../../kernel/analysis/run-table";
import { progressSummary, type RunProgress } from "../../kernel/tasks/entity-typing/progress";
import { el } from "../dom";
import { RunsLoader, type DashboardData, type RunStatusView, type Source } from "./data";
import { DatasetReader } from "./dataset";
import { FigureSwitch, runDetails, runFigures, runsFigures } from "./figures";

export const DASHBOARD_CLASS = "lukelab-dashboard";
const STATUSES = ["done", "running", "queued", "interrupted", "failed", "pending"] as const;

/** A table row: a run with results, or a planned run of a sweep that has none yet. */
interface Row {
  folder: string;
  values: Record<string, unknown>;
  status?: RunStatusView;
  /** A run still training: its progress.json. */
  progress?: RunProgress;
}

/** "epoch 2/3 · dev F1 0.6123" for a run still training. */
export function showProgress(p: RunProgress): string {
  const { epochs, lastF1 } = progressSummary(p);
  return `epoch ${epochs}/${p.num_train_epochs}${lastF1 === undefined ? "" : ` · dev F1 ${lastF1.toFixed(4)}`}`;
}

/** How a cell shows a value; the exact value stays in data-value (as the CSV writes it). */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" && !Number.isInteger(v)) return String(Number(v.toPrecision(4)));
  return String(v);
}

function compare(a: unknown, b: unknown): number {
  // Empty cells last, whichever the direction (the caller flips only the non-empty order).
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export interface DashboardOptions {
  source: Source;
  /** Server path of the folder ("" for the server's root). */
  path: string;
  /** Milliseconds between reloads while visible. */
  intervalMs?: number;
  /** The server's root folder as an absolute path (JupyterLab's serverRoot): where runs' datasets are looked for. */
  serverRoot?: string;
  /** Start the first load when made (default), rather than when first shown. */
  loadNow?: boolean;
}

export class RunsDashboard extends Widget {
  readonly loader: RunsLoader;
  private readonly datasets: DatasetReader;
  private data: DashboardData | null = null;
  private sort: { column: string; descending: boolean } = { column: "folder", descending: false };
  private filters = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private loading: Promise<void> | null = null;
  private loads = 0;
  private readonly intervalMs: number;
  private readonly summary = el("div", "lukelab-dashboard-summary");
  private readonly filterBar = el("div", "lukelab-dashboard-filters");
  private readonly tableWrap = el("div", "lukelab-dashboard-table-wrap");
  private readonly broken = el("div", "lukelab-dashboard-broken");
  private readonly error = el("div", "lukelab-dashboard-error");
  /** Figures over all runs, and the details of the run chosen in the table. */
  private readonly overview = new FigureSwitch("runs-figures");
  private readonly runView = new FigureSwitch("run-figures");
  private readonly details = el("div", "lukelab-dashboard-details-host");
  private selected: string | null = null;

  constructor(options: DashboardOptions) {
    super();
    this.addClass(DASHBOARD_CLASS);
    this.loader = new RunsLoader(options.source, options.path);
    this.datasets = new DatasetReader(options.source, options.serverRoot);
    this.intervalMs = options.intervalMs ?? 2000;
    this.id = `lukelab-dashboard-${options.path || "root"}`;
    this.title.label = `Runs: ${options.path || "/"}`;
    this.title.caption = `lukelab runs dashboard of ${options.path || "the server's root folder"}`;
    this.title.closable = true;
    const head = el("div", "lukelab-dashboard-head");
    head.append(el("div", "lukelab-dashboard-title", `Runs in ${options.path || "/"}`));
    const refresh = el("button", "lukelab-attention-button", "Refresh");
    refresh.dataset.role = "refresh";
    refresh.addEventListener("click", () => void this.refresh({ relist: true }));
    head.append(refresh);
    this.error.hidden = true;
    this.broken.hidden = true;
    this.node.append(head, this.summary, this.error, this.filterBar, this.tableWrap, this.broken, this.overview.node, this.details);
    this.node.dataset.state = "loading";
    this.node.tabIndex = -1;
    // The first load starts now, not once the shell has attached and shown the panel (the first show waits for it).
    if (options.loadNow ?? true) void this.refresh();
  }

  /**
   * Reloads now (a reload already under way is waited for, not doubled); `relist` lists every run
   * folder again, to see files rewritten in place rather than replaced (see RunsLoader.load).
   */
  async refresh(options: { relist?: boolean } = {}): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      try {
        const data = await this.loader.load(options);
        const first = this.data === null;
        this.data = data;
        this.error.hidden = true;
        // A poll that found nothing new leaves the page alone (focus, scroll and figures stay).
        if (first || data.changed || this.node.dataset.state !== "ready") this.render();
        this.node.dataset.state = "ready";
      } catch (err) {
        this.error.hidden = false;
        this.error.textContent = `Cannot read ${this.loader.root || "/"}: ${(err as Error).message}`;
        this.node.dataset.state = "error";
      } finally {
        this.loads++;
        this.node.dataset.loads = String(this.loads);
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** Whether the panel is reloading on a timer. */
  get polling(): boolean {
    return this.timer !== null;
  }

  private schedule(): void {
    this.stop();
    this.timer = setTimeout(async () => {
      this.timer = null;
      await this.refresh();
      if (this.isVisible && !this.isDisposed) this.schedule();
    }, this.intervalMs);
    this.node.dataset.polling = "true";
  }

  private stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.node.dataset.polling = "false";
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh().then(() => {
      if (this.isVisible && !this.isDisposed) this.schedule();
    });
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) this.onAfterShow(msg);
  }

  protected override onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.stop();
  }

  protected override onBeforeDetach(msg: Message): void {
    this.stop();
    super.onBeforeDetach(msg);
  }

  override dispose(): void {
    this.stop();
    this.overview.clear();
    this.runView.clear();
    super.dispose();
  }

  private rows(): Row[] {
    const d = this.data!;
    const names = Object.keys(d.columns);
    const rows: Row[] = d.runs.map((r, i) => ({
      folder: r.folder,
      values: Object.fromEntries(names.map((n) => [n, d.columns[n][i]])),
      status: d.status.get(r.folder),
    }));
    const withResults = new Set(d.runs.map((r) => r.folder));
    for (const s of d.status.values()) if (!withResults.has(s.folder)) rows.push({ folder: s.folder, values: { folder: s.folder }, status: s });
    const listed = new Set(rows.map((r) => r.folder));
    for (const folder of d.progress.keys()) if (!listed.has(folder)) rows.push({ folder, values: { folder } });
    for (const r of rows) {
      const p = d.progress.get(r.folder);
      if (p && !withResults.has(r.folder)) r.progress = p;
    }
    return rows;
  }

  private render(): void {
    // The focused row or column header gets the focus back in the new table.
    const active = document.activeElement as HTMLElement | null;
    const focusRow = active?.closest?.("tr")?.getAttribute("data-folder");
    const focusHeader = active?.closest?.("th")?.getAttribute("data-column");
    const inTable = !!active && this.tableWrap.contains(active);
    this.renderAll();
    if (inTable && focusHeader) (this.tableWrap.querySelector(`th[data-column="${CSS.escape(focusHeader)}"] button`) as HTMLElement | null)?.focus();
    else if (inTable && focusRow) (this.tableWrap.querySelector(`tr[data-folder="${CSS.escape(focusRow)}"]`) as HTMLElement | null)?.focus();
  }

  private renderAll(): void {
    const d = this.data!;
    const all = this.rows();
    const counts = new Map<string, number>();
    for (const r of all) if (r.status) counts.set(r.status.status, (counts.get(r.status.status) ?? 0) + 1);
    const parts = [`${d.runs.length} run${d.runs.length === 1 ? "" : "s"} with results`];
    if (d.skipped.length) parts.push(`${d.skipped.length} broken`);
    if (d.sweep) parts.push(`sweep: ${STATUSES.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`).join(", ")}`);
    this.summary.textContent = parts.join(" · ");
    this.summary.dataset.role = "summary";
    this.renderFilters(all, d);
    this.renderTable(all, d);
    this.renderBroken(d);
    // Figures are drawn again only when files changed (or on the first load), not on every poll.
    const changed = d.changed || this.loads === 0;
    const runRows = all.filter((r) => d.runs.some((run) => run.folder === r.folder)).map((r) => r.values);
    this.overview.set(runsFigures(d.runs, runRows, d.columns, d.varying), changed);
    this.renderDetails(changed);
  }

  /** Shows the details of a run (a folder with results), or hides them (null). */
  select(folder: string | null): void {
    this.selected = folder;
    for (const tr of this.tableWrap.querySelectorAll("tbody tr")) tr.setAttribute("aria-selected", String((tr as HTMLElement).dataset.folder === folder));
    this.renderDetails(true);
  }

  private renderDetails(redraw: boolean): void {
    const run = this.data?.runs.find((r) => r.folder === this.selected);
    if (!run) {
      this.runView.clear();
      this.details.replaceChildren();
      return;
    }
    if (redraw || this.details.firstElementChild?.getAttribute("data-folder") !== run.folder) {
      const whole = this.loader.readWhole(run);
      if (whole) this.showDetails(whole);
      else {
        // The table came from the run's summary: its logits and loss are read now, from results.json.
        const box = el("section", "lukelab-dashboard-details", `Reading ${run.dir || "."}/results.json…`);
        box.dataset.folder = run.folder;
        box.dataset.role = "details-loading";
        this.details.replaceChildren(box);
        this.runView.clear();
        void this.loader.full(run).then(
          (full) => {
            if (this.selected === run.folder && this.details.firstElementChild === box) this.showDetails(full);
          },
          (err: Error) => {
            if (this.details.firstElementChild === box) box.textContent = `Cannot read the run's results.json: ${err.message}`;
          },
        );
      }
    }
  }

  private showDetails(run: RunRecord): void {
    // Another run's figure does not stay under this run's details while this run's is drawn.
    if (this.runView.node.dataset.folder !== run.folder) this.runView.clear();
    this.runView.node.dataset.folder = run.folder;
    this.details.replaceChildren(runDetails(run, this.runView));
    this.runView.set(runFigures(run, this.datasets), true);
  }

  private renderFilters(all: Row[], d: DashboardData): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.filter;
    this.filterBar.replaceChildren();
    const add = (name: string, label: string, values: string[]) => {
      const wrap = el("label", "lukelab-dashboard-filter");
      wrap.append(el("span", undefined, `${label} `));
      const select = el("select", "lukelab-attention-select");
      select.dataset.filter = name;
      select.append(new Option("all", ""));
      for (const v of values) select.append(new Option(v, v));
      select.value = values.includes(this.filters.get(name) ?? "") ? this.filters.get(name)! : "";
      select.addEventListener("change", () => {
        if (select.value) this.filters.set(name, select.value);
        else this.filters.delete(name);
        this.render();
        (this.filterBar.querySelector(`[data-filter="${CSS.escape(name)}"]`) as HTMLElement | null)?.focus();
      });
      wrap.append(select);
      this.filterBar.append(wrap);
      if (focused === name) select.focus();
    };
    for (const p of d.varying) {
      const values = [...new Set(all.map((r) => r.values[p]).filter((v) => v !== null && v !== undefined).map(String))];
      values.sort((a, b) => compare(Number(a), Number(b)) || a.localeCompare(b));
      add(p, p, values);
    }
    if (d.sweep) add("status", "status", STATUSES.filter((s) => all.some((r) => r.status?.status === s)));
  }

  private visible(all: Row[]): Row[] {
    const rows = all.filter((r) => [...this.filters].every(([name, v]) => (name === "status" ? r.status?.status === v : String(r.values[name] ?? "") === v)));
    const { column, descending } = this.sort;
    const value = (r: Row) => (column === "status" ? r.status?.status : column === "progress" ? r.progress && progressSummary(r.progress).epochs : r.values[column]);
    return rows.sort((a, b) => {
      const x = value(a), y = value(b);
      const ex = x === null || x === undefined, ey = y === null || y === undefined;
      if (ex || ey) return ex === ey ? 0 : ex ? 1 : -1;
      return (descending ? -1 : 1) * compare(x, y);
    });
  }

  private renderTable(all: Row[], d: DashboardData): void {
    // The CSV's columns, in the order a reader scans them: folder, status, what the sweep varied,
    // the metrics and best epoch, then the options every run shares.
    const names = Object.keys(d.columns).length > 0 ? Object.keys(d.columns) : ["folder"];
    const extra = [...(d.sweep ? ["status"] : []), ...(d.progress.size ? ["progress"] : [])];
    const first = ["folder", ...extra, ...d.varying, ...METRIC_COLUMNS, "best_epoch"].filter((c) => extra.includes(c) || names.includes(c));
    const columns = [...first, ...names.filter((c) => !first.includes(c))];
    const table = el("table", "lukelab-dashboard-table");
    table.dataset.role = "runs";
    const head = el("tr");
    for (const c of columns) {
      const th = el("th");
      th.dataset.column = c;
      const sorted = this.sort.column === c;
      th.setAttribute("aria-sort", sorted ? (this.sort.descending ? "descending" : "ascending") : "none");
      const button = el("button", "lukelab-dashboard-sort", c + (sorted ? (this.sort.descending ? " ▼" : " ▲") : ""));
      button.addEventListener("click", () => {
        this.sort = { column: c, descending: sorted ? !this.sort.descending : false };
        this.render();
        (this.tableWrap.querySelector(`th[data-column="${CSS.escape(c)}"] button`) as HTMLElement | null)?.focus();
      });
      th.append(button);
      head.append(th);
    }
    const thead = el("thead");
    thead.append(head);
    const body = el("tbody");
    for (const r of this.visible(all)) {
      const tr = el("tr");
      tr.dataset.folder = r.folder;
      if (d.runs.some((run) => run.folder === r.folder)) {
        // A run with results: click or Enter shows its details.
        tr.tabIndex = 0;
        tr.setAttribute("aria-selected", String(r.folder === this.selected));
        tr.addEventListener("click", () => this.select(r.folder));
        tr.addEventListener("keydown", (e) => {
          if (e.key === "Enter") this.select(r.folder);
          else if (e.key === "Escape") this.select(null);
        });
      }
      if (r.status) tr.dataset.status = r.status.status;
      for (const c of columns) {
        const v = c === "status" ? r.status?.status : c === "progress" ? (r.progress ? progressSummary(r.progress).epochs : null) : r.values[c];
        const td = el("td", undefined, c === "progress" ? (r.progress ? showProgress(r.progress) : "") : showValue(v));
        td.dataset.column = c;
        td.dataset.value = v === null || v === undefined ? "" : String(v);
        if (c === "status" && r.status?.message) td.title = r.status.message;
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(thead, body);
    this.tableWrap.replaceChildren(table);
  }

  private renderBroken(d: DashboardData): void {
    this.broken.hidden = d.skipped.length === 0;
    this.broken.replaceChildren();
    if (!d.skipped.length) return;
    this.broken.append(el("div", "lukelab-dashboard-subtitle", `Broken runs (${d.skipped.length}), left out of the table`));
    const list = el("ul");
    for (const s of d.skipped) {
      const li = el("li");
      li.dataset.file = s.file;
      li.append(el("code", undefined, s.file), el("span", undefined, `: ${s.reason}`));
      list.append(li);
    }
    this.broken.append(list);
  }
}
