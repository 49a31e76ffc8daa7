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
 * Options:
 *   --quick              1 timed iteration after 1 warm-up (default 3 after 1)
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
import { VOCAB, workloads, type Measurement, type Workload } from "./workloads";

const ROOT = resolve(__dirname, "..", "..");
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const quick = flag("quick");
const profile = flag("profile");
const threads = availableParallelism();
const only = option("only")?.split(",").filter(Boolean);
const backends = option("backends")?.split(",").filter(Boolean) ?? [...(nativeBuilds().length ? ["tensorflow"] : []), "wasm"];
const withTorch = !flag("no-torch");
const python = join(ROOT, ".venv", "bin", "python");

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function parseResult(stdout: string, stderr: string, runtime: string, w: Workload, status: number | null): Measurement {
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line) return JSON.parse(line.slice(7));
  const why = stderr.trim().split("\n").filter(Boolean).pop() ?? `exit ${status}`;
  return { runtime, workload: w.id, ok: false, error: why.slice(0, 300) };
}

function runOne(runtime: string, w: Workload): Measurement {
  const spec = JSON.stringify(w);
  const extra = profile && w.kind !== "matmul" ? ["--profile"] : [];
  const r =
    runtime === "pytorch"
      ? spawnSync(python, [join(ROOT, "bench", "torch_bench.py"), spec, String(threads), ...extra], {
          encoding: "utf8",
          maxBuffer: 1 << 26,
          env: { ...process.env, TOKENIZERS_PARALLELISM: "false", HF_HUB_OFFLINE: "1" },
        })
      : spawnSync(process.execPath, [join(ROOT, "lib", "bench", "worker.js"), spec, ...extra], {
          encoding: "utf8",
          maxBuffer: 1 << 26,
          env: { ...process.env, LUKELAB_BACKEND: runtime },
        });
  const m = parseResult(r.stdout ?? "", r.stderr ?? "", runtime, w, r.status);
  m.runtime = runtime;
  return m;
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

function table(list: Workload[], results: Measurement[], runtimes: string[]): string {
  const get = (rt: string, id: string) => results.find((m) => m.runtime === rt && m.workload === id);
  const lines: string[] = [];
  const first = 58;
  const head = [pad("workload", first), ...runtimes.map((rt) => lpad(rt === "pytorch" ? "pytorch seq/s" : `${rt} seq/s  ratio`, rt === "pytorch" ? 14 : 24))];
  lines.push(head.join(" | "));
  lines.push(head.map((h) => "-".repeat(h.length)).join("-|-"));
  const torchRows = (id: string) => get("pytorch", id);
  for (const w of list) {
    const cells = [pad(w.kind === "matmul" ? `${w.title} (GFLOP/s)` : w.title, first)];
    for (const rt of runtimes) {
      const m = get(rt, w.id);
      const value = (x?: Measurement) => (w.kind === "matmul" ? x?.gflops : x?.throughput);
      if (!m || !m.ok) {
        cells.push(lpad(m ? `failed` : "–", rt === "pytorch" ? 14 : 24));
        continue;
      }
      if (rt === "pytorch") cells.push(lpad(fmt(value(m), 2), 14));
      else {
        const t = torchRows(w.id);
        const ratio = t?.ok && value(t) ? value(m)! / value(t)! : undefined;
        cells.push(lpad(`${fmt(value(m), 2)}  ${ratio === undefined ? "  –  " : `${fmt(ratio, 2)}×`}`, 24));
      }
    }
    lines.push(cells.join(" | "));
  }
  lines.push("");
  // Achieved GFLOP/s against each runtime's own matMul rate, and peak RSS.
  const head2 = [pad("workload: achieved GFLOP/s (% of that runtime's matMul rate), peak RSS MiB", first), ...runtimes.map((rt) => lpad(rt, 24))];
  lines.push(head2.join(" | "));
  lines.push(head2.map((h) => "-".repeat(h.length)).join("-|-"));
  for (const w of list) {
    if (w.kind === "matmul") continue;
    const cells = [pad(w.title, first)];
    for (const rt of runtimes) {
      const m = get(rt, w.id);
      const mm = get(rt, "matmul");
      if (!m?.ok) {
        cells.push(lpad(m?.error ? "failed" : "–", 24));
        continue;
      }
      const pct = mm?.ok && mm.gflops ? ` (${fmt((100 * m.gflops!) / mm.gflops, 0)}%)` : "";
      cells.push(lpad(`${fmt(m.gflops, 1)}${pct}, ${fmt(m.peakRssMB, 0)}`, 24));
    }
    lines.push(cells.join(" | "));
  }
  const micro = results.filter((m) => m.ok && Number(m.details?.microBatches) > 1);
  for (const m of micro) lines.push(`note: ${m.workload} on ${m.runtime} accumulates ${m.details!.microBatches} micro-batches per step (the 4 GB WebAssembly heap does not hold the whole batch)`);
  const failures = results.filter((m) => !m.ok);
  if (failures.length) {
    lines.push("");
    for (const f of failures) lines.push(`failed: ${f.workload} on ${f.runtime}: ${f.error}`);
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
  const runtimes = [...(withTorch ? ["pytorch"] : []), ...backends];
  const startedAt = new Date();
  const loadBefore = loadavg();
  const cpuBefore = cpuTicks();
  log(`${list.length} workloads × ${runtimes.join(", ")}; ${threads} threads; ${quick ? "quick (1 timed iteration)" : "3 timed iterations each"}`);
  const results: Measurement[] = [];
  for (const w of list) {
    for (const rt of runtimes) {
      const m = runOne(rt, w);
      results.push(m);
      log(
        m.ok
          ? `${w.id} on ${rt}: ${fmt(m.median, 3)} s/iter, ${fmt(m.gflops, 1)} GFLOP/s, peak RSS ${fmt(m.peakRssMB, 0)} MiB`
          : `${w.id} on ${rt}: FAILED: ${m.error}`,
      );
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
