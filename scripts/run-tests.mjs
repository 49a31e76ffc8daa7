#!/usr/bin/env node
// Runs every compiled test file (lib/test/**/*.test.js) with Node's test runner, once per available
// TF.js backend, with LUKELAB_BACKEND set for each pass so every test (and every process it spawns:
// the CLI, tslab) runs on that backend.
//
// Backends: "tensorflow" when scripts/native.sh has built the native binding, and "wasm" always.
// LUKELAB_TEST_BACKENDS=wasm,tensorflow picks the passes; a LUKELAB_BACKEND the caller set means one
// pass on that backend.
//
// Rule for what runs once: the test folders in RUN_ONCE do not depend on LUKELAB_BACKEND, so they run
// only in the first pass:
//   api        the package's entry points resolved and loaded by name (no tensors);
//   tokenizer  pure string and id code, no tensors;
//   notebooks  runs a notebook in tslab through Python (slow); it covers the kernel plumbing, while
//              the tensor maths it touches is covered on every backend by parity/ and cli/.
//   extension  the renderers' pure parts (no TF.js), and the browser tests against a real JupyterLab in
//              Chromium (slow; one real forward pass through tslab).
//   portable   the payloads, codecs and the attention views' drawing maths: pure numbers, no TF.js.
//   analysis   tables, statistics and figures over results.json files: plain numbers, no TF.js.
//   sweep      plans, state files, runners and the Slurm cluster test; the runs it starts are
//              `lukelab entity-typing run` processes, whose maths tasks/ and train/ cover per backend.
//   open-entity  one real training run on ../shared/data/open-entity (minutes); its maths is covered
//              per backend by tasks/ and train/.
//   main-job   the main job (`npm start`, scripts/main-job.mjs) trained once (about a minute); the
//              same maths is covered per backend by tasks/ and train/.
//   tasks/ner  span inputs against transformers, training runs on the sample and on a slice of
//              CoNLL-2003, one seed of the PyTorch comparison (minutes); the network and trainer it
//              uses are covered per backend (tasks/entity-typing runs in every pass).
// Everything else runs in every pass.
//
// Extra arguments are passed through: folder or file filters (`node scripts/run-tests.mjs backend`)
// and flags, e.g. a name filter: node scripts/run-tests.mjs --test-name-pattern=tokenizer
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { spawnSync } from "node:child_process";

const RUN_ONCE = ["api", "tokenizer", "notebooks", "extension", "portable", "analysis", "sweep", "open-entity", "main-job", "tasks/ner"];

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out.sort();
}

const files = existsSync("lib/test") ? find("lib/test") : [];
if (files.length === 0) {
  console.error("no compiled tests under lib/test: run `npm run build` first");
  process.exit(1);
}
const args = process.argv.slice(2);
const onlyFiles = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));
const chosen = onlyFiles.length ? files.filter((f) => onlyFiles.some((o) => f.includes(o))) : files;
if (chosen.length === 0) {
  console.error(`no compiled test matches ${onlyFiles.join(", ")}`);
  process.exit(1);
}
// A RUN_ONCE entry is a folder under test/, one level ("sweep") or deeper ("tasks/ner").
const runOnce = (f) => {
  const path = relative("lib/test", f).split(sep).join("/");
  return RUN_ONCE.some((folder) => path.startsWith(`${folder}/`));
};

// Which backends this machine has, from the same module that selection uses (it only looks at files).
function availableBackends() {
  const native = createRequire(import.meta.url)("../lib/kernel/backend/native.js");
  const builds = native.nativeBuilds();
  const out = [];
  if (builds.length) out.push({ name: "tensorflow", what: `native TensorFlow (${builds.map((b) => b.package).join(", ")})` });
  else console.log(`[tests] native TensorFlow not built (run \`${native.buildCommand("cpu")}\`): WebAssembly only`);
  out.push({ name: "wasm", what: "WebAssembly" });
  return out;
}

let passes;
if (process.env.LUKELAB_BACKEND) {
  passes = [{ name: process.env.LUKELAB_BACKEND, what: "LUKELAB_BACKEND set by the caller" }];
} else if (process.env.LUKELAB_TEST_BACKENDS) {
  passes = process.env.LUKELAB_TEST_BACKENDS.split(",").map((s) => s.trim()).filter(Boolean).map((name) => ({ name, what: "LUKELAB_TEST_BACKENDS" }));
} else {
  passes = availableBackends();
}

const summary = [];
for (const [i, pass] of passes.entries()) {
  const list = i === 0 ? chosen : chosen.filter((f) => !runOnce(f));
  const once = i === 0 ? "" : ` (${RUN_ONCE.join(", ")} ran in the first pass only)`;
  if (list.length === 0) {
    summary.push(`${pass.name}: nothing left to run${once}`);
    continue;
  }
  console.log(`\n[tests] pass ${i + 1}/${passes.length}: LUKELAB_BACKEND=${pass.name} — ${pass.what}, ${list.length} files${once}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...flags, ...list], {
    stdio: "inherit",
    env: { ...process.env, LUKELAB_BACKEND: pass.name },
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  summary.push(`${pass.name}: ${r.status === 0 ? "passed" : `FAILED (exit ${r.status ?? r.signal})`}, ${list.length} files, ${secs}s`);
  if (r.status !== 0) process.exitCode = 1;
}
console.log(`\n[tests] ${summary.join("; ")}`);
