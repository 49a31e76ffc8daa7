/** Shared test utilities: paths, the project venv's Python, backend start-up, leak checks. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe } from "node:test";
import { initBackend, tf } from "../kernel/backend";

/** Repository root (tests run from lib/test/...). */
export const ROOT = resolve(__dirname, "..", "..");
/** The shared folder that sits beside the repository (datasets, docs). */
export const SHARED = process.env.LUKELAB_SHARED ?? resolve(ROOT, "..", "shared");
export const FIXTURES = join(ROOT, "test", "fixtures");

/** The project venv's Python, which has torch and transformers (set up by scripts/setup.sh). */
export function venvPython(): string {
  const py = join(ROOT, ".venv", "bin", "python");
  if (!existsSync(py)) {
    throw new Error(`${py} is missing: run \`npm run setup\` (scripts/setup.sh) first`);
  }
  return py;
}

/** Runs a Python script from the venv with JSON on stdin; returns parsed JSON from stdout. */
export function runPython<T = unknown>(script: string, args: string[] = [], input?: unknown): T {
  const r = spawnSync(venvPython(), [script, ...args], {
    input: input === undefined ? undefined : JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false" },
  });
  if (r.status !== 0) {
    throw new Error(`python ${script} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}

export function tmpDir(prefix = "lukelab-test-"): string {
  return mkdtempSync(join(require("node:os").tmpdir(), prefix));
}

export async function ready(): Promise<void> {
  await initBackend();
}

/** Runs fn and asserts that it leaves the number of live tensors unchanged. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${before} tensors before, ${after} after`);
  return out;
}

/** n deterministic values in [-scale, scale) from a seeded LCG: the same numbers on every backend and run. */
export function seededValues(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/**
 * describe(title) whose tests share one model: loaded (after ready()) before them, disposed after
 * them; `model()` gives it to the tests that `body` declares.
 */
export function describeWithModel<M extends { dispose(): void }>(title: string, load: () => Promise<M>, body: (model: () => M) => void): void {
  describe(title, () => {
    let model: M | undefined;
    before(async () => {
      await ready();
      model = await load();
    });
    after(() => model?.dispose());
    body(() => model!);
  });
}

/** Largest absolute difference between two flat numeric arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function flatten(x: unknown): number[] {
  const out: number[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else out.push(v as number);
  };
  walk(x);
  return out;
}
