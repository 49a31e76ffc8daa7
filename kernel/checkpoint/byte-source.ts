/**
 * Random access to the bytes of a file without holding the whole file in memory.
 * Checkpoints run to gigabytes; readers ask for the ranges they need (a header, one tensor).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

export interface ByteSource {
  /** What the bytes are, for error messages (usually the file path). */
  readonly where: string;
  readonly size: number;
  /** A fresh array holding exactly `length` bytes from `offset`; throws if the range runs past the end. */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export class FileByteSource implements ByteSource {
  readonly size: number;
  private fd: number | null;

  constructor(readonly where: string) {
    this.fd = openSync(where, "r");
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === null) throw new Error(`${this.where}: read after close`);
    checkRange(this.where, this.size, offset, length);
    const out = new Uint8Array(length);
    let done = 0;
    // readSync reads at most 2 GiB at a time, so large tensors arrive in pieces.
    while (done < length) {
      const n = readSync(this.fd, out, done, Math.min(length - done, 1 << 30), offset + done);
      if (n <= 0) throw new Error(`${this.where}: file ended at byte ${offset + done} while reading ${length} bytes from byte ${offset}`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export class MemoryByteSource implements ByteSource {
  readonly size: number;
  constructor(readonly where: string, private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    checkRange(this.where, this.size, offset, length);
    return this.bytes.slice(offset, offset + length);
  }
  close(): void {}
}

function checkRange(where: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new Error(`${where}: asked for bytes ${offset}..${offset + length} but the file has ${size} bytes`);
  }
}

/** Runs fn with the file open and always closes it. */
export function withFile<T>(path: string, fn: (src: FileByteSource) => T): T {
  const src = new FileByteSource(path);
  try {
    return fn(src);
  } finally {
    src.close();
  }
}
