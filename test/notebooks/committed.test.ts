/**
 * Every notebook in notebooks/ is committed executed, small and readable without the extension, and
 * is what executing it gives now:
 *   - a notebook with its own test file (test/notebooks/<name>.test.ts) is executed and checked there,
 *     through notebookTest; every other one (a notebook just dropped into the folder) is executed and
 *     checked here, so each notebook runs once per test run;
 *   - the committed files: at most 3 MiB, every code cell executed, no errors, no machine paths, and
 *     every rich output with a static image and its text (staticViewProblems);
 *   - `jupyter nbconvert --to html` of the committed files shows every image output as an image and
 *     every printed line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, tmpDir, venvPython } from "../helpers";
import { notebookTest } from "./notebook-test";
import { NOTEBOOKS, readNotebook } from "./run-notebook";
import { staticViewProblems } from "./staleness";

const MAX_BYTES = 3 * 1024 * 1024;
const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();
const ownTest = (file: string) => join(ROOT, "test", "notebooks", file.replace(/\.ipynb$/, ".test.ts"));

for (const file of files) if (!existsSync(ownTest(file))) notebookTest(file);

test("a notebook's own test file executes it through notebookTest (so it is also checked for staleness)", () => {
  for (const file of files.filter((f) => existsSync(ownTest(f)))) {
    const source = readFileSync(ownTest(file), "utf8");
    assert.ok(source.includes(`notebookTest("${file}"`), `${ownTest(file)} must call notebookTest("${file}", …) from ./notebook-test`);
  }
});

test("committed notebooks are executed, small, free of errors and machine paths, and readable without the extension", () => {
  assert.ok(files.length >= 4, `notebooks/ has ${files.length} notebooks`);
  const machine = [ROOT, tmpdir(), homedir()].filter((p) => p.length > 1);
  for (const file of files) {
    const path = join(NOTEBOOKS, file);
    const size = statSync(path).size;
    assert.ok(size <= MAX_BYTES, `notebooks/${file} is ${(size / 1e6).toFixed(2)} MB, over 3 MiB`);
    const nb = readNotebook(path);
    assert.ok(nb.metadata.lukelab?.backend, `notebooks/${file} has no lukelab.backend metadata: run \`npm run notebooks -- ${file}\``);
    assert.equal((nb.metadata.kernelspec as { name?: string } | undefined)?.name, "tslab", `notebooks/${file}: kernel`);
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.deepEqual(code.map((c) => c.execution_count), code.map((_, i) => i + 1), `notebooks/${file}: execution counts 1…n (executed by npm run notebooks)`);
    for (const [i, cell] of nb.cells.entries()) {
      assert.ok(cell.id, `notebooks/${file} cell ${i} has no id`);
      assert.equal(cell.metadata.execution, undefined, `notebooks/${file} cell ${i} keeps execution timings`);
      for (const o of cell.outputs ?? []) assert.notEqual(o.output_type, "error", `notebooks/${file} cell ${i}: ${o.ename}: ${o.evalue}`);
    }
    const text = readFileSync(path, "utf8");
    for (const p of machine) assert.ok(!text.includes(p), `notebooks/${file} contains the machine path ${p}`);
    assert.deepEqual(staticViewProblems(nb), [], `notebooks/${file}`);
  }
});

test("jupyter nbconvert --to html shows every image and printed line of the committed notebooks", { timeout: 300_000 }, () => {
  const out = tmpDir("lukelab-nbconvert-");
  const r = spawnSync(venvPython(), ["-m", "nbconvert", "--to", "html", "--output-dir", out, ...files.map((f) => join(NOTEBOOKS, f))], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  for (const file of files) {
    const html = readFileSync(join(out, file.replace(/\.ipynb$/, ".html")), "utf8");
    let images = 0;
    for (const [i, cell] of readNotebook(join(NOTEBOOKS, file)).cells.entries()) {
      for (const o of cell.outputs ?? []) {
        const where = `notebooks/${file} cell ${i}`;
        if (o.output_type === "stream") {
          for (const line of (o.text ?? "").split("\n").filter((l) => l.trim())) {
            assert.ok(html.includes(escape(line)), `${where}: the printed line ${JSON.stringify(line)} is not in the HTML`);
          }
        }
        const svg = o.data?.["image/svg+xml"];
        const png = o.data?.["image/png"];
        if (svg === undefined && png === undefined) continue;
        images += 1;
        // nbconvert prefers SVG to PNG, and embeds either as an <img> with a data URL.
        const src = svg !== undefined ? `data:image/svg+xml;base64,${Buffer.from(String(svg)).toString("base64")}` : `data:image/png;base64,${String(png).replace(/\n/g, "")}`;
        assert.ok(html.includes(`src="${src.slice(0, 400)}`), `${where}: its image is not in the HTML`);
      }
    }
    if (file === "attention.ipynb") assert.ok(images >= 4, `${file}: ${images} images`);
    if (file === "analysis.ipynb") assert.ok(images >= 6, `${file}: ${images} images`);
  }
});
