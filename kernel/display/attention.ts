/**
 * Showing attention in a notebook: builds the payload (attention-input.ts) from a LUKE forward pass,
 * from plain arrays of any model (BERT, RoBERTa, GPT-2 …) or from a JSON file exported elsewhere, paints
 * a static PNG of it (attention-image.ts), and sends both in one display bundle from a tslab cell:
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
import { ATTENTION_MIME, decodeOrThrow, DEFAULT_MAX_BYTES, denseAttention, encodeAttentionPayload, type Attention, type AttentionPayload } from "../portable/attention-payload";
import { attentionImage, plural, type ImageOptions } from "./attention-image";
import { attentionWeights, lukeAttentionInput, readAttentionContent, type AttentionInput, type EntityNamer, type LukeForwardLike, type PayloadOptions, type WeightsInput } from "./attention-input";
import { sendBundle, type DisplayBundle, type RawDisplay } from "./tslab";

export interface BundleOptions extends ImageOptions {
  /** Store the static PNG beside the payload (default true). */
  image?: boolean;
}

/** The MIME bundle: the payload (a JSON object), the static PNG (base64) and a text summary. */
export function attentionBundle(payload: AttentionPayload, options: BundleOptions = {}): DisplayBundle {
  const att = decodeOrThrow(payload);
  return assemble(payload, att, options.image === false ? null : attentionImage(att, options));
}

/**
 * The bundle of any source within `maxBytes` (default 5 MB) in all: the static PNG is painted from the
 * exact weights, and the payload gets what the PNG and the text leave of the budget.
 */
export function sourceBundle(source: AttentionSource, options: ShowOptions = {}): DisplayBundle {
  const input = toAttentionInput(source, options);
  if ("version" in input) return attentionBundle(input, options);
  const exact = denseAttention(input);
  const image = options.image === false ? null : attentionImage(exact, options);
  // What the PNG takes as base64, and room for the text line and the notebook's JSON around the output.
  const taken = image ? 4 * Math.ceil(image.png.length / 3) : 0;
  const payload = encodeAttentionPayload({ ...input, maxBytes: Math.max(0, (options.maxBytes ?? DEFAULT_MAX_BYTES) - taken - 16_384) });
  return assemble(payload, exact, image);
}

function assemble(payload: AttentionPayload, att: Attention, img: { png: Uint8Array; width: number; height: number } | null): DisplayBundle {
  const text = `lukelab attention${payload.title ? ` (${payload.title})` : ""}: ${plural(att.layers.length, "layer")} × ${plural(att.heads, "head")} × ${plural(att.tokens, "token")} (${plural(att.numWords, "word")}, ${plural(att.entities.length, "entity", "entities")})`;
  const data: Record<string, unknown> = { [ATTENTION_MIME]: payload, "text/plain": text };
  const metadata: Record<string, unknown> = {};
  if (img) {
    data["image/png"] = bytesToBase64(img.png);
    metadata["image/png"] = { width: img.width, height: img.height };
  }
  return { data, metadata };
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
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
  const input = toAttentionInput(source, options);
  return "version" in input ? input : encodeAttentionPayload(input);
}

/** A payload as it is (checked), or the source's weights ready for the encoder. */
function toAttentionInput(source: AttentionSource, options: ShowOptions): AttentionPayload | WeightsInput {
  if (typeof source === "string") return readAttentionContent(source, options);
  if ("version" in source) {
    decodeOrThrow(source);
    return source;
  }
  if ("entityIds" in source && "entityPositionIds" in source) return attentionWeights(lukeAttentionInput(source, options), options);
  return attentionWeights(source as AttentionInput, options);
}

/**
 * Displays attention in the notebook: a LUKE forward result, plain arrays ({ tokens, attentions, … }),
 * a payload, or the path of a JSON file. Returns nothing, so a cell ending with it prints nothing more.
 */
export function showAttention(source: AttentionSource, options: ShowOptions = {}): void {
  if (options.display) {
    options.display.raw(ATTENTION_MIME, toAttentionPayload(source, options));
    return;
  }
  const noKernel = "showAttention needs the tslab kernel (or pass { display }); use attentionBundle() to get the MIME bundle yourself";
  sendBundle(sourceBundle(source, options), ATTENTION_MIME, noKernel);
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
