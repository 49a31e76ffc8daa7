/**
 * TensorBoard event files, written by hand: scalar summaries are all lukelab logs, and their
 * format is small enough that a dependency (a protobuf runtime plus a TFRecord writer) would be
 * larger than the code.
 *
 * File: events.out.tfevents.<unix seconds>.<host>.<pid>.<n>, a sequence of TFRecords:
 *   uint64 length (LE) · uint32 masked CRC32C(length bytes) · data · uint32 masked CRC32C(data)
 * with masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8 (mod 2^32).
 * Each record's data is a tensorflow.Event protobuf:
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 * The first record carries file_version "brain.Event:2"; TensorBoard's EventAccumulator reads
 * simple_value scalars as scalar series (tested against Python tensorboard).
 *
 * Resuming: `bytesWritten` after each flush is recorded in the training checkpoint; reopening
 * with `truncateTo` drops whatever a killed run appended after its last checkpoint (including a
 * half-written record), so the resumed file holds each step once.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { crc, crcTable } from "../io/crc";

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.

const CRC32C = crcTable(0x82f63b78);

export function crc32c(bytes: Uint8Array): number {
  return crc(CRC32C, bytes);
}

export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, its CRC, the data, the data's CRC. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The few protobuf encodings an Event needs.

class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      bytes.push(b);
    } while (v !== 0n);
    this.parts.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  /** A fixed-width field: wire type 1 (8 bytes) or 5 (4 bytes), the value little-endian. */
  private fixed(field: number, wireType: 1 | 5, write: (b: Buffer) => void): this {
    this.key(field, wireType);
    const b = Buffer.alloc(wireType === 1 ? 8 : 4);
    write(b);
    this.parts.push(b);
    return this;
  }

  double(field: number, value: number): this {
    return this.fixed(field, 1, (b) => b.writeDoubleLE(value));
  }

  float(field: number, value: number): this {
    return this.fixed(field, 5, (b) => b.writeFloatLE(value));
  }

  int64(field: number, value: number): this {
    this.key(field, 0);
    this.varint(BigInt(Math.trunc(value)));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(value.length));
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, "utf8"));
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

export interface Scalar {
  tag: string;
  value: number;
}

/** An Event holding file_version (the first record of every file). */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).int64(2, 0).string(3, "brain.Event:2").finish();
}

/** An Event with one Summary of simple_value scalars. */
export function scalarsEvent(wallTime: number, step: number, scalars: readonly Scalar[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const s of scalars) summary.bytes(1, new ProtoWriter().string(1, s.tag).float(2, s.value).finish());
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish();
}

// ---------------------------------------------------------------------------------------------

let fileCounter = 0;

/** A new event file name, as TensorFlow's summary writers name them. */
export function eventFileName(now = Date.now()): string {
  return `events.out.tfevents.${Math.floor(now / 1000)}.${hostname()}.${process.pid}.${fileCounter++}`;
}

/**
 * Appends scalar events to one event file. Each `scalars` call writes and flushes one record,
 * so the file on disk is always a whole number of records up to the last call.
 */
export class EventWriter {
  readonly path: string;
  private fd: number | undefined;
  private written: number;

  /**
   * Opens `dir/name` (a new name by default). With `truncateTo`, an existing file is cut to that
   * many bytes and appended to (resume); otherwise the file must not exist yet.
   */
  constructor(dir: string, options: { name?: string; truncateTo?: number } = {}) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, options.name ?? eventFileName());
    if (options.truncateTo !== undefined) {
      if (!existsSync(this.path)) throw new Error(`${this.path}: the event file to resume is missing`);
      const size = statSync(this.path).size;
      if (size < options.truncateTo) {
        throw new Error(`${this.path}: holds ${size} bytes, fewer than the ${options.truncateTo} the checkpoint recorded`);
      }
      this.fd = openSync(this.path, "r+");
      ftruncateSync(this.fd, options.truncateTo);
      this.written = options.truncateTo;
    } else {
      this.fd = openSync(this.path, "wx");
      this.written = 0;
      this.append(fileVersionEvent(Date.now() / 1000));
    }
  }

  /** Bytes in the file so far (to record in a checkpoint). */
  get bytesWritten(): number {
    return this.written;
  }

  get name(): string {
    return this.path.slice(this.path.lastIndexOf("/") + 1);
  }

  scalars(step: number, scalars: readonly Scalar[], wallTime = Date.now() / 1000): void {
    if (scalars.length === 0) return;
    for (const s of scalars) {
      if (typeof s.tag !== "string" || s.tag === "") throw new Error(`event tag must be a non-empty string, got ${JSON.stringify(s.tag)}`);
    }
    this.append(scalarsEvent(wallTime, step, scalars));
  }

  scalar(tag: string, value: number, step: number): void {
    this.scalars(step, [{ tag, value }]);
  }

  /** Makes everything written so far durable (called before a checkpoint records bytesWritten). */
  flush(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private append(event: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`${this.path}: write after close`);
    const record = tfRecord(event);
    let done = 0;
    while (done < record.length) done += writeSync(this.fd, record, done, record.length - done, this.written + done);
    this.written += record.length;
  }
}
