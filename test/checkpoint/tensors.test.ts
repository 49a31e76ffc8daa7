/**
 * safetensors and PyTorch readers against what torch and safetensors wrote, and the safetensors
 * writer against what the Python library reads (and writes) for the same tensors.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { loadSafetensors, saveSafetensors } from "../../kernel/checkpoint/safetensors";
import type { StateDict } from "../../kernel/checkpoint/tensor-data";
import { loadTorchCheckpoint } from "../../kernel/checkpoint/torch-file";
import { assertStateDict, assertThrowsWith, Encoded, fixtureAndTmpDir, referenceCheck } from "./expect";

interface TensorsFixture {
  paths: Record<"zip" | "legacy" | "deflated" | "zip64" | "safetensors" | "big_int" | "big_int_safetensors", string>;
  order: string[];
  expected: Record<string, Encoded>;
  facts: { tied_share_storage: boolean; view_shares_storage: boolean; view_is_contiguous: boolean; view_stride: number[]; view_offset: number };
}

const ctx = fixtureAndTmpDir<TensorsFixture>("tensors", "lukelab-tensors-");

before(() => {
  // The fixture must exercise what it claims to: a non-contiguous view and storages shared by two keys.
  assert.equal(ctx.fx.facts.tied_share_storage, true);
  assert.equal(ctx.fx.facts.view_shares_storage, true);
  assert.equal(ctx.fx.facts.view_is_contiguous, false);
  assert.notEqual(ctx.fx.facts.view_offset, 0);
});

describe("PyTorch files", () => {
  for (const layout of ["zip", "legacy", "deflated", "zip64"] as const) {
    it(`reads every dtype, view and shared storage of a ${layout} torch.save file bit-exactly`, () => {
      const sd = loadTorchCheckpoint(ctx.fx.paths[layout]);
      assertStateDict(sd, ctx.fx.expected, ctx.fx.paths[layout]);
      assert.deepEqual([...sd.keys()], ctx.fx.order, "the file's key order is kept");
    });
  }

  it("gives tied weights equal values but separate arrays", () => {
    const sd = loadTorchCheckpoint(ctx.fx.paths.zip);
    const a = sd.get("tied_a")!;
    const b = sd.get("tied_b")!;
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    assert.notEqual(a.data, b.data);
    a.data[0] += 1;
    assert.notEqual(a.data[0], b.data[0]);
  });

  it("refuses int64 values beyond int32, naming the file, tensor and value", () => {
    assertThrowsWith(() => loadTorchCheckpoint(ctx.fx.paths.big_int), [ctx.fx.paths.big_int, `"big"`, "1099511627776", "int32"]);
  });
});

describe("safetensors reader", () => {
  it("reads a file written by safetensors.torch.save_file bit-exactly, with its metadata", () => {
    const { stateDict, metadata } = loadSafetensors(ctx.fx.paths.safetensors);
    assertStateDict(stateDict, ctx.fx.expected, ctx.fx.paths.safetensors);
    assert.deepEqual(metadata, { format: "pt" });
  });

  it("refuses int64 values beyond int32", () => {
    assertThrowsWith(() => loadSafetensors(ctx.fx.paths.big_int_safetensors), [ctx.fx.paths.big_int_safetensors, `"big"`, "1099511627776"]);
  });
});

describe("safetensors writer", () => {
  it("writes files that Python safetensors loads with identical values, and the same bytes the Python library writes", () => {
    const original = loadTorchCheckpoint(ctx.fx.paths.zip);
    const ours = join(ctx.dir, "ours.safetensors");
    saveSafetensors(ours, original);
    const pythons = join(ctx.dir, "python.safetensors");
    const [result] = referenceCheck<{ tensors: Record<string, Encoded>; metadata: Record<string, string> }>([
      { kind: "safetensors", path: ours, python_path: pythons },
    ]);
    assert.deepEqual(result.metadata, { format: "pt" });
    // Floats come back as float32 (float16/bfloat16/float64 are written as F32); integers keep their dtype.
    assert.deepEqual(Object.keys(result.tensors).sort(), Object.keys(ctx.fx.expected).sort());
    for (const [name, want] of Object.entries(ctx.fx.expected)) {
      assert.deepEqual(result.tensors[name], want.f32 !== undefined ? { ...want, dtype: "float32" } : want, `Python's read of ${name}`);
    }
    assert.ok(readFileSync(ours).equals(readFileSync(pythons)), "lukelab and the Python library write the same bytes");
    // The header is padded with spaces to a multiple of 8, so the data starts 8-aligned.
    const headerLength = Number(readFileSync(ours).readBigUInt64LE(0));
    assert.equal(headerLength % 8, 0);
  });

  it("replaces a file atomically and leaves the old one when writing fails", () => {
    const path = join(ctx.dir, "atomic.safetensors");
    const good: StateDict = new Map([["w", { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) }]]);
    saveSafetensors(path, good);
    const before = readFileSync(path);
    const bad: StateDict = new Map([["w", { dtype: "float32", shape: [3], data: new Float32Array([1, 2]) }]]);
    assertThrowsWith(() => saveSafetensors(path, bad), [path, `"w"`, "[3]", "2 values"]);
    assert.ok(readFileSync(path).equals(before), "the old file is untouched");
    const overflow: StateDict = new Map([["u", { dtype: "uint8", shape: [1], data: new Int32Array([300]) }]]);
    assertThrowsWith(() => saveSafetensors(path, overflow), [path, `"u"`, "300", "uint8"]);
    assert.ok(readFileSync(path).equals(before));
    assert.deepEqual(readdirSync(ctx.dir).filter((f) => f.includes(".tmp")), [], "no temporary files are left behind");
  });

  it("writes no file at all when the first write fails", () => {
    const path = join(ctx.dir, "never.safetensors");
    const bad: StateDict = new Map([["b", { dtype: "bool", shape: [1], data: new Float32Array([1]) }]]);
    assertThrowsWith(() => saveSafetensors(path, bad), [path, "Uint8Array"]);
    assert.equal(existsSync(path), false);
  });

  it("round-trips its own output (sanity, after the Python checks above)", () => {
    const path = join(ctx.dir, "self.safetensors");
    const sd: StateDict = new Map([
      ["a", { dtype: "float32", shape: [2, 2], data: new Float32Array([1, -2, 3.5, NaN]) }],
      ["n", { dtype: "int64", shape: [3], data: new Int32Array([-5, 0, 2147483647]) }],
      ["s", { dtype: "float32", shape: [], data: new Float32Array([7]) }],
    ]);
    saveSafetensors(path, sd);
    const back = loadSafetensors(path).stateDict;
    assert.deepEqual(back.get("n"), sd.get("n"));
    assert.deepEqual(back.get("s"), sd.get("s"));
    assert.ok(Number.isNaN(back.get("a")!.data[3]));
  });
});
