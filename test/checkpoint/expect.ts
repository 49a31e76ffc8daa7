/** Comparisons between lukelab's TensorData and what reference.py printed (bit-exact). */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { writeFileAtomic } from "../../kernel/io/atomic";
import type { StateDict, TensorData } from "../../kernel/checkpoint/tensor-data";
import { ROOT, runPython, tmpDir } from "../helpers";

/** A tensor as reference.py encodes it: float32 bytes in base64, or integers. */
export interface Encoded {
  dtype: string;
  shape: number[];
  f32?: string;
  ints?: number[];
}

export const REFERENCE = join(ROOT, "test", "checkpoint", "reference.py");

const WORK = join(ROOT, "test", ".work");
const FIXTURE_PREFIX = "checkpoint-fixtures-";

/** Changes whenever reference.py or the installed torch / transformers / safetensors change. */
function fixtureKey(): string {
  const h = createHash("sha256").update(readFileSync(REFERENCE));
  const lib = join(ROOT, ".venv", "lib");
  for (const py of existsSync(lib) ? readdirSync(lib).sort() : []) {
    const site = join(lib, py, "site-packages");
    if (!existsSync(site)) continue;
    for (const f of readdirSync(site).sort()) if (/^(torch|transformers|safetensors)-.*\.dist-info$/.test(f)) h.update(f);
  }
  return h.digest("hex").slice(0, 16);
}

export type FixtureName = "tensors" | "luke-hf" | "luke-archive" | "evil";

/**
 * What reference.py wrote and printed for one fixture set. All sets are made by one Python run
 * (`reference.py all`) into test/.work/checkpoint-fixtures-<key>/ and reused by the other test
 * files and later runs until reference.py or the Python libraries change; LUKELAB_FRESH_FIXTURES=1
 * forces a new run. Tests only read these files; what they write goes to their own tmpDir.
 */
export function fixture<T>(name: FixtureName): T {
  const dir = join(WORK, FIXTURE_PREFIX + fixtureKey());
  const manifest = join(dir, "manifest.json");
  if (process.env.LUKELAB_FRESH_FIXTURES === "1" || !existsSync(manifest)) {
    mkdirSync(WORK, { recursive: true });
    for (const f of readdirSync(WORK)) if (f.startsWith(FIXTURE_PREFIX)) rmSync(join(WORK, f), { recursive: true, force: true });
    mkdirSync(dir);
    const all = runPython(REFERENCE, ["all", dir]);
    writeFileAtomic(manifest, JSON.stringify(all));
    process.env.LUKELAB_FRESH_FIXTURES = "0";
  }
  return (JSON.parse(readFileSync(manifest, "utf8")) as Record<FixtureName, T>)[name];
}

/**
 * For a test file: before its tests, a fresh temp folder (`ctx.dir`, for what they write) and the
 * reference fixture `name` (`ctx.fx`); after them, the folder removed.
 */
export function fixtureAndTmpDir<T>(name: FixtureName, prefix: string): { readonly dir: string; readonly fx: T } {
  const ctx = {} as { dir: string; fx: T };
  before(() => {
    ctx.dir = tmpDir(prefix);
    ctx.fx = fixture<T>(name);
  });
  after(() => rmSync(ctx.dir, { recursive: true, force: true }));
  return ctx;
}

export function referenceCheck<T>(jobs: object[]): T[] {
  return runPython<T[]>(REFERENCE, ["check"], jobs);
}

export function assertTensor(actual: TensorData | undefined, expected: Encoded, name: string): void {
  assert.ok(actual, `${name}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${name}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${name}: dtype`);
  if (expected.f32 !== undefined) {
    assert.ok(actual.data instanceof Float32Array, `${name}: expected Float32Array, found ${actual.data.constructor.name}`);
    const bytes = Buffer.from(actual.data.buffer, actual.data.byteOffset, actual.data.byteLength);
    const want = Buffer.from(expected.f32, "base64");
    if (!bytes.equals(want)) {
      const got = new Uint32Array(new Uint8Array(bytes).buffer);
      const exp = new Uint32Array(new Uint8Array(want).buffer);
      const i = got.findIndex((g, j) => g !== exp[j]);
      const f = (u: number) => `${new Float32Array(new Uint32Array([u]).buffer)[0]} (0x${u.toString(16)})`;
      assert.fail(`${name}: ${got.length} values vs Python's ${exp.length}; first difference at element ${i}: ${f(got[i])} vs ${f(exp[i])}`);
    }
  } else {
    assert.ok(!(actual.data instanceof Float32Array), `${name}: integer tensor decoded as floats`);
    assert.deepEqual(Array.from(actual.data), expected.ints, `${name}: values`);
  }
}

/** Same keys (any order) and bit-identical tensors. `rename` maps Python's keys to ours. */
export function assertStateDict(actual: StateDict, expected: Record<string, Encoded>, where: string, rename = (k: string) => k): void {
  const want = Object.keys(expected).map(rename).sort();
  assert.deepEqual([...actual.keys()].sort(), want, `${where}: keys`);
  for (const [k, v] of Object.entries(expected)) assertTensor(actual.get(rename(k)), v, `${where}: ${rename(k)}`);
}

/** Asserts that fn throws an Error whose message contains every fragment. */
export function assertThrowsWith(fn: () => unknown, fragments: (string | RegExp)[]): Error {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, `expected an Error, ${error === undefined ? "nothing was thrown" : `got ${String(error)}`}`);
  for (const f of fragments) {
    if (typeof f === "string") assert.ok(error.message.includes(f), `error message lacks ${JSON.stringify(f)}:\n${error.message}`);
    else assert.match(error.message, f);
  }
  return error;
}

export async function assertRejectsWith(fn: () => Promise<unknown>, fragments: (string | RegExp)[]): Promise<Error> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  return assertThrowsWith(() => {
    if (error !== undefined) throw error;
  }, fragments);
}
