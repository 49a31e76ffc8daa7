/**
 * PyTorch checkpoints (`torch.save(state_dict)`), read without running any of their code.
 *
 * Two layouts:
 * - zip (torch ≥ 1.6 default): `<prefix>/data.pkl` is the pickle, `<prefix>/data/<key>` holds each
 *   storage's raw little-endian bytes, `<prefix>/byteorder` says "little" (absent in older files).
 * - legacy (`_use_new_zipfile_serialization=False`, and every file before torch 1.6): back-to-back
 *   pickles (magic number, protocol version 1001, system info, the object, the sorted storage keys),
 *   then for each key an int64 element count and the storage's bytes.
 *
 * The pickle may only name the globals torch needs to rebuild tensors (see ALLOWED_GLOBALS); a
 * tensor is kept as a lazy reference (storage, offset, size, stride) and materialised per storage,
 * so views, transposes and storages shared between keys (tied weights) come out as torch sees them.
 */
import { ByteSource, withFile } from "./byte-source";
import { decodeValues, DTYPE_BYTES } from "./dtype-codec";
import { describe, PickleDict, PickleGlobal, PickleTruncatedError, PickleTuple, unpickle } from "./pickle";
import { DType, numel, StateDict } from "./tensor-data";
import { looksLikeZip, ZipReader } from "./zip";

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: "float32",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  DoubleStorage: "float64",
  LongStorage: "int64",
  IntStorage: "int32",
  ShortStorage: "int16",
  CharStorage: "int8",
  ByteStorage: "uint8",
  BoolStorage: "bool",
  // Untyped storages hold bytes; _rebuild_tensor_v3 says what they mean.
  UntypedStorage: "uint8",
};

/** torch.<name> dtype objects, which appear in _rebuild_tensor_v3 and some persistent ids. */
const TORCH_DTYPES: Record<string, DType> = {
  float32: "float32", float: "float32", float16: "float16", half: "float16", bfloat16: "bfloat16",
  float64: "float64", double: "float64", int64: "int64", long: "int64", int32: "int32", int: "int32",
  int16: "int16", short: "int16", int8: "int8", uint8: "uint8", bool: "bool",
};

const REBUILDERS = ["_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter", "_rebuild_parameter_with_state"];

/** Every global a checkpoint may name, as "module.name". Anything else is refused. */
export const ALLOWED_GLOBALS: readonly string[] = [
  "collections.OrderedDict",
  "torch.Size",
  ...REBUILDERS.map((n) => `torch._utils.${n}`),
  ...Object.keys(STORAGE_DTYPES).map((n) => `torch.${n}`),
  "torch.storage.UntypedStorage",
  ...Object.keys(TORCH_DTYPES).map((n) => `torch.${n}`),
];
const ALLOWED = new Set(ALLOWED_GLOBALS);

/** A storage as the pickle names it; its bytes are read only when a tensor needs them. */
interface StorageRef {
  key: string;
  dtype: DType;
  /** Elements in the stored storage. */
  numel: number;
  /** Element offset into the stored storage (legacy storage views); 0 otherwise. */
  start: number;
}

/** A tensor as `_rebuild_tensor_v*` describes it. */
interface TensorRef {
  storage: StorageRef;
  dtype: DType;
  offset: number;
  size: number[];
  stride: number[];
}

function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === "object" && v !== null && (v as TensorRef).storage !== undefined && Array.isArray((v as TensorRef).size);
}

class DTypeMarker {
  constructor(readonly dtype: DType) {}
}

/** The pickle policy for torch checkpoints: allowed globals in, plain data out. */
function torchHandlers(where: string) {
  const storages = new Map<string, StorageRef>();
  const ints = (v: unknown, what: string, at: number): number[] => {
    if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      throw new Error(`${where}: ${what} is ${describe(v)}, expected a tuple of non-negative integers (pickle byte ${at})`);
    }
    return [...(v as number[])];
  };
  const int = (v: unknown, what: string, at: number): number => {
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`${where}: ${what} is ${String(v)}, expected a non-negative integer (pickle byte ${at})`);
    return v as number;
  };
  const tensor = (args: PickleTuple, at: number, dtypeOverride?: unknown): TensorRef => {
    const storage = args[0] as StorageRef;
    if (!storage || typeof storage !== "object" || !("key" in storage)) {
      throw new Error(`${where}: a tensor is rebuilt from a ${describe(args[0])}, expected a storage (pickle byte ${at})`);
    }
    const size = ints(args[2], "a tensor size", at);
    const stride = ints(args[3], "a tensor stride", at);
    if (size.length !== stride.length) {
      throw new Error(`${where}: a tensor has size (${size}) but stride (${stride}) (pickle byte ${at})`);
    }
    let dtype = storage.dtype;
    if (dtypeOverride !== undefined) {
      if (!(dtypeOverride instanceof DTypeMarker)) throw new Error(`${where}: _rebuild_tensor_v3 got dtype ${describe(dtypeOverride)} (pickle byte ${at})`);
      dtype = dtypeOverride.dtype;
    }
    return { storage, dtype, offset: int(args[1], "a storage offset", at), size, stride };
  };

  return {
    where,
    storages,
    findGlobal(module: string, name: string, at: number): unknown {
      const full = `${module}.${name}`;
      if (!ALLOWED.has(full)) {
        throw new Error(
          `${where}: the pickle names the global ${full} (pickle byte ${at}), which is not allowed. ` +
            `lukelab never runs code from a checkpoint; it only rebuilds tensors, with ${ALLOWED_GLOBALS.slice(0, 6).join(", ")} and the torch storage and dtype names`,
        );
      }
      if (module === "torch" && name in TORCH_DTYPES) return new DTypeMarker(TORCH_DTYPES[name]);
      return new PickleGlobal(module, name);
    },
    reduce(callable: unknown, args: PickleTuple, at: number): unknown {
      const name = callable instanceof PickleGlobal ? callable.toString() : "";
      switch (name) {
        case "collections.OrderedDict": {
          const d = new PickleDict("OrderedDict");
          if (args.length && Array.isArray(args[0])) for (const pair of args[0]) if (Array.isArray(pair)) d.items.set(pair[0], pair[1]);
          return d;
        }
        case "torch.Size":
          return ints(args[0], "a torch.Size", at);
        case "torch._utils._rebuild_tensor_v2":
          return tensor(args, at);
        case "torch._utils._rebuild_tensor_v3":
          return tensor(args, at, args[6]);
        case "torch._utils._rebuild_parameter":
        case "torch._utils._rebuild_parameter_with_state":
          if (!isTensorRef(args[0])) throw new Error(`${where}: a Parameter wraps a ${describe(args[0])}, expected a tensor (pickle byte ${at})`);
          return args[0];
        default:
          throw new Error(`${where}: the pickle calls ${callable instanceof PickleGlobal ? callable : describe(callable)} (pickle byte ${at}), which does not rebuild a tensor`);
      }
    },
    build(obj: unknown, state: unknown, at: number): unknown {
      // state_dict() carries `_metadata` (per-module versions) as OrderedDict state: keep, ignore.
      if (obj instanceof PickleDict) {
        obj.state = state;
        return obj;
      }
      throw new Error(`${where}: the pickle sets state on a ${describe(obj)} (pickle byte ${at}); only dicts may have state`);
    },
    persistentLoad(pid: unknown, at: number): unknown {
      // ('storage', storage_type, key, location, numel[, view_metadata])
      if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) {
        throw new Error(`${where}: persistent id ${describe(pid)} (pickle byte ${at}) is not ('storage', type, key, location, numel)`);
      }
      const [, type, key, , count, view] = pid;
      let dtype: DType | undefined;
      if (type instanceof PickleGlobal) dtype = STORAGE_DTYPES[type.name];
      else if (type instanceof DTypeMarker) dtype = type.dtype;
      if (!dtype) throw new Error(`${where}: storage type ${describe(type)} (pickle byte ${at}) is not a known torch storage`);
      if (typeof key !== "string") throw new Error(`${where}: storage key ${describe(key)} (pickle byte ${at}) is not a string`);
      const total = int(count, `the size of storage ${key}`, at);
      const known = storages.get(key);
      if (known && (known.dtype !== dtype || known.numel !== total)) {
        throw new Error(`${where}: storage ${key} is named as ${known.dtype}×${known.numel} and as ${dtype}×${total} (pickle byte ${at})`);
      }
      const root = known ?? { key, dtype, numel: total, start: 0 };
      storages.set(key, root);
      if (Array.isArray(view)) {
        // Legacy storage view: (view_key, element offset, view size) into the root storage.
        const start = int(view[1], "a storage view offset", at);
        const size = int(view[2], "a storage view size", at);
        if (start + size > total) throw new Error(`${where}: storage view ${view[0]} runs past storage ${key} (pickle byte ${at})`);
        return { ...root, start };
      }
      return root;
    },
  };
}

/** The pickled object must be a mapping of names to tensors (a state dict). */
function tensorsOf(value: unknown, where: string): Map<string, TensorRef> {
  if (!(value instanceof PickleDict)) {
    throw new Error(`${where}: the checkpoint holds a ${describe(value)}, expected a state dict (a mapping of names to tensors)`);
  }
  const out = new Map<string, TensorRef>();
  for (const [k, v] of value.items) {
    if (typeof k !== "string") throw new Error(`${where}: state dict key ${describe(k)} is not a string`);
    if (!isTensorRef(v)) {
      const keys = [...value.items.keys()].slice(0, 8).map(String).join(", ");
      throw new Error(
        `${where}: entry "${k}" is a ${describe(v)}, expected a tensor; a state dict maps names to tensors (keys: ${keys}${value.items.size > 8 ? ", …" : ""})`,
      );
    }
    out.set(k, v);
  }
  return out;
}

/**
 * Builds the state dict: reads each storage once, then cuts every tensor that uses it out of it
 * (following offset, size and stride). `readStorage` returns the storage's bytes.
 */
function materialise(tensors: Map<string, TensorRef>, readStorage: (s: StorageRef) => Uint8Array, where: string): StateDict {
  const byStorage = new Map<string, string[]>();
  for (const [name, t] of tensors) {
    const list = byStorage.get(t.storage.key) ?? [];
    list.push(name);
    byStorage.set(t.storage.key, list);
  }
  const built = new Map<string, ReturnType<typeof build>>();
  function build(name: string, t: TensorRef, bytes: Uint8Array) {
    const at = `${where}: tensor "${name}"`;
    const elementSize = DTYPE_BYTES[t.dtype];
    const storageElements = Math.floor(bytes.length / elementSize);
    const count = numel(t.size);
    if (count > 0) {
      const last = t.storage.start + t.offset + t.size.reduce((acc, s, i) => acc + (s - 1) * t.stride[i], 0);
      if (last >= storageElements) {
        throw new Error(
          `${at}: offset ${t.offset}, size (${t.size}) and stride (${t.stride}) reach element ${last} of storage ${t.storage.key}, ` +
            `which has ${storageElements} ${t.dtype} elements`,
        );
      }
    }
    const raw = gather(bytes, elementSize, t.storage.start + t.offset, t.size, t.stride);
    return { dtype: t.dtype, shape: [...t.size], data: decodeValues(t.dtype, raw, count, at) };
  }
  for (const [key, names] of byStorage) {
    const storage = tensors.get(names[0])!.storage;
    const bytes = readStorage(storage);
    const expected = storage.numel * DTYPE_BYTES[storage.dtype];
    if (bytes.length !== expected) {
      throw new Error(`${where}: storage ${key} has ${bytes.length} bytes, expected ${storage.numel} × ${storage.dtype} = ${expected}`);
    }
    for (const name of names) built.set(name, build(name, tensors.get(name)!, bytes));
  }
  // Keep the file's key order.
  const out: StateDict = new Map();
  for (const name of tensors.keys()) out.set(name, built.get(name)!);
  return out;
}

/** Copies the elements of a strided view into row-major order (bytes in, bytes out). */
function gather(bytes: Uint8Array, elementSize: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const count = numel(size);
  let contiguous = true;
  for (let i = size.length - 1, expect = 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= size[i];
  }
  if (contiguous || count === 0) return bytes.subarray(offset * elementSize, (offset + count) * elementSize);
  const out = new Uint8Array(count * elementSize);
  const rank = size.length;
  const index = new Array<number>(rank).fill(0);
  const innerSize = size[rank - 1];
  const innerStride = stride[rank - 1];
  let o = 0;
  for (;;) {
    let base = offset;
    for (let d = 0; d < rank - 1; d++) base += index[d] * stride[d];
    for (let j = 0; j < innerSize; j++) {
      const src = (base + j * innerStride) * elementSize;
      for (let b = 0; b < elementSize; b++) out[o++] = bytes[src + b];
    }
    let d = rank - 2;
    while (d >= 0 && ++index[d] === size[d]) index[d--] = 0;
    if (d < 0) break;
  }
  return out;
}

function readZipCheckpoint(src: ByteSource): StateDict {
  const where = src.where;
  const zip = new ZipReader(src);
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n) || n === "data.pkl");
  if (pickles.length !== 1) {
    throw new Error(
      `${where}: expected one <archive>/data.pkl in the zip, found ${pickles.length ? pickles.join(", ") : "none"} ` +
        `(entries: ${[...zip.entries.keys()].slice(0, 10).join(", ")})`,
    );
  }
  const prefix = pickles[0].slice(0, -"data.pkl".length);
  if (zip.has(`${prefix}byteorder`)) {
    const order = Buffer.from(zip.read(`${prefix}byteorder`)).toString("utf8").trim();
    if (order !== "little") throw new Error(`${where}: ${prefix}byteorder says "${order}"; only little-endian checkpoints are supported`);
  }
  const handlers = torchHandlers(`${where}: ${pickles[0]}`);
  const { value } = unpickle(zip.read(pickles[0]), handlers);
  const tensors = tensorsOf(value, where);
  return materialise(tensors, (s) => {
    const entry = `${prefix}data/${s.key}`;
    if (!zip.has(entry)) throw new Error(`${where}: storage ${s.key} is used by the pickle but the zip has no entry ${entry}`);
    return zip.read(entry);
  }, where);
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function readLegacyCheckpoint(src: ByteSource): StateDict {
  // The pickles come first and are small; the storages follow. Read a prefix big enough for the
  // pickles (growing it if a pickle runs past it), then each storage by position.
  let window = Math.min(src.size, 1 << 20);
  for (;;) {
    try {
      return readLegacyFrom(src, src.read(0, window));
    } catch (e) {
      if (!(e instanceof PickleTruncatedError) || window === src.size) throw e;
      window = Math.min(src.size, window * 8);
    }
  }
}

function readLegacyFrom(src: ByteSource, bytes: Uint8Array): StateDict {
  const where = src.where;
  const plain = {
    where: `${where} (legacy torch format)`,
    findGlobal: (m: string, n: string, at: number): unknown => {
      throw new Error(`${where}: the legacy header pickle names the global ${m}.${n} (pickle byte ${at}), which is not allowed`);
    },
    reduce: (_c: unknown, _a: PickleTuple, at: number): unknown => {
      throw new Error(`${where}: the legacy header pickle calls a function (pickle byte ${at}), which is not allowed`);
    },
  };
  const magic = unpickle(bytes, plain, 0);
  if (magic.value !== LEGACY_MAGIC) {
    throw new Error(
      `${where}: not a PyTorch checkpoint: expected a zip archive or the legacy magic number 0x${LEGACY_MAGIC.toString(16)}, found ${describe(magic.value)} ${String(magic.value)}`,
    );
  }
  const version = unpickle(bytes, plain, magic.end);
  if (version.value !== 1001) throw new Error(`${where}: legacy torch protocol version ${String(version.value)}, expected 1001`);
  const sysInfo = unpickle(bytes, plain, version.end);
  if (sysInfo.value instanceof PickleDict && sysInfo.value.items.get("little_endian") === false) {
    throw new Error(`${where}: the checkpoint was written on a big-endian machine; only little-endian checkpoints are supported`);
  }
  const handlers = torchHandlers(`${where} (legacy torch format)`);
  const main = unpickle(bytes, handlers, sysInfo.end);
  const keys = unpickle(bytes, plain, main.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === "string")) {
    throw new Error(`${where}: the legacy storage key list is a ${describe(keys.value)}, expected a list of strings`);
  }
  const tensors = tensorsOf(main.value, where);
  const located = new Map<string, { at: number; length: number }>();
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const storage = handlers.storages.get(key);
    if (!storage) throw new Error(`${where}: storage ${key} is listed but no tensor uses it`);
    if (pos + 8 > src.size) throw new Error(`${where}: the file ends at byte ${src.size}, before storage ${key} (expected its size at byte ${pos})`);
    const count = Number(new DataView(src.read(pos, 8).buffer).getBigInt64(0, true));
    if (count !== storage.numel) {
      throw new Error(`${where}: storage ${key} at byte ${pos} says ${count} elements, the pickle says ${storage.numel}`);
    }
    const length = count * DTYPE_BYTES[storage.dtype];
    if (pos + 8 + length > src.size) {
      throw new Error(`${where}: storage ${key} needs bytes ${pos + 8}..${pos + 8 + length} but the file has ${src.size} (truncated?)`);
    }
    located.set(key, { at: pos + 8, length });
    pos += 8 + length;
  }
  return materialise(tensors, (s) => {
    const loc = located.get(s.key);
    if (!loc) throw new Error(`${where}: storage ${s.key} is used by a tensor but missing from the storage list`);
    return src.read(loc.at, loc.length);
  }, where);
}

/** Reads a state dict saved by torch.save, in the zip or the legacy layout. */
export function readTorchCheckpoint(src: ByteSource): StateDict {
  if (looksLikeZip(src)) return readZipCheckpoint(src);
  const head = src.size >= 2 ? src.read(0, 2) : new Uint8Array(0);
  if (head[0] === 0x80 && head[1] >= 2) return readLegacyCheckpoint(src);
  throw new Error(
    `${src.where}: not a PyTorch checkpoint: expected a zip archive (bytes "PK\\x03\\x04") or a legacy pickle stream (bytes 0x80 0x02), ` +
      `found ${[...head].map((b) => "0x" + b.toString(16).padStart(2, "0")).join(" ") || "an empty file"}`,
  );
}

/** Loads `pytorch_model.bin` (or any torch.save'd state dict) from disk. */
export function loadTorchCheckpoint(path: string): StateDict {
  return withFile(path, readTorchCheckpoint);
}
