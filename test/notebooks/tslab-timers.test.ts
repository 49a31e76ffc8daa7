/**
 * The tslab kernel survives files changing while it runs. tslab gives TypeScript's watch compiler
 * one timer slot and throws "Unexpected pending rebuildTimer" on a second timer; lukelab's kernel
 * (bin/tslab-kernel.js) puts TypeScript's timers on that one slot (kernel/notebook/tslab-timers.ts).
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { oneSlotForMany, patchTypeScriptSys, type Timers } from "../../kernel/notebook/tslab-timers";
import { ROOT, tmpDir } from "../helpers";
import { runNotebook } from "./run-notebook";

/** tslab's timer host, as converter.js has it: one slot, fired by tslab, which then empties it. */
function tslabHost() {
  let pending: { callback: () => void } | null = null;
  const host: Timers = {
    setTimeout(callback) {
      if (pending) throw new Error("Unexpected pending rebuildTimer");
      pending = {
        callback: () => {
          callback();
          pending = null;
        },
      };
      return pending;
    },
    clearTimeout(handle) {
      if (pending === handle) {
        pending = null;
        return;
      }
      throw new Error("clearing unexpected tiemr");
    },
  };
  return { host, fire: () => pending?.callback(), pending: () => pending !== null };
}

test("without the fix, a second pending timer throws as in tslab", () => {
  const { host } = tslabHost();
  host.setTimeout(() => {});
  assert.throws(() => host.setTimeout(() => {}), /Unexpected pending rebuildTimer/);
});

test("many timers on tslab's one slot: all run when it fires, cleared ones do not", () => {
  const t = tslabHost();
  const timers = oneSlotForMany(t.host);
  const ran: string[] = [];
  timers.setTimeout(() => ran.push("resolutions"));
  const program = timers.setTimeout((what) => ran.push(String(what)), 250, "program");
  const dropped = timers.setTimeout(() => ran.push("dropped"));
  timers.clearTimeout(dropped);
  timers.clearTimeout({}); // a token it never gave: ignored
  assert.ok(t.pending());
  t.fire();
  assert.deepEqual(ran, ["resolutions", "program"]);
  assert.ok(!t.pending());
  timers.clearTimeout(program); // already run: nothing to clear, nothing thrown
});

test("clearing every timer frees the slot; timers set while the slot runs run in the same turn", () => {
  const t = tslabHost();
  const timers = oneSlotForMany(t.host);
  const a = timers.setTimeout(() => assert.fail("cleared"));
  timers.clearTimeout(a);
  assert.ok(!t.pending(), "the slot is given back");
  const ran: string[] = [];
  let later: unknown = undefined;
  timers.setTimeout(() => {
    ran.push("first");
    // What TypeScript does when invalidated resolutions ask for a program update.
    timers.clearTimeout(later);
    later = timers.setTimeout(() => ran.push("update"));
  });
  later = timers.setTimeout(() => assert.fail("cleared while running"));
  t.fire();
  assert.deepEqual(ran, ["first", "update"]);
  assert.ok(!t.pending());
  timers.setTimeout(() => ran.push("next"));
  assert.ok(t.pending(), "a new timer takes the slot again");
  t.fire();
  assert.deepEqual(ran, ["first", "update", "next"]);
});

test("patchTypeScriptSys: objects derived from sys that assign timers get them merged; sys keeps its own", () => {
  const nodeSet = () => "node";
  const sys: Record<string, unknown> = { setTimeout: nodeSet, clearTimeout: () => {} };
  assert.equal(patchTypeScriptSys(sys), true);
  assert.equal(patchTypeScriptSys(sys), false, "once");
  assert.equal(sys.setTimeout, nodeSet);
  const t = tslabHost();
  const derived = Object.create(sys) as Timers;
  derived.setTimeout = t.host.setTimeout;
  derived.clearTimeout = t.host.clearTimeout;
  const ran: number[] = [];
  derived.setTimeout(() => ran.push(1));
  derived.setTimeout(() => ran.push(2)); // tslab's own would throw here
  t.fire();
  assert.deepEqual(ran, [1, 2]);
  assert.equal(sys.setTimeout, nodeSet, "TypeScript's own sys is unchanged");
});

test("a notebook whose files change while the kernel runs goes on running", { timeout: 300_000 }, () => {
  const dir = tmpDir("lukelab-tslab-timers-");
  writeFileSync(join(dir, "mod.ts"), "export const x = 1;\n");
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "lukelab"));
  const cells = [
    'import { x } from "./mod";\nimport { initBackend } from "lukelab";\nconsole.log("one", x);',
    // A module it imports is edited and a node_modules folder appears while a cell awaits.
    'import * as fs from "fs";\nfs.writeFileSync("mod.ts", "export const x = 2;\\n");\nfs.mkdirSync("node_modules/fresh", { recursive: true });\nawait new Promise((r) => setTimeout(r, 3000));\nconsole.log("two");',
    'console.log("three");',
  ];
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  writeFileSync(join(dir, "watch.ipynb"), JSON.stringify(notebook));
  const run = runNotebook(join(dir, "watch.ipynb"));
  const outputs = run.cells.flatMap((c) => c.outputs);
  const text = outputs.map((o) => o.text ?? "").join("");
  assert.ok(!/pending rebuildTimer|unexpected tiemr/.test(text), `tslab's timer error:\n${text}`);
  assert.ok(!outputs.some((o) => o.output_type === "error"), text);
  assert.match(text, /one 1\n[\s\S]*two\n[\s\S]*three\n/);
});
