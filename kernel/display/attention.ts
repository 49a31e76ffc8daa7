/**
 * Showing attention in a notebook: builds the payload (attention-payload.ts) from a LUKE forward pass,
 * from plain arrays of any model (BERT, RoBERTa, GPT-2 …) or from a JSON file exported elsewhere, paints
 * a static PNG of it, and sends both in one display bundle from a tslab cell:
 *
 *   import { loadLuke, showLukeAttention, showAttention } from "lukelab";
 *   const luke = await loadLuke("../samples/tiny-luke");
 *   await showLukeAttention(luke, { text: "Beyoncé lives in Los Angeles.", spans: [[0, 7]] });
 *   showAttention({ tokens, attentions, segmentBoundary: 7 });     // [layer][head][query][key]
 *   showAttention("bert-attention.json");                          // {tokens, attention(s), sentence_b_start?}
 *
 * The bundle holds `application/vnd.lukelab.attention+json` (rendered by the lukelab JupyterLab
 * extension), `image/png` (what a front end without the extension shows, e.g. a shared notebook) and
 * `text/plain`.
 */
import { readJson } from "../io/read";
import { deflateSync } from "node:zlib";
import {
  ATTENTION_MIME,
  decodeOrThrow,
  encodeAttentionPayload,
  type Attention,
  type AttentionEncoding,
  type AttentionPayload,
} from "./attention-payload";
import {
  ALL_LINKS,
  LIGHT_THEME,
  decodeByteLevel,
  gridLayout,
  headViewLayout,
  headViewScene,
  legendShapes,
  modelGridScene,
  tokenLabels,
  translateShapes,
  type Scene,
  type Shape,
} from "./attention-scene";
import { encodePng } from "./png";
import { measureBitmap, rasterise } from "./raster";

/** Attention of any model as plain arrays. */
export interface AttentionInput {
  /** Every token the attention covers, in order (words, then entities if any). */
  tokens: string[];
  /** [layer][head][query][key]; a batch axis of size 1 after the layer ([layer][1][head][q][k]) is accepted. */
  attentions: number[][][][] | number[][][][][];
  /** The last `entities` tokens are entities (a count), or their names (then `tokens` holds only words). */
  entities?: number | string[];
  /** Per entity, the word indices of its mention. */
  entitySpans?: number[][];
  /** Index of the first token of sentence B (BertViz's sentence_b_start). */
  segmentBoundary?: number | null;
  title?: string;
}

export interface PayloadOptions {
  /** Only these layers (the model's layer numbers). */
  layers?: number[];
  encoding?: AttentionEncoding;
  title?: string;
}

/** What `luke.forward(inputs, { attentions: true })` returns per input (the fields used here). */
export interface LukeForwardLike {
  tokens: string[];
  entityIds: number[];
  entityPositionIds: number[][];
  attentions?: number[][][][];
}

export interface EntityNamer {
  entityTitle(id: number): string | undefined;
}

/** A payload from plain arrays. Throws with the position of the first inconsistent or non-finite value. */
export function attentionPayload(input: AttentionInput, options: PayloadOptions = {}): AttentionPayload {
  if (!input || !Array.isArray(input.tokens)) throw new Error("attention input: `tokens` must be an array of strings");
  input.tokens.forEach((t, i) => {
    if (typeof t !== "string") throw new Error(`attention input: tokens[${i}] is ${typeof t}, expected a string`);
  });
  let words = input.tokens;
  let entities: string[] = [];
  if (Array.isArray(input.entities)) entities = input.entities.map(String);
  else if (typeof input.entities === "number") {
    if (!Number.isInteger(input.entities) || input.entities < 0 || input.entities >= input.tokens.length) {
      throw new Error(`attention input: entities must be a count from 0 to ${input.tokens.length - 1}, found ${input.entities}`);
    }
    words = input.tokens.slice(0, input.tokens.length - input.entities);
    entities = input.tokens.slice(input.tokens.length - input.entities);
  }
  const n = words.length + entities.length;
  let layersArr = input.attentions as unknown[];
  if (!Array.isArray(layersArr) || layersArr.length === 0) throw new Error("attention input: `attentions` must be a non-empty array [layer][head][query][key]");
  // [layer][1][head][q][k] (one tensor per layer with a batch axis, as transformers returns) → drop the batch axis.
  if (depth(layersArr) === 5) {
    layersArr = layersArr.map((l, i) => {
      const b = l as unknown[];
      if (b.length !== 1) throw new Error(`attention input: attentions[${i}] has a batch of ${b.length}; pass one example (batch size 1)`);
      return b[0];
    });
  }
  const all = layersArr as number[][][][];
  const chosen = options.layers ?? all.map((_, i) => i);
  chosen.forEach((l) => {
    if (!Number.isInteger(l) || l < 0 || l >= all.length) throw new Error(`attention input: layer ${l} does not exist (the attention has ${all.length} layers)`);
  });
  const heads = Array.isArray(all[0]) ? all[0].length : 0;
  if (heads === 0) throw new Error("attention input: attentions[0] has no heads");
  const flat = new Float32Array(chosen.length * heads * n * n);
  let o = 0;
  for (const l of chosen) {
    const layer = all[l];
    if (!Array.isArray(layer) || layer.length !== heads) throw new Error(`attention input: attentions[${l}] should have ${heads} heads, found ${describeLength(layer)}`);
    for (let h = 0; h < heads; h++) {
      const head = layer[h];
      if (!Array.isArray(head) || head.length !== n) {
        throw new Error(`attention input: attentions[${l}][${h}] should have ${n} query rows (one per token), found ${describeLength(head)}`);
      }
      for (let q = 0; q < n; q++) {
        const row = head[q];
        if (!Array.isArray(row) || row.length !== n) throw new Error(`attention input: attentions[${l}][${h}][${q}] should have ${n} keys, found ${describeLength(row)}`);
        for (let k = 0; k < n; k++) {
          const w = row[k];
          if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
            throw new Error(`attention input: attentions[${l}][${h}][${q}][${k}] is ${String(w)}; weights must be finite and not negative`);
          }
          flat[o++] = w;
        }
      }
    }
  }
  return encodeAttentionPayload({
    title: options.title ?? input.title,
    words,
    entities,
    entitySpans: input.entitySpans,
    segmentBoundary: input.segmentBoundary ?? null,
    layers: chosen,
    heads,
    weights: flat,
    encoding: options.encoding,
  });
}

function depth(x: unknown): number {
  let d = 0;
  while (Array.isArray(x)) {
    d++;
    x = x[0];
  }
  return d;
}

function describeLength(x: unknown): string {
  return Array.isArray(x) ? String(x.length) : typeof x;
}

/**
 * A payload from one result of `luke.forward(inputs, { attentions: true })`. Entity tokens are named
 * by their entity-vocabulary title and mention, e.g. "[MASK] (Beyoncé)", when a tokenizer (or a Luke,
 * whose `.tokenizer` is used) is given.
 */
export function lukeAttentionPayload(result: LukeForwardLike, options: PayloadOptions & { tokenizer?: EntityNamer; luke?: { tokenizer: EntityNamer } } = {}): AttentionPayload {
  if (!result.attentions) throw new Error("this forward result has no attentions: run luke.forward(inputs, { attentions: true })");
  const namer = options.tokenizer ?? options.luke?.tokenizer;
  const spans = result.entityPositionIds.map((row) => row.filter((p) => p >= 0 && p < result.tokens.length));
  const entities = result.entityIds.map((id, e) => {
    const title = namer?.entityTitle(id) ?? `entity ${id}`;
    const raw = spans[e]
      .map((p) => result.tokens[p])
      .filter((t) => t !== "<ent>" && t !== "<ent2>")
      .join("");
    const mention = (decodeByteLevel(raw) ?? raw.replace(/Ġ/g, " ")).trim();
    return mention ? `${title} (${mention})` : title;
  });
  return attentionPayload(
    { tokens: result.tokens, entities, entitySpans: spans, attentions: result.attentions, title: options.title },
    { layers: options.layers, encoding: options.encoding },
  );
}

/**
 * Reads attention exported elsewhere: a lukelab payload (with "version"), or
 * {"tokens": [...], "attention" | "attentions": [layer][head][q][k] (or [layer][1][head][q][k]),
 *  "sentence_b_start" | "segmentBoundary": int, "entities": int | [names]}.
 * From transformers: json.dump({"tokens": tok.convert_ids_to_tokens(ids[0]),
 *                               "attentions": [a[0].tolist() for a in out.attentions]}, f)
 */
export function readAttentionFile(path: string, options: PayloadOptions = {}): AttentionPayload {
  let json: unknown;
  try {
    json = readJson(path);
  } catch (e) {
    throw new Error(e instanceof Error ? e.message : String(e));
  }
  if (typeof json !== "object" || json === null) throw new Error(`${path}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  try {
    if ("version" in o) {
      decodeOrThrow(o);
      return o as unknown as AttentionPayload;
    }
    return attentionPayload(
      {
        tokens: o.tokens as string[],
        attentions: (o.attentions ?? o.attention) as number[][][][],
        entities: o.entities as number | string[] | undefined,
        entitySpans: o.entitySpans as number[][] | undefined,
        segmentBoundary: (o.segmentBoundary ?? o.sentence_b_start ?? null) as number | null,
        title: typeof o.title === "string" ? o.title : undefined,
      },
      options,
    );
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ------------------------------------------------------------------------------------------------
// The static image

export interface ImageOptions {
  /** Which included layer the head view shows (position in the payload's layers; default the last). */
  layer?: number;
}

/** The scene of the static image: title, head legend, the head view of one layer, the model grid. */
export function staticScene(att: Attention, options: ImageOptions = {}): Scene {
  const theme = LIGHT_THEME;
  const layer = Math.min(att.layers.length - 1, Math.max(0, options.layer ?? att.layers.length - 1));
  const allHeads = Array.from({ length: att.heads }, () => true);
  const shapes: Shape[] = [];
  const title = `${att.title ? att.title + " - " : ""}attention: ${plural(att.layers.length, "layer")} × ${plural(att.heads, "head")}, ${plural(att.numWords, "word")}` + (att.entities.length ? `, ${plural(att.entities.length, "entity", "entities")}` : "");
  shapes.push({ kind: "text", x: 8, y: 12, text: title, colour: theme.text, size: 13, align: "left", bold: true });
  let y = 30;
  let width = 8 + measureBitmap(title) + 8;
  let height = y;
  let x = 8;
  const labels = tokenLabels(att, 20);
  if (att.tokens <= 160) {
    const layout = headViewLayout(labels, att.heads, (t) => measureBitmap(t), { rowHeight: att.tokens <= 64 ? 16 : 13, linkWidth: 200 });
    shapes.push({ kind: "text", x, y: y + 6, text: `Head view, layer ${att.layers[layer]}, all heads:`, colour: theme.text, size: 13, align: "left" });
    const legend = legendShapes(att.heads, allHeads, theme, x, y + 18, Math.max(layout.width, 240));
    shapes.push(...legend.shapes);
    const top = y + 24 + legend.height;
    const scene = headViewScene(att, { layer, activeHeads: allHeads, filter: ALL_LINKS, focus: null }, layout, labels, theme, { budget: 20_000 });
    shapes.push(...translateShapes(scene.shapes, x, top));
    x += Math.max(layout.width, 240) + 24;
    height = Math.max(height, top + layout.height);
  } else {
    shapes.push({ kind: "text", x, y: y + 6, text: `${att.tokens} tokens: the head view is left to the interactive extension.`, colour: theme.text, size: 13, align: "left" });
    y += 20;
  }
  const grid = gridLayout(att.layers.length, att.heads, { cell: Math.max(12, Math.min(40, Math.floor(720 / Math.max(att.heads, att.layers.length)))) });
  const gridTitle = "Model view (rows: layers, columns: heads):";
  shapes.push({ kind: "text", x, y: y + 6, text: gridTitle, colour: theme.text, size: 13, align: "left" });
  width = Math.max(width, x + measureBitmap(gridTitle) + 8);
  const gridScene = modelGridScene(att, grid, ALL_LINKS, theme, null);
  shapes.push(...translateShapes(gridScene.shapes, x, y + 18));
  width = Math.max(width, x + grid.width + 8);
  height = Math.max(height, y + 18 + grid.height);
  const foot = "Static image. Install the lukelab JupyterLab extension for the interactive views.";
  shapes.push({ kind: "text", x: 8, y: height + 12, text: foot, colour: theme.muted, size: 13, align: "left" });
  width = Math.max(width, 16 + measureBitmap(foot));
  return { width, height: height + 24, background: theme.background, shapes };
}

/** PNG bytes of the static image of a payload. */
export function attentionImage(payload: AttentionPayload | Attention, options: ImageOptions = {}): { png: Uint8Array; width: number; height: number } {
  const att = "matrix" in payload ? payload : decodeOrThrow(payload);
  const pixels = rasterise(staticScene(att, options));
  return { png: encodePng(pixels, (raw) => deflateSync(raw, { level: 6 })), width: pixels.width, height: pixels.height };
}

// ------------------------------------------------------------------------------------------------
// Display

export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface BundleOptions extends ImageOptions {
  /** Store the static PNG beside the payload (default true). */
  image?: boolean;
}

/** The MIME bundle: the payload (a JSON object), the static PNG (base64) and a text summary. */
export function attentionBundle(payload: AttentionPayload, options: BundleOptions = {}): DisplayBundle {
  const att = decodeOrThrow(payload);
  const text = `lukelab attention${payload.title ? ` (${payload.title})` : ""}: ${plural(att.layers.length, "layer")} × ${plural(att.heads, "head")} × ${plural(att.tokens, "token")} (${plural(att.numWords, "word")}, ${plural(att.entities.length, "entity", "entities")})`;
  const data: Record<string, unknown> = { [ATTENTION_MIME]: payload, "text/plain": text };
  const metadata: Record<string, unknown> = {};
  if (options.image !== false) {
    const img = attentionImage(att, options);
    data["image/png"] = bytesToBase64(img.png);
    metadata["image/png"] = { width: img.width, height: img.height };
  }
  return { data, metadata };
}

function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Something with tslab's `display.raw` (e.g. `tslab.display` or `tslab.newDisplay()`). */
export interface RawDisplay {
  raw(contentType: string, data: unknown): void;
}

export interface ShowOptions extends PayloadOptions, BundleOptions {
  /** Names the entity tokens of a LUKE forward result (a Luke or its tokenizer). */
  luke?: { tokenizer: EntityNamer };
  tokenizer?: EntityNamer;
  /**
   * Where to send it. By default the running tslab kernel, with the payload, the PNG and the text in
   * one output; a `RawDisplay` given here gets the payload alone (tslab's public API sends one MIME key
   * per call).
   */
  display?: RawDisplay;
}

export type AttentionSource = LukeForwardLike | AttentionInput | AttentionPayload | string;

/** Turns any supported source into a payload. */
export function toAttentionPayload(source: AttentionSource, options: ShowOptions = {}): AttentionPayload {
  if (typeof source === "string") return readAttentionFile(source, options);
  if ("version" in source) {
    decodeOrThrow(source);
    return source;
  }
  if ("entityIds" in source && "entityPositionIds" in source) return lukeAttentionPayload(source, options);
  return attentionPayload(source as AttentionInput, options);
}

/**
 * Displays attention in the notebook: a LUKE forward result, plain arrays ({ tokens, attentions, … }),
 * a payload, or the path of a JSON file. Returns nothing, so a cell ending with it prints nothing more.
 */
export function showAttention(source: AttentionSource, options: ShowOptions = {}): void {
  const payload = toAttentionPayload(source, options);
  if (options.display) {
    options.display.raw(ATTENTION_MIME, payload);
    return;
  }
  sendBundle(attentionBundle(payload, options));
}

/** Runs `luke.forward` on one input with attentions and displays them, in one call. */
export async function showLukeAttention(
  luke: { forward(inputs: { text: string; spans?: [number, number][] }[], options: { attentions: boolean; maxLength?: number }): Promise<LukeForwardLike[]>; tokenizer: EntityNamer },
  input: { text: string; spans?: [number, number][]; entities?: string[] },
  options: ShowOptions & { maxLength?: number } = {},
): Promise<void> {
  const [result] = await luke.forward([input], { attentions: true, maxLength: options.maxLength });
  showAttention(result, { ...options, luke });
}

/**
 * Sends a multi-MIME bundle through the running tslab kernel. tslab's public `display.raw` sends one
 * MIME key per output, so this uses the function it keeps for the cell being executed
 * (`tslab/dist/jupyter`'s `lastWriteDisplayData`, the one `display.raw` itself calls). Falls back to
 * the public API with the bundle's `primary` MIME key alone if that internal is ever missing.
 * Outside a tslab kernel it throws `noKernel`.
 */
export function sendBundle(
  bundle: DisplayBundle,
  primary = ATTENTION_MIME,
  noKernel = "showAttention needs the tslab kernel (or pass { display }); use attentionBundle() to get the MIME bundle yourself",
): void {
  let jupyter: { lastWriteDisplayData?: ((data: unknown, update: boolean) => void) | null } | undefined;
  try {
    jupyter = require("tslab/dist/jupyter");
  } catch {
    jupyter = undefined;
  }
  if (jupyter && typeof jupyter.lastWriteDisplayData === "function") {
    jupyter.lastWriteDisplayData({ data: bundle.data, metadata: bundle.metadata, transient: {} }, false);
    return;
  }
  let tslab: { display: RawDisplay } | undefined;
  try {
    tslab = require("tslab");
  } catch {
    tslab = undefined;
  }
  if (!tslab) throw new Error(noKernel);
  tslab.display.raw(primary, bundle.data[primary]);
}
