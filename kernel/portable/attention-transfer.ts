/**
 * A decoded payload handed from one thread to another: the attention views' worker
 * (extension/attention/render-worker.ts) decodes and checks the payload, and the page gets the result
 * as typed arrays that structured clone copies as they are (a few milliseconds for 5 MB of payload),
 * without decoding base64 and varints again. What is packed was checked by the decoder; unpacking
 * checks only the array lengths, which the page's views index by.
 */
import { makeAttention, type Attention } from "./attention-payload";
import { sparseReader, type Omitted } from "./attention-sparse";

type Meta = Omit<Attention, "matrix" | "weight" | "sparseRows" | "tokens" | "numWords">;

export interface PackedAttention {
  meta: Meta;
  /** A sparse payload's kept links, row by row for every [layer·heads + head] matrix (see SparseRows). */
  sparse?: { start: Uint32Array; keys: Uint16Array; values: Float32Array; omitted: Omitted };
  /** Every weight, [layer][head][query][key] (a dense payload). */
  dense?: Float32Array;
}

export function packAttention(att: Attention): PackedAttention {
  const { matrix: _m, weight: _w, sparseRows: _s, tokens: _t, numWords: _n, ...meta } = att;
  const n = att.tokens, matrices = att.layers.length * att.heads;
  const rows = matrices > 0 ? att.sparseRows(0, 0) : null;
  if (rows && att.omitted) {
    // The rows of the first matrix are a view on the start of every matrix's row offsets.
    const start = new Uint32Array(rows.start.buffer, rows.start.byteOffset, matrices * n + 1);
    return { meta, sparse: { start, keys: rows.keys, values: rows.values, omitted: att.omitted } };
  }
  const dense = new Float32Array(matrices * n * n);
  for (let l = 0; l < att.layers.length; l++) for (let h = 0; h < att.heads; h++) dense.set(att.matrix(l, h), (l * att.heads + h) * n * n);
  return { meta, dense };
}

/**
 * The packed payload with arrays of its own, and their buffers, to transfer rather than copy by
 * structured clone: the receiving thread (the page) then takes them without copying 10 MB or more
 * in its own task. A sparse payload's arrays are the sender's own (it keeps painting from them), so
 * they are copied here first; a dense payload's weights were copied by packAttention already.
 */
export function forTransfer(p: PackedAttention): { packed: PackedAttention; transfer: ArrayBuffer[] } {
  if (p.sparse) {
    const sparse = { ...p.sparse, start: p.sparse.start.slice(), keys: p.sparse.keys.slice(), values: p.sparse.values.slice() };
    return { packed: { ...p, sparse }, transfer: [sparse.start.buffer, sparse.keys.buffer, sparse.values.buffer] };
  }
  return { packed: p, transfer: p.dense ? [p.dense.buffer as ArrayBuffer] : [] };
}

export function unpackAttention(p: PackedAttention): Attention {
  const n = p.meta.words.length + p.meta.entities.length, matrices = p.meta.layers.length * p.meta.heads;
  if (p.sparse) {
    const { start, keys, values, omitted } = p.sparse;
    if (start.length !== matrices * n + 1 || keys.length !== values.length || start[start.length - 1] !== keys.length) throw new Error("packed attention: the kept links do not match the payload's shape");
    const r = sparseReader(n, start, keys, values, omitted, p.meta.byteLength);
    return makeAttention(p.meta, r.read, r.one, undefined, r.rows);
  }
  const w = p.dense;
  if (!w || w.length !== matrices * n * n) throw new Error("packed attention: the weights do not match the payload's shape");
  return makeAttention(p.meta, (o, out) => out.set(w.subarray(o, o + out.length)), (i) => w[i], w);
}
