/** Notebook display: the attention payload, its static image, and showing it from a tslab cell. */
export {
  ATTENTION_MIME,
  ATTENTION_SCHEMA_VERSION,
  DEFAULT_MAX_BYTES as ATTENTION_MAX_BYTES,
  LIMITS as ATTENTION_LIMITS,
  decodeAttentionPayload,
  encodeAttentionPayload,
} from "../portable/attention-payload";
export type { Attention, AttentionEncoding, AttentionPayload, DecodeResult, Omitted, PayloadError } from "../portable/attention-payload";
export {
  attentionBundle,
  showAttention,
  showLukeAttention,
  sourceBundle,
  toAttentionPayload,
} from "./attention";
export type { AttentionSource, ShowOptions } from "./attention";
export { attentionImage } from "./attention-image";
export { attentionPayload, lukeAttentionPayload, readAttentionFile } from "./attention-input";
export type { AttentionInput, TensorLike } from "./attention-input";
export { sendBundle } from "./tslab";
export type { DisplayBundle, RawDisplay } from "./tslab";
