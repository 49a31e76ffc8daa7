/**
 * What training needs beyond a backend's own kernels.
 *
 * 1. Gradients. @tensorflow/tfjs-core's CommonJS build registers no gradient functions; only its ES
 *    module entry `dist/register_all_gradients` does, and Node cannot load that file (extensionless
 *    imports). The @tensorflow/tfjs bundle registers them all, into the global registry every
 *    tfjs-core copy shares; tfjs-node loads it anyway, so this only matters for wasm and cpu.
 * 2. UnsortedSegmentSum on wasm. The gradient of gather (every embedding lookup) calls it, and
 *    tfjs-backend-wasm 4.22 has no such kernel. The JavaScript version below runs on the wasm heap:
 *    it adds B·L rows into a zeroed [rows, dim] table, a small cost next to the matMuls of a step.
 * 3. Identity on wasm. tfjs-core saves every tensor a gradient needs through clone(), which runs
 *    Identity, and the wasm kernel copies the data: a training step held a second copy of every
 *    saved activation and of every weight a matMul saved, and luke-base at batch 4 × 128 overflowed
 *    the WebAssembly heap. Tensors are immutable, so the copy can share the buffer with a reference
 *    count, as the wasm Reshape kernel and the CPU backend's Identity already do.
 */
import * as tf from "@tensorflow/tfjs-core";
import { registerWasmMatMul } from "./wasm-matmul";

/** Registers every tfjs gradient; returns undefined when done, else why not. */
export function registerGradients(): string | undefined {
  try {
    require("@tensorflow/tfjs");
    return undefined;
  } catch (err) {
    return `@tensorflow/tfjs is not installed, so no gradients are registered and training fails on this backend (${
      (err as Error).message.split("\n")[0]
    })`;
  }
}

interface WasmLike {
  incRef(dataId: unknown): void;
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
}

/** out[segmentIds[i]] += x[i] over the leading segmentIds.rank axes; ids outside [0, n) are dropped, as in TF. */
function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as WasmLike;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = rest.reduce((a, b) => a * b, 1);
  // Read before allocating: a heap growth would detach views taken earlier.
  const values = wasm.readSync(x.dataId);
  const ids = wasm.readSync(segmentIds.dataId);
  const out = wasm.makeOutput([numSegments, ...rest], x.dtype);
  const sums = wasm.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) sums[to + j] += values[from + j];
  }
  return out;
}

/** Identity without a copy: the output shares the input's buffer (reference counted). */
function sharedIdentity({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as WasmLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let identityReplaced = false;
let stringIdentity: tf.KernelFunc | undefined;

let matMulReplaced = false;

/** Kernels lukelab adds to or replaces in the wasm backend; returns what it changed. */
export function registerWasmFallbacks(): string[] {
  const added: string[] = [];
  if (!matMulReplaced && registerWasmMatMul()) {
    matMulReplaced = true;
    added.push("BatchMatMul (XNNPACK for transposed and batched operands, see wasm-matmul.ts)");
  }
  if (!identityReplaced) {
    const original = tf.getKernel("Identity", "wasm");
    if (original) {
      stringIdentity = original.kernelFunc;
      tf.unregisterKernel("Identity", "wasm");
      tf.registerKernel({
        kernelName: "Identity",
        backendName: "wasm",
        kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown }) =>
          (args.inputs.x as tf.TensorInfo).dtype === "string" ? stringIdentity!(args as never) : sharedIdentity(args)) as tf.KernelFunc,
      });
      identityReplaced = true;
      added.push("Identity (shares the buffer)");
    }
  }
  if (!tf.getKernel("UnsortedSegmentSum", "wasm")) {
    tf.registerKernel({ kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: unsortedSegmentSum as tf.KernelFunc });
    added.push("UnsortedSegmentSum (JavaScript)");
  }
  return added;
}
