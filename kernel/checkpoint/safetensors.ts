/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}`
 * (offsets relative to the end of the header), then the tensor bytes, back to back.
 *
 * Reading validates the header as strictly as the reference library does (offsets must tile the
 * data exactly, each range must match dtype × shape) and reads one tensor at a time, so multi-GB
 * files are never held whole. Writing produces the bytes the Python library produces for the same
 * tensors: compact JSON, `__metadata__` first, tensors ordered by dtype then name, the header padded
 * with spaces to a multiple of 8.
 */
import { writeFileAtomic } from "../io/atomic";
import { ByteSource, MemoryByteSource, withFile } from "./byte-source";
import { decodeValues, DTYPE_BYTES, encodeValues, storedDtype } from "./dtype-codec";
import { DType, numel, StateDict, TensorData } from "./tensor-data";

/** safetensors dtype code → the seam's dtype. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, DType>> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
  F64: "float64",
  I64: "int64",
  I32: "int32",
  I16: "int16",
  I8: "int8",
  U8: "uint8",
  BOOL: "bool",
};
const CODE_OF: Record<DType, string> = Object.fromEntries(
  Object.entries(SAFETENSORS_DTYPES).map(([code, dtype]) => [dtype, code]),
) as Record<DType, string>;

/** The order the Rust library lays tensors out in: by dtype, larger/wider first (its enum order, reversed). */
const LAYOUT_RANK: Record<string, number> = { I64: 10, F64: 9, F32: 8, I32: 7, BF16: 6, F16: 5, I16: 4, I8: 3, U8: 2, BOOL: 1 };

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  /** The code in the file (F32, BF16, ...). */
  code: string;
  dtype: DType;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** `__metadata__`, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** In header order. */
  entries: SafetensorsEntry[];
  /** Absolute file offset where the data section starts (8 + header length). */
  dataStart: number;
}

export interface SafetensorsFile {
  stateDict: StateDict;
  metadata: Record<string, string> | null;
}

/** Reads and validates the header; throws an Error naming the file, the tensor and what was wrong. */
export function readSafetensorsHeader(src: ByteSource): SafetensorsHeader {
  const where = src.where;
  if (src.size < 8) {
    throw new Error(`${where}: ${src.size} bytes is too short for a safetensors file (expected at least 8: the header length)`);
  }
  const lengthField = new DataView(src.read(0, 8).buffer).getBigUint64(0, true);
  if (lengthField > BigInt(src.size - 8)) {
    throw new Error(`${where}: the header length field says ${lengthField} bytes, but only ${src.size - 8} bytes follow it`);
  }
  const headerLength = Number(lengthField);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new Error(`${where}: the header is ${headerLength} bytes, more than the ${MAX_HEADER_BYTES} the format allows`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(src.read(8, headerLength));
  } catch {
    throw new Error(`${where}: the ${headerLength}-byte header is not valid UTF-8 (expected JSON)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: the header is not JSON (${(e as Error).message}); it starts ${JSON.stringify(text.slice(0, 40))}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`${where}: the header is JSON ${Array.isArray(json) ? "array" : typeof json}, expected an object of tensors`);
  }

  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = parseMetadata(where, info);
      continue;
    }
    entries.push(parseEntry(where, name, info));
  }

  const dataLength = src.size - 8 - headerLength;
  for (const e of entries) {
    if (e.end > dataLength) {
      throw new Error(
        `${where}: tensor "${e.name}" has data_offsets [${e.begin}, ${e.end}], which run past the end of the ${dataLength}-byte data section`,
      );
    }
  }
  // The ranges must tile the data section exactly: no overlap, no gap, nothing left over.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: SafetensorsEntry | null = null;
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw new Error(
        `${where}: tensor "${e.name}" (data_offsets [${e.begin}, ${e.end}]) overlaps tensor "${previous!.name}" ` +
          `(data_offsets [${previous!.begin}, ${previous!.end}]); expected it to start at byte ${cursor}`,
      );
    }
    if (e.begin > cursor) {
      throw new Error(
        `${where}: bytes ${cursor}..${e.begin} of the data section belong to no tensor (a gap before tensor "${e.name}"); ` +
          `expected "${e.name}" to start at byte ${cursor}`,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) {
    throw new Error(
      `${where}: the tensors cover ${cursor} bytes of data but the data section has ${dataLength} bytes ` +
        `(${dataLength - cursor} trailing bytes belong to no tensor)`,
    );
  }
  return { metadata, entries, dataStart: 8 + headerLength };
}

function parseMetadata(where: string, info: unknown): Record<string, string> {
  if (info === null || typeof info !== "object" || Array.isArray(info)) {
    throw new Error(`${where}: "__metadata__" is ${JSON.stringify(info)}, expected an object of strings`);
  }
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== "string") throw new Error(`${where}: "__metadata__"."${k}" is ${JSON.stringify(v)}, expected a string`);
  }
  return { ...(info as Record<string, string>) };
}

function parseEntry(where: string, name: string, info: unknown): SafetensorsEntry {
  const at = `${where}: tensor "${name}"`;
  if (info === null || typeof info !== "object" || Array.isArray(info)) {
    throw new Error(`${at} is described by ${JSON.stringify(info)}, expected {dtype, shape, data_offsets}`);
  }
  const { dtype: code, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof code !== "string" || !(code in SAFETENSORS_DTYPES)) {
    throw new Error(`${at} has dtype ${JSON.stringify(code)}, expected one of ${Object.keys(SAFETENSORS_DTYPES).join(", ")}`);
  }
  const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new Error(`${at} has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw new Error(`${at} has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with 0 ≤ begin ≤ end`);
  }
  const dtype = SAFETENSORS_DTYPES[code];
  const [begin, end] = offsets as number[];
  const expected = numel(shape) * DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    throw new Error(
      `${at} has data_offsets [${begin}, ${end}] (${end - begin} bytes), but dtype ${code} × shape [${shape.join(", ")}] ` +
        `needs ${expected} bytes`,
    );
  }
  return { name, code, dtype, shape: [...shape], begin, end };
}

/** Reads every tensor of a validated source. */
export function readSafetensors(src: ByteSource): SafetensorsFile {
  const header = readSafetensorsHeader(src);
  const stateDict: StateDict = new Map();
  for (const e of header.entries) {
    const bytes = src.read(header.dataStart + e.begin, e.end - e.begin);
    stateDict.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: decodeValues(e.dtype, bytes, numel(e.shape), `${src.where}: tensor "${e.name}"`),
    });
  }
  return { stateDict, metadata: header.metadata };
}

/** Loads a .safetensors file. */
export function loadSafetensors(path: string): SafetensorsFile {
  return withFile(path, readSafetensors);
}

/** Parses safetensors bytes held in memory. */
export function parseSafetensors(bytes: Uint8Array, where = "<safetensors bytes>"): SafetensorsFile {
  return readSafetensors(new MemoryByteSource(where, bytes));
}

/**
 * The file's bytes as chunks: header then each tensor. Floats are stored as F32 (see
 * `storedDtype`), integers and bool as their own dtype.
 */
export function serializeSafetensors(
  stateDict: StateDict,
  metadata: Record<string, string> | null = { format: "pt" },
  where = "<safetensors>",
): Uint8Array[] {
  const items = [...stateDict.entries()].map(([name, t]) => {
    checkTensor(where, name, t);
    return { name, t, code: CODE_OF[storedDtype(t.dtype)] };
  });
  if (items.some((i) => i.name === "__metadata__")) throw new Error(`${where}: "__metadata__" cannot be a tensor name`);
  items.sort((a, b) => LAYOUT_RANK[b.code] - LAYOUT_RANK[a.code] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata !== null) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const { name, t, code } of items) {
    const bytes = encodeValues(t, `${where}: tensor "${name}"`);
    header[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    chunks.push(bytes);
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const lengthField = Buffer.alloc(8);
  lengthField.writeBigUInt64LE(BigInt(json.length));
  return [lengthField, json, ...chunks];
}

/** Writes a .safetensors file atomically (temp file in the same folder, then rename). */
export function saveSafetensors(path: string, stateDict: StateDict, metadata: Record<string, string> | null = { format: "pt" }): void {
  writeFileAtomic(path, serializeSafetensors(stateDict, metadata, path));
}

function checkTensor(where: string, name: string, t: TensorData): void {
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`${where}: tensor "${name}" has shape ${JSON.stringify(t.shape)}, expected non-negative integers`);
  }
  if (t.data.length !== numel(t.shape)) {
    throw new Error(`${where}: tensor "${name}" has shape [${t.shape.join(", ")}] (${numel(t.shape)} values) but ${t.data.length} values`);
  }
}
