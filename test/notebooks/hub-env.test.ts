/**
 * What a notebook finds when `npm run notebooks` (or the notebook tests) runs it: the local Hub
 * stand-in serving samples/tiny-luke as lukelab/tiny-luke at HF_ENDPOINT, a fresh HF_HUB_CACHE,
 * LUKELAB_NOTEBOOK_MODEL naming that model, and none of the caller's offline switch. A model loaded by
 * that name lands in the cache in huggingface_hub's layout and gives the logits of the folder itself.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, tmpDir } from "../helpers";
import { runNotebook } from "./run-notebook";

const cell = (source: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });

test("notebooks run against the Hub stand-in with a fresh cache and LUKELAB_NOTEBOOK_MODEL", { timeout: 600_000 }, () => {
  const dir = tmpDir("lukelab-notebook-hub-env-");
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "lukelab"));
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: [
      cell(`import { readdirSync } from "node:fs";
import { join } from "node:path";
import { initBackend, loadLuke } from "lukelab";
await initBackend();
const env = process.env;
console.log(\`model \${env.LUKELAB_NOTEBOOK_MODEL}, endpoint \${env.HF_ENDPOINT}, cache \${env.HF_HUB_CACHE}, offline \${env.HF_HUB_OFFLINE}\`);
const input = { text: "Beyoncé lives in Los Angeles.", spans: [[0, 7]] as [number, number][] };
const byId = await loadLuke(env.LUKELAB_NOTEBOOK_MODEL!);
const byFolder = await loadLuke(${JSON.stringify(join(ROOT, "samples", "tiny-luke"))});
const [a] = await byId.forward([input]);
const [b] = await byFolder.forward([input]);
console.log("same logits:", JSON.stringify(a.logits) === JSON.stringify(b.logits));
const repo = join(env.HF_HUB_CACHE!, "models--lukelab--tiny-luke");
console.log("cache:", readdirSync(repo).sort().join(" "), "| snapshots:", readdirSync(join(repo, "snapshots")).length);
byId.dispose();
byFolder.dispose();`),
    ],
  };
  writeFileSync(join(dir, "hub.ipynb"), JSON.stringify(notebook));
  const run = runNotebook(join(dir, "hub.ipynb"));
  const text = run.cells.flatMap((c) => c.outputs).map((o) => o.text ?? "").join("");
  assert.ok(!run.cells.some((c) => c.outputs.some((o) => o.output_type === "error")), text);
  // The cache folder and the stand-in's URL are machine-specific: the runner prints placeholders.
  assert.match(text, /^model lukelab\/tiny-luke, endpoint <hub>, cache <hf-hub-cache>, offline undefined$/m);
  assert.match(text, /^same logits: true$/m);
  assert.match(text, /^cache: blobs refs snapshots \| snapshots: 1$/m);
});
