/**
 * Runs one workload in lukelab on the backend LUKELAB_BACKEND names, in its own process (so peak RSS
 * is that workload's), and prints one line `RESULT {json}` (a Measurement).
 *
 * Usage: node lib/bench/worker.js '<Workload JSON>' [--profile]
 *   --profile: time every kernel of one iteration (tf.profile) and report the ops that dominate.
 */
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { initBackend, tf } from "../kernel/backend";
import { LukeModel, createLukeConfig, type LukeInputs } from "../kernel/model";
import { AdamW } from "../kernel/train";
import { LukePool } from "../kernel/inference/pool";
import type { BatchEncoding } from "../kernel/tokenizer";
import { EPOCH_WARMUP_STEPS, MAX_MENTION, MENTION, NUM_LABELS, VOCAB, iterationFlops, median, type Measurement, type Workload } from "./workloads";

const rssMB = () => process.resourceUsage().maxRSS / 1024;
const nowRssMB = () => process.memoryUsage.rss() / 2 ** 20;

/** A small deterministic generator: same inputs on every backend. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeInputs(w: Workload): { inputs: LukeInputs; labels: tf.Tensor } {
  const rnd = lcg(1234);
  const { batch: B, seq: L, entities: E } = w;
  const ids = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) ids[b * L + t] = t === 0 ? 0 : t === L - 1 ? 2 : 3 + Math.floor(rnd() * (VOCAB - 3));
  }
  const entityVocab = w.epoch?.entityVocab ?? VOCAB;
  const entityIds = new Int32Array(B * E).map(() => 1 + Math.floor(rnd() * (entityVocab - 1)));
  const positions = new Int32Array(B * E * MAX_MENTION).fill(-1);
  for (let i = 0; i < B * E; i++) MENTION.forEach((p, j) => (positions[i * MAX_MENTION + j] = p));
  const labels = new Float32Array(B * NUM_LABELS).map(() => (rnd() < 0.3 ? 1 : 0));
  return {
    inputs: {
      inputIds: tf.tensor2d(ids, [B, L], "int32"),
      entityIds: tf.tensor2d(entityIds, [B, E], "int32"),
      entityPositionIds: tf.tensor3d(positions, [B, E, MAX_MENTION], "int32"),
    },
    labels: tf.tensor2d(labels, [B, NUM_LABELS]),
  };
}

/** Worker threads for inference on wasm and cpu: LUKELAB_BENCH_POOL, or one per core (1 turns the pool off). */
function poolThreads(): number {
  const env = process.env.LUKELAB_BENCH_POOL;
  return env ? Number(env) : availableParallelism();
}

/** The benchmark's input tensors as the padded batch a tokenizer would produce (all positions real). */
async function toBatchEncoding(inputs: LukeInputs): Promise<BatchEncoding> {
  const inputIds = (await inputs.inputIds.array()) as number[][];
  const entityIds = (await inputs.entityIds!.array()) as number[][];
  return {
    tokens: inputIds.map((row) => row.map(String)),
    inputIds,
    attentionMask: inputIds.map((row) => row.map(() => 1)),
    entityIds,
    entityPositionIds: (await inputs.entityPositionIds!.array()) as number[][][],
    entityAttentionMask: entityIds.map((row) => row.map(() => 1)),
  };
}

/** Micro-batches per training step on wasm (see the training workload). */
const WASM_MICRO_BATCHES = 4;

/** The batch as n equal slices along axis 0 (the whole batch itself when n = 1). */
function splitBatch(inputs: LukeInputs, labels: tf.Tensor, n: number): { inputs: LukeInputs; labels: tf.Tensor }[] {
  if (n === 1) return [{ inputs, labels }];
  const size = labels.shape[0] / n;
  const slice = <T extends tf.Tensor>(t: T, i: number) => tf.slice(t, i * size, size) as T;
  return Array.from({ length: n }, (_, i) => ({
    inputs: Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, slice(t as tf.Tensor, i)])) as LukeInputs,
    labels: slice(labels, i),
  }));
}

interface ProfileRow {
  op: string;
  ms: number;
  calls: number;
  share: number;
}

interface Profile {
  /** How the times were taken. */
  method: string;
  wallMs: number;
  kernelMs: number;
  ops: ProfileRow[];
  shapes: Record<string, string[]>;
}

function summarise(method: string, wallMs: number, records: { op: string; ms: number; shape: string }[]): Profile {
  const byOp = new Map<string, { ms: number; calls: number; shapes: Map<string, number> }>();
  let kernelMs = 0;
  for (const r of records) {
    kernelMs += r.ms;
    const e = byOp.get(r.op) ?? { ms: 0, calls: 0, shapes: new Map() };
    e.ms += r.ms;
    e.calls++;
    e.shapes.set(r.shape, (e.shapes.get(r.shape) ?? 0) + r.ms);
    byOp.set(r.op, e);
  }
  const ops = [...byOp.entries()].map(([op, e]) => ({ op, ms: e.ms, calls: e.calls, share: e.ms / wallMs })).sort((a, b) => b.ms - a.ms);
  const shapes: Record<string, string[]> = {};
  for (const { op } of ops.slice(0, 10)) {
    shapes[op] = [...byOp.get(op)!.shapes.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([shape, ms]) => `${shape}: ${ms.toFixed(0)} ms`);
  }
  return { method, wallMs, kernelMs, ops, shapes };
}

/**
 * Time of every op of one call of `f`, as a share of its wall time.
 * Native: every TensorFlow eager op the binding executes (synchronous on CPU), so composites such as
 * tfjs-node's _FusedMatMul (BatchMatMul + Add) show as the ops TensorFlow really ran.
 * Other backends: tf.profile's kernels, without the custom-gradient wrappers ("…__op") that nest others.
 */
async function profileOnce(f: () => Promise<unknown>): Promise<Profile> {
  const records: { op: string; ms: number; shape: string }[] = [];
  if (tf.getBackend() === "tensorflow") {
    // The binding object is frozen; the backend's reference to it is not: swap in a timed copy.
    const backend = tf.backend() as unknown as { binding: Record<string, unknown> };
    const binding = backend.binding;
    const executeOp = binding.executeOp as (...a: unknown[]) => { shape: number[] }[];
    const timed: Record<string, unknown> = {};
    for (const key of Object.getOwnPropertyNames(binding)) timed[key] = binding[key];
    timed.executeOp = (...args: unknown[]) => {
      const t0 = performance.now();
      const out = executeOp.apply(binding, args);
      records.push({ op: String(args[0]), ms: performance.now() - t0, shape: `→${out.map((o) => `[${o.shape}]`).join(",")}` });
      return out;
    };
    backend.binding = timed;
    const t0 = performance.now();
    try {
      await f();
    } finally {
      backend.binding = binding;
    }
    return summarise("TensorFlow eager ops (binding.executeOp)", performance.now() - t0, records);
  }
  tf.env().set("CHECK_COMPUTATION_FOR_ERRORS", false);
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await f();
  });
  const wallMs = performance.now() - t0;
  for (const k of info.kernels) {
    if (k.name.endsWith("__op")) continue;
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    records.push({ op: k.name, ms, shape: `${k.inputShapes.map((s) => `[${s}]`).join("·")}→${k.outputShapes.map((s) => `[${s}]`).join(",")}` });
  }
  return summarise("tf.profile kernels", wallMs, records);
}

async function main(): Promise<void> {
  const w: Workload = JSON.parse(process.argv[2]);
  const profile = process.argv.includes("--profile");
  const report = await initBackend();
  const m: Measurement = { runtime: report.backend, workload: w.id, ok: false, threads: report.threads };
  m.details = { version: report.version, ...(report.library ? { library: report.library } : {}) };
  const tSetup = performance.now();
  m.baseRssMB = nowRssMB();

  let iterate: () => Promise<number | undefined>;
  let warmup: (() => Promise<number | undefined>) | undefined;
  let cleanup: () => void;
  if (w.kind === "matmul") {
    const [M, K, N] = w.mkn!;
    const a = tf.randomNormal([M, K]);
    const b = tf.randomNormal([K, N]);
    iterate = async () => {
      // Read one element: it waits for the product without timing a 50 MB download.
      const c = tf.matMul(a, b);
      const corner = tf.slice(c, [0, 0], [1, 1]);
      await corner.data();
      tf.dispose([c, corner]);
      return undefined;
    };
    cleanup = () => tf.dispose([a, b]);
  } else {
    const s = w.shape!;
    const e = w.epoch;
    const config = createLukeConfig({
      vocabSize: e?.wordVocab ?? VOCAB,
      entityVocabSize: e?.entityVocab ?? VOCAB,
      ...(e ? { hiddenDropoutProb: e.hiddenDropout, layerNormEps: e.layerNormEps } : {}),
      hiddenSize: s.hidden,
      entityEmbSize: s.entityEmb,
      numHiddenLayers: s.layers,
      numAttentionHeads: s.heads,
      intermediateSize: s.intermediate,
      maxPositionEmbeddings: 514,
      numLabels: NUM_LABELS,
    });
    const model = LukeModel.random(config, { head: "entity_classification", seed: 0 });
    const { inputs, labels } = makeInputs(w);
    if (w.kind === "inference" && report.backend !== "tensorflow" && poolThreads() > 1 && !profile) {
      // WebAssembly runs one thread per process in Node: lukelab's inference pool (LukePool) runs
      // the rows of the batch on one worker thread per core, as a user of the library does.
      const batch = await toBatchEncoding(inputs);
      const pool = await LukePool.fromModel(model, { threads: poolThreads() });
      model.dispose();
      tf.dispose([...Object.values(inputs), labels]);
      m.threads = pool.threads;
      m.details.pool = `LukePool, ${pool.threads} worker threads`;
      iterate = async () => {
        await pool.runBatch(batch);
        return undefined;
      };
      cleanup = () => void pool.close();
    } else if (w.kind === "inference") {
      iterate = async () => {
        const out = model.forward(inputs, { training: false });
        await out.logits!.data();
        tf.dispose(out);
        return undefined;
      };
      cleanup = () => {
        model.dispose();
        tf.dispose([...Object.values(inputs), labels]);
      };
    } else {
      const vars = model.trainableVariables();
      // lukelab's own optimiser, with the Hugging Face names that pick the no-decay group.
      const names = [...LukeModel.expectedWeights(config, "entity_classification").keys()];
      const hfName = new Map(vars.map((v, i) => [v.name, names[i]]));
      const opt = new AdamW(vars.map((variable, i) => ({ name: names[i], variable })), { weightDecay: e?.weightDecay ?? 0.01 });
      const lr = e?.lr ?? 1e-5;
      // The WebAssembly heap is 4 GB (wasm32): batch 8 × 128 of luke-base does not fit with the
      // optimizer state, so wasm accumulates the gradients of micro-batches (the same work per step).
      const micro = report.backend === "wasm" ? WASM_MICRO_BATCHES : 1;
      m.details.microBatches = micro;
      const parts = splitBatch(inputs, labels, micro);
      let seed = 0;
      const step = async () => {
        let sum: tf.NamedTensorMap | undefined;
        let lossSum = 0;
        for (const part of parts) {
          const { value, grads } = tf.variableGrads(() => {
            const out = model.forward(part.inputs, { training: true, seed: seed++ });
            return model.loss(out.logits!, part.labels, { problemType: "multi_label_classification" });
          }, vars);
          lossSum += (await value.data())[0];
          value.dispose();
          if (!sum) sum = grads;
          else {
            // One variable at a time, so at most one extra gradient is alive.
            for (const [k, g] of Object.entries(grads)) {
              const next = tf.add(sum[k], g);
              tf.dispose([sum[k], g]);
              sum[k] = next;
            }
          }
        }
        if (micro > 1) {
          for (const [k, g] of Object.entries(sum!)) {
            sum![k] = tf.div(g, micro);
            g.dispose();
          }
        }
        opt.step(new Map(Object.entries(sum!).map(([k, g]) => [hfName.get(k)!, g])), lr);
        tf.dispose(Object.values(sum!));
        return lossSum / micro;
      };
      // An epoch: its steps, each on the same batch shape (the warm-up runs EPOCH_WARMUP_STEPS of them).
      const steps = (n: number) => async () => {
        let loss: number | undefined;
        for (let i = 0; i < n; i++) loss = await step();
        return loss;
      };
      iterate = e ? steps(e.steps) : step;
      if (e) warmup = steps(EPOCH_WARMUP_STEPS);
      cleanup = () => {
        opt.dispose();
        model.dispose();
        if (micro > 1) parts.forEach((p) => tf.dispose([...Object.values(p.inputs), p.labels]));
        tf.dispose([...Object.values(inputs), labels]);
      };
    }
  }
  m.setupSeconds = (performance.now() - tSetup) / 1000;

  for (let i = 0; i < w.warmup; i++) await (warmup ?? iterate)();
  if (profile) {
    const p = await profileOnce(warmup ?? iterate);
    m.details.profile = p;
  }
  const seconds: number[] = [];
  for (let i = 0; i < w.repeats; i++) {
    const t0 = performance.now();
    const loss = await iterate();
    seconds.push((performance.now() - t0) / 1000);
    if (loss !== undefined) m.loss = loss;
  }
  cleanup();
  m.seconds = seconds;
  m.median = median(seconds);
  m.throughput = (w.kind === "matmul" ? 1 : w.batch * (w.epoch?.steps ?? 1)) / m.median;
  m.gflops = iterationFlops(w) / m.median / 1e9;
  m.peakRssMB = rssMB();
  m.ok = true;
  if ((w.kind === "training" || w.kind === "epoch") && !Number.isFinite(m.loss)) {
    m.ok = false;
    m.error = `training loss is ${m.loss}`;
  }
  console.log(`RESULT ${JSON.stringify(m)}`);
}

main().catch((err) => {
  const w = JSON.parse(process.argv[2] ?? "{}");
  const m: Measurement = {
    runtime: process.env.LUKELAB_BACKEND ?? "?",
    workload: w.id ?? "?",
    ok: false,
    error: String((err as Error)?.message ?? err).split("\n")[0],
    peakRssMB: rssMB(),
  };
  console.log(`RESULT ${JSON.stringify(m)}`);
  process.exitCode = 1;
});
