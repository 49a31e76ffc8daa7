/**
 * Render and hover times of lukelab's head view against BertViz's head_view, on the same attention
 * (24 layers × 16 heads × 128 tokens, softmax rows of random logits) in the same headless Chromium
 * (Debian's /usr/bin/chromium driven by playwright-core), and the size of what each sends.
 *
 *   npm run bench:attention                        (after scripts/setup.sh; builds first)
 *   node lib/bench/attention-render.js [--runs=5] [--layers=24 --heads=16 --tokens=128] [--no-bertviz]
 *   node lib/bench/attention-render.js --layers=12 --heads=12 --tokens=512 --no-bertviz   (full length)
 *   add --main-thread to decode and paint on the page's main thread (the widget's path without a Worker),
 *   --no-helper for one worker without the second that paints the lower part of large bands
 *   … --dense: the payload without the byte budget (every weight, version 1), for a before/after on one machine
 *
 * lukelab: the extension's own modules (lib/labextension-src, as ES modules) in a bare page, on the
 * widget's path: its renderer (extension/attention/renderer.ts: a Worker from render-worker.js, the
 * module JupyterLab's bundle starts as a chunk of its own) and its head pane. Render = JSON text →
 * renderer made → payload decoded in the worker → head view of layer 0, all heads, band in sight built
 * and rasterised in the worker → pixels put → next frame (printed by phase too). Hover = one token
 * focused → pixels put → next frame. The browser test records the widget's own timings in JupyterLab.
 *
 * BertViz: head_view(..., html_action="return") from bertviz 1.4.1, the page it returns, with
 * require.js, d3 5.7.0 and jQuery 2.1 served locally in place of the CDN it loads them from (no
 * network here). Render = script start (d3 loaded) → first frame with its SVG lines; "page" adds the
 * HTML parse of its embedded JSON. Hover = a mouseover on a token → next frame.
 *
 * The payload is what showAttention sends: within the 5 MB budget (version 2, sparse, when the dense
 * weights do not fit). "encode" is the kernel's time to make it from the Float32Array; "long tasks" are
 * the page's main-thread tasks over 50 ms during a run (PerformanceObserver 'longtask').
 *
 * Results: printed, and bench/results/attention-render[-LxHxN].json (gitignored).
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { extname, join, resolve } from "node:path";
import { encodeAttentionPayload } from "../kernel/portable/attention-payload";

const ROOT = resolve(__dirname, "..", "..");
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const RUNS = arg("runs", 5);
const LAYERS = arg("layers", 24), HEADS = arg("heads", 16), TOKENS = arg("tokens", 128);
const WITH_BERTVIZ = !process.argv.includes("--no-bertviz");
/** --dense: the payload without a byte budget (version 1, every weight), as before the budget existed. */
const DENSE = process.argv.includes("--dense");
/** Decode and paint on the main thread, as the widget does where there is no Worker (and did before the worker). */
const MAIN_THREAD = process.argv.includes("--main-thread");
/** Without the helper worker that paints the lower part of large bands (renderer.ts). */
const NO_HELPER = process.argv.includes("--no-helper");
const WORK = join(ROOT, "test", ".work", "bench-attention");
const CDN = join(ROOT, "test", ".work", "bench-cdn");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

function syntheticWeights(layers: number, heads: number, n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const out = new Float32Array(layers * heads * n * n);
  const row = new Float64Array(n);
  for (let r = 0; r < layers * heads * n; r++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += row[k] = Math.exp(6 * (rand() - 0.5) + (rand() < 0.05 ? 4 : 0));
    for (let k = 0; k < n; k++) out[r * n + k] = row[k] / sum;
  }
  return out;
}

const WORDS = "the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their".split(" ");

function prepare(): { payloadChars: number; encodeMs: number } {
  mkdirSync(WORK, { recursive: true });
  const tokens = ["<s>", ...Array.from({ length: TOKENS - 2 }, (_, i) => "Ġ" + WORDS[i % WORDS.length]), "</s>"];
  const weights = syntheticWeights(LAYERS, HEADS, TOKENS);
  writeFileSync(join(WORK, "weights.f32"), Buffer.from(weights.buffer));
  writeFileSync(join(WORK, "tokens.json"), JSON.stringify({ tokens, layers: LAYERS, heads: HEADS }));
  const t0 = performance.now();
  const payload = JSON.stringify(encodeAttentionPayload({ words: tokens, heads: HEADS, weights, maxBytes: DENSE ? Infinity : undefined }));
  const encodeMs = performance.now() - t0;
  writeFileSync(join(WORK, "payload.json"), payload);
  return { payloadChars: payload.length, encodeMs };
}

function prepareBertviz(variant: "all" | "layer0"): { seconds: number; bytes: number } {
  if (!existsSync(join(CDN, "node_modules", "d3", "dist", "d3.min.js"))) {
    // BertViz loads these from a CDN at display time; the bench serves npm's copies instead.
    mkdirSync(CDN, { recursive: true });
    const r = spawnSync("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix", CDN, "d3@5.7.0", "jquery@2.1.4", "requirejs@2.3.6"], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("npm install of d3/jquery/requirejs for the BertViz page failed");
  }
  const args = [join(ROOT, "bench", "attention-render.py"), WORK, ...(variant === "layer0" ? ["--layer0"] : [])];
  const r = spawnSync(join(ROOT, ".venv", "bin", "python"), args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench/attention-render.py failed (is bertviz installed? run scripts/setup.sh):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const LUKELAB_PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">
<script type="module">
import { LIGHT_THEME } from "/kernel/portable/colours.js";
import { tokenLabels } from "/kernel/portable/tokens.js";
import { canvasMeasure } from "/extension/attention/canvas.js";
import { HeadPane } from "/extension/attention/head-pane.js";
import { createRenderer, startRenderWorker } from "/extension/attention/renderer.js";
import { initialState } from "/extension/attention/state.js";
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
window.bench = async (mainThread, helper) => {
  // As in JupyterLab (extension/index.ts), the worker starts with the page, before any output comes.
  if (!mainThread) await startRenderWorker({ helper });
  const text = await (await fetch("/payload.json")).text();
  await frame();
  const longTasks = [];
  const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => Math.round(e.duration))));
  const longAt = [];
  new PerformanceObserver((list) => longAt.push(...list.getEntries().map((e) => [Math.round(e.startTime - t0), Math.round(e.duration)]))).observe({ type: "longtask" });
  observer.observe({ type: "longtask" });
  // The widget's path (widget.ts): its renderer (a worker, made with the widget), the payload decoded
  // there, the head pane asking for the band in sight and putting the pixels that come back.
  const t0 = performance.now();
  const renderer = createRenderer({ worker: !mainThread });
  const decoded = await renderer.load(text);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const att = decoded.attention;
  const tDecode = performance.now();
  // Resolved when the rows in sight have their pixels (slot "head"; the margins come after them).
  let pixels = null;
  const painted = () => new Promise((r) => (pixels = r));
  const host = { state: null, apply() {}, guard: (f) => f, renderer, onPixels: (slot) => slot === "head" && pixels && pixels(), fail: (what, e) => { throw e; } };
  const labels = tokenLabels(att);
  const ctx = { att, labels, theme: LIGHT_THEME, font: "sans-serif", measure: canvasMeasure("sans-serif"), width: () => 1200 };
  const pane = new HeadPane(host, att.tokens);
  // The head pane's scroll box (style/index.css: .lukelab-attention-scroll): the rows in sight are painted.
  pane.node.style.cssText = "overflow: auto; max-height: 640px";
  document.body.append(pane.node);
  const canvas = pane.node.querySelector("canvas");
  const state = initialState(att.layers.length, att.heads, att.tokens);
  const tPanes = performance.now();
  let done = painted();
  const result = pane.paint(state, ctx);
  const tAsked = performance.now();
  await done;
  const drawn = performance.now();
  const phases = { "load (decode in the worker and the copy to the page)": tDecode - t0, "of which decode": renderer.timings.decode, "of which received": renderer.timings.receive ?? 0, "of which scene": Number(canvas.dataset.sceneMs), "of which raster": Number(canvas.dataset.rasterMs), "of which the worker's own rows (with a helper)": Number(canvas.dataset.ownRowsMs), "rows the helper painted": Number(canvas.dataset.helperRows), "labels and pane": tPanes - tDecode, "layout and request": tAsked - tPanes, "until the pixels are put": drawn - tAsked };
  await frame();
  const render = performance.now() - t0;
  const hovers = [];
  for (let i = 0; i < 30; i++) {
    const h0 = performance.now();
    const focus = { side: i % 2 ? "left" : "right", index: (i * 37) % att.tokens };
    done = painted();
    pane.paint({ ...state, focus }, ctx);
    await done;
    await frame();
    hovers.push(performance.now() - h0);
  }
  const l0 = performance.now();
  done = painted();
  pane.paint({ ...state, layer: att.layers.length - 1 }, ctx);
  await done;
  await frame();
  const layerSwitch = performance.now() - l0;
  const switchPhases = { scene: Number(canvas.dataset.sceneMs), raster: Number(canvas.dataset.rasterMs) };
  // Scrolling to the last rows: the frame that paints them.
  const s0 = performance.now();
  done = painted();
  pane.node.scrollTop = pane.node.scrollHeight;
  await done;
  await frame();
  const scroll = performance.now() - s0;
  await frame();
  observer.disconnect();
  renderer.dispose();
  const notice = result.scene().notice ?? "";
  const omitted = att.omitted ? \`links below \${att.omitted.threshold} not stored: \${(100 * att.omitted.share).toFixed(1)} % of the mass\` : "";
  return { switchPhases, longAt, render, sync: drawn - t0, phases, hovers, layerSwitch, scroll, notice, longTasks, omitted, renderer: renderer.mode, band: canvas.dataset.band };
};
</script></body></html>`;

/** Watches for BertViz's first frame with attention lines; d3's load time is stamped by the served d3. */
const BERTVIZ_WATCH = `
(() => {
  const tick = () => {
    if (document.querySelector("#attention line")) { window.__linesFrame = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

const BERTVIZ_HOVER = async () => {
  const frame = () => new Promise<void>((r) => (globalThis as any).requestAnimationFrame(() => r()));
  const doc = (globalThis as any).document;
  const left = [...doc.querySelectorAll("#left > g:not(.attentionBoxes) > g")];
  const right = [...doc.querySelectorAll("#right > g:not(.attentionBoxes) > g")];
  const hovers: number[] = [];
  for (let i = 0; i < 30; i++) {
    const el = (i % 2 ? left : right)[(i * 37) % left.length];
    const h0 = performance.now();
    el.dispatchEvent(new (globalThis as any).MouseEvent("mouseover", { bubbles: true }));
    await frame();
    hovers.push(performance.now() - h0);
    el.dispatchEvent(new (globalThis as any).MouseEvent("mouseleave", { bubbles: false }));
  }
  return { hovers, lines: doc.querySelectorAll("#attention line").length };
};

/** A static server on 127.0.0.1 for the pages (Playwright's route.fulfill cannot carry BertViz's 290 MB page). */
async function serve(src: string): Promise<{ origin: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let file: string | null = null;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(LUKELAB_PAGE);
    }
    if (path === "/payload.json" || path.startsWith("/bertviz")) file = join(WORK, path.slice(1));
    else {
      const f = resolve(src, "." + (path.endsWith(".js") ? path : `${path}.js`));
      if (f.startsWith(src)) file = f;
    }
    if (!file || !existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "content-type": contentType(file) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

function contentType(path: string): string {
  return { ".js": "text/javascript", ".json": "application/json", ".html": "text/html" }[extname(path)] ?? "application/octet-stream";
}

async function main(): Promise<void> {
  const { chromium } = await import("playwright-core");
  console.log(`attention render bench: ${LAYERS} layers × ${HEADS} heads × ${TOKENS} tokens, ${RUNS} runs each, Debian's Chromium (headless, --disable-gpu)`);
  const { payloadChars, encodeMs } = prepare();
  const variants = WITH_BERTVIZ ? (["layer0", "all"] as const).map((v) => ({ variant: v, ...prepareBertviz(v) })) : [];
  const src = join(ROOT, "lib", "labextension-src");
  if (!existsSync(join(src, "extension", "attention", "canvas.js"))) throw new Error("lib/labextension-src is missing: run `npx tsc -p extension/tsconfig.json`");
  const server = await serve(src);
  const browser = await chromium.launch({ executablePath: process.env.LUKELAB_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  const ours: { render: number; sync: number; phases: Record<string, number>; hovers: number[]; layerSwitch: number; scroll: number; notice: string; longTasks: number[]; omitted: string; renderer: string; band: string; longAt: number[][]; switchPhases: Record<string, number> }[] = [];
  const theirs = new Map<string, { render: number; page: number; hovers: number[]; lines: number }[]>();
  const failures = new Map<string, string>();
  try {
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`${server.origin}/`);
      await page.waitForFunction(() => typeof (globalThis as any).bench === "function");
      ours.push(await page.evaluate(([main, helper]) => (globalThis as any).bench(main, helper), [MAIN_THREAD, !NO_HELPER]));
      await page.close();
    }
    const d3 = variants.length ? readFileSync(join(CDN, "node_modules", "d3", "dist", "d3.min.js"), "utf8") + "\n;window.__d3loaded = performance.now();" : "";
    for (const v of variants) {
      const runs: { render: number; page: number; hovers: number[]; lines: number }[] = [];
      theirs.set(v.variant, runs);
      for (let run = 0; run < RUNS && !failures.has(v.variant); run++) {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        try {
          await page.addInitScript(BERTVIZ_WATCH);
          await page.route("https://cdnjs.cloudflare.com/**", (route) => {
            const url = route.request().url();
            if (url.includes("/d3/")) return route.fulfill({ body: d3, contentType: "text/javascript" });
            if (url.includes("/jquery/")) return route.fulfill({ path: join(CDN, "node_modules", "jquery", "dist", "jquery.min.js"), contentType: "text/javascript" });
            if (url.includes("/require.js/")) return route.fulfill({ path: join(CDN, "node_modules", "requirejs", "require.js"), contentType: "text/javascript" });
            return route.fulfill({ status: 404, body: "" });
          });
          const file = v.variant === "all" ? "bertviz.html" : "bertviz-layer0.html";
          await page.goto(`${server.origin}/${file}`, { timeout: 300_000 });
          await page.waitForFunction(() => (globalThis as any).__linesFrame !== undefined, null, { timeout: 300_000, polling: 200 });
          const t = await page.evaluate(() => ({ lines: (globalThis as any).__linesFrame as number, d3: (globalThis as any).__d3loaded as number }));
          const hover = await page.evaluate(BERTVIZ_HOVER);
          runs.push({ render: t.lines - t.d3, page: t.lines, hovers: hover.hovers, lines: hover.lines });
        } catch (e) {
          failures.set(v.variant, (e instanceof Error ? e.message : String(e)).split("\n")[0]);
        } finally {
          await page.close().catch(() => undefined);
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  const summary = (v: (typeof variants)[number]) => {
    const runs = theirs.get(v.variant) ?? [];
    return {
      variant: v.variant === "all" ? "every layer (head_view default)" : "include_layers=[0]",
      htmlBytes: v.bytes,
      pythonSeconds: v.seconds,
      failed: failures.get(v.variant),
      renderMs: runs.map((o) => o.render),
      renderMedianMs: runs.length ? median(runs.map((o) => o.render)) : NaN,
      pageMedianMs: runs.length ? median(runs.map((o) => o.page)) : NaN,
      hoverMedianMs: runs.length ? median(runs.flatMap((o) => o.hovers)) : NaN,
      hoverP95Ms: runs.length ? p95(runs.flatMap((o) => o.hovers)) : NaN,
      svgLines: runs[0]?.lines,
    };
  };
  const result = {
    shape: { layers: LAYERS, heads: HEADS, tokens: TOKENS },
    chromium: "/usr/bin/chromium",
    loadAverage: loadavg(),
    lukelab: {
      payloadChars,
      encodeMs,
      longTasksMs: ours.map((o) => o.longTasks),
      /** [start after the render began, duration] of each long task, ms. */
      longTasksAtMs: ours.map((o) => o.longAt),
      layerSwitchPhasesMs: ours.map((o) => o.switchPhases),
      omitted: ours[0]?.omitted,
      renderMs: ours.map((o) => o.render),
      phasesMs: ours.map((o) => o.phases),
      renderMedianMs: median(ours.map((o) => o.render)),
      hoverMedianMs: median(ours.flatMap((o) => o.hovers)),
      hoverP95Ms: p95(ours.flatMap((o) => o.hovers)),
      layerSwitchMedianMs: median(ours.map((o) => o.layerSwitch)),
      scrollMedianMs: median(ours.map((o) => o.scroll)),
      notice: ours[0]?.notice,
    },
    bertviz: variants.map(summary),
  };
  const cell = (ms: number, failed?: string) => (failed ? "failed" : Number.isNaN(ms) ? "-" : fmt(ms));
  const header = ["", "lukelab (canvas)", ...result.bertviz.map((b) => `BertViz, ${b.variant}`)];
  const rows: string[][] = [
    header,
    ["sent to the notebook", `${(payloadChars / 1e6).toFixed(1)} MB`, ...result.bertviz.map((b) => `${(b.htmlBytes / 1e6).toFixed(1)} MB`)],
    ["made in the kernel", fmt(encodeMs), ...result.bertviz.map((b) => `${b.pythonSeconds.toFixed(1)} s`)],
    ["first render, median", fmt(result.lukelab.renderMedianMs), ...result.bertviz.map((b) => cell(b.renderMedianMs, b.failed))],
    ["page load to first render", "-", ...result.bertviz.map((b) => cell(b.pageMedianMs, b.failed))],
    ["hover, median", fmt(result.lukelab.hoverMedianMs), ...result.bertviz.map((b) => cell(b.hoverMedianMs, b.failed))],
    ["hover, p95", fmt(result.lukelab.hoverP95Ms), ...result.bertviz.map((b) => cell(b.hoverP95Ms, b.failed))],
    ["layer switch, median", fmt(result.lukelab.layerSwitchMedianMs), ...result.bertviz.map(() => "-")],
    ["scroll to the last rows, median", fmt(result.lukelab.scrollMedianMs), ...result.bertviz.map(() => "-")],
    ["longest main-thread task", fmt(Math.max(0, ...ours.flatMap((o) => o.longTasks))), ...result.bertviz.map(() => "-")],
  ];
  const w = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join("   "));
  const phaseNames = Object.keys(ours[0]?.phases ?? {});
  console.log(`lukelab first render by phase, medians: ${phaseNames.map((p) => `${p} ${fmt(median(ours.map((o) => o.phases[p])))}`).join(", ")}`);
  console.log(`lukelab: decoded and painted on the ${[...new Set(ours.map((o) => o.renderer))].join(", ")} thread; band painted at the end ${ours[0]?.band}`);
  if (result.lukelab.notice) console.log(`lukelab: ${result.lukelab.notice}`);
  if (result.lukelab.omitted) console.log(`lukelab: ${result.lukelab.omitted}`);
  console.log(`load average (1, 5, 15 min): ${result.loadAverage.map((x) => x.toFixed(2)).join(", ")}`);
  for (const b of result.bertviz) {
    console.log(`BertViz, ${b.variant}: ${b.failed ? `failed: ${b.failed}` : `${b.svgLines} SVG lines`}; its Python side took ${b.pythonSeconds.toFixed(1)} s`);
  }
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  const name = (LAYERS === 24 && HEADS === 16 && TOKENS === 128 ? "attention-render" : `attention-render-${LAYERS}x${HEADS}x${TOKENS}`) + (DENSE ? "-dense" : "") + (MAIN_THREAD ? "-main-thread" : "") + (NO_HELPER ? "-no-helper" : "");
  writeFileSync(join(ROOT, "bench", "results", `${name}.json`), JSON.stringify(result, null, 2) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
