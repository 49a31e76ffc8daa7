/**
 * The attention views' worker, one for the page: for each output it decodes the payload (the checking decoder: a hostile payload is
 * refused here with its field named, and the page shows the error), sends the page a copy of what it
 * decoded (attention-transfer.ts), and answers paint requests (render-core.ts): scenes built and bands
 * rasterised here, their pixels transferred to the page, which only puts them on the canvas and draws
 * the texts. Started by renderer.ts with `new Worker(new URL("./render-worker.js", import.meta.url))`,
 * which webpack (JupyterLab's extension builder) bundles as a chunk of its own and a browser loads as a
 * module as it is (the bench page).
 *
 * On start it runs a small payload through every step once, so that the first real render does not
 * pay for code running for the first time.
 */
import { decodeAttentionPayload, encodeAttentionPayload, type Attention } from "../../kernel/portable/attention-payload";
import { forTransfer, packAttention } from "../../kernel/portable/attention-transfer";
import { LIGHT_THEME } from "../../kernel/portable/colours";
import { headViewLayout } from "../../kernel/portable/head-view";
import { ALL_LINKS } from "../../kernel/portable/links";
import { gridLayout } from "../../kernel/portable/model-view";
import { tokenLabels } from "../../kernel/portable/tokens";
import type { Scene } from "../../kernel/portable/scene";
import { bandImage, bandPlan, paintRows, planImage, PREFETCH_SLICE_MS, SceneCache, splitRow, type BandImage, type BandPlan, type PaintRequest, type RowsScene } from "./render-core";

/** Messages for one output's views: `id` names the output (one worker serves every output of the page). */
export type ToWorker = { id: number } & ({ type: "load"; payload: unknown } | { type: "paint"; seq: number; req: PaintRequest } | { type: "drop" });
export type FromWorker =
  | { type: "ready" }
  | { type: "loaded"; id: number; result: { ok: true; packed: ReturnType<typeof packAttention> } | { ok: false; error: { path: string; message: string } }; decodeMs: number; sent: number }
  | { type: "painted"; id: number; seq: number; slot: string; image: BandImage; ms: number }
  | { type: "failed"; id: number; seq: number; slot: string; message: string }
  | { type: "dropped"; id: number; seq: number; slot: string };

/**
 * The page's set-up messages: to the worker, a port to a second worker that paints part of a large
 * band (null: that worker is gone); to that second worker, the port it is asked on.
 */
export type Control = { type: "helper"; port: Port | null } | { type: "serve"; port: Port };

/** A MessagePort, as far as it is used here (the Node tests pass worker_threads' ports). */
export interface Port {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  onmessage: ((e: { data: unknown }) => void) | null;
}

/** Rows of a band asked of the helper: the scene comes with the first request for it (then its key). */
export interface RowsJob {
  job: number;
  key: string;
  scene?: RowsScene;
  ratio: number;
  width: number;
  top: number;
  rows: number;
}
export type RowsAnswer = { job: number; rgba: Uint8ClampedArray } | { job: number; error: string };

/** Scenes the helper keeps (and the worker counts as kept, in the same order): the last few. */
const HELPER_SCENES = 4;
/** How long the worker waits for the helper's rows before it paints them itself. */
export const HELPER_PATIENCE_MS = 2000;

/** The worker's global scope, as far as it is used here (no DOM types: the Node tests compile this). */
interface Scope {
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
  onmessage: ((e: { data: ToWorker | Control }) => void) | null;
}

type Paint = Extract<ToWorker, { type: "paint" }>;
type Load = Extract<ToWorker, { type: "load" }>;

/**
 * How long after a request for rows in sight nothing is made ahead: while the pointer moves or the
 * box scrolls, requests come a frame apart and each finds the worker free; a pause of more than this
 * lets the layers ahead be made, in slices, so that the next request waits for one slice at most.
 */
export const PREFETCH_PAUSE_MS = 120;

/** A margin's request (band.ts paints the rows in sight first, then the margins as slots "…-below", "…-above"). */
const isMargin = (p: Paint) => p.req.slot.includes("-");
/** What goes first: the rows in sight, then payloads to decode, then margins. */
const rank = (m: Paint | Load) => (m.type === "load" ? 1 : isMargin(m) ? 2 : 0);

/**
 * Answers the page's messages, for each output its payload (exported for the Node tests, which call it
 * directly). With `later` (a task after the messages already queued: setTimeout in the worker), loads
 * and paint requests wait in a queue and are answered one a task: the rows in sight first (an output
 * on the page is not kept waiting by the decoding of the outputs below it), then loads, then margins;
 * a margin asked for before a newer request for the rows in sight of the same output, and a request
 * made before a newer load of its output, are dropped (said with "dropped"). When nothing waits it
 * makes the head view's other layers ahead (SceneCache.prefetch) in slices of a few milliseconds, one
 * a task, so that a request waits for at most one slice; not within PREFETCH_PAUSE_MS of a request
 * for rows in sight (a hover, a scroll), when the next one is likely a frame away. Without `later`
 * every message is answered at once. `now` is the clock (performance.now in the worker), `sliceMs`
 * the length of a slice (0 in the tests: one step of the work a task).
 */
export function workerHandler(
  post: Scope["postMessage"],
  later?: (fn: () => void, delayMs?: number) => void,
  now: () => number = () => performance.now(),
  sliceMs = PREFETCH_SLICE_MS,
): (message: ToWorker | Control) => void {
  const caches = new Map<number, SceneCache>();
  const queue: (Paint | Load)[] = [];
  let scheduled = false;
  let waking = false;
  let lastInSight = -Infinity;
  // The helper (a second worker) and the keys of the scenes it keeps, oldest first; the band it is painting part of.
  let helper: Port | null = null;
  let helperKeys: string[] = [];
  let jobs = 0;
  let split: { job: number; m: Paint; scene: Scene; plan: BandPlan; cut: number; rgba: Uint8ClampedArray; t0: number; sceneMs: number; ownRowsMs: number } | null = null;
  const schedule = () => {
    if (later && !scheduled) {
      scheduled = true;
      later(run);
    }
  };
  // A wake-up at the end of the pause; a message arriving before it is answered at once all the same.
  const wakeAfter = (delayMs: number) => {
    if (later && !waking) {
      waking = true;
      later(() => {
        waking = false;
        schedule();
      }, delayMs);
    }
  };
  const run = () => {
    scheduled = false;
    // A band shared with the helper holds the queue until the helper's rows come back.
    if (split) return;
    const next = takeNext();
    let busy = next !== undefined;
    if (next?.type === "paint") paint(next);
    else if (next) load(next);
    else {
      const wait = lastInSight + PREFETCH_PAUSE_MS - now();
      if (wait > 0) return wakeAfter(wait);
      for (const cache of caches.values()) if ((busy = cache.prefetch(sliceMs))) break;
    }
    if (busy || queue.length) schedule();
  };
  /** Removes the queued requests of output `id` before position `end` that `which` picks, saying so. */
  const dropBefore = (end: number, id: number, which: (p: Paint) => boolean) => {
    for (let j = end - 1; j >= 0; j--) {
      const p = queue[j];
      if (p.id === id && p.type === "paint" && which(p)) {
        queue.splice(j, 1);
        post({ type: "dropped", id: p.id, seq: p.seq, slot: p.req.slot });
      }
    }
  };
  const takeNext = (): Paint | Load | undefined => {
    if (!queue.length) return undefined;
    let best = 0;
    for (let i = 1; i < queue.length; i++) if (rank(queue[i]) < rank(queue[best])) best = i;
    const m = queue[best];
    if (m.type === "paint" && !isMargin(m)) dropBefore(best, m.id, isMargin);
    return queue.splice(queue.indexOf(m), 1)[0];
  };
  const failed = (m: Paint, e: unknown) => post({ type: "failed", id: m.id, seq: m.seq, slot: m.req.slot, message: e instanceof Error ? e.message : String(e) });
  const paint = (m: Paint) => {
    const t0 = performance.now();
    try {
      const cache = caches.get(m.id);
      if (!cache) throw new Error("no payload loaded");
      const scene = cache.scene(m.req);
      const sceneMs = performance.now() - t0;
      if (helper && later && !isMargin(m)) {
        // Rows in sight with enough lines are cut where half their work lies: the rows below go to
        // the helper (with the scene, unless it kept it), those above are painted here meanwhile.
        // Margins are not: nobody waits for them, and a second busy thread slows the page's own.
        const plan = bandPlan(scene, m.req.ratio, m.req.band);
        const cut = splitRow(scene, plan);
        if (cut > 0) return shareBand(m, scene, plan, cut, t0, sceneMs);
      }
      const image: BandImage = { ...bandImage(scene, m.req.ratio, m.req.band), sceneMs, rasterMs: performance.now() - t0 - sceneMs };
      post({ type: "painted", id: m.id, seq: m.seq, slot: m.req.slot, image, ms: performance.now() - t0 }, [image.rgba.buffer as ArrayBuffer]);
    } catch (e) {
      failed(m, e);
    }
  };
  const shareBand = (m: Paint, scene: Scene, plan: BandPlan, cut: number, t0: number, sceneMs: number) => {
    const key = `${m.id}\u0000${m.req.key}`;
    const kept = helperKeys.indexOf(key);
    if (kept >= 0) helperKeys.splice(kept, 1);
    helperKeys.push(key);
    if (helperKeys.length > HELPER_SCENES) helperKeys.shift();
    const job: RowsJob = { job: ++jobs, key, ratio: plan.ratio, width: plan.canvasWidth, top: plan.top + cut, rows: plan.rows - cut };
    if (kept < 0) job.scene = { width: scene.width, height: scene.height, background: scene.background, shapes: scene.shapes.filter((x) => x.kind !== "text") };
    helper!.postMessage(job);
    const rgba = new Uint8ClampedArray(plan.canvasWidth * plan.rows * 4);
    const own = performance.now();
    paintRows(scene, plan.ratio, plan.canvasWidth, plan.top, cut, rgba.subarray(0, plan.canvasWidth * cut * 4));
    split = { job: job.job, m, scene, plan, cut, rgba, t0, sceneMs, ownRowsMs: performance.now() - own };
    // A helper that never answers (stuck, or gone without the page hearing of it) holds nothing up for long.
    later?.(() => {
      if (split?.job !== job.job) return;
      helperKeys = [];
      finishBand(null);
    }, HELPER_PATIENCE_MS);
  };
  /** The helper's rows came (or it failed, or is gone: rows null), so the band is whole: sent to the page. */
  const finishBand = (rows: Uint8ClampedArray | null) => {
    const b = split!;
    split = null;
    const { plan, cut } = b;
    try {
      const below = b.rgba.subarray(plan.canvasWidth * cut * 4);
      if (rows && rows.length === below.length) below.set(rows);
      else paintRows(b.scene, plan.ratio, plan.canvasWidth, plan.top + cut, plan.rows - cut, below);
      const image: BandImage = { ...planImage(b.scene, plan, b.rgba), sceneMs: b.sceneMs, rasterMs: performance.now() - b.t0 - b.sceneMs, helperRows: rows ? plan.rows - cut : 0, ownRowsMs: b.ownRowsMs };
      post({ type: "painted", id: b.m.id, seq: b.m.seq, slot: b.m.req.slot, image, ms: performance.now() - b.t0 }, [b.rgba.buffer as ArrayBuffer]);
    } catch (e) {
      failed(b.m, e);
    }
    schedule();
  };
  const useHelper = (port: Port | null) => {
    if (helper) helper.onmessage = null;
    helper = port;
    helperKeys = [];
    if (port) {
      port.onmessage = (e) => {
        const a = e.data as RowsAnswer;
        if (!split || a.job !== split.job) return;
        if ("error" in a) helperKeys = []; // it lost track of its scenes: send them again
        finishBand("rgba" in a ? a.rgba : null);
      };
    }
    // A band waiting for a helper that is gone is finished here.
    if (split) finishBand(null);
  };
  const load = (m: Load) => {
    const id = m.id;
    caches.delete(id);
    const t0 = performance.now();
    const decoded = decodeAttentionPayload(m.payload);
    const decodeMs = performance.now() - t0;
    if (!decoded.ok) return post({ type: "loaded", id, result: decoded, decodeMs, sent: Date.now() });
    const cache = new SceneCache(decoded.attention, tokenLabels(decoded.attention));
    caches.set(id, cache);
    const { packed, transfer } = forTransfer(packAttention(decoded.attention));
    post({ type: "loaded", id, result: { ok: true, packed }, decodeMs, sent: Date.now() }, transfer);
    // While the page takes the copy and lays the view out, the first view's links.
    cache.prepare();
  };
  return (m) => {
    if (m.type === "helper") return useHelper(m.port);
    if (m.type === "serve") return serveRows(m.port);
    if (m.type === "drop") {
      caches.delete(m.id);
      for (let j = queue.length - 1; j >= 0; j--) if (queue[j].id === m.id) queue.splice(j, 1);
      return;
    }
    if (!later) return m.type === "paint" ? paint(m) : load(m);
    // A new payload for an output: its requests for the one before are not answered.
    if (m.type === "load") dropBefore(queue.length, m.id, () => true);
    else if (m.type === "paint" && !isMargin(m)) lastInSight = now();
    queue.push(m);
    schedule();
  };
}

/**
 * The helper's side: paints the rows it is asked for (RowsJob) and sends them back, keeping the last
 * HELPER_SCENES scenes as the worker counts them (a scroll of the same scene sends only its key). A
 * key it does not keep is answered with an error; the worker then paints those rows.
 */
export function serveRows(port: Port): void {
  const scenes = new Map<string, RowsScene>();
  port.onmessage = (e) => {
    const m = e.data as RowsJob;
    const scene = m.scene ?? scenes.get(m.key);
    scenes.delete(m.key);
    if (scene) scenes.set(m.key, scene);
    if (scenes.size > HELPER_SCENES) scenes.delete(scenes.keys().next().value as string);
    if (!scene) return port.postMessage({ job: m.job, error: `no scene kept for ${m.key}` } satisfies RowsAnswer);
    try {
      const rgba = new Uint8ClampedArray(m.width * m.rows * 4);
      paintRows(scene, m.ratio, m.width, m.top, m.rows, rgba);
      port.postMessage({ job: m.job, rgba } satisfies RowsAnswer, [rgba.buffer]);
    } catch (err) {
      port.postMessage({ job: m.job, error: err instanceof Error ? err.message : String(err) } satisfies RowsAnswer);
    }
  };
}

/**
 * Every step on a small sparse payload (2 layers × 4 heads × 192 tokens), long enough for the engine
 * to compile the hot loops (the first real scene took 130 ms at 12 × 12 × 512 after warming on 48
 * tokens; a few tens once warm).
 */
export function warmUp(): Attention {
  const n = 192, heads = 4, layers = 2;
  const weights = new Float32Array(layers * heads * n * n);
  // Rows like a trained model's: a few strong keys over a spread of weak ones (a quarter of the links
  // above the views' floor), so that every loop of the scene and the raster runs, not only the decoder's.
  let seed = 1;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (let r = 0; r < layers * heads * n; r++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += weights[r * n + k] = Math.exp(6 * rand() + (rand() < 0.05 ? 3 : 0));
    for (let k = 0; k < n; k++) weights[r * n + k] /= sum;
  }
  const words = Array.from({ length: n }, (_, i) => `w${i}`);
  const payload = JSON.parse(JSON.stringify(encodeAttentionPayload({ words, heads, weights, maxBytes: 60_000 })));
  const decoded = decodeAttentionPayload(payload);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const att = decoded.attention;
  const labels = tokenLabels(att);
  const cache = new SceneCache(att, labels);
  const layout = headViewLayout(labels, heads, (t, size) => t.length * size * 0.6);
  const state = { layer: 0, activeHeads: Array(heads).fill(true), filter: ALL_LINKS, focus: null };
  // Bands of a few rows: the loops run as long as they need to, the pixels cost little.
  const band = { top: 0, height: 48 };
  cache.prepare();
  cache.paint({ slot: "head", key: "0", spec: { kind: "head", state, layout, theme: LIGHT_THEME }, ratio: 1, band });
  cache.paint({ slot: "head", key: "1", spec: { kind: "head", state: { ...state, focus: { side: "left", index: 3 } }, layout, theme: LIGHT_THEME }, ratio: 1, band });
  cache.paint({ slot: "head", key: "2", spec: { kind: "head", state: { ...state, layer: 1 }, layout, theme: LIGHT_THEME }, ratio: 1, band });
  while (cache.prefetch()); // the other layer's links, in slices
  cache.paint({ slot: "grid", key: "0", spec: { kind: "grid", grid: gridLayout(layers, heads), filter: ALL_LINKS, theme: LIGHT_THEME, selected: null }, ratio: 1, band });
  packAttention(att);
  return att;
}

// In a worker (not when the Node tests import this module): answer the page.
const scope = globalThis as unknown as Partial<Scope> & { WorkerGlobalScope?: unknown };
if (typeof scope.WorkerGlobalScope !== "undefined" && typeof scope.postMessage === "function") {
  const post = scope.postMessage.bind(scope) as Scope["postMessage"];
  const handle = workerHandler(post, (fn, delayMs) => setTimeout(fn, delayMs ?? 0));
  scope.onmessage = (e) => handle(e.data);
  try {
    warmUp();
  } catch {
    // Warming is an optimisation only: a failure here shows up, if at all, in the real requests.
  }
  post({ type: "ready" });
}
