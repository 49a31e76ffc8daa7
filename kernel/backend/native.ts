/**
 * What native TensorFlow builds exist, without loading any of them.
 *
 * scripts/native.sh builds @tensorflow/tfjs-node (and, when asked, -gpu) against the TensorFlow C
 * library from the PyPI wheel and writes `lib/napi-v8/lukelab-native.json` next to the binding;
 * scripts/native-ops.sh puts lukelab's fused kernels (`lukelab_ops.node`) beside them.
 * This module only looks at files, so asking "is native available?" costs no TensorFlow start-up.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type NativeVariant = "cpu" | "gpu";

/** The JSON that scripts/native.sh writes next to the binding it built. */
export interface NativeBuildInfo {
  variant: NativeVariant;
  package: string;
  packageVersion: string;
  tensorflow: {
    /** PyPI wheel the library came from, e.g. "tensorflow-cpu". */
    wheel: string;
    /** Wheel version, e.g. "2.21.0". */
    version: string;
    wheelFile?: string;
    /** TF_Version() of the library as the binding saw it at build time. */
    libraryVersion?: string;
    /** Folder holding libtensorflow_cc.so.2 and libtensorflow_framework.so.2. */
    libraryDir: string;
    cudaWheels?: string[];
  };
  builtAt: string;
  buildSeconds: number;
}

export interface NativeBuild {
  variant: NativeVariant;
  /** npm package name, the thing to `require`. */
  package: string;
  packageDir: string;
  /** The compiled binding file. */
  binding: string;
  /** What scripts/native.sh recorded; undefined for a binding it did not build (e.g. a prebuilt download). */
  info?: NativeBuildInfo;
  /** lukelab's fused kernels built for this binding (scripts/native-ops.sh), when they exist. */
  opsLibrary?: string;
}

export const NATIVE_PACKAGES: Record<NativeVariant, string> = {
  cpu: "@tensorflow/tfjs-node",
  gpu: "@tensorflow/tfjs-node-gpu",
};

/** The command that builds a variant, for messages. */
export function buildCommand(variant: NativeVariant): string {
  return variant === "gpu" ? "LUKELAB_GPU=1 bash scripts/native.sh" : "bash scripts/native.sh";
}

function packageDir(pkg: string): string | undefined {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

/** The built binding of one variant, or the reason there is none. */
export function findNativeBuild(variant: NativeVariant): NativeBuild | { missing: string } {
  const pkg = NATIVE_PACKAGES[variant];
  const dir = packageDir(pkg);
  if (!dir) return { missing: `${pkg} is not installed: run \`${buildCommand(variant)}\`` };
  // node-pre-gyp picks lib/napi-v<N>; scripts/native.sh builds N = 8, a prebuilt download may differ.
  let napiDirs: string[] = [];
  try {
    napiDirs = readdirSync(join(dir, "lib")).filter((d) => /^napi-v\d+$/.test(d));
  } catch {
    /* no lib/ at all */
  }
  napiDirs.sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)));
  for (const d of napiDirs) {
    const binding = join(dir, "lib", d, "tfjs_binding.node");
    if (!existsSync(binding)) continue;
    let info: NativeBuildInfo | undefined;
    try {
      info = JSON.parse(readFileSync(join(dir, "lib", d, "lukelab-native.json"), "utf8"));
    } catch {
      info = undefined;
    }
    const ops = join(dir, "lib", d, "lukelab_ops.node");
    return { variant, package: pkg, packageDir: dir, binding, info, ...(existsSync(ops) ? { opsLibrary: ops } : {}) };
  }
  return { missing: `${pkg} is installed but its binding is not built: run \`${buildCommand(variant)}\`` };
}

/** All native builds present, CPU first. */
export function nativeBuilds(): NativeBuild[] {
  const out: NativeBuild[] = [];
  for (const v of ["cpu", "gpu"] as NativeVariant[]) {
    const b = findNativeBuild(v);
    if (!("missing" in b)) out.push(b);
  }
  return out;
}

/**
 * Whether an NVIDIA GPU is visible to this process, judged from the driver's files (cheap, and loads
 * no CUDA). CUDA_VISIBLE_DEVICES="" or "-1" hides the GPUs, as it does for TensorFlow itself.
 */
export function gpuVisibility(
  env: NodeJS.ProcessEnv = process.env,
  procDir = "/proc/driver/nvidia/gpus",
  devFile = "/dev/nvidia0",
): { visible: boolean; why: string } {
  const cvd = env.CUDA_VISIBLE_DEVICES;
  if (cvd !== undefined && (cvd.trim() === "" || cvd.trim() === "-1")) {
    return { visible: false, why: `CUDA_VISIBLE_DEVICES="${cvd}" hides the GPUs` };
  }
  try {
    const gpus = readdirSync(procDir);
    if (gpus.length > 0) return { visible: true, why: `${gpus.length} NVIDIA GPU(s) listed in ${procDir}` };
  } catch {
    /* no NVIDIA driver */
  }
  if (existsSync(devFile)) return { visible: true, why: `${devFile} exists` };
  return { visible: false, why: "no NVIDIA GPU visible" };
}
