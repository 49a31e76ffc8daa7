/** Notebook display: the attention payload, its static image, and showing it from a tslab cell. */
export {
  ATTENTION_MIME,
  ATTENTION_SCHEMA_VERSION,
  LIMITS as ATTENTION_LIMITS,
  decodeAttentionPayload,
  encodeAttentionPayload,
} from "./attention-payload";
export type { Attention, AttentionEncoding, AttentionPayload, DecodeResult, PayloadError } from "./attention-payload";
export {
  attentionBundle,
  attentionImage,
  attentionPayload,
  lukeAttentionPayload,
  readAttentionFile,
  sendBundle,
  showAttention,
  showLukeAttention,
  toAttentionPayload,
} from "./attention";
export type { AttentionInput, AttentionSource, DisplayBundle, ShowOptions, RawDisplay } from "./attention";
