/**
 * The environment read as Python's huggingface_hub reads it (cache folder, token file, endpoint,
 * offline flag), checked against huggingface_hub.constants in the venv; the progress line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { hubSettings, hubTokenPath, progressLine } from "../../kernel/hub";
import { stderrReporter } from "../../kernel/hub/progress";
import { tmpDir, venvPython } from "../helpers";

const HF_VARS = ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_ENDPOINT", "HF_HUB_OFFLINE"];

/** huggingface_hub's own reading of `vars` (and nothing else of the HF_* environment). */
function pythonConstants(vars: Record<string, string>): { cache: string; tokenPath: string; endpoint: string; offline: boolean; token: string | null } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of HF_VARS) delete env[k];
  Object.assign(env, vars);
  const r = spawnSync(
    venvPython(),
    ["-c", "import json; from huggingface_hub import constants, get_token; print(json.dumps({'cache': constants.HF_HUB_CACHE, 'tokenPath': constants.HF_TOKEN_PATH, 'endpoint': constants.ENDPOINT, 'offline': constants.HF_HUB_OFFLINE, 'token': get_token()}))"],
    { env, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("cache folder, token, endpoint and offline flag as huggingface_hub reads them", () => {
  const home = tmpDir("lukelab-hf-home-");
  writeFileSync(join(home, "token"), "hf_from_file\n");
  const cases: Record<string, string>[] = [
    {},
    { HF_HOME: home },
    { HF_HOME: home, HF_HUB_CACHE: join(home, "elsewhere") },
    { XDG_CACHE_HOME: home },
    { HF_HOME: home, HF_TOKEN: "hf_from_env", HF_ENDPOINT: "http://127.0.0.1:1234/", HF_HUB_OFFLINE: "1" },
    { HF_HOME: home, HF_TOKEN_PATH: join(home, "none"), HF_HUB_OFFLINE: "yes" },
    { HF_HOME: home, HF_HUB_OFFLINE: "0" },
  ];
  for (const vars of cases) {
    const py = pythonConstants(vars);
    const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, ...vars };
    const ours = hubSettings({}, env);
    const what = JSON.stringify(vars);
    assert.equal(ours.cacheDir, py.cache, `cache for ${what}`);
    assert.equal(hubTokenPath(env), py.tokenPath, `token file for ${what}`);
    assert.equal(ours.endpoint, py.endpoint.replace(/\/+$/, ""), `endpoint for ${what}`);
    assert.equal(ours.offline, py.offline, `offline for ${what}`);
    assert.equal(ours.token ?? null, py.token, `token for ${what}`);
  }
  // What the caller gives wins over the environment.
  const given = hubSettings({ cacheDir: "/c", endpoint: "http://h/", offline: false, token: undefined }, { HF_HUB_CACHE: "/x", HF_HUB_OFFLINE: "1", HF_TOKEN: "t" });
  assert.deepEqual(given, { cacheDir: "/c", endpoint: "http://h", offline: false, token: undefined });
});

test("progress: bytes, percentage, rate and time left; a line per 10 % when not in a terminal", () => {
  const line = progressLine({ repoId: "org/m", file: "model.safetensors", done: 812_000_000, total: 1_980_000_000, bytesPerSecond: 24_300_000, etaSeconds: 48.1, finished: false });
  assert.equal(line, "org/m model.safetensors   41% 812 MB / 1.98 GB  24.3 MB/s  ETA 0:48");
  const done = progressLine({ repoId: "org/m", file: "w.bin", done: 2_000, total: 2_000, bytesPerSecond: 1_000, finished: true });
  assert.equal(done, "org/m w.bin  100% 2.00 kB / 2.00 kB  1.00 kB/s  done");
  const written: string[] = [];
  const report = stderrReporter({ isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream);
  for (let done = 0; done <= 1000; done += 10) report({ repoId: "o/m", file: "f", done, total: 1000, bytesPerSecond: 10, etaSeconds: (1000 - done) / 10, finished: false });
  report({ repoId: "o/m", file: "f", done: 1000, total: 1000, bytesPerSecond: 10, finished: true });
  assert.equal(written.length, 12, written.join(""));
  assert.ok(written.every((w) => w.endsWith("\n") && !w.includes("\r")));
  assert.match(written.at(-1)!, /100% .* done\n$/);
});
