/**
 * Progress with rate and ETA, on stderr. On a terminal one line is redrawn in place (\r), at most
 * ten times a second; anywhere else (a log file, a notebook, a Slurm job) a plain line is written
 * every `logEverySeconds` and at the end, so logs stay readable.
 *
 * The formatting is pure (formatProgress) and the clock can be injected, for tests.
 */

export interface ProgressSnapshot {
  label: string;
  done: number;
  total: number;
  /** Seconds since the bar started. */
  elapsed: number;
  /** Extra text after the numbers, e.g. "loss 0.4312". */
  note?: string;
  /** Items already done when timing started (a resumed run); rate and ETA count only the rest. */
  base?: number;
}

/** 75 → "01:15"; 3725 → "1:02:05"; not finite → "?". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
}

/** Items per second as tqdm shows it: "3.21 it/s", or "4.5 s/it" when slower than one a second. */
export function formatRate(done: number, elapsed: number): string {
  if (done === 0 || elapsed <= 0) return "? it/s";
  const rate = done / elapsed;
  return rate >= 1 ? `${rate.toFixed(2)} it/s` : `${(1 / rate).toFixed(2)} s/it`;
}

/** "train  42%|████▏     | 21/50 [00:10<00:14, 2.10 it/s] loss 0.61" (width = bar cells). */
export function formatProgress(p: ProgressSnapshot, width = 20): string {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const timed = p.done - (p.base ?? 0);
  const eta = timed > 0 ? (p.elapsed / timed) * (p.total - p.done) : NaN;
  const cells = fraction * width;
  const full = Math.floor(cells);
  const partials = " ▏▎▍▌▋▊▉";
  const partial = full < width ? partials[Math.floor((cells - full) * 8)] : "";
  const bar = ("█".repeat(full) + partial).padEnd(width, " ");
  const percent = `${Math.floor(fraction * 100)}`.padStart(3, " ");
  const note = p.note ? ` ${p.note}` : "";
  return `${p.label} ${percent}%|${bar}| ${p.done}/${p.total} [${formatDuration(p.elapsed)}<${formatDuration(eta)}, ${formatRate(timed, p.elapsed)}]${note}`;
}

export interface ProgressOptions {
  /** Where to write; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw in place; default: whether the stream is a TTY. */
  tty?: boolean;
  /** Plain-line interval when not a TTY; default 10 s. */
  logEverySeconds?: number;
  /** Nothing is written at all. */
  silent?: boolean;
  /** Called with every snapshot (notebook displays listen here). */
  onUpdate?: (p: ProgressSnapshot) => void;
  now?: () => number;
}

export class ProgressBar {
  private done = 0;
  private base = 0;
  private note: string | undefined;
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastLog: number;
  private finished = false;
  private logged = false;
  private readonly stream: ProgressOptions["stream"];
  private readonly tty: boolean;
  private readonly now: () => number;

  constructor(
    readonly label: string,
    readonly total: number,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now() / 1000);
    this.started = this.now();
    this.lastLog = this.started;
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream?.isTTY);
  }

  /** Sets the count (e.g. when resuming part-way) without counting elapsed time for it. */
  start(at: number): void {
    this.done = at;
    this.base = at;
    this.draw(true);
  }

  tick(n = 1, note?: string): void {
    this.done += n;
    if (note !== undefined) this.note = note;
    this.draw(false);
  }

  finish(note?: string): void {
    if (this.finished) return;
    if (note !== undefined) this.note = note;
    this.finished = true;
    this.draw(true);
    if (this.tty && !this.options.silent) this.stream?.write("\n");
  }

  snapshot(): ProgressSnapshot {
    return { label: this.label, done: this.done, total: this.total, elapsed: this.now() - this.started, note: this.note, base: this.base };
  }

  private draw(force: boolean): void {
    const t = this.now();
    const snap = this.snapshot();
    this.options.onUpdate?.(snap);
    if (this.options.silent || !this.stream) return;
    if (this.tty) {
      if (!force && t - this.lastDraw < 0.1) return;
      this.lastDraw = t;
      const columns = this.stream.columns ?? 100;
      const line = formatProgress(snap).slice(0, Math.max(20, columns - 1));
      this.stream.write(`\r${line}\x1b[K`);
    } else {
      const every = this.options.logEverySeconds ?? 10;
      if (!force && t - this.lastLog < every) return;
      if (force && this.done === 0 && !this.finished) return;
      // A quick bar (under a second, nothing logged yet) leaves no line of its own in a log.
      if (this.finished && !this.logged && t - this.started < 1) return;
      this.logged = true;
      this.lastLog = t;
      this.stream.write(formatProgress(snap) + "\n");
    }
  }
}
