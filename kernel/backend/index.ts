/**
 * The one place that chooses the TF.js backend.
 *
 * Order of preference (see plan.ts): the `LUKELAB_BACKEND` environment variable when set; otherwise
 * native TensorFlow through @tensorflow/tfjs-node (the -gpu build when it is built and a GPU is
 * visible), which scripts/native.sh builds against the TensorFlow C library from the PyPI wheel;
 * otherwise WebAssembly (embedded, SIMD where the runtime has it); otherwise the pure-JS CPU backend
 * as the last resort. Model code imports `tf` from here and never registers backends itself.
 *
 * tfjs-node requires the full @tensorflow/tfjs, which resolves the same (single, deduplicated)
 * @tensorflow/tfjs-core as this file, so the "tensorflow" backend it registers is the one `tf` sees;
 * scripts/native.sh refuses to build when node_modules holds a second copy of tfjs-core.
 *
 * Whatever the backend, training works the same: every gradient is registered, the wasm backend
 * gets the kernels it lacks or runs slowly (training-support.ts, wasm-matmul.ts), and backward
 * passes free memory as they go (gradient-release.ts). The report lists each of these.
 */
import { availableParallelism } from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { findNativeBuild, gpuVisibility, type NativeBuild, type NativeVariant } from "./native";
import { BACKEND_ENV, planBackends, type BackendName, type Candidate } from "./plan";
import { registerGradients, registerWasmFallbacks } from "./training-support";
import { gradientReleaseActive, setGradientRelease, setShapeOnlySaves, shapeOnlySavesActive } from "./gradient-release";
import { describeFusedOps, loadFusedOps, nativeKernels } from "./native-ops";
import { registerModelKernels } from "./model-kernels";

export { tf };
export { BACKEND_ENV, KNOWN_BACKENDS, planBackends, parseRequested } from "./plan";
export type { BackendName, Candidate, Plan, PlanInput } from "./plan";
export { nativeBuilds, findNativeBuild, gpuVisibility, buildCommand } from "./native";
export type { NativeBuild, NativeBuildInfo, NativeVariant } from "./native";
export { setGradientRelease, gradientReleaseActive, setShapeOnlySaves, shapeOnlySavesActive } from "./gradient-release";
export { FUSED_OPS_ENV, fusedOpsActive, setFusedOps } from "./native-ops";
export { modelKernels, registerModelKernels } from "./model-kernels";
export type { AdamWUpdate, ModelKernels } from "./model-kernels";

/**
 * Set to 0 to keep tfjs-core's own backward pass, which frees nothing until it ends and keeps a copy
 * of the inputs of kernels whose gradients need only their shapes (gradient-release.ts).
 */
export const GRADIENT_RELEASE_ENV = "LUKELAB_GRADIENT_RELEASE";

/** Where the native TensorFlow library came from. */
export interface NativeLibrary {
  package: string;
  packageVersion: string;
  /** TF_Version() of the loaded library. */
  tensorflowVersion: string;
  /** Folder of libtensorflow_cc.so.2 / libtensorflow.so. */
  path: string;
  /** "PyPI wheel tensorflow-cpu 2.21.0 (scripts/native.sh)" or the package's own download. */
  source: string;
  /** Whether TensorFlow placed ops on a GPU. */
  gpu: boolean;
}

export interface BackendReport {
  /** The backend that tensors run on now. */
  backend: string;
  /** Why it was chosen, in one sentence. */
  reason: string;
  /** Backends that were tried before it and why each was passed over. */
  skipped: { backend: string; why: string }[];
  /** tfjs-core version. */
  tfjsVersion: string;
  /** The backend package's version (and TensorFlow's, for the native backend). */
  version: string;
  /** Threads that run one op: TensorFlow's intra-op pool; 1 for WebAssembly and pure JS in Node. */
  threads: number;
  /** Native backend only: the TensorFlow library in use and where it came from. */
  library?: NativeLibrary;
  /** The same facts as printable key/values (version, library, threads, SIMD, GPU). */
  details: Record<string, string | number | boolean>;
}

let report: BackendReport | undefined;
/** Why gradients are missing, or undefined when they are registered; set by the first initBackend. */
let gradientsMissing: string | undefined;
/** What lukelab changed in the wasm backend's kernels, for the report. */
let wasmKernels: string[] = [];
let pending: Promise<BackendReport> | undefined;
/** tfjs-node can be loaded once per process; a second package would re-register every kernel. */
let nativeLoaded: { build: NativeBuild } | { failed: string } | undefined;

function packageVersion(pkg: string): string {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    return "unknown";
  }
}

function loadNative(variant: NativeVariant): NativeBuild {
  if (nativeLoaded) {
    if ("failed" in nativeLoaded) throw new Error(`native TensorFlow already failed to load: ${nativeLoaded.failed}`);
    if (nativeLoaded.build.variant !== variant) {
      throw new Error(`${nativeLoaded.build.package} is already loaded in this process`);
    }
    return nativeLoaded.build;
  }
  const found = findNativeBuild(variant);
  if ("missing" in found) throw new Error(found.missing);
  // TensorFlow logs its start-up (CPU features, oneDNN) at INFO; keep notebooks and CLIs quiet
  // unless the user chose a level.
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = "2";
  // tf.getBackend() would initialise a backend as a side effect; only look when one is active.
  const engine = tf.engine() as unknown as { backendInstance: unknown };
  const previous = engine.backendInstance ? tf.getBackend() : undefined;
  try {
    // Registers "tensorflow" in our tfjs-core and makes it active as a side effect.
    require(found.package);
  } catch (err) {
    const why = (err as Error).message.split("\n")[0];
    nativeLoaded = { failed: why };
    throw new Error(`${found.package} did not load: ${why}`);
  } finally {
    // Selection decides what is active, not the package's side effect.
    if (previous && previous !== "tensorflow" && tf.findBackend(previous)) void tf.setBackend(previous);
  }
  nativeLoaded = { build: found };
  loadFusedOps(found);
  registerModelKernels(nativeKernels);
  return found;
}

/**
 * Registers a backend in this process without making it active (tests and benchmarks compare
 * backends side by side). For "tensorflow" it loads the build that selection would prefer.
 */
export async function loadBackend(name: BackendName): Promise<void> {
  if (name === "wasm") {
    // Registers the "wasm" backend factory; the .wasm binaries are found next to the package.
    require("@tensorflow/tfjs-backend-wasm");
    wasmKernels.push(...registerWasmFallbacks());
  } else if (name === "tensorflow") {
    const plan = planBackends({ requested: "tensorflow", built: builtVariants(), gpu: gpuVisibility() });
    if (plan.order.length === 0) throw new Error(plan.skipped.map((s) => s.why).join("; "));
    loadNative(plan.order[0].variant!);
  }
}

async function tryBackend(c: Candidate): Promise<NativeBuild | undefined> {
  let build: NativeBuild | undefined;
  if (c.backend === "wasm") {
    require("@tensorflow/tfjs-backend-wasm");
    wasmKernels.push(...registerWasmFallbacks());
  } else if (c.backend === "tensorflow") {
    build = loadNative(c.variant!);
  }
  const ok = await tf.setBackend(c.backend);
  if (!ok) throw new Error(`tf.setBackend("${c.backend}") returned false`);
  await tf.ready();
  return build;
}

function builtVariants(): { cpu: boolean; gpu: boolean } {
  return { cpu: !("missing" in findNativeBuild("cpu")), gpu: !("missing" in findNativeBuild("gpu")) };
}

/** TensorFlow's intra-op pool: TF_NUM_INTRAOP_THREADS when set, else one thread per core. */
function tensorflowThreads(): { n: number; how: string } {
  const env = Number(process.env.TF_NUM_INTRAOP_THREADS);
  if (Number.isInteger(env) && env > 0) return { n: env, how: "TF_NUM_INTRAOP_THREADS" };
  return { n: availableParallelism(), how: "one per core, TensorFlow's default" };
}

function describe(name: string, build: NativeBuild | undefined): Omit<BackendReport, "reason" | "skipped"> {
  const r = describeBackend(name, build);
  r.details.gradients = gradientsMissing ? `missing: ${gradientsMissing}` : "registered (training works)";
  r.details.backward = gradientReleaseActive()
    ? `frees activations and gradients as it goes${shapeOnlySavesActive() ? "; shape-only kernels keep shapes, not data" : ""}`
    : `tfjs-core's own (frees at the end; ${GRADIENT_RELEASE_ENV}=0)`;
  if (name === "wasm" && wasmKernels.length) r.details.kernels = `lukelab's ${wasmKernels.join(", ")}`;
  return r;
}

function describeBackend(name: string, build: NativeBuild | undefined): Omit<BackendReport, "reason" | "skipped"> {
  const base = { backend: tf.getBackend(), tfjsVersion: tf.version_core };
  if (name === "wasm") {
    const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
    const version = `@tensorflow/tfjs-backend-wasm ${packageVersion("@tensorflow/tfjs-backend-wasm")}`;
    return {
      ...base,
      version,
      threads: 1,
      details: {
        version,
        simd,
        // The threaded build needs browser Workers; tfjs turns it off in Node (tensorflow/tfjs#3830).
        threads: `1 per thread (tfjs-backend-wasm has no multi-threading in Node); LukePool runs inference on ${availableParallelism()} worker threads`,
      },
    };
  }
  if (name === "tensorflow" && build) {
    const backend = tf.backend() as unknown as { binding: { TF_Version: string }; isUsingGpuDevice: boolean };
    const tfVersion = backend.binding.TF_Version;
    const pkgVersion = packageVersion(build.package);
    const info = build.info;
    const library: NativeLibrary = {
      package: build.package,
      packageVersion: pkgVersion,
      tensorflowVersion: tfVersion,
      path: info?.tensorflow.libraryDir ?? `${build.packageDir}/deps/lib`,
      source: info
        ? `PyPI wheel ${info.tensorflow.wheel} ${info.tensorflow.version}, built by scripts/native.sh on ${info.builtAt}`
        : `${build.package}'s own install script (prebuilt libtensorflow)`,
      gpu: Boolean(backend.isUsingGpuDevice),
    };
    const threads = tensorflowThreads();
    const version = `${build.package} ${pkgVersion}, TensorFlow ${tfVersion}`;
    return {
      ...base,
      version,
      threads: threads.n,
      library,
      details: {
        version,
        library: library.path,
        source: library.source,
        gpu: library.gpu,
        threads: `${threads.n} intra-op (${threads.how})`,
        fused: describeFusedOps(),
      },
    };
  }
  const version = `@tensorflow/tfjs-backend-cpu ${packageVersion("@tensorflow/tfjs-backend-cpu")}`;
  return { ...base, version, threads: 1, details: { version, threads: "1 (JavaScript main thread)" } };
}

/**
 * Initialises the backend once per process and returns what was chosen and why.
 * Safe to call many times; later calls return the first answer.
 */
export function initBackend(): Promise<BackendReport> {
  if (report) return Promise.resolve(report);
  if (!pending) {
    pending = choose().then(
      (r) => (report = r),
      (err) => {
        pending = undefined;
        throw err;
      },
    );
  }
  return pending;
}

async function choose(): Promise<BackendReport> {
  const requestedRaw = process.env[BACKEND_ENV];
  const gpu = gpuVisibility();
  const plan = planBackends({ requested: requestedRaw, built: builtVariants(), gpu });
  gradientsMissing = registerGradients();
  if (process.env[GRADIENT_RELEASE_ENV]?.trim() !== "0") {
    setGradientRelease(true);
    setShapeOnlySaves(true);
  }
  const skipped = [...plan.skipped];
  for (const c of plan.order) {
    try {
      const build = await tryBackend(c);
      let reason: string;
      if (plan.requested) reason = `${BACKEND_ENV}=${requestedRaw!.trim()} asked for it`;
      else if (c.backend === "tensorflow") {
        reason =
          c.variant === "gpu" && gpu.visible
            ? `native TensorFlow with CUDA is built and a GPU is visible (${gpu.why})`
            : "native TensorFlow is built, and it is the fastest backend on this machine";
      } else if (c.backend === "wasm") reason = "WebAssembly is the embedded default";
      else reason = "pure-JS CPU is the last resort after the backends above failed";
      return { ...describe(c.backend, build), reason, skipped };
    } catch (err) {
      skipped.push({ backend: c.label, why: (err as Error).message.split("\n")[0] });
    }
  }
  if (plan.requested) {
    const why = skipped.map((s) => s.why).join("; ") || "unknown";
    throw new Error(`${BACKEND_ENV}=${requestedRaw!.trim()} was asked for but could not start: ${why}`);
  }
  throw new Error(`no TF.js backend could start: ${skipped.map((s) => `${s.backend}: ${s.why}`).join("; ")}`);
}
