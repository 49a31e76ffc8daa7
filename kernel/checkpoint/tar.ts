/**
 * Streams a tar or tar.gz archive and copies chosen members to files, without ever holding the
 * archive (the original LUKE checkpoint is ~1.6 GB) in memory. Understands ustar, GNU long names
 * and pax `path`/`size` records; checks header checksums.
 *
 * Hand-written: Node ships gzip (zlib) but no tar reader, the format is simple, and a member
 * is written to a fixed file name we choose, so a hostile member name cannot escape the folder.
 */
import { closeSync, createReadStream, openSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export interface TarMember {
  /** Path inside the archive, without a leading "./". */
  name: string;
  size: number;
  /** Tar type flag: "0" file, "5" folder, ... */
  type: string;
}

export interface TarExtraction {
  /** Every member seen, in archive order. */
  members: TarMember[];
  /** Member name → file it was copied to (for the members `wanted` chose). */
  extracted: Map<string, string>;
}

/** True when the file starts with the gzip magic bytes. */
function isGzip(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Parses an octal or base-256 numeric header field. */
function numeric(field: Buffer): number {
  if (field[0] & 0x80) {
    // GNU base-256: big-endian two's complement, first byte's top bit is the marker.
    let v = BigInt(field[0] & 0x7f);
    for (let i = 1; i < field.length; i++) v = (v << 8n) | BigInt(field[i]);
    return Number(v);
  }
  const s = field.toString("latin1").replace(/\0.*$/s, "").trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString("utf8");
}

class TarParser {
  readonly members: TarMember[] = [];
  readonly extracted = new Map<string, string>();
  private header = Buffer.alloc(512);
  private headerFill = 0;
  /** Bytes of the tar stream consumed so far (for error messages). */
  private offset = 0;
  private remaining = 0;
  private padding = 0;
  private ended = false;
  private member: { name: string; size: number; type: string; fd: number | null; meta: Buffer[] | null; headerAt: number } | null = null;
  private longName: string | null = null;
  private pax: Record<string, string> = {};

  constructor(
    private readonly where: string,
    private readonly wanted: (name: string) => boolean,
    private readonly destDir: string,
  ) {}

  push(chunk: Buffer): void {
    let p = 0;
    while (p < chunk.length && !this.ended) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - p);
        this.data(chunk.subarray(p, p + n));
        p += n;
        this.offset += n;
        this.remaining -= n;
        if (this.remaining === 0) this.endMember();
      } else if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - p);
        p += n;
        this.offset += n;
        this.padding -= n;
      } else {
        const n = Math.min(512 - this.headerFill, chunk.length - p);
        chunk.copy(this.header, this.headerFill, p, p + n);
        this.headerFill += n;
        p += n;
        this.offset += n;
        if (this.headerFill === 512) {
          this.headerFill = 0;
          this.onHeader(this.offset - 512);
        }
      }
    }
  }

  finish(): void {
    if (this.ended) return;
    if (this.remaining > 0 && this.member) {
      const got = this.member.size - this.remaining;
      throw new Error(`${this.where}: the archive ends inside member ${this.member.name}: it has ${got} of its ${this.member.size} bytes (truncated?)`);
    }
    if (this.headerFill > 0) {
      throw new Error(`${this.where}: the archive ends inside a tar header at byte ${this.offset - this.headerFill} of the tar stream (truncated?)`);
    }
    // A missing end-of-archive marker after a complete member is tolerated, as GNU tar does.
  }

  /** Closes a half-written member file after an error. */
  abort(): void {
    if (this.member?.fd != null) closeSync(this.member.fd);
    this.member = null;
  }

  private onHeader(at: number): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.ended = true; // end-of-archive marker
      return;
    }
    const stored = numeric(h.subarray(148, 156));
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < 512; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : h[i];
      unsigned += b;
      signed += b > 127 ? b - 256 : b;
    }
    if (stored !== unsigned && stored !== signed) {
      throw new Error(`${this.where}: corrupt tar header at byte ${at} of the tar stream: checksum field says ${stored}, the header sums to ${unsigned} (not a tar archive, or damaged)`);
    }
    const type = String.fromCharCode(h[156] || 0x30);
    let size = numeric(h.subarray(124, 136));
    if (this.pax.size !== undefined) size = Number(this.pax.size);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`${this.where}: tar header at byte ${at} has an unreadable size field`);
    let name = text(h.subarray(0, 100));
    const magic = h.subarray(257, 262).toString("latin1");
    if (magic === "ustar") {
      const prefix = text(h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    if (type !== "L" && type !== "x" && type !== "g" && type !== "K") {
      if (this.longName !== null) name = this.longName;
      if (this.pax.path !== undefined) name = this.pax.path;
      this.longName = null;
      this.pax = {};
    }
    name = name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
    const isFile = type === "0" || type === "7";
    const isMeta = type === "L" || type === "x";
    if (isMeta && size > 1 << 20) throw new Error(`${this.where}: tar ${type === "L" ? "long-name" : "pax"} record at byte ${at} is ${size} bytes, more than 1 MiB`);
    let fd: number | null = null;
    if (isFile) {
      this.members.push({ name, size, type });
      if (this.wanted(name)) {
        const path = join(this.destDir, `member-${this.members.length}`);
        fd = openSync(path, "wx");
        this.extracted.set(name, path);
      }
    } else if (!isMeta && type !== "g" && type !== "K") {
      this.members.push({ name, size, type });
    }
    this.member = { name, size, type, fd, meta: isMeta ? [] : null, headerAt: at };
    this.remaining = size;
    this.padding = (512 - (size % 512)) % 512;
    if (size === 0) this.endMember();
  }

  private data(bytes: Buffer): void {
    const m = this.member!;
    if (m.fd !== null) {
      let done = 0;
      while (done < bytes.length) done += writeSync(m.fd, bytes, done, bytes.length - done);
    } else if (m.meta) {
      m.meta.push(Buffer.from(bytes));
    }
  }

  private endMember(): void {
    const m = this.member!;
    if (m.fd !== null) closeSync(m.fd);
    if (m.type === "L") this.longName = text(Buffer.concat(m.meta!));
    if (m.type === "x") this.pax = parsePax(Buffer.concat(m.meta!));
    this.member = null;
  }
}

/** pax records: "<length> <key>=<value>\n", length counting the whole record. */
function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  while (p < buf.length) {
    const space = buf.indexOf(0x20, p);
    if (space < 0) break;
    const length = parseInt(buf.subarray(p, space).toString("latin1"), 10);
    if (!Number.isSafeInteger(length) || length <= 0) break;
    const record = buf.subarray(space + 1, p + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    p += length;
  }
  return out;
}

/**
 * Streams `archive` (tar, or tar.gz by its magic bytes) and copies the members for which
 * `wanted(name)` is true into `destDir` as `member-<n>` files.
 */
export async function extractTarMembers(archive: string, wanted: (name: string) => boolean, destDir: string): Promise<TarExtraction> {
  if (!statSync(archive).isFile()) throw new Error(`${archive}: is not a file`);
  const parser = new TarParser(archive, wanted, destDir);
  const gz = isGzip(archive);
  const input = createReadStream(archive, { highWaterMark: 1 << 20 });
  let source: Readable = input;
  if (gz) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    source = pipeline(input, gunzip, () => {}) as unknown as Readable;
  }
  try {
    for await (const chunk of source) parser.push(chunk as Buffer);
  } catch (e) {
    parser.abort();
    input.destroy();
    const err = e as NodeJS.ErrnoException;
    if (gz && (err.code?.startsWith("Z_") || /unexpected end|incorrect header|invalid/i.test(err.message))) {
      throw new Error(`${archive}: the gzip data is corrupt or truncated (${err.message})`);
    }
    if (err.message.startsWith(archive)) throw e;
    throw new Error(`${archive}: cannot be read (${err.message})`);
  }
  parser.finish();
  return { members: parser.members, extracted: parser.extracted };
}
