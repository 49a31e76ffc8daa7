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
 */
import * as tf from "@tensorflow/tfjs-core";

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

/** Kernels the wasm backend lacks that lukelab adds in JavaScript; returns their names. */
export function registerWasmFallbacks(): string[] {
  const added: string[] = [];
  if (!tf.getKernel("UnsortedSegmentSum", "wasm")) {
    tf.registerKernel({ kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: unsortedSegmentSum as tf.KernelFunc });
    added.push("UnsortedSegmentSum");
  }
  return added;
}
