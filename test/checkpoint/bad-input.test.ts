/**
 * Bad input: pickles that would run code, unknown opcodes, corrupt zips, lying safetensors headers.
 * Each must fail with an error naming the file and what was found, and no code may run.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { loadSafetensors } from "../../kernel/checkpoint/safetensors";
import { loadTorchCheckpoint } from "../../kernel/checkpoint/torch-file";
import { assertThrowsWith, fixtureAndTmpDir, referenceCheck } from "./expect";

interface EvilFixture {
  marker: string;
  python_ran_payloads: boolean;
  files: Record<string, { path: string; global: string }>;
  unknown_opcode: string;
  newobj: string;
  no_storage: string;
  short_storage: string;
  module: string;
}

const ctx = fixtureAndTmpDir<EvilFixture>("evil", "lukelab-bad-");

describe("restricted unpickler", () => {
  it("uses payloads that really run code when Python unpickles them", () => {
    assert.equal(ctx.fx.python_ran_payloads, true);
    assert.equal(existsSync(ctx.fx.marker), false, "the marker does not exist before lukelab reads the files");
  });

  for (const name of ["posix_system", "os_system", "builtins_eval", "legacy_os_system"]) {
    it(`refuses ${name}, naming the global and the file, and runs nothing`, () => {
      const { path, global } = ctx.fx.files[name];
      assertThrowsWith(() => loadTorchCheckpoint(path), [path, `global ${global}`, "not allowed", /pickle byte \d+/]);
      assert.equal(existsSync(ctx.fx.marker), false, "the payload did not run");
    });
  }

  it("refuses a pickled nn.Module (a class outside the allow-list)", () => {
    assertThrowsWith(() => loadTorchCheckpoint(ctx.fx.module), [ctx.fx.module, "torch.nn.modules.linear.Linear", "not allowed"]);
  });

  it("names an unknown opcode and its byte offset", () => {
    assertThrowsWith(() => loadTorchCheckpoint(ctx.fx.unknown_opcode), [ctx.fx.unknown_opcode, "archive/data.pkl", "unknown pickle opcode 0xff", "pickle byte 3"]);
  });

  it("refuses object-building opcodes such as NEWOBJ", () => {
    assertThrowsWith(() => loadTorchCheckpoint(ctx.fx.newobj), [ctx.fx.newobj, "NEWOBJ", "not supported"]);
  });

  it("names a storage the zip lacks, and a storage shorter than the pickle says", () => {
    assertThrowsWith(() => loadTorchCheckpoint(ctx.fx.no_storage), [ctx.fx.no_storage, "archive/data/0"]);
    assertThrowsWith(() => loadTorchCheckpoint(ctx.fx.short_storage), [ctx.fx.short_storage, "storage 0", "8 bytes", "12"]);
  });
});

describe("corrupt zip and non-torch files", () => {
  let good: Buffer;
  before(() => {
    good = readFileSync(ctx.fx.no_storage);
  });

  it("names a truncated zip", () => {
    const path = join(ctx.dir, "truncated.pt");
    writeFileSync(path, good.subarray(0, Math.floor(good.length / 2)));
    assertThrowsWith(() => loadTorchCheckpoint(path), [path, "corrupt zip", "end-of-central-directory"]);
  });

  it("detects a changed byte through the CRC", () => {
    const path = join(ctx.dir, "flipped.pt");
    const bytes = Buffer.from(good);
    const at = bytes.indexOf(Buffer.from("little"));
    bytes[at] = "b".charCodeAt(0); // "bittle": same length, different CRC
    writeFileSync(path, bytes);
    assertThrowsWith(() => loadTorchCheckpoint(path), [path, "corrupt zip", "archive/byteorder", "CRC-32"]);
  });

  it("names a file that is neither a zip nor a legacy torch file", () => {
    const path = join(ctx.dir, "text.bin");
    writeFileSync(path, "hello, not a checkpoint");
    assertThrowsWith(() => loadTorchCheckpoint(path), [path, "not a PyTorch checkpoint", "0x68 0x65"]);
  });
});

/** A safetensors file from a header object and a data section length. */
function safetensors(path: string, header: unknown, dataBytes: number, rawHeader?: string): string {
  const json = Buffer.from(rawHeader ?? JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, Buffer.alloc(dataBytes)]));
  return path;
}

describe("safetensors validation", () => {
  const cases: { name: string; make: (p: string) => string; expect: (string | RegExp)[] }[] = [
    { name: "shorter than 8 bytes", make: (p) => (writeFileSync(p, Buffer.from([1, 2, 3])), p), expect: ["3 bytes is too short", "at least 8"] },
    {
      name: "header length beyond the file",
      make: (p) => {
        const b = Buffer.alloc(16);
        b.writeBigUInt64LE(1000n);
        writeFileSync(p, b);
        return p;
      },
      expect: ["header length field says 1000 bytes", "only 8 bytes follow"],
    },
    { name: "header that is not JSON", make: (p) => safetensors(p, null, 0, "{not json at all}"), expect: ["header is not JSON", "{not json"] },
    {
      name: "offsets past the end",
      make: (p) => safetensors(p, { a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, 8),
      expect: [`tensor "a"`, "[0, 16]", "run past the end of the 8-byte data section"],
    },
    {
      name: "overlapping offsets",
      make: (p) => safetensors(p, { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, 12),
      expect: [`tensor "b"`, `overlaps tensor "a"`, "start at byte 8"],
    },
    {
      name: "a gap between tensors",
      make: (p) => safetensors(p, { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } }, 12),
      expect: ["bytes 4..8", `gap before tensor "b"`],
    },
    {
      name: "a size that disagrees with dtype × shape",
      make: (p) => safetensors(p, { w: { dtype: "F16", shape: [2, 3], data_offsets: [0, 24] } }, 24),
      expect: [`tensor "w"`, "24 bytes", "F16 × shape [2, 3]", "needs 12 bytes"],
    },
    {
      name: "an unknown dtype",
      make: (p) => safetensors(p, { w: { dtype: "Q4", shape: [1], data_offsets: [0, 1] } }, 1),
      expect: [`tensor "w"`, `"Q4"`, "expected one of F32"],
    },
    {
      name: "bytes left over after the last tensor",
      make: (p) => safetensors(p, { w: { dtype: "U8", shape: [2], data_offsets: [0, 2] } }, 5),
      expect: ["cover 2 bytes", "has 5 bytes"],
    },
  ];

  it("rejects each bad file with an error naming the file and what was wrong, as Python safetensors does", () => {
    const paths = cases.map((c, i) => c.make(join(ctx.dir, `bad-${i}.safetensors`)));
    const python = referenceCheck<{ rejected: boolean; error?: string }>(paths.map((path) => ({ kind: "safetensors-rejects", path })));
    cases.forEach((c, i) => {
      assert.equal(python[i].rejected, true, `Python safetensors also rejects: ${c.name}`);
      assertThrowsWith(() => loadSafetensors(paths[i]), [paths[i], ...c.expect]);
    });
  });

  it("accepts the well-formed neighbour of those files (so the checks are not over-eager)", () => {
    const path = safetensors(join(ctx.dir, "fine.safetensors"), { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8);
    const { stateDict } = loadSafetensors(path);
    assert.deepEqual([...stateDict.keys()], ["a", "b"]);
  });
});
