/**
 * The order in which backends are tried: a pure function of what is installed, what is visible and
 * what the user asked for, so the rule can be tested without building or loading anything.
 *
 * Default: native TensorFlow (the GPU build when a GPU is visible, else the CPU build, else the GPU
 * build running on CPU), then WebAssembly, then pure JS. `LUKELAB_BACKEND` narrows the list to one
 * backend; "native" is accepted as another name for "tensorflow".
 */
import { buildCommand, NATIVE_PACKAGES, type NativeVariant } from "./native";

export type BackendName = "wasm" | "cpu" | "tensorflow";

export const BACKEND_ENV = "LUKELAB_BACKEND";
export const KNOWN_BACKENDS: BackendName[] = ["tensorflow", "wasm", "cpu"];
const ALIASES: Record<string, BackendName> = { native: "tensorflow" };

export interface Candidate {
  backend: BackendName;
  /** For "tensorflow": which build to load. */
  variant?: NativeVariant;
  /** How reports name it: "tensorflow (@tensorflow/tfjs-node-gpu)". */
  label: string;
}

export interface PlanInput {
  /** Raw value of LUKELAB_BACKEND, if set. */
  requested?: string;
  /** Which native builds exist. */
  built: { cpu: boolean; gpu: boolean };
  gpu: { visible: boolean; why: string };
}

export interface Plan {
  order: Candidate[];
  /** Candidates left out before trying anything, and why (shown in the report). */
  skipped: { backend: string; why: string }[];
  /** The backend the user asked for, normalised; undefined when choosing by default. */
  requested?: BackendName;
}

function native(variant: NativeVariant): Candidate {
  return { backend: "tensorflow", variant, label: `tensorflow (${NATIVE_PACKAGES[variant]})` };
}
const WASM: Candidate = { backend: "wasm", label: "wasm" };
const CPU: Candidate = { backend: "cpu", label: "cpu" };

/** Parses LUKELAB_BACKEND; throws a message naming the variable, the value and the choices. */
export function parseRequested(raw: string | undefined): BackendName | undefined {
  const v = raw?.trim().toLowerCase();
  if (!v) return undefined;
  const name = ALIASES[v] ?? v;
  if (!KNOWN_BACKENDS.includes(name as BackendName)) {
    throw new Error(
      `${BACKEND_ENV}="${raw}" is not a backend lukelab knows; use one of ${KNOWN_BACKENDS.join(", ")} ` +
        `(or unset it to choose automatically)`,
    );
  }
  return name as BackendName;
}

export function planBackends(input: PlanInput): Plan {
  const requested = parseRequested(input.requested);
  const skipped: Plan["skipped"] = [];
  const nativeOrder: Candidate[] = [];
  if (input.built.gpu && input.gpu.visible) nativeOrder.push(native("gpu"));
  if (input.built.cpu) nativeOrder.push(native("cpu"));
  // A GPU build without a visible GPU still runs, on TensorFlow's CPU kernels.
  if (input.built.gpu && !input.gpu.visible) nativeOrder.push(native("gpu"));

  if (input.gpu.visible && !input.built.gpu && requested !== "wasm" && requested !== "cpu") {
    skipped.push({
      backend: native("gpu").label,
      why: `a GPU is visible (${input.gpu.why}) but the GPU build is missing: run \`${buildCommand("gpu")}\``,
    });
  }
  if (nativeOrder.length === 0 && requested !== "wasm" && requested !== "cpu") {
    skipped.push({ backend: "tensorflow", why: `not built: run \`${buildCommand("cpu")}\`` });
  }

  if (requested === "tensorflow") return { order: nativeOrder, skipped, requested };
  if (requested === "wasm") return { order: [WASM], skipped, requested };
  if (requested === "cpu") return { order: [CPU], skipped, requested };
  return { order: [...nativeOrder, WASM, CPU], skipped };
}
