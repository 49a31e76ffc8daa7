/**
 * Little-endian bytes ⇄ TensorData values, for every dtype the seam knows.
 * Floats decode to Float32Array (float16/bfloat16 exactly, float64 rounded), integers to Int32Array
 * (int64 beyond ±2^31 is an error), bool to Uint8Array.
 */
import { endianness } from "node:os";
import { halfToFloatBits } from "../portable/codecs";
import type { DType, TensorData } from "./tensor-data";

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const LITTLE_ENDIAN_HOST = endianness() === "LE";

/** 4-byte little-endian elements into `out`: the bytes copied whole on a little-endian host, else read one by one. */
function fourByteWords<T extends Float32Array | Int32Array>(out: T, bytes: Uint8Array, read: (offset: number) => number): T {
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < out.length; i++) out[i] = read(i * 4);
  return out;
}

/**
 * Decodes `count` elements of `dtype` from little-endian `bytes` (exactly count × size bytes).
 * The result never aliases `bytes`. `where` names the file and tensor for errors.
 */
export function decodeValues(dtype: DType, bytes: Uint8Array, count: number, where: string): TensorData["data"] {
  const size = DTYPE_BYTES[dtype];
  if (bytes.length !== count * size) {
    throw new Error(`${where}: expected ${count} × ${size} = ${count * size} bytes of ${dtype}, found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "float32":
      return fourByteWords(new Float32Array(count), bytes, (offset) => view.getFloat32(offset, true));
    case "float16": {
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = halfToFloatBits(view.getUint16(i * 2, true));
      return new Float32Array(bits.buffer);
    }
    case "bfloat16": {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case "float64": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case "int64": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = view.getUint32(i * 8, true);
        const hi = view.getInt32(i * 8 + 4, true);
        if (!((hi === 0 && lo < 0x80000000) || (hi === -1 && lo >= 0x80000000))) {
          throw new Error(
            `${where}: int64 element ${i} is ${view.getBigInt64(i * 8, true)}, outside the int32 range ` +
              `[-2147483648, 2147483647] that lukelab holds integers in`,
          );
        }
        out[i] = lo | 0;
      }
      return out;
    }
    case "int32":
      return fourByteWords(new Int32Array(count), bytes, (offset) => view.getInt32(offset, true));
    case "int16": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case "int8":
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, count));
    case "uint8":
      return Int32Array.from(bytes);
    case "bool": {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    }
  }
}

/**
 * The dtype a TensorData is written as: floats as float32 (their decoded values are float32
 * already, so nothing is lost that was not lost on reading), integers and bool as themselves.
 */
export function storedDtype(dtype: DType): DType {
  return dtype === "float16" || dtype === "bfloat16" || dtype === "float64" ? "float32" : dtype;
}

/** Little-endian bytes of a tensor's values in `storedDtype(t.dtype)`. */
export function encodeValues(t: TensorData, where: string): Uint8Array {
  const dtype = storedDtype(t.dtype);
  const n = t.data.length;
  const out = new Uint8Array(n * DTYPE_BYTES[dtype]);
  const view = new DataView(out.buffer);
  const d = t.data;
  const expectArray = (ok: boolean, kind: string) => {
    if (!ok) throw new Error(`${where}: dtype ${t.dtype} needs ${kind} data, found ${d.constructor.name}`);
  };
  switch (dtype) {
    case "float32":
      expectArray(d instanceof Float32Array, "Float32Array");
      if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(d.buffer, d.byteOffset, n * 4));
      else for (let i = 0; i < n; i++) view.setFloat32(i * 4, d[i], true);
      return out;
    case "int64":
      expectArray(d instanceof Int32Array, "Int32Array");
      for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(d[i]), true);
      return out;
    case "int32":
      expectArray(d instanceof Int32Array, "Int32Array");
      for (let i = 0; i < n; i++) view.setInt32(i * 4, d[i], true);
      return out;
    case "int16":
    case "int8":
    case "uint8": {
      expectArray(d instanceof Int32Array, "Int32Array");
      const [lo, hi] = dtype === "int16" ? [-32768, 32767] : dtype === "int8" ? [-128, 127] : [0, 255];
      for (let i = 0; i < n; i++) {
        if (d[i] < lo || d[i] > hi) throw new Error(`${where}: element ${i} is ${d[i]}, outside the ${dtype} range [${lo}, ${hi}]`);
        if (dtype === "int16") view.setInt16(i * 2, d[i], true);
        else if (dtype === "int8") view.setInt8(i, d[i]);
        else out[i] = d[i];
      }
      return out;
    }
    case "bool":
      expectArray(d instanceof Uint8Array, "Uint8Array");
      for (let i = 0; i < n; i++) out[i] = d[i] ? 1 : 0;
      return out;
    default:
      throw new Error(`${where}: cannot encode dtype ${dtype}`);
  }
}
