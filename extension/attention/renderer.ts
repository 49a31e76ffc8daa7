/**
 * Where the attention views decode and paint: in a worker (render-worker.ts) where the page can start
 * one, so that the main thread only puts finished pixels on the canvases; on the main thread otherwise
 * (no Worker, or the worker failed to start), with the same code (render-core.ts). Either way a paint
 * is a request answered by a callback: the worker's answers come a few milliseconds later.
 *
 * Newest wins: at most one request per canvas is with the worker; a request made meanwhile waits, and
 * a newer one replaces it (a burst of pointer moves or scrolls costs one paint after the current one).
 * One worker serves every output of the page (started with the extension: startRenderWorker).
 */
import { decodeAttentionPayload, type DecodeResult } from "../../kernel/portable/attention-payload";
import { unpackAttention } from "../../kernel/portable/attention-transfer";
import { tokenLabels } from "../../kernel/portable/tokens";
import { SceneCache, type BandImage, type PaintRequest } from "./render-core";
import type { Control, FromWorker, ToWorker } from "./render-worker";

export type Painter = (image: BandImage, ms: number) => void;
export type RendererMode = "worker" | "main-thread";

/** Where the last load's time went (ms), for the bench. */
export interface LoadTimings {
  /** Decoding and checking the payload (in the worker, or here). */
  decode: number;
  /** From the worker's answer sent to the decoded payload ready here (the copy and its unpacking). */
  receive?: number;
}

export interface Renderer {
  readonly mode: RendererMode;
  readonly timings: LoadTimings | null;
  /** Decodes (and checks) the payload; paints refer to the last payload loaded. */
  load(payload: unknown): Promise<DecodeResult>;
  paint(req: PaintRequest, done: Painter, failed: (message: string) => void): void;
  dispose(): void;
}

/** The page's own thread: the current path where there is no worker. */
export class MainThreadRenderer implements Renderer {
  readonly mode: RendererMode = "main-thread";
  timings: LoadTimings | null = null;
  private cache: SceneCache | null = null;
  private readonly buffers = new Map<string, Uint8ClampedArray>();

  async load(payload: unknown): Promise<DecodeResult> {
    return this.loadNow(payload);
  }

  loadNow(payload: unknown): DecodeResult {
    const t0 = performance.now();
    const decoded = decodeAttentionPayload(payload);
    this.timings = { decode: performance.now() - t0 };
    this.cache = decoded.ok ? new SceneCache(decoded.attention, tokenLabels(decoded.attention)) : null;
    return decoded;
  }

  paint(req: PaintRequest, done: Painter, failed: (message: string) => void): void {
    if (!this.cache) return failed("no payload loaded");
    const t0 = performance.now();
    const image = this.cache.paint(req, this.buffers.get(req.slot));
    this.buffers.set(req.slot, image.rgba);
    done(image, performance.now() - t0);
  }

  dispose(): void {
    this.cache = null;
  }
}

interface Pending {
  seq: number;
  req: PaintRequest;
  done: Painter;
  failed: (message: string) => void;
}

/**
 * The page's worker, shared by every output: started once (when JupyterLab loads the extension,
 * index.ts) and warmed up (render-worker.ts), so that an output's first render does not wait for it,
 * and a notebook of many outputs does not start and warm a worker for each.
 */
interface PageWorker {
  worker: Worker;
  ready: Promise<void>;
  /** It reported an error (its script did not load, or it failed): outputs from then on paint here. */
  failed: boolean;
  renderers: Map<number, WorkerRenderer>;
}
let page: PageWorker | null = null;
let outputs = 0;

/** The worker's script (the bundler makes it a chunk of its own from this expression). */
const spawn = () => new Worker(new URL("./render-worker.js", import.meta.url), { type: "module" });

/**
 * A second worker that paints the lower part of large bands (render-worker.ts, serveRows), joined to
 * the first by a channel of their own, where the machine has a core for it. Not there, or failed:
 * the first worker paints every row.
 */
function startHelper(worker: Worker): Worker | null {
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency ?? 1 : 1;
  if (cores < 2 || typeof MessageChannel === "undefined") return null;
  try {
    const helper = spawn();
    const channel = new MessageChannel();
    helper.onerror = (e) => {
      e.preventDefault();
      helper.terminate();
      worker.postMessage({ type: "helper", port: null } satisfies Control);
    };
    helper.postMessage({ type: "serve", port: channel.port2 }, [channel.port2]);
    worker.postMessage({ type: "helper", port: channel.port1 }, [channel.port1]);
    return helper;
  } catch {
    // Painting every row in the one worker is the same pixels, later.
    return null;
  }
}

function pageWorker(options: WorkerOptions = {}): PageWorker {
  if (page) return page;
  const worker = spawn();
  const helper = options.helper === false ? null : startHelper(worker);
  const pw: PageWorker = { worker, ready: Promise.resolve(), failed: false, renderers: new Map() };
  // Ready when both have warmed up (or failed): the first message each sends is its "ready".
  const warmed = (w: Worker) =>
    new Promise<void>((resolve) => {
      w.addEventListener("message", () => resolve(), { once: true });
      w.addEventListener("error", () => resolve(), { once: true });
    });
  pw.ready = Promise.all([warmed(worker), ...(helper ? [warmed(helper)] : [])]).then(() => undefined);
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type !== "ready") pw.renderers.get(m.id)?.receive(m);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    pw.failed = true;
    worker.terminate();
    helper?.terminate();
    for (const r of [...pw.renderers.values()]) r.toMainThread();
    pw.renderers.clear();
  };
  page = pw;
  return pw;
}

export interface WorkerOptions {
  /** A second worker for large bands (default: where the machine has two cores or more). */
  helper?: boolean;
}

/**
 * Starts the page's worker and its helper (where the page has workers); resolves once they have
 * warmed up. The options apply to the first call, which starts them.
 */
export function startRenderWorker(options: WorkerOptions = {}): Promise<void> {
  if (typeof Worker === "undefined") return Promise.resolve();
  try {
    return pageWorker(options).ready;
  } catch {
    return Promise.resolve();
  }
}

export class WorkerRenderer implements Renderer {
  mode: RendererMode = "worker";
  timings: LoadTimings | null = null;
  private readonly id = ++outputs;
  private seq = 0;
  private readonly busy = new Map<string, Pending>();
  private readonly waiting = new Map<string, Pending>();
  private loading: { payload: unknown; resolve: (r: DecodeResult) => void } | null = null;
  /** Set when the worker failed: everything from then on runs on the main thread. */
  private fallback: MainThreadRenderer | null = null;
  private lastPayload: unknown = undefined;

  constructor(private readonly pw: PageWorker) {
    pw.renderers.set(this.id, this);
  }

  load(payload: unknown): Promise<DecodeResult> {
    this.lastPayload = payload;
    if (this.fallback) return this.fallback.load(payload);
    this.loading?.resolve({ ok: false, error: { path: "", message: "replaced by a newer output" } });
    return new Promise((resolve) => {
      this.loading = { payload, resolve };
      this.post({ id: this.id, type: "load", payload });
    });
  }

  paint(req: PaintRequest, done: Painter, failed: (message: string) => void): void {
    if (this.fallback) return this.fallback.paint(req, done, failed);
    const p = { seq: ++this.seq, req, done, failed };
    if (this.busy.has(req.slot)) this.waiting.set(req.slot, p);
    else this.send(p);
  }

  dispose(): void {
    this.busy.clear();
    this.waiting.clear();
    this.fallback?.dispose();
    if (this.pw.renderers.delete(this.id) && !this.pw.failed) this.post({ id: this.id, type: "drop" });
  }

  private send(p: Pending): void {
    this.busy.set(p.req.slot, p);
    this.post({ id: this.id, type: "paint", seq: p.seq, req: p.req });
  }

  private post(m: ToWorker): void {
    try {
      this.pw.worker.postMessage(m);
    } catch {
      this.toMainThread();
    }
  }

  receive(m: Exclude<FromWorker, { type: "ready" }>): void {
    if (m.type === "loaded") {
      const loading = this.loading;
      this.loading = null;
      if (!loading) return;
      this.timings = { decode: m.decodeMs };
      if (!m.result.ok) return loading.resolve(m.result);
      try {
        const attention = unpackAttention(m.result.packed);
        this.timings.receive = Date.now() - m.sent;
        loading.resolve({ ok: true, attention });
      } catch (e) {
        loading.resolve({ ok: false, error: { path: "", message: e instanceof Error ? e.message : String(e) } });
      }
      return;
    }
    const p = this.busy.get(m.slot);
    if (!p || p.seq !== m.seq) return;
    this.busy.delete(m.slot);
    const next = this.waiting.get(m.slot);
    this.waiting.delete(m.slot);
    // The newer request goes out before this answer is put on the page, so the worker works meanwhile.
    if (next) this.send(next);
    if (m.type === "painted") {
      // An answer already superseded is still put: it is closer to the state than what is on the canvas.
      p.done(m.image, m.ms);
    } else if (m.type === "failed") p.failed(m.message);
    // "dropped": a margin the worker skipped for a newer request of the rows in sight.
  }

  /** The worker failed: load the payload here and repeat the requests in flight. */
  toMainThread(): void {
    if (this.fallback) return;
    this.mode = "main-thread";
    this.fallback = new MainThreadRenderer();
    const loading = this.loading;
    this.loading = null;
    const payload = loading ? loading.payload : this.lastPayload;
    const decoded = payload !== undefined ? this.fallback.loadNow(payload) : null;
    if (loading && decoded) loading.resolve(decoded);
    const latest = new Map([...this.busy.values(), ...this.waiting.values()].map((p) => [p.req.slot, p]));
    this.busy.clear();
    this.waiting.clear();
    for (const p of latest.values()) this.fallback.paint(p.req, p.done, p.failed);
  }
}

/** A worker renderer where the page can start workers, the main thread's otherwise. */
export function createRenderer(options: { worker?: boolean } = {}): Renderer {
  if (options.worker === false || typeof Worker === "undefined") return new MainThreadRenderer();
  try {
    const pw = pageWorker();
    return pw.failed ? new MainThreadRenderer() : new WorkerRenderer(pw);
  } catch {
    return new MainThreadRenderer();
  }
}
