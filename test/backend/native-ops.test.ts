/**
 * Dropout masks drawn by TensorFlow on the native backend (kernel/backend/native-ops.ts): every value
 * is 0 or 1/(1 − rate), the kept fraction is 1 − rate, a seed gives the same mask and another seed
 * another one, a dropout's gradient is its mask, nothing leaks. On other backends the native path is
 * off and the model's Dropout takes tfjs-core's dropout.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { tf } from "../../kernel/backend";
import { nativeDropoutMask, nativeOpsActive } from "../../kernel/backend/native-ops";
import { Dropout } from "../../kernel/model/ops";
import { expectNoLeak, ready } from "../helpers";

before(ready);

test("the native path is on exactly when the backend is native TensorFlow", () => {
  assert.equal(nativeOpsActive(), tf.getBackend() === "tensorflow");
  if (!nativeOpsActive()) assert.equal(nativeDropoutMask([4, 4], 0.1, 1), null);
});

test("dropout: values 0 or 1/(1 − rate), kept fraction 1 − rate, seeded masks repeat, gradient = mask", async () => {
  const shape = [64, 32, 48];
  const n = 64 * 32 * 48;
  const x = tf.ones(shape);
  await expectNoLeak(() => {
    for (const rate of [0.1, 0.3]) {
      const apply = (seed?: number) => tf.tidy(() => new Dropout(true, seed).apply(x, rate).dataSync() as Float32Array);
      const a = apply(7);
      const scale = Math.fround(1 / (1 - rate));
      let kept = 0;
      for (const v of a) {
        assert.ok(v === 0 || Math.abs(v - scale) < 1e-6, `value ${v} is neither 0 nor ${scale}`);
        if (v !== 0) kept++;
      }
      // 98k draws: the kept fraction is within 0.01 of 1 − rate (about 10 standard deviations).
      assert.ok(Math.abs(kept / n - (1 - rate)) < 0.01, `kept ${kept / n} at rate ${rate}`);
      assert.deepEqual(apply(7), a, "the same seed gave another mask");
      const differ = (b: Float32Array) => b.some((v, i) => v !== a[i]);
      assert.ok(differ(apply(8)), "another seed gave the same mask");
      assert.ok(differ(apply()), "an unseeded mask equals a seeded one");
      // The gradient of sum(dropout(x) · w) with respect to x is mask · w.
      const w = tf.randomUniform(shape, 0, 1, "float32", 3);
      const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(new Dropout(true, 7).apply(input, rate), w)))(x);
      const g = grad.dataSync(), wv = w.dataSync();
      for (let i = 0; i < n; i += 97) assert.ok(Math.abs(g[i] - a[i] * wv[i]) < 1e-6, `gradient ${g[i]} at ${i}, mask ${a[i]}, w ${wv[i]}`);
      tf.dispose([w, grad]);
    }
  });
  x.dispose();
});
