/**
 * `npm run bench`: the workloads of bench/workloads.ts, side by side, in lukelab on each available
 * backend and in Hugging Face transformers on PyTorch (CPU), on this machine, in one invocation.
 * Prints each lukelab/PyTorch throughput ratio, the achieved GFLOP/s next to the fp32 matMul rate
 * each runtime reaches in the same run, and peak RSS; writes bench/results/<timestamp>.json and
 * bench/results/latest.json.
 *
 * Every (workload, runtime) pair runs in a fresh process, PyTorch first, so peak RSS is that
 * workload's and nothing warms up the next one. Both sides use the same thread count: TensorFlow's
 * intra-op pool is one thread per core, and PyTorch gets torch.set_num_threads(cores).
 * tfjs-backend-wasm has no threads in Node, so lukelab's inference on wasm runs through LukePool
 * (kernel/inference/pool.ts): one worker thread per core, each with its own wasm backend and copy
 * of the model, the rows of the batch split between them. Training on wasm runs on one thread.
 * LUKELAB_BENCH_POOL=1 measures wasm inference on one thread instead.
 *
 * ONNX Runtime is a second reference where a workload names it (inference, luke-base, batch 32 × 128):
 * the same transformers model exported with torch.onnx.export, its logits checked against PyTorch
 * before it is timed (bench/torch_bench.py; `npm run bench:setup` installs onnxruntime, onnx and
 * onnxscript from scripts/requirements-bench.txt).
 *
 * Each (workload, runtime) pair runs --runs times (default 3), the runs of one workload back to back
 * and each run's runtimes one after another, so a ratio compares processes that ran minutes apart at
 * most. The table shows the median over runs of each throughput and of each run's lukelab/PyTorch
 * ratio, with the lowest and highest ratio; the load average is recorded before and after.
 *
 * Options:
 *   --quick              1 timed iteration after 1 warm-up in each process (default 3 after 1)
 *   --runs=N             fresh processes per (workload, runtime) (default 3)
 *   --only=a,b           workloads whose id contains a or b (ids: see the table)
 *   --backends=x,y       lukelab backends to run (default: tensorflow when built, and wasm)
 *   --no-torch           skip PyTorch
 *   --profile            also time every kernel of one iteration (lukelab: tf.profile; PyTorch:
 *                        torch.profiler) and print the ops that dominate
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { nativeBuilds } from "../kernel/backend/native";
import { VOCAB, median, workloads, type Measurement, type Workload } from "./workloads";

const ROOT = resolve(__dirname, "..", "..");
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const quick = flag("quick");
const runs = Math.max(1, Number(option("runs") ?? 3) || 1);
const profile = flag("profile");
const threads = availableParallelism();
const only = option("only")?.split(",").filter(Boolean);
const backends = option("backends")?.split(",").filter(Boolean) ?? [...(nativeBuilds().length ? ["tensorflow"] : []), "wasm"];
const withTorch = !flag("no-torch");
const withOnnx = withTorch && !flag("no-onnx");
const python = join(ROOT, ".venv", "bin", "python");

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function parseResult(stdout: string, stderr: string, runtime: string, w: Workload, status: number | null): Measurement {
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line) return JSON.parse(line.slice(7));
  const why = stderr.trim().split("\n").filter(Boolean).pop() ?? `exit ${status}`;
  return { runtime, workload: w.id, ok: false, error: why.slice(0, 300) };
}

/** PyTorch and ONNX Runtime run through bench/torch_bench.py. */
const REFERENCES = ["pytorch", "onnxruntime"];

function runOne(runtime: string, w: Workload, run: number): Measurement {
  const spec = JSON.stringify(w);
  // A profile of the first run only: profiling slows the process it runs in.
  const extra = profile && run === 0 && w.kind !== "matmul" ? ["--profile"] : [];
  const n = w.threads ?? threads;
  const r = REFERENCES.includes(runtime)
    ? spawnSync(python, [join(ROOT, "bench", "torch_bench.py"), spec, String(n), `--runtime=${runtime}`, ...extra], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
        env: { ...process.env, TOKENIZERS_PARALLELISM: "false", HF_HUB_OFFLINE: "1", OMP_NUM_THREADS: String(n) },
      })
    : spawnSync(process.execPath, [join(ROOT, "lib", "bench", "worker.js"), spec, ...extra], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
        env: { ...process.env, LUKELAB_BACKEND: runtime, ...(w.threads ? { TF_NUM_INTRAOP_THREADS: String(n), TF_NUM_INTEROP_THREADS: "1" } : {}) },
      });
  const m = parseResult(r.stdout ?? "", r.stderr ?? "", runtime, w, r.status);
  m.runtime = runtime;
  m.run = run;
  return m;
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

const value = (w: Workload, m?: Measurement) => (w.kind === "matmul" ? m?.gflops : m?.throughput);

/** One runtime's runs of one workload: medians over the runs that succeeded, and the spread. */
function summary(results: Measurement[], rt: string, w: Workload) {
  const all = results.filter((m) => m.runtime === rt && m.workload === w.id);
  const ok = all.filter((m) => m.ok && value(w, m) !== undefined);
  const values = ok.map((m) => value(w, m)!);
  return {
    ran: all.length > 0,
    ok: ok.length > 0,
    runs: ok.length,
    value: ok.length ? median(values) : undefined,
    min: ok.length ? Math.min(...values) : undefined,
    max: ok.length ? Math.max(...values) : undefined,
    gflops: ok.length ? median(ok.map((m) => m.gflops ?? NaN)) : undefined,
    rss: ok.length ? median(ok.map((m) => m.peakRssMB ?? NaN)) : undefined,
  };
}

/** Each run's ratio rt/ref (the two processes of the same run), their median, lowest and highest. */
function ratios(results: Measurement[], rt: string, ref: string, w: Workload) {
  const per: number[] = [];
  for (const m of results) {
    if (m.runtime !== rt || m.workload !== w.id || !m.ok) continue;
    const r = results.find((x) => x.runtime === ref && x.workload === w.id && x.run === m.run && x.ok);
    const a = value(w, m);
    const b = value(w, r);
    if (a && b) per.push(a / b);
  }
  return per.length ? { median: median(per), min: Math.min(...per), max: Math.max(...per), n: per.length } : undefined;
}

const ratioText = (r?: { median: number; min: number; max: number; n: number }) =>
  !r ? "–" : r.n > 1 ? `${fmt(r.median, 2)}× (${fmt(r.min, 2)}–${fmt(r.max, 2)})` : `${fmt(r.median, 2)}×`;

function table(list: Workload[], results: Measurement[], runtimes: string[]): string {
  const lines: string[] = [];
  const first = 66;
  const width = (rt: string) => (REFERENCES.includes(rt) ? 22 : 34);
  const title = (rt: string) =>
    rt === "pytorch" ? "pytorch /s (spread)" : rt === "onnxruntime" ? "onnxruntime /s (×PyTorch)" : `${rt} /s  ×PyTorch (min–max)`;
  const head = [pad(`workload (median of ${runs} run${runs > 1 ? "s" : ""}; /s = seq, examples or GFLOP per s)`, first), ...runtimes.map((rt) => lpad(title(rt), width(rt)))];
  lines.push(head.join(" | "));
  lines.push(head.map((h) => "-".repeat(h.length)).join("-|-"));
  for (const w of list) {
    const cells = [pad(w.kind === "matmul" ? `${w.title} (GFLOP/s)` : w.title, first)];
    for (const rt of runtimes) {
      const s = summary(results, rt, w);
      if (!s.ok) {
        cells.push(lpad(s.ran ? "failed" : "–", width(rt)));
        continue;
      }
      const spread = s.runs > 1 ? ` ±${fmt((50 * (s.max! - s.min!)) / s.value!, 0)}%` : "";
      if (rt === "pytorch") cells.push(lpad(`${fmt(s.value, 2)}${spread}`, width(rt)));
      else if (rt === "onnxruntime") cells.push(lpad(`${fmt(s.value, 2)} (${ratioText(ratios(results, rt, "pytorch", w))})`, width(rt)));
      else cells.push(lpad(`${fmt(s.value, 2)}  ${ratioText(ratios(results, rt, "pytorch", w))}`, width(rt)));
    }
    lines.push(cells.join(" | "));
  }
  if (runtimes.includes("onnxruntime")) {
    for (const w of list) {
      if (!summary(results, "onnxruntime", w).ok) continue;
      const parts = runtimes.filter((rt) => !REFERENCES.includes(rt)).map((rt) => `${rt} ${ratioText(ratios(results, rt, "onnxruntime", w))}`);
      lines.push(`lukelab / ONNX Runtime, ${w.title}: ${parts.join(", ")}`);
    }
  }
  lines.push("");
  // Achieved GFLOP/s against each runtime's own matMul rate, and peak RSS.
  const head2 = [pad("workload: GFLOP/s (% of that runtime's matMul rate), peak RSS MiB", first), ...runtimes.map((rt) => lpad(rt, width(rt)))];
  lines.push(head2.join(" | "));
  lines.push(head2.map((h) => "-".repeat(h.length)).join("-|-"));
  const matmul = list.find((w) => w.kind === "matmul");
  for (const w of list) {
    if (w.kind === "matmul") continue;
    const cells = [pad(w.title, first)];
    for (const rt of runtimes) {
      const s = summary(results, rt, w);
      if (!s.ok) {
        cells.push(lpad(s.ran ? "failed" : "–", width(rt)));
        continue;
      }
      // The matMul rate is measured on all cores; a workload on fewer threads is not compared with it.
      const mm = matmul && !w.threads ? summary(results, rt === "onnxruntime" ? "pytorch" : rt, matmul) : undefined;
      const pct = mm?.ok && mm.value ? ` (${fmt((100 * s.gflops!) / mm.value, 0)}%)` : "";
      cells.push(lpad(`${fmt(s.gflops, 1)}${pct}, ${fmt(s.rss, 0)}`, width(rt)));
    }
    lines.push(cells.join(" | "));
  }
  const micro = results.filter((m) => m.ok && m.run === 0 && Number(m.details?.microBatches) > 1);
  for (const m of micro) lines.push(`note: ${m.workload} on ${m.runtime} accumulates ${m.details!.microBatches} micro-batches per step (the 4 GB WebAssembly heap does not hold the whole batch)`);
  for (const m of results.filter((x) => x.ok && x.run === 0 && x.details?.export)) lines.push(`note: ${m.workload} on ${m.runtime}: ${m.details!.export}`);
  for (const w of list.filter((x) => x.threads)) lines.push(`note: ${w.id} runs on ${w.threads} thread(s) on every side`);
  const failures = results.filter((m) => !m.ok);
  if (failures.length) {
    lines.push("");
    for (const f of failures) lines.push(`failed: ${f.workload} on ${f.runtime} (run ${(f.run ?? 0) + 1}): ${f.error}`);
  }
  return lines.join("\n");
}

function profileTables(results: Measurement[]): string {
  const out: string[] = [];
  for (const m of results) {
    const p = m.details?.profile as
      | { method?: string; wallMs?: number; kernelMs: number; ops: { op: string; ms: number; calls: number; share: number }[]; shapes?: Record<string, string[]> }
      | undefined;
    if (!p) continue;
    const wall = p.wallMs ? `, wall ${fmt(p.wallMs, 0)} ms (ops ${fmt((100 * p.kernelMs) / p.wallMs, 0)}% of it)` : "";
    out.push(`\nprofile: ${m.workload} on ${m.runtime}${p.method ? ` (${p.method})` : ""}: ops ${fmt(p.kernelMs, 0)} ms${wall}; share = of wall time`);
    for (const o of p.ops.slice(0, 12)) {
      out.push(`  ${pad(o.op, 48)} ${lpad(fmt(o.ms, 0), 8)} ms ${lpad(fmt(100 * o.share, 1), 5)}%  ${lpad(String(o.calls), 5)} calls`);
      for (const s of p.shapes?.[o.op]?.slice(0, 2) ?? []) out.push(`      ${s}`);
    }
  }
  return out.join("\n");
}

/** Busy ticks of the whole machine (/proc/stat) and of this process with its reaped children. */
function cpuTicks(): { machine: number; total: number; ours: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    // utime, stime, cutime, cstime: fields 14-17, counted after the ")" that ends the command name.
    const self = readFileSync("/proc/self/stat", "utf8");
    const rest = self.slice(self.lastIndexOf(")") + 2).split(" ").map(Number);
    const ours = rest[11] + rest[12] + rest[13] + rest[14];
    return { machine: total - idle, total, ours };
  } catch {
    return undefined;
  }
}

function otherProcessesShare(a: ReturnType<typeof cpuTicks>, b: ReturnType<typeof cpuTicks>): number | undefined {
  if (!a || !b || b.total === a.total) return undefined;
  const others = b.machine - a.machine - (b.ours - a.ours);
  return Math.max(0, others / (b.total - a.total));
}

function main(): void {
  if (!existsSync(join(ROOT, "lib", "bench", "worker.js"))) {
    console.error("lib/bench/worker.js is missing: run `npm run build` first");
    process.exit(1);
  }
  if (withTorch && !existsSync(python)) {
    console.error(`${python} is missing: run \`npm run setup\` first (or pass --no-torch)`);
    process.exit(1);
  }
  const list = workloads(quick).filter((w) => !only || only.some((o) => w.id.includes(o)) || w.kind === "matmul");
  const runtimes = [...(withTorch ? ["pytorch"] : []), ...(withOnnx && list.some((w) => w.references?.includes("onnxruntime")) ? ["onnxruntime"] : []), ...backends];
  const startedAt = new Date();
  const loadBefore = loadavg();
  const cpuBefore = cpuTicks();
  log(`${list.length} workloads × ${runtimes.join(", ")} × ${runs} runs; ${threads} threads; ${quick ? "quick (1 timed iteration per process)" : "3 timed iterations per process"}; load average ${loadBefore.map((x) => x.toFixed(2)).join(" ")}`);
  const results: Measurement[] = [];
  for (const w of list) {
    for (let run = 0; run < runs; run++) {
      for (const rt of runtimes) {
        if (rt === "onnxruntime" && !w.references?.includes(rt)) continue;
        const m = runOne(rt, w, run);
        results.push(m);
        log(
          m.ok
            ? `${w.id} on ${rt} (run ${run + 1}/${runs}): ${fmt(m.median, 3)} s/iter, ${fmt(m.gflops, 1)} GFLOP/s, peak RSS ${fmt(m.peakRssMB, 0)} MiB; load ${loadavg()[0].toFixed(2)}`
            : `${w.id} on ${rt} (run ${run + 1}/${runs}): FAILED: ${m.error}`,
        );
      }
    }
  }
  const loadAfter = loadavg();
  const othersShare = otherProcessesShare(cpuBefore, cpuTicks());
  const text = table(list, results, runtimes);
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const header =
    `lukelab vs PyTorch on ${cpu}, ${threads} threads, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
    `ratio = lukelab throughput / PyTorch throughput (>1 is faster)\n` +
    `random weights; word and entity vocabularies of ${VOCAB} on both sides (real tables change memory, not speed)\n` +
    `load average (1, 5, 15 min) ${loadBefore.map((x) => x.toFixed(2)).join(", ")} before, ${loadAfter.map((x) => x.toFixed(2)).join(", ")} after\n` +
    (othersShare !== undefined && othersShare > 0.1
      ? `WARNING: other processes used ${(100 * othersShare).toFixed(0)}% of the CPU during this run: timings are pessimistic and noisy\n`
      : "");
  console.log(`\n${header}\n${text}${profile ? profileTables(results) : ""}`);

  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const json = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `npm run bench --${args.length ? ` ${args.join(" ")}` : ""}`,
    quick,
    runs,
    machine: { cpu, cores: threads, memoryGiB: totalmem() / 2 ** 30, node: process.versions.node, platform: `${process.platform}-${process.arch}` },
    loadAverage: { before: loadBefore, after: loadAfter },
    /** Share of all cores' time that processes other than this benchmark used while it ran. */
    otherProcessesCpuShare: othersShare,
    vocab: VOCAB,
    runtimes,
    workloads: list,
    results,
  };
  const body = JSON.stringify(json, null, 2) + "\n";
  writeFileSync(join(dir, `${stamp}.json`), body);
  writeFileSync(join(dir, "latest.json"), body);
  log(`wrote bench/results/${stamp}.json and bench/results/latest.json`);
  if (results.some((m) => !m.ok)) process.exitCode = 1;
}

main();
