/**
 * The early release of saved activations and intermediate gradients during backpropagation
 * (kernel/backend/gradient-release.ts) changes when memory is freed, never the values: gradients
 * are bit-identical with it on and off, nothing leaks, a caller's dy and the xs' gradients
 * survive, higher-order gradients still work, and the peak falls. The same for shape-only saves:
 * kernels whose gradients read only their inputs' shapes keep those shapes instead of the data.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gradientReleaseActive, setGradientRelease, setShapeOnlySaves, shapeOnlySavesActive, tf } from "../../kernel/backend";
import { expectNoLeak, maxAbsDiff, ready, seededValues as values } from "../helpers";

let initial = false;
let initialShapes = false;
before(async () => {
  await ready();
  initial = gradientReleaseActive();
  initialShapes = shapeOnlySavesActive();
});
after(() => {
  setGradientRelease(initial);
  setShapeOnlySaves(initialShapes);
});

/** A two-layer post-LN attention block over embeddings: the op mix of a LUKE layer. */
function makeModel() {
  const H = 32;
  const v = (shape: number[], seed: number, scale = 0.2) => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, scale), shape));
  const vars = {
    emb: v([50, H], 1, 0.5),
    wq: v([H, H], 2),
    wk: v([H, H], 3),
    wv: v([H, H], 4),
    w1: v([H, 4 * H], 5),
    b1: v([4 * H], 6),
    w2: v([4 * H, H], 7),
    gamma: v([H], 8),
  };
  const ids = tf.tensor2d(Int32Array.from({ length: 2 * 6 }, (_, i) => (i * 11) % 50), [2, 6], "int32");
  const mask = tf.tensor3d([0, 0, 0, 0, -3.4e38, -3.4e38, 0, 0, 0, 0, 0, -3.4e38], [2, 1, 6]);
  const layerNorm = (x: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-12))), vars.gamma);
  };
  const gelu = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const loss = () => {
    let x = tf.gather(vars.emb, ids) as tf.Tensor3D; // [2, 6, H]
    for (let layer = 0; layer < 2; layer++) {
      const flat = tf.reshape(x, [12, H]);
      const proj = (w: tf.Variable) => tf.reshape(tf.matMul(flat, w as tf.Tensor2D), [2, 6, H]) as tf.Tensor3D;
      const p = tf.softmax(tf.add(tf.div(tf.matMul(proj(vars.wq), proj(vars.wk), false, true), Math.sqrt(H)), mask));
      const a = layerNorm(tf.add(tf.matMul(p, proj(vars.wv)), x)) as tf.Tensor3D;
      const h = gelu(tf.fused.matMul({ a: tf.reshape(a, [12, H]) as tf.Tensor2D, b: vars.w1 as tf.Tensor2D, bias: vars.b1 }));
      x = layerNorm(tf.add(tf.reshape(tf.matMul(h as tf.Tensor2D, vars.w2 as tf.Tensor2D), [2, 6, H]), a)) as tf.Tensor3D;
    }
    return tf.mean(tf.square(x)) as tf.Scalar;
  };
  return { vars, loss, dispose: () => tf.dispose([...Object.values(vars), ids, mask]) };
}

function grads(release: boolean, m: ReturnType<typeof makeModel>): Float32Array[] {
  setGradientRelease(release);
  const { value, grads } = tf.variableGrads(m.loss, Object.values(m.vars));
  const out = Object.values(m.vars).map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

test("gradients are bit-identical with the early release on and off, and nothing leaks", async () => {
  const m = makeModel();
  const off = await expectNoLeak(() => grads(false, m));
  const on = await expectNoLeak(() => grads(true, m));
  off.forEach((g, i) => {
    assert.ok(g.some((x) => x !== 0), `variable ${i} got a zero gradient`);
    assert.equal(maxAbsDiff(g, on[i]), 0, `variable ${i}`);
  });
  m.dispose();
});

test("the backward peak falls with the early release", async () => {
  const m = makeModel();
  const peak = async (release: boolean) => {
    setGradientRelease(release);
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(m.loss, Object.values(m.vars));
      tf.dispose([value, ...Object.values(grads)]);
    });
    return info.peakBytes;
  };
  const off = await peak(false);
  const on = await peak(true);
  assert.ok(on < 0.8 * off, `peak ${on} bytes with the release, ${off} without`);
  m.dispose();
});

test("a caller's dy, pass-through gradients, variables' gradients and higher orders survive", async () => {
  setGradientRelease(true);
  await expectNoLeak(() => {
    const x = tf.tensor1d([1, 2, 3]);
    const dy = tf.tensor1d([1, 10, 100]);
    // Identity-like gradients hand dy back unchanged; the caller's dy must stay usable.
    const g = tf.grad((t: tf.Tensor) => tf.cast(tf.reshape(tf.mul(t, 2), [3]), "float32"))(x, dy);
    assert.deepEqual(Array.from(g.dataSync()), [2, 20, 200]);
    assert.deepEqual(Array.from(dy.dataSync()), [1, 10, 100]);
    // d/dx of x³, twice: 6x.
    const second = tf.grad((t: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.pow(u, 3))(t))(x);
    assert.deepEqual(Array.from(second.dataSync()), [6, 12, 18]);
    tf.dispose([x, dy, g, second]);
  });
  // The gradients of the xs are the results: never released.
  const a = tf.variable(tf.tensor1d([1, 2]));
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.mul(a, 3))), [a]);
  assert.deepEqual(Array.from(grads[a.name].dataSync()), [18, 36]);
  tf.dispose([a, ...Object.values(grads)]);
});

/** Bytes of tensor data kept alive at the end of the forward pass (inside variableGrads). */
function keptAfterForward(m: ReturnType<typeof makeModel>): number {
  let kept = 0;
  const { value, grads } = tf.variableGrads(() => {
    const before = tf.memory().numBytes;
    const loss = m.loss();
    kept = tf.memory().numBytes - before;
    return loss;
  }, Object.values(m.vars));
  tf.dispose([value, ...Object.values(grads)]);
  return kept;
}

test("shape-only saves: bit-identical gradients, nothing leaks, less kept after the forward pass", async () => {
  const m = makeModel();
  setGradientRelease(true);
  for (const release of [false, true]) {
    setGradientRelease(release);
    setShapeOnlySaves(false);
    const full = await expectNoLeak(() => grads(release, m));
    const keptFull = keptAfterForward(m);
    assert.equal(setShapeOnlySaves(true), true, "this tfjs-core has the hooks shape-only saves need");
    const shapes = await expectNoLeak(() => grads(release, m));
    const keptShapes = keptAfterForward(m);
    full.forEach((g, i) => assert.equal(maxAbsDiff(g, shapes[i]), 0, `variable ${i}, release ${release}`));
    // The model's residual sums, mask addition and reshapes no longer keep their inputs.
    assert.ok(keptShapes < 0.85 * keptFull, `kept ${keptShapes} bytes with shape-only saves, ${keptFull} without (release ${release})`);
  }
  m.dispose();
});

test("shape-only saves: every kernel it covers still differentiates, broadcasting included", async () => {
  setShapeOnlySaves(true);
  await expectNoLeak(() => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor1d([10, 20, 30]);
    const f = (x: tf.Tensor, y: tf.Tensor) => {
      const s = tf.sub(tf.add(x, y), tf.mul(y, 2)); // Add and Sub with b broadcast over rows
      const c = tf.concat([s, tf.reshape(x, [2, 3])], 1); // Concat, Reshape
      const sl = tf.slice(c, [0, 1], [2, 4]); // Slice
      const e = tf.expandDims(sl, 0); // ExpandDims
      const p = tf.pad(e, [[0, 0], [1, 0], [0, 1]], 0); // PadV2
      const st = tf.stack([p, p]); // Pack
      return tf.sum(tf.mul(tf.addN([st, st, st]), tf.reshape(tf.range(1, 1 + st.size), st.shape))); // AddN
    };
    const [gaOn, gbOn] = tf.grads(f)([a, b]);
    setShapeOnlySaves(false);
    const [gaOff, gbOff] = tf.grads(f)([a, b]);
    setShapeOnlySaves(true);
    assert.deepEqual(Array.from(gaOn.dataSync()), Array.from(gaOff.dataSync()));
    assert.deepEqual(Array.from(gbOn.dataSync()), Array.from(gbOff.dataSync()));
    assert.ok(gaOn.dataSync().some((v) => v !== 0) && gbOn.dataSync().some((v) => v !== 0), "non-zero gradients");
    tf.dispose([a, b, gaOn, gbOn, gaOff, gbOff]);
  });
});
