/**
 * BatchMatMul on WebAssembly that always reaches XNNPACK.
 *
 * tfjs-backend-wasm 4.22 (batch_mat_mul_impl.cc) hands a matMul to XNNPACK's packed GEMM only when
 * neither operand is transposed and both have batch size 1; everything else runs a scalar blocked
 * loop at ~0.2 GFLOP/s against ~10 GFLOP/s. That loop is what attention (q·kᵀ and p·v, batch B·nh)
 * and every matMul of a backward pass (dy·Wᵀ, xᵀ·dy) hit: a luke-base training step at batch
 * 8 × 128 took minutes. Here the transposes are materialised with the wasm Transpose kernel (a copy,
 * linear in the operand) and a batch runs as one XNNPACK call per item, or as a single call when b
 * is shared by the whole batch ([B·M, K]·[K, N]). The summation order changes only as XNNPACK's does.
 */
import * as tf from "@tensorflow/tfjs-core";

interface WasmBackendLike {
  dataIdMap: { get(dataId: unknown): unknown };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: unknown): boolean;
}

type Kernel = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo;

let installed = false;

export function registerWasmMatMul(): boolean {
  if (installed) return true;
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transposeKernel = tf.getKernel("Transpose", "wasm");
  if (!original || !transposeKernel) return false;
  const matMul = original.kernelFunc as unknown as Kernel;
  const transpose = transposeKernel.kernelFunc as unknown as Kernel;

  const kernelFunc: Kernel = ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackendLike;
    let a = inputs.a as tf.TensorInfo;
    let b = inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    if ((!transposeA && !transposeB && batchA === 1 && batchB === 1) || a.dtype !== "float32" || b.dtype !== "float32") {
      return matMul({ inputs, backend, attrs });
    }
    // Reading the entries moves inputs that still live on another backend into the wasm heap now:
    // a move later would allocate, grow the heap and detach the views taken below.
    wasm.dataIdMap.get(a.dataId);
    wasm.dataIdMap.get(b.dataId);
    const temporaries: tf.TensorInfo[] = [];
    const swapLast = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      const out = transpose({ inputs: { x: t }, backend, attrs: { perm } });
      temporaries.push(out);
      return out;
    };
    if (transposeA) a = swapLast(a);
    if (transposeB) b = swapLast(b);
    const [M, K] = a.shape.slice(-2);
    const N = b.shape[b.shape.length - 1];
    const outerShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const outShape = [...outerShape, M, N];
    const plain = { transposeA: false, transposeB: false };
    try {
      if (batchB === 1) {
        // b shared by every item: one GEMM over all the rows of a.
        const out = matMul({
          inputs: { a: { ...a, shape: [1, batchA * M, K] }, b: { ...b, shape: [1, K, N] } },
          backend,
          attrs: plain,
        });
        return { ...out, shape: outShape };
      }
      const batch = outerShape.reduce((x, y) => x * y, 1);
      const itemOfA = broadcastIndex(outerShape, a.shape.slice(0, -2));
      const itemOfB = broadcastIndex(outerShape, b.shape.slice(0, -2));
      const out = wasm.makeOutput(outShape, "float32");
      for (let i = 0; i < batch; i++) {
        const ai = sliceItem(wasm, a, itemOfA(i), M * K, [1, M, K]);
        const bi = sliceItem(wasm, b, itemOfB(i), K * N, [1, K, N]);
        const ci = matMul({ inputs: { a: ai, b: bi }, backend, attrs: plain });
        // Views are taken after every allocation: a heap growth detaches older ones.
        wasm.typedArrayFromHeap(out).set(wasm.typedArrayFromHeap(ci), i * M * N);
        for (const t of [ai, bi, ci]) wasm.disposeData(t.dataId);
      }
      return out;
    } finally {
      for (const t of temporaries) wasm.disposeData(t.dataId);
    }
  };

  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    kernelName: "BatchMatMul",
    backendName: "wasm",
    setupFunc: original.setupFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  });
  installed = true;
  return true;
}

/** Maps a flat index over the broadcast outer shape to the flat index of an operand's outer shape. */
function broadcastIndex(outer: number[], own: number[]): (i: number) => number {
  const offset = outer.length - own.length;
  return (i) => {
    let index = 0;
    let stride = 1;
    for (let d = outer.length - 1, rest = i; d >= 0; d--) {
      const coordinate = rest % outer[d];
      rest = Math.floor(rest / outer[d]);
      const k = d - offset;
      if (k < 0) continue;
      if (own[k] !== 1) index += coordinate * stride;
      stride *= own[k];
    }
    return index;
  };
}

/** Item `i` of a [batch, rows, cols] operand, copied into a tensor of its own. */
function sliceItem(wasm: WasmBackendLike, t: tf.TensorInfo, i: number, size: number, shape: number[]): tf.TensorInfo {
  const out = wasm.makeOutput(shape, "float32");
  wasm.typedArrayFromHeap(out).set(wasm.typedArrayFromHeap(t).subarray(i * size, (i + 1) * size));
  return out;
}

