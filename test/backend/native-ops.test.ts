/**
 * The native backend's own ops (kernel/backend/native-ops.ts):
 *   - dropout masks drawn by TensorFlow: every value 0 or 1/(1 − rate), the kept fraction 1 − rate, a
 *     seed gives the same mask and another seed another one, a dropout's gradient is its mask;
 *   - lukelab's fused kernels (native/lukelab_ops.cc): built and loaded with the native backend; GELU,
 *     LayerNorm (values and all gradients), linear layers (value, dx, dW, db) and AdamW steps equal
 *     the ops they replace;
 *     misfitting inputs are errors that name the kernel.
 * Nothing leaks. On other backends both are off (asserted) and the portable tfjs paths run; the
 * whole suite's parity tests against PyTorch run through the fused kernels on the native pass.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { findNativeBuild, tf } from "../../kernel/backend";
import { modelKernels } from "../../kernel/backend/model-kernels";
import {
  FUSED_OP_NAMES,
  describeFusedOps,
  fusedAdamW,
  fusedAdamWMany,
  fusedOpsActive,
  loadFusedOps,
  nativeDropoutMask,
  nativeOpsActive,
  setFusedOps,
} from "../../kernel/backend/native-ops";
import { Dropout, gelu, layerNorm, linear } from "../../kernel/model/ops";
import { AdamW } from "../../kernel/train/adamw";
import { expectNoLeak, maxAbsDiff, ready, tmpDir } from "../helpers";

before(ready);

test("the native path is on exactly when the backend is native TensorFlow", () => {
  assert.equal(nativeOpsActive(), tf.getBackend() === "tensorflow");
  if (!nativeOpsActive()) assert.equal(nativeDropoutMask([4, 4], 0.1, 1), null);
});

test("the model is handed the backend's kernels: fused ones on native TensorFlow, the dropout mask with them off, none elsewhere", () => {
  const kinds = () => Object.keys(modelKernels()).sort().join(",");
  if (!nativeOpsActive()) return assert.equal(kinds(), "", `backend ${tf.getBackend()} supplies kernels`);
  const initial = setFusedOps(true);
  try {
    assert.equal(kinds(), "adamW,adamWMany,dropout,gelu,layerNorm,linear");
    setFusedOps(false);
    assert.equal(kinds(), "dropout");
  } finally {
    setFusedOps(initial);
  }
});

test("dropout: values 0 or 1/(1 − rate), kept fraction 1 − rate, seeded masks repeat, gradient = mask", async () => {
  const shape = [64, 32, 48];
  const n = 64 * 32 * 48;
  const x = tf.ones(shape);
  // On native TensorFlow both paths: the fused kernel, and (fused kernels off) the mask TensorFlow draws.
  const settings = fusedOpsActive() ? [true, false] : [false];
  const initial = setFusedOps(true);
  await expectNoLeak(() => {
    for (const [fusedOn, rate] of settings.flatMap((f) => [0.1, 0.3].map((r) => [f, r] as const))) {
      setFusedOps(fusedOn);
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
  setFusedOps(initial);
  x.dispose();
});

test("the fused kernels are loaded exactly when the backend is native TensorFlow (scripts/native-ops.sh builds them)", () => {
  const native = tf.getBackend() === "tensorflow";
  assert.equal(fusedOpsActive(), native, `backend ${tf.getBackend()}, fused kernels ${fusedOpsActive() ? "on" : "off"}`);
  if (native) {
    const build = findNativeBuild("cpu");
    assert.ok(!("missing" in build) && build.opsLibrary, "the native build has lukelab_ops.node");
  }
});

/** Runs fn with the fused kernels off, then on; returns both results as flat arrays. */
function bothWays(fn: () => tf.Tensor[]): [Float32Array[], Float32Array[]] {
  const run = () => tf.tidy(() => fn()).map((t) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  });
  const previous = setFusedOps(false);
  try {
    const plain = run();
    setFusedOps(true);
    return [plain, run()];
  } finally {
    setFusedOps(previous);
  }
}

function assertClose(got: Float32Array[], want: Float32Array[], tol: number, what: string): void {
  got.forEach((g, k) => {
    const scale = Math.max(...Array.from(want[k], Math.abs), 1e-30);
    const err = maxAbsDiff(g, want[k]) / scale;
    assert.ok(err < tol, `${what}[${k}]: ${err.toExponential(2)} relative to its largest value`);
  });
}

test("fused GELU, LayerNorm and AdamW give what the elementwise ops give, forward and backward, without leaks", async () => {
  if (!fusedOpsActive()) {
    assert.notEqual(tf.getBackend(), "tensorflow");
    return;
  }
  await expectNoLeak(() => {
    const x = tf.randomNormal([3, 5, 64], 0, 2, "float32", 1);
    const dy = tf.randomNormal([3, 5, 64], 0, 1, "float32", 2);
    const gamma = tf.randomNormal([64], 1, 0.2, "float32", 3);
    const beta = tf.randomNormal([64], 0, 0.2, "float32", 4);
    const [plainGelu, fusedGelu] = bothWays(() => {
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => gelu(a))([x], dy);
      return [value, ...grads];
    });
    assertClose(fusedGelu, plainGelu, 1e-6, "GELU value, gradient");
    const ln = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(a, { weight: g, bias: b } as never, 1e-5);
    const [plainLn, fusedLn] = bothWays(() => {
      const { value, grads } = tf.valueAndGrads(ln)([x, gamma, beta], dy);
      return [value, ...grads];
    });
    assertClose(fusedLn, plainLn, 1e-5, "LayerNorm value, dx, dγ, dβ");

    // Two AdamW steps, with and without decay and bias correction, from the same start.
    const [plainAdam, fusedAdam] = bothWays(() => {
      const out: tf.Tensor[] = [];
      for (const correctBias of [false, true]) {
        const params = [
          { name: "w.weight", variable: tf.variable(tf.randomNormal([40, 30], 0, 0.05, "float32", 5)) },
          { name: "w.bias", variable: tf.variable(tf.randomNormal([30], 0, 0.05, "float32", 6)) },
        ];
        const opt = new AdamW(params, { weightDecay: 0.1, correctBias });
        for (let step = 0; step < 2; step++) {
          const grads = new Map(params.map((p, i) => [p.name, tf.randomNormal(p.variable.shape, 0, 1, "float32", 10 + step * 2 + i)] as const));
          opt.step(grads, 1e-3 * (step + 1));
          tf.dispose([...grads.values()]);
        }
        out.push(...params.map((p) => p.variable.clone()));
        opt.dispose();
        params.forEach((p) => p.variable.dispose());
      }
      return out;
    });
    assertClose(fusedAdam, plainAdam, 1e-6, "AdamW weights");
    tf.dispose([x, dy, gamma, beta]);
  });
});

test("AdamW over many tensors in one op equals the one-tensor kernel, each with its own hyperparameters; bad shapes are named", async () => {
  if (!fusedOpsActive()) return assert.notEqual(tf.getBackend(), "tensorflow");
  await expectNoLeak(() => {
    const shapes = [[40, 30], [30], [3, 4, 5]];
    const make = (seed: number) => shapes.map((s, i) => tf.randomNormal(s, 0, 1, "float32", seed + i));
    const [p, g, m] = [make(1), make(11), make(21)];
    const v = tf.tidy(() => make(31).map((t) => tf.square(t)));
    const hyper = shapes.map((_, i) => [1e-3 * (i + 1), 0.9, 0.98 - 0.01 * i, 1e-6, i === 1 ? 0 : 1e-4 * (i + 1)] as const);
    const many = fusedAdamWMany(shapes.map((_, i) => ({ p: p[i], g: g[i], m: m[i], v: v[i], hyper: hyper[i] })));
    shapes.forEach((s, i) => {
      const one = fusedAdamW(p[i], g[i], m[i], v[i], ...hyper[i]);
      many[i].forEach((t, k) => {
        assert.deepEqual(t.shape, s);
        assert.equal(maxAbsDiff(t.dataSync() as Float32Array, one[k].dataSync() as Float32Array), 0, `tensor ${i}, output ${k}`);
      });
      assert.ok(maxAbsDiff(many[i][0].dataSync() as Float32Array, p[i].dataSync() as Float32Array) > 0, `tensor ${i} was not updated`);
      tf.dispose(one);
    });
    tf.dispose(many.flat());
    assert.throws(() => fusedAdamWMany([{ p: p[0], g: g[1], m: m[0], v: v[0], hyper: hyper[0] }]), /tensor 0 must have one shape/);
    tf.dispose([...p, ...g, ...m, ...v]);
  });
});

test("native linear layers give what tfjs's fused matMul gives: value, dx, dW and db, rank 2 to 4, with and without bias, without leaks", async () => {
  if (!fusedOpsActive()) return assert.notEqual(tf.getBackend(), "tensorflow");
  await expectNoLeak(() => {
    for (const lead of [[7], [3, 5], [2, 3, 4]]) {
      const x = tf.randomNormal([...lead, 24], 0, 1, "float32", 1);
      const w = tf.randomNormal([24, 40], 0, 0.2, "float32", 2);
      const b = tf.randomNormal([40], 0, 0.5, "float32", 3);
      const dy = tf.randomNormal([...lead, 40], 0, 1, "float32", 4);
      const [plain, fused] = bothWays(() => {
        const withBias = tf.valueAndGrads((a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => linear(a, { kernel: k, bias: c }))([x, w, b], dy);
        const noBias = tf.valueAndGrads((a: tf.Tensor, k: tf.Tensor) => linear(a, { kernel: k }))([x, w], dy);
        for (const r of [withBias, noBias]) assert.deepEqual(r.value.shape, [...lead, 40]);
        assert.deepEqual(withBias.grads.map((g) => g.shape), [x.shape, w.shape, b.shape]);
        return [withBias.value, ...withBias.grads, noBias.value, ...noBias.grads];
      });
      assertClose(fused, plain, 1e-6, `linear [${lead}, 24]: value, dx, dW, db, then without bias value, dx, dW`);
      tf.dispose([x, w, b, dy]);
    }
  });
});

test("a fused kernel given tensors that do not fit says which and why", () => {
  if (!fusedOpsActive()) return assert.notEqual(tf.getBackend(), "tensorflow");
  const x = tf.ones([2, 8]);
  const gamma = tf.ones([5]);
  assert.throws(() => layerNorm(x, { weight: gamma, bias: gamma } as never, 1e-5), /LukelabLayerNorm: gamma has 5 values, the last axis 8/);
  const w = tf.ones([5, 3]);
  assert.throws(() => linear(x, { kernel: w }), /linear: input \[2,8\] does not fit the kernel \[5,3\]/);
  const w2 = tf.ones([8, 3]);
  assert.throws(() => linear(x, { kernel: w2, bias: gamma }), /linear: bias \[5\] does not fit the kernel \[8,3\]/);
  tf.dispose([w, w2]);
  tf.dispose([x, gamma]);
});

test("a library built from an older native/lukelab_ops.cc is not loaded, and the line says how to rebuild it", () => {
  if (!nativeOpsActive()) return;
  const build = findNativeBuild("cpu");
  const dir = tmpDir();
  const library = join(dir, "lukelab_ops.node");
  writeFileSync(library, "not a library");
  // The build record of a library made before the many-tensor AdamW and the dropout gradient.
  const older = FUSED_OP_NAMES.filter((op) => op !== "LukelabAdamWMulti" && op !== "LukelabDropoutGrad");
  writeFileSync(join(dir, "lukelab_ops.json"), JSON.stringify({ stamp: "src=0", ops: older }));
  try {
    loadFusedOps({ opsLibrary: library, variant: "cpu" });
    assert.equal(fusedOpsActive(), false);
    assert.match(describeFusedOps(), /older native\/lukelab_ops\.cc \(without LukelabAdamWMulti, LukelabDropoutGrad\): run `bash scripts\/native-ops\.sh`/);
    assert.deepEqual(Object.keys(modelKernels()), ["dropout"], "only TensorFlow's own dropout mask is handed to the model");
  } finally {
    if ("binding" in build) loadFusedOps(build);
  }
});
