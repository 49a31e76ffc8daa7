/**
 * The post-processing step of `npm run notebooks` (scripts/notebooks.py normalise()), on a notebook
 * executed by hand: what would change from run to run or machine to machine is made fixed, and
 * nothing else is touched.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, runPython, tmpDir } from "../helpers";
import { joinLines, type Notebook } from "./run-notebook";

const SCRIPT = join(ROOT, "scripts", "notebooks.py");

test("normalise: fixed metadata, counts and ids, merged streams, no paths, dates, timings or rates", () => {
  const executed = {
    nbformat: 4,
    nbformat_minor: 4,
    metadata: {
      kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" },
      language_info: { name: "typescript", version: "3.7.2", file_extension: ".ts" },
      widgets: { state: {} },
      title: "kept",
    },
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# A title" },
      {
        cell_type: "code",
        id: "keep-me",
        execution_count: 7,
        metadata: { tags: ["kept"], execution: { "iopub.status.busy": "2026-12-03T19:35:34.616000Z" } },
        source: "run()",
        outputs: [
          { output_type: "stream", name: "stdout", text: "train  10%|██        | 1/10 [00:01<00:09, 1.00 it/s]\r" },
          { output_type: "stream", name: "stdout", text: ["train 100%|████████████| 10/10 [00:10<00:00, 1.00 it/s]\n"] },
          { output_type: "stream", name: "stdout", text: `saved to ${ROOT}/samples/out/x at 2026-12-03T19:35:34.616Z in 1.2 s\n` },
          { output_type: "stream", name: "stderr", text: "a warning\n" },
          { output_type: "stream", name: "stdout", text: "after 3 epochs\n" },
          { output_type: "display_data", metadata: {}, data: { "text/plain": `downloaded ${ROOT}/model.bin at 12.3 MB/s, ETA 00:04` } },
          { output_type: "execute_result", execution_count: 7, metadata: {}, data: { "text/plain": "42" } },
        ],
      },
      { cell_type: "code", execution_count: 9, metadata: {}, source: "x", outputs: [] },
    ],
  };
  const file = join(tmpDir("lukelab-normalise-"), "demo.ipynb");
  writeFileSync(file, JSON.stringify(executed));
  const nb = joinLines(runPython<Notebook>(SCRIPT, ["--normalise", file, "wasm"]));

  assert.deepEqual(nb.metadata, {
    kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" },
    language_info: { codemirror_mode: { mode: "typescript", name: "javascript", typescript: true }, file_extension: ".ts", mimetype: "text/typescript", name: "typescript" },
    lukelab: { backend: "wasm" },
    title: "kept",
  });
  assert.equal(nb.nbformat_minor, 5);
  assert.deepEqual(nb.cells.map((c) => c.id), ["demo-00", "keep-me", "demo-02"]);
  assert.deepEqual(nb.cells.map((c) => c.execution_count), [undefined, 1, 2]);
  assert.deepEqual(nb.cells[1].metadata, { tags: ["kept"] });
  assert.deepEqual(nb.cells[1].outputs, [
    {
      output_type: "stream",
      name: "stdout",
      text: "train 100%|████████████| 10/10 [<time>]\nsaved to <lukelab>/samples/out/x at <date> in <duration>\n",
    },
    { output_type: "stream", name: "stderr", text: "a warning\n" },
    { output_type: "stream", name: "stdout", text: "after 3 epochs\n" },
    { output_type: "display_data", metadata: {}, data: { "text/plain": "downloaded <lukelab>/model.bin at <rate>, ETA <eta>" } },
    { output_type: "execute_result", execution_count: 1, metadata: {}, data: { "text/plain": "42" } },
  ]);
});
