/**
 * A small zip reader for PyTorch checkpoints: central directory (zip64 included, which torch writes
 * for every file), stored and deflated entries, CRC-32 checked. Entries are read one at a time from
 * the file, so a multi-GB archive is never held whole.
 *
 * Hand-written because Node has no zip reader and the usual npm ones either read the whole archive
 * into memory or are stream-only; this needs random access and is ~150 lines.
 */
import * as zlib from "node:zlib";
import type { ByteSource } from "./byte-source";

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True when the source starts like a zip archive (a local file header). */
export function looksLikeZip(src: ByteSource): boolean {
  return src.size >= 4 && view(src.read(0, 4)).getUint32(0, true) === LOCAL;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(dv: DataView, at: number, where: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${where}: 64-bit field ${v} is too large`);
  return Number(v);
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();

  constructor(private readonly src: ByteSource) {
    const where = src.where;
    const { count, cdOffset, cdSize } = this.findDirectory();
    if (cdOffset + cdSize > src.size) {
      throw new Error(`${where}: corrupt zip: the central directory (bytes ${cdOffset}..${cdOffset + cdSize}) runs past the end of the ${src.size}-byte file`);
    }
    const cd = src.read(cdOffset, cdSize);
    const dv = view(cd);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || dv.getUint32(p, true) !== CENTRAL) {
        throw new Error(`${where}: corrupt zip: central directory record ${i} of ${count} at byte ${cdOffset + p} is missing or truncated`);
      }
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      const crc32 = dv.getUint32(p + 16, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let size = dv.getUint32(p + 24, true);
      const nameLength = dv.getUint16(p + 28, true);
      const extraLength = dv.getUint16(p + 30, true);
      const commentLength = dv.getUint16(p + 32, true);
      let localHeaderOffset = dv.getUint32(p + 42, true);
      if (p + 46 + nameLength + extraLength + commentLength > cd.length) {
        throw new Error(`${where}: corrupt zip: central directory record ${i} at byte ${cdOffset + p} runs past the directory`);
      }
      const name = Buffer.from(cd.subarray(p + 46, p + 46 + nameLength)).toString("utf8");
      // Zip64 extended information: the 64-bit values replace the 32-bit fields that are all ones.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          const at = `${where}: zip64 field of entry ${name}`;
          if (size === 0xffffffff) (size = u64(dv, q, at)), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = u64(dv, q, at)), (q += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(dv, q, at);
        }
        e += 4 + len;
      }
      if (flags & 1) throw new Error(`${where}: zip entry ${name} is encrypted, which is not supported`);
      this.entries.set(name, { name, method, compressedSize, size, crc32, localHeaderOffset });
      p += 46 + nameLength + extraLength + commentLength;
    }
  }

  private findDirectory(): { count: number; cdOffset: number; cdSize: number } {
    const { src } = this;
    const where = src.where;
    // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
    const tailLength = Math.min(src.size, 22 + 0xffff + 20);
    const tail = src.read(src.size - tailLength, tailLength);
    const dv = view(tail);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (dv.getUint32(i, true) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      throw new Error(`${where}: corrupt zip: no end-of-central-directory record in the last ${tailLength} bytes (not a zip file, or truncated)`);
    }
    let count = dv.getUint16(at + 10, true);
    let cdSize = dv.getUint32(at + 12, true);
    let cdOffset = dv.getUint32(at + 16, true);
    if (at >= 20 && dv.getUint32(at - 20, true) === ZIP64_LOCATOR) {
      const recordOffset = u64(dv, at - 20 + 8, where);
      if (recordOffset + 56 > src.size) {
        throw new Error(`${where}: corrupt zip: the zip64 end-of-central-directory record at byte ${recordOffset} runs past the end of the file`);
      }
      const rec = view(src.read(recordOffset, 56));
      if (rec.getUint32(0, true) !== ZIP64_EOCD) {
        throw new Error(`${where}: corrupt zip: expected a zip64 end-of-central-directory record at byte ${recordOffset}`);
      }
      count = u64(rec, 32, where);
      cdSize = u64(rec, 40, where);
      cdOffset = u64(rec, 48, where);
    }
    return { count, cdOffset, cdSize };
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The uncompressed bytes of one entry, CRC-checked. */
  read(name: string): Uint8Array {
    const where = this.src.where;
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`${where}: zip has no entry ${name}`);
    if (entry.localHeaderOffset + 30 > this.src.size) {
      throw new Error(`${where}: corrupt zip: entry ${name} has its local header at byte ${entry.localHeaderOffset}, past the end of the ${this.src.size}-byte file`);
    }
    const local = view(this.src.read(entry.localHeaderOffset, 30));
    if (local.getUint32(0, true) !== LOCAL) {
      throw new Error(`${where}: corrupt zip: no local file header for entry ${name} at byte ${entry.localHeaderOffset}`);
    }
    const dataOffset = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataOffset + entry.compressedSize > this.src.size) {
      throw new Error(
        `${where}: corrupt zip: entry ${name} needs bytes ${dataOffset}..${dataOffset + entry.compressedSize} but the file has ${this.src.size} (truncated?)`,
      );
    }
    const raw = this.src.read(dataOffset, entry.compressedSize);
    let data: Uint8Array;
    if (entry.method === 0) {
      data = raw;
    } else if (entry.method === 8) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch (e) {
        throw new Error(`${where}: corrupt zip: entry ${name} does not inflate (${(e as Error).message})`);
      }
    } else {
      throw new Error(`${where}: zip entry ${name} uses compression method ${entry.method}; expected 0 (stored) or 8 (deflated)`);
    }
    if (data.length !== entry.size) {
      throw new Error(`${where}: corrupt zip: entry ${name} holds ${data.length} bytes, its directory record says ${entry.size}`);
    }
    const crc = zlib.crc32(data) >>> 0;
    if (crc !== entry.crc32) {
      throw new Error(
        `${where}: corrupt zip: entry ${name} has CRC-32 ${hex(crc)}, its directory record says ${hex(entry.crc32)}`,
      );
    }
    return data;
  }
}

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}
