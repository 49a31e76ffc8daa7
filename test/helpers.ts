/** Shared test utilities: paths, the project venv's Python, backend start-up, leak checks. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
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

/** Starts the CLI (bin/lukelab.js) and SIGKILLs it once its last resume checkpoint is at `killAt` steps or more. */
export function runAndKill(args: string[], out: string, killAt: number): Promise<{ killed: boolean; step?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "lukelab.js"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    let killedAt: number | undefined;
    const poll = setInterval(() => {
      try {
        const state = JSON.parse(readFileSync(join(out, ".resume", "state.json"), "utf8"));
        if (state.step >= killAt && killedAt === undefined) {
          killedAt = state.step;
          child.kill("SIGKILL");
        }
      } catch {
        // not written yet, or being replaced
      }
    }, 15);
    child.on("exit", (code, signal) => {
      clearInterval(poll);
      if (signal === "SIGKILL") resolve({ killed: true, step: killedAt });
      else if (code === 0) resolve({ killed: false });
      else reject(new Error(`the run failed (${code}): ${stderr}`));
    });
  });
}

/** The metrics keys of a results.json (dev_*, test_*, best_epoch), for comparing two runs. */
export const metricsOf = (r: object): Record<string, unknown> => Object.fromEntries(Object.entries(r).filter(([k]) => /^(dev|test)_|^best_epoch$/.test(k)));
