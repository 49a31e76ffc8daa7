/**
 * Backend selection: the order rule (pure), the LUKELAB_BACKEND override, the report's fields and
 * the error for an unknown backend. initBackend answers once per process, so the end-to-end cases
 * run in child processes with their own environment.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BACKEND_ENV, gpuVisibility, nativeBuilds, planBackends } from "../../kernel/backend";
import { ROOT, tmpDir } from "../helpers";

const BACKEND_MODULE = join(ROOT, "lib", "kernel", "backend");

/** Runs initBackend in a fresh Node with `env` changes (undefined deletes); returns its report or error. */
function childReport(env: Record<string, string | undefined>, preload = ""): { report?: any; error?: string; stderr: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const script = `${preload}
    const b = require(${JSON.stringify(BACKEND_MODULE)});
    b.initBackend().then(
      (r) => {
        const t = b.tf.add(b.tf.ones([3]), 1);
        r.sum = Array.from(t.dataSync());
        r.grad = Array.from(b.tf.grad((x) => b.tf.mean(b.tf.square(x)))(b.tf.tensor1d([1, 2])).dataSync());
        console.log(JSON.stringify({ report: r }));
      },
      (e) => console.log(JSON.stringify({ error: e.message })));`;
  const r = spawnSync(process.execPath, ["-e", script], { env: childEnv, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.trim().split("\n").pop()!;
  return { ...JSON.parse(line), stderr: r.stderr };
}

const none = { cpu: false, gpu: false };
const noGpu = { visible: false, why: "no NVIDIA GPU visible" };
const aGpu = { visible: true, why: "1 NVIDIA GPU(s)" };
const labels = (p: ReturnType<typeof planBackends>) => p.order.map((c) => c.label);

test("order: native when built, then WebAssembly, then pure JS", () => {
  assert.deepEqual(labels(planBackends({ built: none, gpu: noGpu })), ["wasm", "cpu"]);
  assert.deepEqual(labels(planBackends({ built: { cpu: true, gpu: false }, gpu: noGpu })), [
    "tensorflow (@tensorflow/tfjs-node)",
    "wasm",
    "cpu",
  ]);
  const skipped = planBackends({ built: none, gpu: noGpu }).skipped;
  assert.equal(skipped.length, 1);
  assert.match(skipped[0].why, /not built: run `bash scripts\/native\.sh`/);
});

test("order: the GPU build first only when a GPU is visible", () => {
  const both = { cpu: true, gpu: true };
  assert.deepEqual(labels(planBackends({ built: both, gpu: aGpu })).slice(0, 2), [
    "tensorflow (@tensorflow/tfjs-node-gpu)",
    "tensorflow (@tensorflow/tfjs-node)",
  ]);
  assert.deepEqual(labels(planBackends({ built: both, gpu: noGpu })).slice(0, 2), [
    "tensorflow (@tensorflow/tfjs-node)",
    "tensorflow (@tensorflow/tfjs-node-gpu)",
  ]);
  // A GPU but only the CPU build: use it, and say how to get the GPU one.
  const p = planBackends({ built: { cpu: true, gpu: false }, gpu: aGpu });
  assert.equal(p.order[0].label, "tensorflow (@tensorflow/tfjs-node)");
  assert.match(p.skipped[0].why, /GPU is visible .*`LUKELAB_GPU=1 bash scripts\/native\.sh`/);
});

test("override: LUKELAB_BACKEND narrows the list to one backend; 'native' means tensorflow", () => {
  const built = { cpu: true, gpu: false };
  assert.deepEqual(labels(planBackends({ requested: "wasm", built, gpu: noGpu })), ["wasm"]);
  assert.deepEqual(labels(planBackends({ requested: " CPU ", built, gpu: noGpu })), ["cpu"]);
  assert.deepEqual(labels(planBackends({ requested: "native", built, gpu: noGpu })), ["tensorflow (@tensorflow/tfjs-node)"]);
  const missing = planBackends({ requested: "tensorflow", built: none, gpu: noGpu });
  assert.deepEqual(missing.order, []);
  assert.match(missing.skipped[0].why, /scripts\/native\.sh/);
});

test("an unknown LUKELAB_BACKEND is a clear error naming the variable, the value and the choices", () => {
  assert.throws(
    () => planBackends({ requested: "webgpu", built: none, gpu: noGpu }),
    /LUKELAB_BACKEND="webgpu" is not a backend lukelab knows; use one of tensorflow, wasm, cpu/,
  );
  const r = childReport({ [BACKEND_ENV]: "webgpu" });
  assert.match(r.error ?? "", /LUKELAB_BACKEND="webgpu" is not a backend lukelab knows/);
});

test("GPU visibility reads the driver's files and honours CUDA_VISIBLE_DEVICES", () => {
  const dir = tmpDir();
  const gpus = join(dir, "gpus");
  mkdirSync(join(gpus, "0000:01:00.0"), { recursive: true });
  assert.equal(gpuVisibility({}, gpus, join(dir, "nvidia0")).visible, true);
  assert.equal(gpuVisibility({ CUDA_VISIBLE_DEVICES: "-1" }, gpus, join(dir, "nvidia0")).visible, false);
  assert.equal(gpuVisibility({ CUDA_VISIBLE_DEVICES: "" }, gpus, join(dir, "nvidia0")).visible, false);
  assert.equal(gpuVisibility({}, join(dir, "none"), join(dir, "nvidia0")).visible, false);
  writeFileSync(join(dir, "nvidia0"), "");
  assert.equal(gpuVisibility({}, join(dir, "none"), join(dir, "nvidia0")).visible, true);
});

test("default choice in a fresh process: native when built, else WebAssembly; the report has every field", () => {
  const native = nativeBuilds();
  const r = childReport({ [BACKEND_ENV]: undefined });
  assert.ok(r.report, r.error);
  const rep = r.report;
  assert.deepEqual(rep.sum, [2, 2, 2]);
  assert.equal(rep.backend, native.length ? "tensorflow" : "wasm");
  assert.equal(rep.tfjsVersion, "4.22.0");
  assert.equal(typeof rep.reason, "string");
  assert.ok(rep.reason.length > 0);
  assert.ok(Array.isArray(rep.skipped));
  assert.ok(rep.threads >= 1);
  assert.match(rep.version, /4\.22\.0/);
  assert.ok(rep.details.threads, "details name the threads");
  if (native.length) {
    assert.equal(rep.library.package, native[0].package);
    assert.match(rep.library.tensorflowVersion, /^\d+\.\d+/);
    if (native[0].info) {
      assert.ok(existsSync(join(rep.library.path, "libtensorflow_cc.so.2")), rep.library.path);
      assert.match(rep.library.source, new RegExp(`PyPI wheel ${native[0].info.tensorflow.wheel} ${native[0].info.tensorflow.version}`));
    }
    assert.equal(rep.details.library, rep.library.path);
    // TensorFlow's own start-up logging is silenced unless the user set a level.
    assert.doesNotMatch(r.stderr, /cpu_feature_guard|Your CPU supports/);
  } else {
    assert.equal(rep.skipped[0]?.backend, "tensorflow");
  }
});

test("LUKELAB_BACKEND picks each backend in a fresh process, and reports why", () => {
  for (const name of ["wasm", "cpu"]) {
    const r = childReport({ [BACKEND_ENV]: name });
    assert.ok(r.report, r.error);
    assert.equal(r.report.backend, name);
    assert.equal(r.report.reason, `${BACKEND_ENV}=${name} asked for it`);
    assert.deepEqual(r.report.sum, [2, 2, 2]);
    // Gradients without tfjs-node in the process: kernel/backend registers them.
    assert.deepEqual(r.report.grad, [1, 2]);
    assert.equal(r.report.threads, 1);
  }
  const wasm = childReport({ [BACKEND_ENV]: "wasm" }).report;
  assert.equal(typeof wasm.details.simd, "boolean");

  const t = childReport({ [BACKEND_ENV]: "tensorflow" });
  if (nativeBuilds().length) {
    assert.equal(t.report?.backend, "tensorflow", t.error);
    assert.deepEqual(t.report.sum, [2, 2, 2]);
  } else {
    assert.match(t.error ?? "", /LUKELAB_BACKEND=tensorflow was asked for but could not start: .*scripts\/native\.sh/);
  }
});

test("TF_NUM_INTRAOP_THREADS sets the native thread count the report gives", (t) => {
  if (!nativeBuilds().length) return t.skip("native TensorFlow is not built (bash scripts/native.sh)");
  const r = childReport({ [BACKEND_ENV]: "tensorflow", TF_NUM_INTRAOP_THREADS: "1" });
  assert.equal(r.report?.threads, 1, r.error);
  assert.match(r.report.details.threads, /TF_NUM_INTRAOP_THREADS/);
});

test("a native build that fails to load is recorded, and selection falls back to WebAssembly", (t) => {
  if (!nativeBuilds().length) return t.skip("native TensorFlow is not built (bash scripts/native.sh)");
  // As if libtensorflow had gone missing under a built binding.
  const broken = `
    const Module = require("node:module");
    const load = Module.prototype.require;
    Module.prototype.require = function (id) {
      if (id.startsWith("@tensorflow/tfjs-node")) throw new Error("libtensorflow_cc.so.2: cannot open shared object file");
      return load.apply(this, arguments);
    };`;
  const r = childReport({ [BACKEND_ENV]: undefined }, broken);
  assert.equal(r.report?.backend, "wasm", r.error);
  assert.match(r.report.skipped[0].why, /did not load: libtensorflow_cc\.so\.2: cannot open shared object file/);
  const forced = childReport({ [BACKEND_ENV]: "tensorflow" }, broken);
  assert.match(forced.error ?? "", /LUKELAB_BACKEND=tensorflow was asked for but could not start: .*cannot open shared object file/);
});
