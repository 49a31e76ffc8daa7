/**
 * Training works on every backend: gradients are registered even without tfjs-node, and wasm gets
 * the UnsortedSegmentSum kernel that the gather (embedding) gradient needs. Checked against the
 * pure-JS CPU backend, which has every kernel.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { initBackend, loadBackend, tf } from "../../kernel/backend";
import { expectNoLeak, maxAbsDiff, ready } from "../helpers";

let active = "";
before(async () => {
  await ready();
  active = tf.getBackend();
  await loadBackend("wasm");
});

async function on<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  try {
    return await expectNoLeak(f);
  } finally {
    await tf.setBackend(active);
  }
}

test("the report says gradients are registered", async () => {
  const r = await initBackend();
  assert.equal(r.details.gradients, "registered (training works)");
});

test("UnsortedSegmentSum on wasm matches the CPU backend, dropping out-of-range ids", async () => {
  const x = Float32Array.from({ length: 7 * 5 }, (_, i) => Math.sin(i));
  const ids = Int32Array.from([3, 0, 3, -1, 9, 2, 0]);
  const run = () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [7, 5]), tf.tensor1d(ids, "int32"), 4).dataSync());
  const wasm = await on("wasm", run);
  const cpu = await on("cpu", run);
  assert.equal(wasm.length, 4 * 5);
  assert.equal(maxAbsDiff(wasm, cpu), 0);
  const ints = () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32"), tf.tensor1d([1, 1, 0], "int32"), 2).arraySync());
  assert.deepEqual(await on("wasm", ints), [[5, 6], [4, 6]]);
});

test("embedding-style gradients (gather, layer norm, mean) agree between wasm and CPU", async () => {
  const table = Float32Array.from({ length: 40 * 16 }, (_, i) => Math.cos(i * 0.37));
  const ids = Int32Array.from([1, 5, 5, 39, 0, 7, 1, 1]);
  const grad = () =>
    tf.tidy(() => {
      const f = (t: tf.Tensor) => {
        const x = tf.gather(t, tf.tensor2d(ids, [2, 4], "int32"));
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.mean(tf.square(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-12)))));
      };
      return tf.grad(f)(tf.tensor2d(table, [40, 16])).dataSync();
    });
  const wasm = await on("wasm", grad);
  const cpu = await on("cpu", grad);
  assert.ok(maxAbsDiff(wasm, cpu) <= 1e-5, `differs by ${maxAbsDiff(wasm, cpu)}`);
  assert.ok(wasm.some((v) => v !== 0));
});

test("BatchMatMul on wasm (XNNPACK for transposed, batched and broadcast operands) matches the CPU backend", async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[2, 3, 9, 8], [2, 3, 9, 8], false, true], // q·kᵀ
    [[2, 3, 9, 9], [2, 3, 9, 8], false, false], // p·v
    [[2, 3, 9, 9], [2, 3, 9, 8], true, false], // pᵀ·dy
    [[33, 40], [24, 40], false, true], // dy·Wᵀ
    [[33, 24], [33, 40], true, false], // xᵀ·dy
    [[6, 7], [4, 6], true, true],
    [[3, 5, 7], [7, 4], false, false], // b shared by the batch
    [[2, 3, 5, 7], [1, 3, 7, 4], false, false], // broadcast over the first axis
    [[1, 5, 7], [3, 7, 4], false, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
    const av = Float32Array.from({ length: n(sa) }, (_, i) => Math.sin(i * 0.7));
    const bv = Float32Array.from({ length: n(sb) }, (_, i) => Math.cos(i * 0.3));
    const run = () => tf.tidy(() => {
      const c = tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb);
      return { shape: c.shape, values: c.dataSync() };
    });
    const wasm = await on("wasm", run);
    const cpu = await on("cpu", run);
    const what = `${JSON.stringify(sa)}·${JSON.stringify(sb)} transposeA=${ta} transposeB=${tb}`;
    assert.deepEqual(wasm.shape, cpu.shape, what);
    assert.ok(maxAbsDiff(wasm.values, cpu.values) <= 1e-4, `${what}: differs by ${maxAbsDiff(wasm.values, cpu.values)}`);
  }
});
