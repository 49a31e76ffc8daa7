/**
 * Downloads from a local Hub stand-in (no internet): the cache layout huggingface_hub writes, offline
 * use, a transfer cut in the middle and resumed, corrupted bytes refused, errors a user can act on,
 * revisions by branch, tag and commit, two processes fetching the same file at once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { downloadLukeSnapshot, HubError, parseHubId, resolveModelPath } from "../../kernel/hub";
import { lockPath } from "../../kernel/hub/cache";
import { acquireLock } from "../../kernel/hub/lock";
import { ROOT, tmpDir } from "../helpers";
import { gitOidOf, isolated, sha256Of, TINY, TINY_FILES } from "./hub-helpers";
import { startHubStandIn, type HubStandIn } from "./stand-in";

let hub: HubStandIn;
let dev: string;
const REPO = "lukelab/tiny-luke";
const TOKEN = "hf_standin_secret";

before(async () => {
  // A second commit: the same model with one config field changed, on branch "dev" and tag "v2".
  dev = tmpDir("lukelab-hub-dev-");
  cpSync(TINY, dev, { recursive: true });
  const config = JSON.parse(readFileSync(join(dev, "config.json"), "utf8"));
  writeFileSync(join(dev, "config.json"), JSON.stringify({ ...config, layer_norm_eps: 1e-6 }, null, 2));
  const noWeights = tmpDir("lukelab-hub-noweights-");
  cpSync(TINY, noWeights, { recursive: true, filter: (p) => !p.endsWith(".safetensors") });
  hub = await startHubStandIn({
    token: TOKEN,
    repos: {
      [REPO]: { revisions: [{ folder: TINY, refs: ["main", "v1"] }, { folder: dev, refs: ["dev", "v2"] }] },
      "lukelab/private-luke": { revisions: [{ folder: TINY }], private: true },
      "lukelab/gated-luke": { revisions: [{ folder: TINY }], gated: true },
      "lukelab/no-weights": noWeights,
    },
  });
});
after(() => hub.close());

const storage = (cache: string) => join(cache, "models--lukelab--tiny-luke");

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HubError, `expected a HubError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}`);
}

test("Hub ids: org/name and org/name@revision; paths and bad names are not ids", () => {
  assert.deepEqual(parseHubId("studio-ousia/luke-large"), { repoId: "studio-ousia/luke-large", revision: "main", explicitRevision: false });
  assert.deepEqual(parseHubId("studio-ousia/luke-base@v1.0"), { repoId: "studio-ousia/luke-base", revision: "v1.0", explicitRevision: true });
  assert.equal(parseHubId("org/name@refs/pr/1")?.revision, "refs/pr/1");
  for (const bad of ["./samples/x", "/abs/path", "a/b/c", "luke", "org/-name", "org/na--me", "org/name@", "org/..", "org/name@../x"]) {
    assert.equal(parseHubId(bad), undefined, bad);
  }
});

test("first download writes huggingface_hub's layout; a second load is offline", async () => {
  const opts = isolated(hub.url);
  const [main, dev2] = hub.commits(REPO);
  const snap = await downloadLukeSnapshot(REPO, opts);
  assert.equal(snap.commit, main);
  assert.equal(snap.folder, join(storage(opts.cacheDir), "snapshots", main));
  assert.deepEqual([...snap.files].sort(), TINY_FILES);
  assert.equal(readFileSync(join(storage(opts.cacheDir), "refs", "main"), "utf8"), main);
  for (const f of TINY_FILES) {
    const pointer = join(snap.folder, f);
    assert.ok(lstatSync(pointer).isSymbolicLink(), `${f} is a symlink`);
    const etag = f.endsWith(".safetensors") ? sha256Of(join(TINY, f)) : gitOidOf(join(TINY, f));
    assert.equal(readlinkSync(pointer), join("..", "..", "blobs", etag), `${f} links relatively to blobs/<etag>`);
    assert.deepEqual(readFileSync(pointer), readFileSync(join(TINY, f)));
  }
  assert.ok(!readdirSync(join(storage(opts.cacheDir), "blobs")).some((b) => b.includes(".")), "no .incomplete or temporary file left");
  assert.ok(!hub.commits(REPO).includes("") && dev2 !== main);

  // Offline: not one request, the same folder.
  const before = hub.requests.length;
  const again = await downloadLukeSnapshot(REPO, { ...opts, offline: true });
  assert.equal(again.folder, snap.folder);
  assert.equal(again.online, false);
  assert.equal(hub.requests.length, before);
  // HF_HUB_OFFLINE in the environment does the same.
  process.env.HF_HUB_OFFLINE = "1";
  try {
    const viaEnv = await downloadLukeSnapshot(REPO, { ...opts, offline: undefined });
    assert.equal(viaEnv.folder, snap.folder);
    assert.equal(hub.requests.length, before);
  } finally {
    delete process.env.HF_HUB_OFFLINE;
  }
  // A Hub that cannot be reached: the cached commit of the revision, with a note.
  const notes: string[] = [];
  const down = await downloadLukeSnapshot(REPO, { ...opts, endpoint: "http://127.0.0.1:9", log: (l) => notes.push(l) });
  assert.equal(down.folder, snap.folder);
  assert.match(notes.join("\n"), /using the cached lukelab\/tiny-luke \(commit [0-9a-f]{10}\).*could not reach/);
});

test("offline with nothing cached, or the Hub unreachable: says what to run", async () => {
  const opts = isolated(hub.url);
  await rejects(downloadLukeSnapshot(REPO, { ...opts, offline: true }), "ERR_HUB_OFFLINE_NOT_CACHED", /not in the Hugging Face cache .*HF_HUB_OFFLINE.*unset HF_HUB_OFFLINE.*huggingface-cli download lukelab\/tiny-luke/);
  await rejects(downloadLukeSnapshot(`${REPO}@dev`, { ...opts, endpoint: "http://127.0.0.1:9" }), "ERR_HUB_OFFLINE_NOT_CACHED", /could not be reached.*huggingface-cli download lukelab\/tiny-luke --revision dev/);
});

test("a transfer cut in the middle resumes with a Range request, within one call and in the next", async () => {
  const file = "model.safetensors";
  const size = statSync(join(TINY, file)).size;
  const sha = sha256Of(join(TINY, file));

  // Within one call: the connection drops after 100 000 bytes, the retry asks for the rest.
  let opts = isolated(hub.url);
  hub.faults.dropAfter = { file, bytes: 100_000 };
  let from = hub.requests.length;
  const snap = await downloadLukeSnapshot(REPO, opts);
  assert.equal(sha256Of(join(snap.folder, file)), sha);
  const ranges = hub.requests.slice(from).filter((r) => r.path.startsWith("/storage/")).map((r) => r.range ?? "");
  assert.deepEqual(ranges, ["", "bytes=100000-"]);

  // Across calls: no retries, so the first call fails and keeps the part; the next one resumes.
  opts = isolated(hub.url);
  hub.faults.dropAfter = { file, bytes: 150_000 };
  await rejects(downloadLukeSnapshot(REPO, { ...opts, retries: 0 }), "ERR_HUB_NETWORK", /stopped at 150000 of 316524 bytes.*run the command again to resume/);
  const incomplete = join(storage(opts.cacheDir), "blobs", `${sha}.incomplete`);
  assert.equal(statSync(incomplete).size, 150_000);
  assert.ok(!existsSync(join(storage(opts.cacheDir), "blobs", sha)), "no blob before the file is whole");
  from = hub.requests.length;
  const progress: number[] = [];
  const resumed = await downloadLukeSnapshot(REPO, { ...opts, progress: (p) => p.file === file && progress.push(p.done) });
  assert.equal(sha256Of(join(resumed.folder, file)), sha);
  assert.deepEqual(hub.requests.slice(from).filter((r) => r.path.startsWith("/storage/")).map((r) => r.range), ["bytes=150000-"]);
  assert.equal(progress[0], 150_000, "progress starts at what was already there");
  assert.equal(progress.at(-1), size);
  assert.ok(!existsSync(incomplete));

  // A server that ignores Range: the download starts over and still ends whole.
  opts = isolated(hub.url);
  hub.faults.dropAfter = { file, bytes: 50_000 };
  hub.faults.ignoreRange = true;
  try {
    const whole = await downloadLukeSnapshot(REPO, opts);
    assert.equal(sha256Of(join(whole.folder, file)), sha);
  } finally {
    hub.faults.ignoreRange = false;
  }
});

test("corrupted bytes are refused: the file is removed and the error says to retry", async () => {
  const opts = isolated(hub.url);
  const sha = sha256Of(join(TINY, "model.safetensors"));
  hub.faults.corrupt = { file: "model.safetensors" };
  await rejects(downloadLukeSnapshot(REPO, opts), "ERR_HUB_CORRUPT", new RegExp(`model\\.safetensors: the downloaded bytes have sha256 [0-9a-f]{64}, the Hub says ${sha}; the corrupted file was removed, run the command again`));
  const blobs = join(storage(opts.cacheDir), "blobs");
  assert.ok(!existsSync(join(blobs, sha)) && !existsSync(join(blobs, `${sha}.incomplete`)), "nothing of the bad download is kept");
  const snapFolder = join(storage(opts.cacheDir), "snapshots", hub.commits(REPO)[0]);
  assert.ok(!existsSync(join(snapFolder, "model.safetensors")), "no snapshot link to a bad file");
  const snap = await downloadLukeSnapshot(REPO, opts);
  assert.equal(sha256Of(join(snap.folder, "model.safetensors")), sha);
});

test("errors: unknown repo, private and gated repos (how to set HF_TOKEN), a missing file or revision", async () => {
  const opts = isolated(hub.url);
  await rejects(downloadLukeSnapshot("lukelab/no-such-model", opts), "ERR_HUB_REPO_NOT_FOUND", /lukelab\/no-such-model was not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\).*check the id.*export HF_TOKEN=/);
  await rejects(resolveModelPath("lukelab/no-such-model", opts), "ERR_HUB_REPO_NOT_FOUND", /no folder lukelab\/no-such-model exists either/);
  await rejects(downloadLukeSnapshot("lukelab/private-luke", opts), "ERR_HUB_AUTH", /HTTP 401.*export HF_TOKEN=hf_…/);
  await rejects(downloadLukeSnapshot("lukelab/gated-luke", opts), "ERR_HUB_AUTH", /gated or private.*HTTP 401.*accept its conditions.*HF_TOKEN/);
  await rejects(downloadLukeSnapshot("lukelab/gated-luke", { ...opts, token: "hf_wrong" }), "ERR_HUB_AUTH", /HTTP 403.*the token in use .* has no access/);
  await rejects(downloadLukeSnapshot(`${REPO}@no-such-branch`, opts), "ERR_HUB_REVISION_NOT_FOUND", /has no revision "no-such-branch"/);
  await rejects(downloadLukeSnapshot("lukelab/no-weights", opts), "ERR_HUB_FILE_MISSING", /has neither model\.safetensors nor pytorch_model\.bin/);
  // Config and tokenizer only need no weights.
  const noWeights = await downloadLukeSnapshot("lukelab/no-weights", { ...opts, weights: false });
  assert.ok(existsSync(join(noWeights.folder, "entity_vocab.json")));

  // The token, from the option, HF_TOKEN or the token file under HF_HOME; sent as a Bearer header.
  const withToken = await downloadLukeSnapshot("lukelab/private-luke", { ...opts, token: TOKEN });
  assert.ok(existsSync(join(withToken.folder, "model.safetensors")));
  const home = tmpDir("lukelab-hf-home-");
  writeFileSync(join(home, "token"), `${TOKEN}\n`);
  const saved = { HF_HOME: process.env.HF_HOME, HF_TOKEN: process.env.HF_TOKEN, HF_TOKEN_PATH: process.env.HF_TOKEN_PATH };
  try {
    delete process.env.HF_TOKEN;
    delete process.env.HF_TOKEN_PATH;
    process.env.HF_HOME = home;
    const { token: _drop, ...fromEnv } = opts;
    const viaFile = await downloadLukeSnapshot("lukelab/gated-luke", { ...fromEnv, cacheDir: tmpDir() });
    assert.ok(existsSync(join(viaFile.folder, "config.json")));
    process.env.HF_TOKEN = TOKEN;
    process.env.HF_HOME = tmpDir();
    const viaEnv = await downloadLukeSnapshot("lukelab/gated-luke", { ...fromEnv, cacheDir: tmpDir() });
    assert.ok(existsSync(join(viaEnv.folder, "config.json")));
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  // The token goes to the Hub, not to the storage host of the redirect (here the same host, so kept).
  assert.ok(hub.requests.some((r) => r.path.startsWith("/api/models/lukelab/private-luke") && r.authorization === `Bearer ${TOKEN}`));
});

test("revisions: a branch, a tag and a commit each give their snapshot; refs/ records branches and tags", async () => {
  const opts = isolated(hub.url);
  const [main, devCommit] = hub.commits(REPO);
  const viaBranch = await downloadLukeSnapshot(`${REPO}@dev`, opts);
  assert.equal(viaBranch.commit, devCommit);
  assert.equal(JSON.parse(readFileSync(join(viaBranch.folder, "config.json"), "utf8")).layer_norm_eps, 1e-6);
  const viaTag = await downloadLukeSnapshot(`${REPO}@v1`, opts);
  assert.equal(viaTag.commit, main);
  assert.equal(JSON.parse(readFileSync(join(viaTag.folder, "config.json"), "utf8")).layer_norm_eps, JSON.parse(readFileSync(join(TINY, "config.json"), "utf8")).layer_norm_eps);
  assert.equal(readFileSync(join(storage(opts.cacheDir), "refs", "dev"), "utf8"), devCommit);
  assert.equal(readFileSync(join(storage(opts.cacheDir), "refs", "v1"), "utf8"), main);
  // The weights are the same bytes in both commits: one blob.
  assert.equal(readdirSync(join(storage(opts.cacheDir), "blobs")).filter((b) => b === sha256Of(join(TINY, "model.safetensors"))).length, 1);
  // A commit already cached needs no request at all; one not cached is fetched by its hash.
  const before = hub.requests.length;
  const viaCommit = await downloadLukeSnapshot(`${REPO}@${devCommit}`, opts);
  assert.equal(viaCommit.folder, viaBranch.folder);
  assert.equal(hub.requests.length, before);
  const fresh = await downloadLukeSnapshot(`${REPO}@${main}`, isolated(hub.url));
  assert.equal(fresh.commit, main);
  assert.ok(!existsSync(join(fresh.folder, "..", "..", "refs", main)), "no ref is written for a commit hash");
  // Offline, a branch resolves through refs/.
  const offline = await downloadLukeSnapshot(`${REPO}@dev`, { ...opts, offline: true });
  assert.equal(offline.commit, devCommit);
});

test("a folder that exists wins over a Hub id", async () => {
  const before = hub.requests.length;
  process.chdir(ROOT);
  assert.equal(await resolveModelPath("samples/tiny-luke", isolated(hub.url)), "samples/tiny-luke");
  assert.equal(hub.requests.length, before);
});

test("two processes downloading the same file at once leave one good copy", { timeout: 60_000 }, async () => {
  const opts = isolated(hub.url);
  const file = "model.safetensors";
  const sha = sha256Of(join(TINY, file));
  // The first transfer stops after 64 kB until the second process is waiting on the lock.
  let release!: () => void;
  hub.faults.hold = { file, bytes: 65_536, release: new Promise<void>((ok) => (release = ok)) };
  const from = hub.requests.length;
  const script = `
    const { downloadLukeSnapshot } = require(${JSON.stringify(join(ROOT, "lib", "kernel", "hub"))});
    downloadLukeSnapshot(${JSON.stringify(REPO)}, { endpoint: ${JSON.stringify(hub.url)}, cacheDir: ${JSON.stringify(opts.cacheDir)}, offline: false, token: undefined, progress: false,
      onWait: (f) => process.stdout.write("waited for " + f + "\\n") })
      .then((s) => process.stdout.write("folder " + s.folder + "\\n"), (e) => { process.stderr.write(e.message); process.exit(1); });`;
  const until = async (what: string, cond: () => boolean) => {
    for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(cond(), `timed out waiting for ${what}`);
  };
  const run = () => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    const r = { code: null as number | null, out: "", err: "", done: undefined as unknown as Promise<void> };
    child.stdout.on("data", (d) => (r.out += d));
    child.stderr.on("data", (d) => (r.err += d));
    r.done = new Promise<void>((ok) => child.on("close", (code) => ((r.code = code), ok())));
    return r;
  };
  const storageGets = () => hub.requests.slice(from).filter((r) => r.method === "GET" && r.path === `/storage/${sha}`);
  let first: ReturnType<typeof run> | undefined;
  let second: ReturnType<typeof run> | undefined;
  try {
    first = run();
    await until("the first download to start", () => storageGets().length === 1);
    second = run();
    await until("the second process to wait for the lock", () => second!.out.includes(`waited for ${file}`) || second!.code !== null);
  } finally {
    release();
    delete hub.faults.hold;
  }
  assert.ok(first && second);
  await Promise.all([first.done, second.done]);
  for (const r of [first, second]) assert.equal(r.code, 0, r.err);
  assert.ok(second.out.includes(`waited for ${file}`), "the second process waited for the first");
  assert.ok(!first.out.includes("waited"));
  assert.equal(/folder (.*)/.exec(first.out)?.[1], /folder (.*)/.exec(second.out)?.[1]);
  assert.equal(storageGets().length, 1, "the file was transferred once");
  const blobs = readdirSync(join(storage(opts.cacheDir), "blobs"));
  assert.deepEqual(blobs.filter((b) => b.startsWith(sha)), [sha]);
  assert.equal(sha256Of(join(storage(opts.cacheDir), "blobs", sha)), sha);
  assert.ok(!existsSync(lockPath(opts.cacheDir, REPO, sha) + ".lukelab"), "the lock is released");
});

test("a lock left by a process that died is taken over", async () => {
  const cache = tmpDir();
  const path = lockPath(cache, REPO, "0".repeat(64)) + ".lukelab";
  mkdirSync(join(path, ".."), { recursive: true });
  // A pid that is not running: spawn and wait for a short-lived process.
  const dead = await new Promise<number>((ok) => {
    const c = spawn(process.execPath, ["-e", "0"]);
    c.on("close", () => ok(c.pid!));
  });
  writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), nonce: "old" }));
  const held = await Promise.race([acquireLock(path), new Promise<never>((_, ko) => setTimeout(() => ko(new Error("lock not taken over")), 5000))]);
  assert.notEqual(JSON.parse(readFileSync(path, "utf8")).nonce, "old");
  held.release();
  assert.ok(!existsSync(path));
});
