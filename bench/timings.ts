/**
 * `npm run bench:timings`: how long the operations that tests check for correctness take on this
 * machine. The tests assert what these produce; this script only reports times (median of --runs,
 * default 3, after one warm-up), so a slow or busy machine never fails a test.
 *
 *   npm run bench:timings                     (builds first)
 *   node lib/bench/timings.js [--runs=5] [--only=payload,scene]
 *
 * The Open Entity sentences are read from ../shared/data (LUKELAB_SHARED sets another folder).
 *
 * Results: printed, and bench/results/timings.json (gitignored).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { nativeBuilds } from "../kernel/backend/native";
import { writeFileAtomic } from "../kernel/io/atomic";
import { decodeAttentionPayload, decodeOrThrow, encodeAttentionPayload } from "../kernel/portable/attention-payload";
import { sourceBundle } from "../kernel/display/attention";
import { attentionImage } from "../kernel/display/attention-image";
import { LIGHT_THEME } from "../kernel/portable/colours";
import { headViewLayout, headViewScene } from "../kernel/portable/head-view";
import { ALL_LINKS } from "../kernel/portable/links";
import { tokenLabels } from "../kernel/portable/tokens";
import { LukeTokenizer, type EncodeInput } from "../kernel/tokenizer";
import { syntheticWeights } from "../test/portable/synthetic";
import { SHARED } from "../test/helpers";
import { buildTokenizerFolder } from "../test/tokenizer/fixture-folder";

const ROOT = resolve(__dirname, "..", "..");
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const RUNS = Number(arg("runs") ?? 3);
const ONLY = arg("only")?.split(",").filter(Boolean);

interface Timing {
  id: string;
  what: string;
  /** Milliseconds of each timed run; empty when the timing could not be taken. */
  ms: number[];
  note?: string;
}

/** One warm-up, then `RUNS` timed calls of `fn`. */
function time(fn: () => void): number[] {
  fn();
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
const measure = (t: string, size: number) => Array.from(t).length * size * 0.6;

interface Case {
  id: string;
  what: string;
  run(): Omit<Timing, "id" | "what">;
}

const cases: Case[] = [
  {
    id: "tokenize-open-entity",
    what: "LukeTokenizer.encode over the 3 × 1,998 Open Entity sentences (GPT-2 BPE, entity_classification)",
    run() {
      const dir = join(SHARED, "data", "open-entity");
      if (!existsSync(join(dir, "train.json"))) return { ms: [], note: `${dir} is not there` };
      const inputs: EncodeInput[] = [];
      for (const split of ["train", "dev", "test"]) {
        const rows = JSON.parse(readFileSync(join(dir, `${split}.json`), "utf8")) as { sent: string; start: number; end: number }[];
        for (const r of rows) inputs.push({ text: r.sent, spans: [[r.start, r.end]] });
      }
      const tok = LukeTokenizer.fromFolder(buildTokenizerFolder({ task: "entity_classification", addPrefixSpace: true }));
      return { ms: time(() => inputs.forEach((input) => tok.encode(input))) };
    },
  },
  {
    id: "payload-24x16x128",
    what: "attention payload of 24 layers × 16 heads × 128 tokens: encode, then decode (JSON text to matrices)",
    run() {
      const w = syntheticWeights(24, 16, 128);
      const encode = time(() => void encodeAttentionPayload({ words: words(128), heads: 16, weights: w }));
      const json = JSON.stringify(encodeAttentionPayload({ words: words(128), heads: 16, weights: w }));
      const decode = time(() => {
        const r = decodeAttentionPayload(json);
        if (!r.ok) throw new Error("the payload does not decode");
        r.attention.matrix(23, 15);
      });
      return { ms: encode.map((e, i) => e + decode[i]), note: `encode ${median(encode).toFixed(0)} ms, decode ${median(decode).toFixed(0)} ms, ${(json.length / 1e6).toFixed(1)} MB` };
    },
  },
  {
    id: "output-12x12x512",
    what: "showAttention's output of 12 layers × 12 heads × 512 tokens (Float32Array rows): weights checked, static PNG, payload within 5 MB",
    run() {
      const n = 512, w = syntheticWeights(12, 12, n);
      const rows = Array.from({ length: 12 }, (_, l) => Array.from({ length: 12 }, (_, h) => Array.from({ length: n }, (_, q) => w.subarray(((l * 12 + h) * n + q) * n, ((l * 12 + h) * n + q + 1) * n))));
      let bytes = 0;
      const ms = time(() => void (bytes = JSON.stringify(sourceBundle({ tokens: words(n), attentions: rows }).data).length));
      return { ms, note: `${(bytes / 1e6).toFixed(2)} MB in all` };
    },
  },
  {
    id: "scene-head-view-512",
    what: "head-view scene of 512 tokens × 12 heads (the 40,000 strongest links)",
    run() {
      const att = decodeOrThrow(encodeAttentionPayload({ words: words(512), heads: 12, weights: syntheticWeights(1, 12, 512, 3, 0.5) }));
      const labels = tokenLabels(att);
      const layout = headViewLayout(labels, 12, measure);
      const state = { layer: 0, activeHeads: Array(12).fill(true), filter: ALL_LINKS, focus: null };
      return { ms: time(() => void headViewScene(att, state, layout, labels, LIGHT_THEME)) };
    },
  },
  {
    id: "image-static-200",
    what: "static PNG (attentionImage) of 2 layers × 2 heads × 200 tokens",
    run() {
      const att = decodeOrThrow(encodeAttentionPayload({ words: words(200), heads: 2, weights: syntheticWeights(2, 2, 200) }));
      return { ms: time(() => void attentionImage(att)) };
    },
  },
  {
    id: "native-up-to-date",
    what: "bash scripts/native.sh when the native backend is already built (the up-to-date check)",
    run() {
      if (!nativeBuilds().some((b) => b.variant === "cpu" && b.info)) return { ms: [], note: "the CPU build of scripts/native.sh is not there" };
      return {
        ms: time(() => {
          const r = spawnSync("bash", [join(ROOT, "scripts", "native.sh")], { cwd: ROOT, encoding: "utf8" });
          if (r.status !== 0) throw new Error(`scripts/native.sh: exit ${r.status}: ${r.stderr}`);
        }),
      };
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

const load0 = loadavg()[0];
const results: Timing[] = [];
for (const c of cases) {
  if (ONLY && !ONLY.some((o) => c.id.includes(o))) continue;
  const r = c.run();
  results.push({ id: c.id, what: c.what, ...r });
  const shown = r.ms.length ? `${median(r.ms).toFixed(1).padStart(9)} ms` : "        –   ";
  process.stdout.write(`${c.id.padEnd(22)} ${shown}  ${c.what}${r.note ? ` (${r.note})` : ""}\n`);
}
const load1 = loadavg()[0];
if (Math.max(load0, load1) > availableParallelism() * 0.5) process.stdout.write(`note: the machine was busy (load ${load0.toFixed(1)} → ${load1.toFixed(1)}); these times are high\n`);
const out = join(ROOT, "bench", "results");
mkdirSync(out, { recursive: true });
writeFileAtomic(join(out, "timings.json"), JSON.stringify({ date: new Date().toISOString(), runs: RUNS, loadavg: [load0, load1], results }, null, 1) + "\n");
