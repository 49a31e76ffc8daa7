/**
 * Event files that TensorBoard's own reader (Python tensorboard's EventAccumulator) reads: scalar
 * tags, steps and values; CRC32C as TFRecord needs it; and a resumed file cut back to its last
 * checkpoint, so a step killed half-way is not read twice or half.
 */
import assert from "node:assert/strict";
import { appendFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EventWriter, crc32c, maskedCrc32c } from "../../kernel/train/tensorboard";
import { ROOT, runPython, tmpDir } from "../helpers";

interface Read {
  tags: string[];
  scalars: Record<string, [number, number][]>;
  records: number;
}
const READER = join(ROOT, "test", "train", "read_events.py");

test("CRC32C and its mask match the TFRecord reference values", () => {
  assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(maskedCrc32c(new Uint8Array(0)), ((((0 >>> 15) | (0 << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test("TensorBoard's EventAccumulator reads the scalars", () => {
  const dir = tmpDir();
  const w = new EventWriter(dir);
  for (let step = 1; step <= 5; step++) {
    w.scalars(step, [
      { tag: "train/loss", value: 1 / step },
      { tag: "train/learning_rate", value: step * 1e-6 },
    ]);
  }
  w.scalars(5, [{ tag: "dev/f1", value: 0.625 }]);
  w.close();
  const read = runPython<Read>(READER, [dir]);
  assert.deepEqual(read.tags, ["dev/f1", "train/learning_rate", "train/loss"]);
  assert.deepEqual(read.scalars["train/loss"].map(([s]) => s), [1, 2, 3, 4, 5]);
  read.scalars["train/loss"].forEach(([s, v]) => assert.ok(Math.abs(v - 1 / s) < 1e-7));
  assert.deepEqual(read.scalars["dev/f1"], [[5, 0.625]]);
  assert.equal(read.records, 7, "file_version + 6 summaries, each passing the CRC checks");
});

test("resuming cuts the file back to the checkpoint: nothing twice, nothing half", () => {
  const dir = tmpDir();
  const w = new EventWriter(dir);
  w.scalar("train/loss", 0.9, 1);
  w.scalar("train/loss", 0.8, 2);
  w.flush();
  const checkpoint = w.bytesWritten;
  w.scalar("train/loss", 0.7, 3); // written after the checkpoint, then the process is killed…
  w.close();
  appendFileSync(join(dir, w.name), Buffer.from([1, 2, 3, 4, 5])); // …half-way through a record
  const resumed = new EventWriter(dir, { name: w.name, truncateTo: checkpoint });
  resumed.scalar("train/loss", 0.7, 3);
  resumed.scalar("train/loss", 0.6, 4);
  resumed.close();
  assert.equal(readdirSync(dir).length, 1);
  const read = runPython<Read>(READER, [dir]);
  assert.deepEqual(read.scalars["train/loss"].map(([s]) => s), [1, 2, 3, 4]);
  assert.throws(() => new EventWriter(dir, { name: "events.out.tfevents.0.none", truncateTo: 0 }), /event file to resume is missing/);
});
