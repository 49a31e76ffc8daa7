/**
 * Whole-or-nothing file writes: the bytes go to a temporary file in the same folder, are flushed,
 * and the temporary file is renamed over the target. A crash leaves the old file (or none), never
 * half a file.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";

export type Chunks = string | Uint8Array | Iterable<Uint8Array>;

function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * `beforeRename`, if given, is called with the finished temporary file's size and modification time
 * (which the file keeps once renamed) before it replaces `path`; if it throws, nothing is replaced.
 */
export function writeFileAtomic(path: string, content: Chunks, beforeRename?: (written: Stats) => void): void {
  const out = new AtomicFileWriter(path);
  try {
    const chunks: Iterable<Uint8Array> =
      typeof content === "string" ? [Buffer.from(content, "utf8")] : content instanceof Uint8Array ? [content] : content;
    for (const chunk of chunks) out.write(chunk);
    out.commit(beforeRename);
  } catch (e) {
    out.abort();
    throw new Error(`${path}: could not be written (${(e as Error).message}); the previous file, if any, is unchanged`);
  }
}

/** A file written piece by piece into a temporary file and renamed into place by `commit`. */
export class AtomicFileWriter {
  private readonly tmp: string;
  private fd: number | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = tempNameFor(path);
    this.fd = openSync(this.tmp, "wx");
  }

  write(data: string | Uint8Array): void {
    if (this.fd === undefined) throw new Error(`${this.path}: write after commit or abort`);
    writeAll(this.fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
  }

  /** Renames the finished file into place; `beforeRename` (see writeFileAtomic) is called first. */
  commit(beforeRename?: (written: Stats) => void): void {
    if (this.fd === undefined) throw new Error(`${this.path}: already committed or aborted`);
    fsyncSync(this.fd);
    const written = fstatSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    beforeRename?.(written);
    renameSync(this.tmp, this.path);
  }

  /** Drops the temporary file; the previous contents of `path`, if any, stay as they were. */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }
}
