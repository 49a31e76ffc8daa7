/**
 * The cache shared with Python's huggingface_hub both ways, and Hub ids wherever lukelab takes a
 * model: loadLuke (same logits as the folder and as transformers loading the id from the cache),
 * the CLI, entity-typing's --model-file/--checkpoint-file, sweep files.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadSafetensors } from "../../kernel/checkpoint";
import { downloadLukeSnapshot } from "../../kernel/hub";
import { tf } from "../../kernel/backend";
import { loadLuke } from "../../kernel/inference/luke";
import { LukePool } from "../../kernel/inference/pool";
import { coerceOptionValue, optionForKey } from "../../kernel/sweep/definition";
import { prepareModel } from "../../kernel/tasks/entity-typing/model-setup";
import { OPEN_ENTITY_LABELS } from "../../kernel/data/open-entity";
import { expectNoLeak, maxAbsDiff, ready, ROOT, runPython, tmpDir, venvPython } from "../helpers";
import { isolated, TINY, TINY_FILES } from "./hub-helpers";
import { startHubStandIn, type HubStandIn } from "./stand-in";

let hub: HubStandIn;
const REPO = "lukelab/tiny-luke";
const INPUTS = [
  { text: "Beyoncé lives in Los Angeles.", spans: [[0, 7]] as [number, number][] },
  { text: "The doctor asked the nurse a question.", spans: [[4, 10]] as [number, number][] },
];

before(async () => {
  await ready();
  hub = await startHubStandIn({ repos: { [REPO]: TINY, "lukelab/base": TINY, "lukelab/finetuned": TINY } });
});
after(() => hub.close());

/** A child process run asynchronously: the stand-in answers from this process's event loop. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(command, args, { env, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => ok({ status, stdout, stderr }));
  });
}

/** Python's huggingface_hub with this cache and endpoint; offline unless `online`. */
async function python<T>(args: string[], cacheDir: string, online: boolean): Promise<T> {
  const env: NodeJS.ProcessEnv = { ...process.env, HF_HUB_CACHE: cacheDir, HF_ENDPOINT: hub.url, HF_HUB_DISABLE_TELEMETRY: "1", HF_HUB_DISABLE_PROGRESS_BARS: "1" };
  delete env.HF_TOKEN;
  if (online) delete env.HF_HUB_OFFLINE;
  else env.HF_HUB_OFFLINE = "1";
  const r = await run(venvPython(), [join(ROOT, "test", "hub", "hf_cache.py"), ...args], env);
  assert.equal(r.status, 0, `hf_cache.py ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface Inspect {
  folder: string;
  weights: string;
  repos: { repo_id: string; repo_type: string; nb_files: number; refs: string[]; revisions: { commit: string; files: string[]; refs: string[] }[] }[];
  warnings: string[];
}

test("Python downloads from the Hub, lukelab loads it with no network", async () => {
  const cacheDir = tmpDir("lukelab-hub-py-");
  const { folder } = await python<{ folder: string }>(["download", REPO], cacheDir, true);
  const before = hub.requests.length;
  const snap = await downloadLukeSnapshot(REPO, { ...isolated(hub.url, cacheDir), offline: true });
  assert.equal(snap.folder, folder);
  assert.equal(snap.commit, hub.commits(REPO)[0]);
  const luke = await loadLuke(REPO, { hub: { ...isolated(hub.url, cacheDir), offline: true } });
  try {
    assert.equal(luke.model.stateDict().size, loadSafetensors(join(TINY, "model.safetensors")).stateDict.size);
  } finally {
    luke.dispose();
  }
  assert.equal(hub.requests.length, before, "no request was made");
});

test("lukelab downloads, Python's offline load and scan_cache_dir see it; loadLuke by id = folder = transformers", async () => {
  const cacheDir = tmpDir("lukelab-hub-ts-");
  const snap = await downloadLukeSnapshot(REPO, isolated(hub.url, cacheDir));
  const seen = await python<Inspect>(["inspect", REPO], cacheDir, false);
  assert.equal(seen.folder, snap.folder);
  assert.equal(seen.weights, join(snap.folder, "model.safetensors"));
  assert.deepEqual(seen.warnings, []);
  assert.equal(seen.repos.length, 1);
  const [repo] = seen.repos;
  assert.equal(repo.repo_id, REPO);
  assert.equal(repo.repo_type, "model");
  assert.equal(repo.nb_files, TINY_FILES.length);
  assert.deepEqual(repo.refs, ["main"]);
  assert.deepEqual(repo.revisions, [{ commit: snap.commit, files: TINY_FILES, refs: ["main"] }]);

  // transformers loads the id from the cache (runPython sets HF_HUB_OFFLINE=1); lukelab loads the id
  // and the folder: the same logits.
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = cacheDir;
  let reference: { architecture: string; rows: { logits: number[] }[] };
  try {
    reference = runPython(join(ROOT, "test", "parity", "reference_outputs.py"), [], { dir: REPO, inputs: INPUTS });
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  }
  assert.equal(reference.architecture, "LukeForEntityClassification");
  const tensorsBefore = tf.memory().numTensors;
  const byId = await loadLuke(REPO, { hub: { ...isolated(hub.url, cacheDir), offline: true } });
  assert.equal(tf.memory().numTensors - tensorsBefore, loadSafetensors(join(TINY, "model.safetensors")).stateDict.size, "one tensor per weight");
  const byFolder = await loadLuke(TINY);
  try {
    const a = await expectNoLeak(() => byId.forward(INPUTS));
    const b = await expectNoLeak(() => byFolder.forward(INPUTS));
    INPUTS.forEach((_, i) => {
      assert.deepEqual(a[i].logits, b[i].logits, "the id and the folder give the same logits");
      assert.ok(maxAbsDiff(a[i].logits!.flat(), reference.rows[i].logits.flat()) < 1e-4, `input ${i}: logits match transformers`);
    });
  } finally {
    byId.dispose();
    byFolder.dispose();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, "disposing the models frees their tensors");

  // LukePool.open takes the id too.
  const pool = await LukePool.open(REPO, { threads: 1, hub: { ...isolated(hub.url, cacheDir), offline: true } });
  try {
    const rows = await pool.forward(INPUTS);
    INPUTS.forEach((_, i) => assert.ok(maxAbsDiff(rows[i].logits!.flat(), reference.rows[i].logits.flat()) < 1e-4, `pool input ${i}`));
  } finally {
    await pool.close();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, "the pool leaves no tensor behind");
});

test("lukelab forward --model org/name downloads through HF_ENDPOINT and writes what the folder gives", async () => {
  const cacheDir = tmpDir("lukelab-hub-cli-");
  const out = tmpDir("lukelab-hub-out-");
  const env: NodeJS.ProcessEnv = { ...process.env, HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir };
  delete env.HF_HUB_OFFLINE;
  delete env.HF_TOKEN;
  const cli = (model: string, file: string, extra: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [join(ROOT, "bin", "lukelab.js"), "forward", "--model", model, "--input", join(ROOT, "samples", "sentences.jsonl"), "--output", join(out, file)], { ...env, ...extra });
  const byId = await cli(REPO, "id.jsonl");
  assert.equal(byId.status, 0, byId.stderr);
  const byFolder = await cli("samples/tiny-luke", "folder.jsonl");
  assert.equal(byFolder.status, 0, byFolder.stderr);
  assert.equal(readFileSync(join(out, "id.jsonl"), "utf8"), readFileSync(join(out, "folder.jsonl"), "utf8"));
  assert.ok(existsSync(join(cacheDir, "models--lukelab--tiny-luke", "refs", "main")));
  const missing = await cli("lukelab/not-there", "x.jsonl");
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^lukelab: lukelab\/not-there was not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\).*no folder lukelab\/not-there exists either/m);
  const offline = await cli("lukelab/base", "y.jsonl", { HF_HUB_OFFLINE: "1" });
  assert.equal(offline.status, 1);
  assert.match(offline.stderr, /lukelab\/base is not in the Hugging Face cache.*HF_HUB_OFFLINE/);
});

test("entity-typing --model-file and --checkpoint-file take Hub ids; the model file's weights are not fetched", async () => {
  const cacheDir = tmpDir("lukelab-hub-et-");
  const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE };
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HUB_CACHE = cacheDir;
  delete process.env.HF_HUB_OFFLINE;
  try {
    const prepared = await prepareModel({ modelFile: "lukelab/base", checkpointFile: "lukelab/finetuned", modelSize: "tiny", seed: 1, hiddenDropoutProb: 0.1, labels: OPEN_ENTITY_LABELS });
    try {
      assert.match(prepared.description, /^lukelab\/base \(2 layers, hidden 32\), weights from lukelab\/finetuned$/);
      const want = loadSafetensors(join(TINY, "model.safetensors")).stateDict.get("luke.embeddings.word_embeddings.weight")!;
      const got = prepared.luke.model.stateDict().get("luke.embeddings.word_embeddings.weight")!;
      assert.ok(maxAbsDiff(got.data as Float32Array, want.data as Float32Array) === 0, "the checkpoint's weights are used");
    } finally {
      prepared.luke.dispose();
    }
    const baseSnap = join(cacheDir, "models--lukelab--base", "snapshots", hub.commits("lukelab/base")[0]);
    assert.ok(existsSync(join(baseSnap, "config.json")) && existsSync(join(baseSnap, "entity_vocab.json")));
    assert.ok(!existsSync(join(baseSnap, "model.safetensors")), "--model-file's weights were not downloaded");
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test("sweep files keep a Hub id as written and resolve folders beside the file", () => {
  const elsewhere = tmpDir();
  const modelFile = optionForKey("model_file");
  assert.equal(coerceOptionValue(modelFile, "studio-ousia/luke-large", elsewhere), "studio-ousia/luke-large");
  assert.equal(coerceOptionValue(optionForKey("checkpoint_file"), "studio-ousia/luke-large-finetuned-open-entity@main", elsewhere), "studio-ousia/luke-large-finetuned-open-entity@main");
  assert.equal(coerceOptionValue(modelFile, "samples/tiny-luke", ROOT), join(ROOT, "samples", "tiny-luke"));
  assert.equal(coerceOptionValue(optionForKey("data_dir"), "data/open-entity", elsewhere), join(elsewhere, "data", "open-entity"));
});
