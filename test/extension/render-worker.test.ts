/**
 * The attention views' worker (extension/attention/render-worker.ts) and what it hands the page
 * (kernel/portable/attention-transfer.ts), driven in Node through its message handler, with every
 * message passed through structuredClone as a worker's postMessage does: the decoded payload the page
 * gets reads the same as the decoder's; a hostile payload is refused with its field named, as the
 * decoder names it; a band's pixels are those rows of the whole scene painted in one go, byte for byte
 * (for the head view at scale 1 and 2, and the model view's grid); its texts are the scene's near it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeAttentionPayload, decodeOrThrow, encodeAttentionPayload, type Attention } from "../../kernel/portable/attention-payload";
import { forTransfer, packAttention, unpackAttention } from "../../kernel/portable/attention-transfer";
import { DARK_THEME, LIGHT_THEME } from "../../kernel/portable/colours";
import { headViewLayout, headViewLinks, headViewScene, type HeadViewState } from "../../kernel/portable/head-view";
import { ALL_LINKS } from "../../kernel/portable/links";
import { gridLayout, modelGridScene } from "../../kernel/portable/model-view";
import { fill, paintShapes } from "../../kernel/portable/raster";
import type { Scene } from "../../kernel/portable/scene";
import { tokenLabels } from "../../kernel/portable/tokens";
import { aheadOrder, SceneCache, type BandImage, type PaintRequest } from "../../extension/attention/render-core";
import { HELPER_PATIENCE_MS, PREFETCH_PAUSE_MS, serveRows, warmUp, workerHandler, type FromWorker, type Port, type RowsJob, type ToWorker } from "../../extension/attention/render-worker";
import { measure, syntheticWeights } from "../portable/synthetic";

const WORDS = (n: number) => ["<s>", ...Array.from({ length: n - 2 }, (_, i) => `Ġw${i}`), "</s>"];

/** A payload as showAttention sends it: sparse (version 2) when `maxBytes` is below the dense size. */
function payload(layers: number, heads: number, words: number, maxBytes?: number): unknown {
  const n = words + 1;
  return JSON.parse(JSON.stringify(encodeAttentionPayload({ words: WORDS(words), entities: ["[MASK]"], entitySpans: [[1, 2]], heads, weights: syntheticWeights(layers, heads, n, 7), maxBytes, segmentBoundary: 4 })));
}

type Message = ToWorker extends infer T ? (T extends unknown ? Omit<T, "id"> : never) : never;

/** A worker in this thread (output 1 of the page): messages both ways go through structuredClone. */
function worker(): { send: (m: Message) => FromWorker[] } {
  let out: FromWorker[] = [];
  const handle = workerHandler((m) => out.push(structuredClone(m)));
  return {
    send(m) {
      out = [];
      handle(structuredClone({ ...m, id: 1 }) as ToWorker);
      return out;
    },
  };
}

function assertSameAttention(got: Attention, want: Attention): void {
  for (const k of ["title", "words", "entities", "tokens", "numWords", "entitySpans", "segmentBoundary", "layers", "heads", "encoding", "omitted", "byteLength"] as const) {
    assert.deepEqual(got[k], want[k], k);
  }
  const n = want.tokens;
  for (let l = 0; l < want.layers.length; l++) {
    for (let h = 0; h < want.heads; h++) {
      assert.deepEqual(got.matrix(l, h), want.matrix(l, h), `matrix ${l}, ${h}`);
      for (const [q, k] of [[0, 0], [1, n - 1], [n - 1, 2]]) assert.equal(got.weight(l, h, q, k), want.weight(l, h, q, k), `weight ${l}, ${h}, ${q}, ${k}`);
      const a = got.sparseRows(l, h), b = want.sparseRows(l, h);
      assert.equal(a === null, b === null, "sparse rows for a sparse payload only");
      if (a && b) {
        assert.deepEqual(a.start, b.start);
        for (let q = 0; q < n; q++) for (let i = a.start[q]; i < a.start[q + 1]; i++) assert.ok(a.keys[i] === b.keys[i] && a.values[i] === b.values[i], `row ${q} link ${i}`);
      }
    }
  }
  assert.throws(() => got.matrix(want.layers.length, 0), /no layer/);
}

/** The whole scene painted in one go, as paintScene did before bands: background, shapes but texts. */
function whole(scene: Scene, scale: number): { width: number; height: number; rgba: Uint8ClampedArray } {
  const width = Math.ceil(scene.width * scale), height = Math.ceil(scene.height * scale);
  const px = { width, height, rgba: new Uint8ClampedArray(width * height * 4) };
  fill(px, scene.background);
  paintShapes(px, scene.shapes, scale, 0);
  return px;
}

function assertBand(image: BandImage, scene: Scene, scale: number, what: string): void {
  const px = whole(scene, scale);
  assert.equal(image.canvasWidth, px.width, `${what}: width`);
  assert.equal(image.canvasHeight, px.height, `${what}: height`);
  assert.equal(image.rgba.length, image.canvasWidth * image.rows * 4, `${what}: one band of rows`);
  const want = px.rgba.subarray(image.top * px.width * 4, (image.top + image.rows) * px.width * 4);
  let differ = 0;
  for (let i = 0; i < want.length; i++) if (want[i] !== image.rgba[i]) differ++;
  assert.equal(differ, 0, `${what}: ${differ} bytes differ from the whole image's rows ${image.top}–${image.top + image.rows}`);
  let drawn = 0;
  for (let i = 0; i < image.rgba.length; i += 4) if (image.rgba[i] !== image.rgba[0] || image.rgba[i + 1] !== image.rgba[1]) drawn++;
  assert.ok(drawn > 100, `${what}: something is drawn in the band (${drawn} pixels)`);
  // The texts are the scene's within a line of the band, in the scene's order.
  const from = image.top / scale, to = (image.top + image.rows) / scale;
  const texts = scene.shapes.filter((s) => s.kind === "text" && s.y + s.size >= from && s.y - s.size <= to);
  assert.deepEqual(image.texts, texts, `${what}: texts`);
  assert.ok(image.texts.length > 0 && image.texts.length < scene.shapes.filter((s) => s.kind === "text").length, `${what}: some texts, not all`);
}

test("transfer: a decoded payload packed, cloned and unpacked reads the same (sparse and dense payloads)", () => {
  for (const [what, p] of [["sparse", payload(2, 3, 40, 9000)], ["dense", payload(2, 3, 12)]] as const) {
    const want = decodeOrThrow(p);
    assert.equal(want.omitted !== null, what === "sparse", `${what} payload`);
    const got = unpackAttention(structuredClone(packAttention(want)));
    assertSameAttention(got, want);
  }
  // Sent with its buffers transferred: the receiver's arrays are copies, the sender's stay usable.
  for (const p of [payload(2, 3, 40, 9000), payload(2, 3, 12)]) {
    const att = decodeOrThrow(p);
    const { packed, transfer } = forTransfer(packAttention(att));
    assert.ok(transfer.length > 0);
    const got = unpackAttention(structuredClone(packed, { transfer }));
    assert.ok(transfer.every((b) => b.byteLength === 0), "the buffers moved");
    assertSameAttention(got, decodeOrThrow(p));
    assertSameAttention(att, decodeOrThrow(p)); // the sender's own arrays untouched
  }
  const packed = packAttention(decodeOrThrow(payload(1, 2, 10, 800)));
  assert.throws(() => unpackAttention({ ...packed, meta: { ...packed.meta, heads: 3 } }), /do not match the payload's shape/);
});

test("worker: loads a payload and answers with what the decoder gives; refuses hostile payloads with the field named", () => {
  const w = worker();
  const p = payload(2, 4, 60, 20_000);
  const [loaded] = w.send({ type: "load", payload: p });
  assert.ok(loaded.type === "loaded" && loaded.result.ok);
  assertSameAttention(unpackAttention(loaded.result.packed), decodeOrThrow(p));
  // The payload as text (the bench sends it so) reads the same.
  const [fromText] = w.send({ type: "load", payload: JSON.stringify(p) });
  assert.ok(fromText.type === "loaded" && fromText.result.ok);

  const good = p as { attention: Record<string, unknown>; words: unknown[] };
  const hostile: [unknown, RegExp][] = [
    [{ ...good, attention: { ...good.attention, counts: "!!!" } }, /attention\.counts: not valid base64/],
    [{ ...good, attention: { ...good.attention, shape: [2, 4, 61, 5] } }, /attention\.shape/],
    [{ ...good, words: [...good.words.slice(0, -1), 7] }, /words\[59\]: expected a string/],
    [{ ...good, attention: { ...good.attention, omitted: { share: 2, heads: [] } } }, /attention\.omitted\.share/],
    ["{not json", /not valid JSON/],
  ];
  for (const [bad, re] of hostile) {
    const [answer] = w.send({ type: "load", payload: bad });
    const reference = decodeAttentionPayload(bad);
    assert.ok(!reference.ok, "the decoder refuses it");
    assert.ok(answer.type === "loaded" && !answer.result.ok, `refused: ${re}`);
    assert.deepEqual(answer.result.error, reference.error, "the worker's error is the decoder's");
    assert.match(answer.result.error.message, re);
  }
  // A paint before any good payload (the last load was refused) fails with a message, not silently.
  const [failed] = w.send({ type: "paint", seq: 1, req: { slot: "head", key: "k", spec: { kind: "grid", grid: gridLayout(2, 4), filter: ALL_LINKS, theme: LIGHT_THEME, selected: null }, ratio: 1, band: null } });
  assert.ok(failed.type === "failed" && /no payload loaded/.test(failed.message));
});

test("worker: a band's pixels are the whole scene's rows, byte for byte (head view at scale 1 and 2, focus, model grid)", () => {
  const w = worker();
  const p = payload(3, 4, 120, 60_000);
  w.send({ type: "load", payload: p });
  const att = decodeOrThrow(p), labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const state: HeadViewState = { layer: 1, activeHeads: [true, false, true, true], filter: ALL_LINKS, focus: null };
  const cases: { state: HeadViewState; ratio: number; band: { top: number; height: number }; theme: typeof LIGHT_THEME }[] = [
    { state, ratio: 1, band: { top: 300, height: 400 }, theme: LIGHT_THEME },
    { state, ratio: 2, band: { top: 517.3, height: 250 }, theme: DARK_THEME },
    { state: { ...state, focus: { side: "left", index: 60 } }, ratio: 1, band: { top: 0, height: 900 }, theme: LIGHT_THEME },
  ];
  let seq = 0;
  for (const c of cases) {
    const spec = { kind: "head" as const, state: c.state, layout, theme: c.theme };
    const req: PaintRequest = { slot: "head", key: JSON.stringify(spec), spec, ratio: c.ratio, band: c.band };
    const [answer] = w.send({ type: "paint", seq: ++seq, req });
    assert.ok(answer.type === "painted" && answer.seq === seq && answer.slot === "head", JSON.stringify(answer).slice(0, 200));
    const scene = headViewScene(att, c.state, layout, labels, c.theme);
    assertBand(answer.image, scene, c.ratio, `head view, scale ${c.ratio}, band ${c.band.top}+${c.band.height}${c.state.focus ? ", focus" : ""}`);
    assert.equal(answer.image.notice, scene.notice);
    assert.ok(answer.image.sceneMs! >= 0 && answer.image.rasterMs! >= 0);
  }
  // The same scene again (a scroll): the scene is kept, the band moves.
  const spec = { kind: "head" as const, state, layout, theme: LIGHT_THEME };
  const [again] = w.send({ type: "paint", seq: ++seq, req: { slot: "head", key: JSON.stringify(spec), spec, ratio: 1, band: { top: 800, height: 300 } } });
  assert.ok(again.type === "painted");
  assert.equal(again.image.top, 800);
  assertBand(again.image, headViewScene(att, state, layout, labels, LIGHT_THEME), 1, "head view, scrolled");
  // The model view's grid, whole.
  const grid = gridLayout(3, 4, { maxWidth: 700, maxHeight: 600 });
  const gridSpec = { kind: "grid" as const, grid, filter: ALL_LINKS, theme: LIGHT_THEME, selected: { layer: 2, head: 1 } };
  const [g] = w.send({ type: "paint", seq: ++seq, req: { slot: "grid", key: JSON.stringify(gridSpec), spec: gridSpec, ratio: 1, band: null } });
  assert.ok(g.type === "painted" && g.image.whole && g.image.top === 0);
  const gridScene = modelGridScene(att, grid, ALL_LINKS, LIGHT_THEME, { layer: 2, head: 1 });
  const px = whole(gridScene, 1);
  assert.deepEqual(g.image.rgba, px.rgba, "the grid's pixels");
  assert.deepEqual(g.image.texts, gridScene.shapes.filter((s) => s.kind === "text"));
});

test("scene cache: the first view's links made ahead (as the worker does after a load) give the scene made without them", () => {
  const att = decodeOrThrow(payload(2, 4, 90, 30_000)), labels = tokenLabels(att);
  const first: HeadViewState = { layer: 0, activeHeads: [true, true, true, true], filter: { blocks: { ...ALL_LINKS.blocks }, pair: "all" }, focus: null };
  const ahead = new SceneCache(att, labels), plain = new SceneCache(att, labels);
  ahead.prepare();
  for (const [i, layout] of [headViewLayout(labels, att.heads, measure), headViewLayout(labels, att.heads, measure, { rowHeight: 9 })].entries()) {
    for (const [j, theme] of [LIGHT_THEME, DARK_THEME].entries()) {
      const spec = { kind: "head" as const, state: first, layout, theme };
      const req: PaintRequest = { slot: "head", key: `${i}.${j}`, spec, ratio: 1, band: { top: 40, height: 500 } };
      const got = ahead.paint(req), want = plain.paint(req);
      assert.deepEqual(got.rgba, want.rgba, `layout ${i}, theme ${j}: pixels`);
      assert.deepEqual(got.texts, want.texts);
      assert.equal(got.notice, want.notice);
      assert.deepEqual(ahead.scene(req), headViewScene(att, first, layout, labels, theme));
    }
  }
});

test("head view links: a state's links are the same whatever was composited before (the shared scratch is left zeroed)", () => {
  const att = decodeOrThrow(payload(3, 4, 70));
  const states: HeadViewState[] = [
    { layer: 2, activeHeads: [true, false, true, true], filter: ALL_LINKS, focus: null },
    { layer: 0, activeHeads: [true, true, true, true], filter: ALL_LINKS, focus: { side: "right", index: 5 } },
    { layer: 1, activeHeads: [false, true, false, true], filter: ALL_LINKS, focus: null },
  ];
  const first = states.map((s) => headViewLinks(att, s));
  // Other token counts in between: a larger scratch, then a smaller payload's pairs.
  const other = decodeOrThrow(payload(1, 2, 150)), otherLabels = tokenLabels(other);
  headViewScene(other, { layer: 0, activeHeads: [true, true], filter: ALL_LINKS, focus: null }, headViewLayout(otherLabels, 2, measure), otherLabels, LIGHT_THEME);
  for (const [i, s] of [...states].reverse().entries()) assert.deepEqual(headViewLinks(att, s), first[states.length - 1 - i], `state ${states.indexOf(s)}`);
  for (const l of first) {
    assert.ok(l.pairs.length > 10 && l.rgba.length === 4 * l.pairs.length);
    for (let i = 1; i < l.pairs.length; i++) assert.ok(l.rgba[4 * i + 3] >= l.rgba[4 * i - 1], "weakest first");
  }
});

test("worker: the warm-up runs every step on its small payload", () => {
  const att = warmUp();
  assert.ok(att.omitted, "the warm-up payload is sparse, as a long one is");
  assert.equal(att.tokens, 192);
});

test("worker queue: rows in sight first, a margin older than a newer sight request dropped, other layers made ahead", () => {
  const tasks: (() => void)[] = [];
  const out: FromWorker[] = [];
  const handle = workerHandler((m) => out.push(structuredClone(m)), (fn) => tasks.push(fn));
  const drain = () => {
    for (let i = 0; i < 100 && tasks.length; i++) tasks.shift()!();
  };
  const p = payload(4, 2, 80, 30_000);
  handle({ id: 5, type: "load", payload: p });
  assert.equal(out.length, 0, "a load waits for its task too");
  drain();
  assert.ok(out[0].type === "loaded" && out[0].result.ok);
  const att = decodeOrThrow(p), labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const spec = (layer: number, focus: HeadViewState["focus"] = null) => ({ kind: "head" as const, state: { layer, activeHeads: [true, true], filter: ALL_LINKS, focus }, layout, theme: LIGHT_THEME });
  const req = (slot: string, s: ReturnType<typeof spec>, top: number, height: number): PaintRequest => ({ slot, key: JSON.stringify(s), spec: s, ratio: 1, band: { top, height } });
  out.length = 0;
  // Queued in one go: a margin of layer 1, then the rows in sight of layer 2, then a margin of layer 2.
  handle({ id: 5, type: "paint", seq: 1, req: req("head-below", spec(1), 400, 100) });
  handle({ id: 5, type: "paint", seq: 2, req: req("head", spec(2), 0, 400) });
  handle({ id: 5, type: "paint", seq: 3, req: req("head-below", spec(2), 400, 100) });
  assert.equal(out.length, 0, "nothing answered before the queued task runs");
  drain();
  assert.deepEqual(out.map((m) => [m.type, "seq" in m ? m.seq : -1]), [["dropped", 1], ["painted", 2], ["painted", 3]]);
  // With nothing queued the worker builds scenes ahead between tasks, and answers the next request.
  out.length = 0;
  handle({ id: 5, type: "paint", seq: 4, req: req("head", spec(0), 0, 400) });
  drain();
  assert.deepEqual(out.map((m) => m.type), ["painted"]);
  // Made ahead: the links of the last unfocused head view's other layers.
  const cache = new SceneCache(att, labels);
  cache.paint(req("head", spec(2), 0, 10));
  while (cache.prefetch());
  assert.deepEqual(cache.linksKept().map((k) => JSON.parse(k)[0]).sort(), [0, 1, 2, 3], "every layer's links kept");
  assert.deepEqual(cache.keys(), [JSON.stringify(spec(2))], "scenes only as asked for");
  assertBand(cache.paint(req("head", spec(3), 100, 300)), headViewScene(att, spec(3).state, layout, labels, LIGHT_THEME), 1, "a scene from links made ahead");

  // Another output's payload queued before this output's rows in sight: the rows in sight go first,
  // then the load, then the margin.
  out.length = 0;
  handle({ id: 6, type: "load", payload: payload(1, 2, 30, 4000) });
  handle({ id: 5, type: "paint", seq: 5, req: req("head-above", spec(1), 0, 100) });
  handle({ id: 5, type: "paint", seq: 6, req: req("head", spec(1), 100, 300) });
  drain();
  assert.deepEqual(out.map((m) => `${m.type} ${"id" in m ? m.id : ""}`), ["dropped 5", "painted 5", "loaded 6"]);
  // A new payload for output 5: its requests still queued for the old one are dropped, not answered from the new.
  out.length = 0;
  handle({ id: 5, type: "paint", seq: 7, req: req("head", spec(3), 0, 300) });
  handle({ id: 5, type: "load", payload: payload(1, 2, 30, 4000) });
  drain();
  assert.deepEqual(out.map((m) => `${m.type} ${"seq" in m ? m.seq : ""}`.trim()), ["dropped 7", "loaded"]);
  // Dropping an output forgets its payload and its queue.
  out.length = 0;
  handle({ id: 6, type: "paint", seq: 1, req: req("head", spec(0), 0, 100) });
  handle({ id: 6, type: "drop" });
  drain();
  assert.deepEqual(out, []);
});

test("worker queue: nothing made ahead within the pause after a request for rows in sight", () => {
  const tasks: { fn: () => void; delayMs: number }[] = [];
  let clock = 0;
  const out: FromWorker[] = [];
  const handle = workerHandler(
    (m) => out.push(structuredClone(m)),
    (fn, delayMs) => tasks.push({ fn, delayMs: delayMs ?? 0 }),
    () => clock,
    0, // a step a task
  );
  const p = payload(4, 2, 80, 30_000);
  handle({ id: 1, type: "load", payload: p });
  tasks.shift()!.fn();
  const att = decodeOrThrow(p), labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const spec = { kind: "head" as const, state: { layer: 0, activeHeads: [true, true], filter: ALL_LINKS, focus: null }, layout, theme: LIGHT_THEME };
  clock = 1000;
  handle({ id: 1, type: "paint", seq: 1, req: { slot: "head", key: JSON.stringify(spec), spec, ratio: 1, band: { top: 0, height: 300 } } });
  tasks.shift()!.fn(); // paints the rows in sight
  assert.equal(out.at(-1)!.type, "painted");
  // Nothing queued: the next task waits out the pause rather than building a scene ahead.
  assert.equal(tasks.length, 1);
  clock = 1100;
  tasks.shift()!.fn();
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].delayMs, PREFETCH_PAUSE_MS - 100, "waits for the rest of the pause");
  // A request during the pause is answered at once, not at the wake-up.
  handle({ id: 1, type: "paint", seq: 2, req: { slot: "head", key: JSON.stringify(spec), spec, ratio: 1, band: { top: 100, height: 300 } } });
  assert.deepEqual(tasks.map((t) => t.delayMs), [PREFETCH_PAUSE_MS - 100, 0]);
  tasks.pop()!.fn();
  assert.equal(out.at(-1)!.type, "painted");
  // After the pause (counted from that request) it makes links ahead, a slice a task, each followed at once by the next.
  clock = 1100 + PREFETCH_PAUSE_MS;
  while (tasks.length && tasks[0].delayMs > 0) tasks.shift()!.fn(); // the wake-ups
  assert.deepEqual(tasks.map((t) => t.delayMs), [0]);
  tasks.shift()!.fn(); // one slice
  assert.deepEqual(tasks.map((t) => t.delayMs), [0], "making ahead goes on at once");
});


test("worker queue: other layers made ahead in slices between requests, the neighbours and the ends first; a request waits for one slice at most", () => {
  const tasks: (() => void)[] = [];
  const out: FromWorker[] = [];
  let clock = 0;
  const handle = workerHandler((m) => out.push(structuredClone(m)), (fn) => tasks.push(fn), () => clock, 0);
  const p = payload(9, 3, 120, 200_000);
  handle({ id: 1, type: "load", payload: p });
  tasks.shift()!();
  const att = decodeOrThrow(p), labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const spec = (layer: number, focus: HeadViewState["focus"] = null) => ({ kind: "head" as const, state: { layer, activeHeads: [true, true, true], filter: ALL_LINKS, focus }, layout, theme: LIGHT_THEME });
  const paint = (seq: number, s: ReturnType<typeof spec>) => handle({ id: 1, type: "paint", seq, req: { slot: "head", key: JSON.stringify(s), spec: s, ratio: 1, band: { top: 0, height: 300 } } });
  paint(1, spec(4));
  tasks.shift()!(); // paints the rows in sight
  assert.equal(out.at(-1)!.type, "painted");
  clock += PREFETCH_PAUSE_MS; // past the pause
  // Nothing queued: the next task makes links ahead, and schedules the one after.
  assert.equal(tasks.length, 1);
  tasks.shift()!();
  assert.equal(tasks.length, 1, "making ahead goes on, a slice a task");
  // A hover (a focused scene) between slices is answered at the next task, and the making goes on after it.
  out.length = 0;
  paint(2, spec(4, { side: "left", index: 7 }));
  tasks.shift()!();
  assert.deepEqual(out.map((m) => m.type), ["painted"]);
  clock += PREFETCH_PAUSE_MS;
  for (let i = 0; i < 1000 && tasks.length; i++) tasks.shift()!();
  assert.equal(tasks.length, 0, "done: nothing more to make");
  // Made, in order: the neighbours, the last and first layers, then the rest, nearest first.
  assert.deepEqual(aheadOrder(9, 4), [5, 3, 8, 0, 6, 2, 7, 1]);
  assert.deepEqual(aheadOrder(3, 0), [1, 2]);
  assert.deepEqual(aheadOrder(1, 0), []);
  const cache = new SceneCache(att, labels);
  cache.scene({ slot: "head", key: "4", spec: spec(4), ratio: 1, band: null });
  let slices = 0;
  while (cache.prefetch(0)) slices++; // a slice a call: one head, or a few thousand links
  assert.ok(slices > 9 * 3, `in slices smaller than a layer (${slices})`);
  assert.deepEqual(cache.linksKept().map((k) => JSON.parse(k)[0]), [4, ...aheadOrder(9, 4)], "the layer shown, then the others in that order");
  // A scene placed from links made ahead is the one made without them.
  for (const l of [0, 5, 8]) {
    const s = spec(l);
    assertBand(cache.paint({ slot: "head", key: JSON.stringify(s), spec: s, ratio: 1, band: { top: 50, height: 700 } }), headViewScene(att, s.state, layout, labels, LIGHT_THEME), 1, `layer ${l} from links made ahead`);
  }
});

test("worker with a helper: a large band is cut where half its line work lies, the helper paints the rows below, the pixels are the whole scene's", async () => {
  const { MessageChannel } = await import("node:worker_threads");
  const out: FromWorker[] = [];
  let answered: () => void = () => undefined;
  const handle = workerHandler(
    (m) => {
      out.push(structuredClone(m));
      answered();
    },
    (fn, delayMs) => void setTimeout(fn, delayMs ?? 0),
  );
  const channel = new MessageChannel();
  // Every job the helper gets, seen on its way (the port's messages are cloned as a worker's are).
  const jobs: RowsJob[] = [];
  const port2 = channel.port2 as unknown as Port;
  serveRows(port2);
  const serve = port2.onmessage!;
  port2.onmessage = (e) => {
    jobs.push(e.data as RowsJob);
    serve(e);
  };
  handle({ type: "helper", port: channel.port1 as unknown as Port });
  const next = () => new Promise<void>((r) => (answered = r));
  const p = payload(2, 6, 150, 200_000);
  let wait = next();
  handle({ id: 1, type: "load", payload: p });
  await wait;
  const att = decodeOrThrow(p), labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const spec = (layer: number, theme = LIGHT_THEME) => ({ kind: "head" as const, state: { layer, activeHeads: Array(att.heads).fill(true), filter: ALL_LINKS, focus: null }, layout, theme });
  let seq = 0;
  const paint = async (s: ReturnType<typeof spec>, ratio: number, band: { top: number; height: number }) => {
    out.length = 0;
    wait = next();
    handle({ id: 1, type: "paint", seq: ++seq, req: { slot: "head", key: JSON.stringify(s), spec: s, ratio, band } });
    await wait;
    const [a] = out;
    assert.ok(a.type === "painted" && a.seq === seq, JSON.stringify(a).slice(0, 300));
    return a.image;
  };
  const cases = [
    { s: spec(0), ratio: 1, band: { top: 0, height: 640 } },
    { s: spec(0), ratio: 1, band: { top: 700, height: 640 } }, // the same scene scrolled: its key only
    { s: spec(1, DARK_THEME), ratio: 2, band: { top: 333.5, height: 500 } },
  ];
  for (const [i, c] of cases.entries()) {
    const image = await paint(c.s, c.ratio, c.band);
    assertBand(image, headViewScene(att, c.s.state, layout, labels, c.s.theme), c.ratio, `case ${i}`);
    const job = jobs[i];
    assert.ok(job, `case ${i}: the helper had part of the band`);
    assert.ok(job.rows > 0 && job.top > image.top && job.top + job.rows === image.top + image.rows, `case ${i}: the helper's rows are the band's lower part`);
    assert.equal(job.scene !== undefined, i !== 1, `case ${i}: the scene sent once, then its key`);
    assert.equal(image.helperRows, job.rows, `case ${i}: the helper's rows were used`);
    if (job.scene) assert.ok(job.scene.shapes.every((s) => s.kind !== "text"), "texts stay with the worker");
  }
  // A small band is not worth cutting: painted by the worker alone.
  assertBand(await paint(spec(0), 1, { top: 10, height: 20 }), headViewScene(att, spec(0).state, layout, labels, LIGHT_THEME), 1, "small band");
  assert.equal(jobs.length, cases.length);
  // The helper gone (the page saw it fail): the worker paints every row itself.
  handle({ type: "helper", port: null });
  assertBand(await paint(spec(1), 1, { top: 0, height: 640 }), headViewScene(att, spec(1).state, layout, labels, LIGHT_THEME), 1, "without the helper");
  assert.equal(jobs.length, cases.length);
  channel.port1.close();
});

test("worker with a helper that lost its scenes: the band is still whole, and the scene is sent again next time", async () => {
  const { MessageChannel } = await import("node:worker_threads");
  const out: FromWorker[] = [];
  let answered: () => void = () => undefined;
  const handle = workerHandler((m) => (out.push(structuredClone(m)), answered()), (fn, delayMs) => void setTimeout(fn, delayMs ?? 0));
  const channel = new MessageChannel();
  const port2 = channel.port2 as unknown as Port;
  // A helper restarted before every request: it keeps nothing between them.
  let withScene = 0;
  port2.onmessage = (e) => {
    if ((e.data as RowsJob).scene) withScene++;
    const fresh: Port = { postMessage: (m, transfer) => port2.postMessage(m, transfer), onmessage: null };
    serveRows(fresh);
    fresh.onmessage!(e);
  };
  handle({ type: "helper", port: channel.port1 as unknown as Port });
  const p = payload(1, 6, 150, 200_000);
  let wait = new Promise<void>((r) => (answered = r));
  handle({ id: 1, type: "load", payload: p });
  await wait;
  const att = decodeOrThrow(p), labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const s = { kind: "head" as const, state: { layer: 0, activeHeads: Array(att.heads).fill(true), filter: ALL_LINKS, focus: null }, layout, theme: LIGHT_THEME };
  for (let seq = 1; seq <= 3; seq++) {
    out.length = 0;
    wait = new Promise<void>((r) => (answered = r));
    handle({ id: 1, type: "paint", seq, req: { slot: "head", key: JSON.stringify(s), spec: s, ratio: 1, band: { top: 0, height: 640 } } });
    await wait;
    assert.ok(out[0].type === "painted");
    assertBand(out[0].image, headViewScene(att, s.state, layout, labels, LIGHT_THEME), 1, `request ${seq}`);
  }
  // Request 1 sent the scene; request 2 its key only, which the fresh helper refused; request 3 the scene again.
  assert.equal(withScene, 2);
  channel.port1.close();
});

test("worker with a helper that never answers: after HELPER_PATIENCE_MS the worker paints the helper's rows itself", async () => {
  const { MessageChannel } = await import("node:worker_threads");
  const out: FromWorker[] = [];
  let answered: () => void = () => undefined;
  const handle = workerHandler((m) => (out.push(structuredClone(m)), answered()), (fn, delayMs) => void setTimeout(fn, delayMs ?? 0));
  const channel = new MessageChannel();
  let asked = 0;
  (channel.port2 as unknown as Port).onmessage = () => void asked++; // a stuck helper
  handle({ type: "helper", port: channel.port1 as unknown as Port });
  const p = payload(1, 6, 150, 200_000);
  let wait = new Promise<void>((r) => (answered = r));
  handle({ id: 1, type: "load", payload: p });
  await wait;
  const att = decodeOrThrow(p), labels = tokenLabels(att);
  const layout = headViewLayout(labels, att.heads, measure);
  const s = { kind: "head" as const, state: { layer: 0, activeHeads: Array(att.heads).fill(true), filter: ALL_LINKS, focus: null }, layout, theme: LIGHT_THEME };
  out.length = 0;
  wait = new Promise<void>((r) => (answered = r));
  const t0 = performance.now();
  handle({ id: 1, type: "paint", seq: 1, req: { slot: "head", key: JSON.stringify(s), spec: s, ratio: 1, band: { top: 0, height: 640 } } });
  await wait;
  assert.equal(asked, 1, "the helper was asked");
  assert.ok(performance.now() - t0 >= HELPER_PATIENCE_MS - 50, "the worker waited for it first");
  assert.ok(out[0].type === "painted" && out[0].image.helperRows === 0);
  assertBand(out[0].image, headViewScene(att, s.state, layout, labels, LIGHT_THEME), 1, "painted whole by the worker");
  channel.port1.close();
});
