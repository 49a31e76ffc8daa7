/**
 * Number formats that must run in Node and in the browser alike (no Buffer, no atob, and no
 * Float16Array in Node 20): IEEE 754 half floats, little-endian byte views and base64. The attention
 * payload, the checkpoint readers and the attention records all use these.
 */

export function littleEndianBytes(a: Uint16Array | Float32Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  if (a instanceof Uint16Array) a.forEach((v, i) => view.setUint16(2 * i, v, true));
  else a.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

export function floatsFromBytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 from a number, rounding to nearest even. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** float16 bits → the bits of the exactly equal float32 (IEEE widening; NaN payloads kept, as numpy does). */
export function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let frac = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (frac << 13)) >>> 0; // inf, NaN
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (frac << 13)) >>> 0;
  if (frac === 0) return sign >>> 0; // ±0
  // Subnormal half: normalise into a float32 exponent.
  let e = -14;
  while (!(frac & 0x400)) {
    frac <<= 1;
    e--;
  }
  return (sign | ((e + 127) << 23) | ((frac & 0x3ff) << 13)) >>> 0;
}

/** The number a binary16 bit pattern stands for. */
export function fromHalf(h: number): number {
  u32[0] = halfToFloatBits(h);
  return f32[0];
}

let halfTable: Float32Array | null = null;

/** Little-endian half floats as float32 values (through a table of all 65536 of them). */
export function halvesToFloats(bytes: Uint8Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = fromHalf(h);
  }
  const t = halfTable;
  const out = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = t[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));

export function base64Encode(bytes: Uint8Array): string {
  // ASCII codes into one buffer, then one decode into a string: no string concatenation per character.
  const out = new Uint8Array(4 * Math.ceil(bytes.length / 3));
  const whole = bytes.length - (bytes.length % 3);
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const t = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = B64_CODES[t >> 18];
    out[o++] = B64_CODES[(t >> 12) & 63];
    out[o++] = B64_CODES[(t >> 6) & 63];
    out[o++] = B64_CODES[t & 63];
  }
  if (whole < bytes.length) {
    const a = bytes[whole], b = whole + 1 < bytes.length ? bytes[whole + 1] : 0;
    out[o++] = B64_CODES[a >> 2];
    out[o++] = B64_CODES[((a & 3) << 4) | (b >> 4)];
    out[o++] = whole + 1 < bytes.length ? B64_CODES[(b & 15) << 2] : 61;
    out[o++] = 61;
  }
  return new TextDecoder("latin1").decode(out);
}

const STRICT_B64 = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes from standard base64 with padding; null when the text is not base64. */
export function base64Decode(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  let pad = 0;
  if (text.endsWith("==")) pad = 2;
  else if (text.endsWith("=")) pad = 1;
  const size = (text.length / 4) * 3 - pad;
  // The platform's decoder (Uint8Array.fromBase64, else atob): a few times faster on megabytes of
  // weights than the loop below, which stays for short texts and platforms without either. Both also
  // take ASCII spaces, which strict base64 does not: fromBase64 (which refuses every other stray
  // character, and with "strict" bad padding and stray bits) skips them, so a text that had any gives
  // fewer bytes than its length says; atob's text is checked first.
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string, o: { lastChunkHandling: string }) => Uint8Array }).fromBase64;
  if (fromBase64 && text.length > 4096) {
    try {
      const out = fromBase64.call(Uint8Array, text, { lastChunkHandling: "strict" });
      return out.length === size ? out : null;
    } catch {
      return null;
    }
  }
  if (typeof atob === "function" && text.length > 4096) {
    if (!STRICT_B64.test(text)) return null;
    const binary = atob(text);
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = binary.charCodeAt(i);
    return out;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const c0 = text.charCodeAt(i), c1 = text.charCodeAt(i + 1), c2 = text.charCodeAt(i + 2), c3 = text.charCodeAt(i + 3);
    const a = c0 < 128 ? B64_INDEX[c0] : -1;
    const b = c1 < 128 ? B64_INDEX[c1] : -1;
    const c = last && pad === 2 && c2 === 61 ? 0 : c2 < 128 ? B64_INDEX[c2] : -1;
    const d = last && pad >= 1 && c3 === 61 ? 0 : c3 < 128 ? B64_INDEX[c3] : -1;
    if ((a | b | c | d) < 0) return null;
    const triple = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = triple >> 16;
    if (o < out.length) out[o++] = (triple >> 8) & 255;
    if (o < out.length) out[o++] = triple & 255;
  }
  return out;
}

/** Unsigned LEB128 varints (7 bits a byte, low first), as protobuf writes them. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}

/**
 * Reads `count` varints of at most `maxValue` each into `into`; returns the bytes read, or a negative
 * number -(1 + index) for the first varint that is cut off or larger than `maxValue`.
 */
export function readVarints(bytes: Uint8Array, count: number, maxValue: number, into: Uint32Array | Uint16Array): number {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const first = bytes[at];
    if (first < 0x80) {
      // One byte (most keys and counts): no shifts. Past the end `first` is undefined and falls through.
      if (first > maxValue) return -(1 + i);
      into[i] = first;
      at++;
      continue;
    }
    let value = 0, shift = 0, b: number;
    do {
      if (at >= bytes.length || shift > 28) return -(1 + i);
      b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (value > maxValue) return -(1 + i);
    into[i] = value;
  }
  return at;
}

/** Bytes of a string in UTF-8. */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) bytes += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2; // a surrogate pair: 4 bytes
  }
  return bytes;
}
