/**
 * scripts/native.sh: quick and quiet when the build is current, one line and a non-zero status
 * when it cannot do what was asked, and a build record that says where TensorFlow came from.
 * (The build itself runs in set-up; a full rebuild here would cost ~30 s and touch node_modules.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { nativeBuilds } from "../../kernel/backend";
import { ROOT } from "../helpers";

const SCRIPT = join(ROOT, "scripts", "native.sh");
const run = (...args: string[]) => spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", env: { ...process.env, LUKELAB_GPU: "0" } });

test("an unknown option is refused in one line", () => {
  const r = run("--turbo");
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /unknown option '--turbo'/);
});

// How long the up-to-date check takes: `npm run bench:timings` (native-up-to-date).
test("a current build is recognised as up to date, without touching anything", (t) => {
  const cpu = nativeBuilds().find((b) => b.variant === "cpu");
  if (!cpu?.info) return t.skip("the CPU build of scripts/native.sh is not there");
  const binding = readFileSync(cpu.binding);
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /native TensorFlow backend \(cpu\) up to date/);
  assert.ok(readFileSync(cpu.binding).equals(binding), "the binding was rebuilt");
});

test("the build record names the wheel, the library folder and the TensorFlow version", (t) => {
  const cpu = nativeBuilds().find((b) => b.variant === "cpu");
  if (!cpu?.info) return t.skip("the CPU build of scripts/native.sh is not there");
  const info = cpu.info;
  assert.equal(info.package, "@tensorflow/tfjs-node");
  assert.match(info.tensorflow.wheel, /^tensorflow(-cpu)?$/);
  assert.match(info.tensorflow.version, /^\d+\.\d+\.\d+$/);
  assert.equal(info.tensorflow.libraryVersion, info.tensorflow.version);
  assert.ok(existsSync(join(info.tensorflow.libraryDir, "libtensorflow_cc.so.2")));
  assert.ok(existsSync(join(info.tensorflow.libraryDir, "libtensorflow_framework.so.2")));
  // The cache lives in the project and is ignored by git.
  assert.ok(info.tensorflow.libraryDir.startsWith(join(ROOT, ".cache", "libtensorflow")));
  assert.match(readFileSync(join(ROOT, ".gitignore"), "utf8"), /^\.cache\/$/m);
});
