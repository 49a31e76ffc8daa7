/**
 * Progress of a download: bytes, rate and time left. In a terminal (or a tslab cell, whose output
 * area honours carriage returns) one line redrawn in place on stderr; elsewhere (a log file, CI) a
 * new line every 10 % or 10 s, so logs stay readable.
 */

export interface DownloadProgress {
  repoId: string;
  file: string;
  /** Bytes on disk so far (a resumed download starts above 0). */
  done: number;
  total: number;
  /** Bytes per second over this session's transfer. */
  bytesPerSecond: number;
  /** Seconds left at that rate; undefined before the rate is known. */
  etaSeconds?: number;
  finished: boolean;
}

/**
 * true: the default reporter on stderr (for files of at least `minBytes`); false: silent; a
 * function: called with every update instead.
 */
export type ProgressOption = boolean | ((p: DownloadProgress) => void);

/** Files smaller than this are fetched without a progress line (default). */
export const PROGRESS_MIN_BYTES = 10 * 1024 * 1024;

export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let u = 0;
  let v = n;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** One progress line: `model.safetensors  41% 812 MB / 1.98 GB  24.3 MB/s  ETA 0:48`. */
export function progressLine(p: DownloadProgress): string {
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
  const rate = p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s` : "…";
  const tail = p.finished ? "done" : `ETA ${p.etaSeconds === undefined ? "?" : formatDuration(p.etaSeconds)}`;
  return `${p.repoId} ${p.file}  ${String(pct).padStart(3)}% ${formatBytes(p.done)} / ${formatBytes(p.total)}  ${rate}  ${tail}`;
}

function inTslabCell(): boolean {
  try {
    return typeof require("tslab/dist/jupyter").lastWriteDisplayData === "function";
  } catch {
    return false;
  }
}

/** The default reporter: redraws in place where that shows, else prints every 10 % or 10 s. */
export function stderrReporter(stream: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  const inPlace = Boolean(stream.isTTY) || inTslabCell();
  let lastDraw = 0;
  let lastTenth = -1;
  let lastLine = 0;
  return (p) => {
    const now = Date.now();
    if (inPlace) {
      if (!p.finished && now - lastDraw < 200) return;
      lastDraw = now;
      stream.write(`\r${progressLine(p)}\x1b[K${p.finished ? "\n" : ""}`);
      return;
    }
    const tenth = p.total ? Math.floor((10 * p.done) / p.total) : 10;
    if (p.finished || tenth > lastTenth || now - lastLine > 10_000) {
      lastTenth = tenth;
      lastLine = now;
      stream.write(`${progressLine(p)}\n`);
    }
  };
}

/** Tracks one transfer and reports it (rate over this session, so a resumed start is not counted). */
export class ProgressTracker {
  private readonly start = Date.now();
  private readonly startBytes: number;
  constructor(
    private readonly report: ((p: DownloadProgress) => void) | undefined,
    private readonly repoId: string,
    private readonly file: string,
    private readonly total: number,
    private done: number,
  ) {
    this.startBytes = done;
    this.emit(false);
  }

  add(n: number): void {
    this.done += n;
    this.emit(false);
  }

  finish(): void {
    this.emit(true);
  }

  private emit(finished: boolean): void {
    if (!this.report) return;
    const seconds = (Date.now() - this.start) / 1000;
    const moved = this.done - this.startBytes;
    const bytesPerSecond = seconds > 0.05 ? moved / seconds : 0;
    const etaSeconds = bytesPerSecond > 0 ? (this.total - this.done) / bytesPerSecond : undefined;
    this.report({ repoId: this.repoId, file: this.file, done: this.done, total: this.total, bytesPerSecond, etaSeconds, finished });
  }
}

/** The reporter an option asks for, for a file of `size` bytes. */
export function reporterFor(option: ProgressOption | undefined, size: number, minBytes = PROGRESS_MIN_BYTES): ((p: DownloadProgress) => void) | undefined {
  if (typeof option === "function") return option;
  if (option === false || size < minBytes) return undefined;
  return stderrReporter();
}
