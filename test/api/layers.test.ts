/**
 * The import rules of docs/architecture.md: each kernel folder imports only itself and the folders
 * before it in LAYERS (plus the exceptions listed there), and the extension imports only the kernel
 * modules that run in a browser.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { ROOT } from "../helpers";

/** Bottom to top, as in docs/architecture.md: a unit may import itself and the units before it. */
const LAYERS = [
  "portable",
  "io",
  "notebook",
  "backend",
  "tokenizer",
  "hub",
  "display",
  "model",
  "data",
  "markup",
  "checkpoint",
  "train",
  "inference",
  "compare",
  "tasks/entity-typing",
  "tasks/ner",
  "sweep",
  "analysis",
  "commands.ts",
  "cli.ts",
  "index.ts",
];

/** The imports against the order that docs/architecture.md allows, file → file. */
const EXCEPTIONS = new Set([
  "kernel/inference/luke.ts -> kernel/tasks/ner/notebook.ts",
  "kernel/inference/luke.ts -> kernel/tasks/ner/attention.ts",
  "kernel/tasks/entity-typing/cli-command.ts -> kernel/sweep/runner-watch.ts",
  "kernel/tasks/ner/cli-command.ts -> kernel/sweep/runner-watch.ts",
]);

/** What the extension may import from the kernel: the browser-safe folder (docs/architecture.md)… */
const BROWSER_SAFE_DIR = "kernel/portable/";
/** …and the file-system-free halves of the analysis that the runs dashboard shares with `lukelab analyze`. */
const DASHBOARD_SHARED = new Set([
  "kernel/analysis/arquero.ts",
  "kernel/analysis/calibration.ts",
  "kernel/analysis/figures.ts",
  "kernel/analysis/run-table.ts",
  "kernel/analysis/split-predictions.ts",
  "kernel/analysis/summaries.ts",
  "kernel/data/open-entity-parse.ts",
  "kernel/io/json-text.ts",
  "kernel/sweep/run-status.ts",
  "kernel/tasks/entity-typing/progress.ts",
  "kernel/tasks/entity-typing/results-summary.ts",
  "kernel/tasks/entity-typing/results-schema.ts",
  "kernel/tasks/entity-typing/runs-index.ts",
]);
/** The one package browser code may import besides the extension's own (JupyterLab, Lumino, Plotly). */
const BROWSER_PACKAGES = new Set(["arquero"]);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : name.endsWith(".ts") ? [p] : [];
  });
}

/** Every relative import of a file (static, dynamic, type-only, re-exports), as repository paths. */
function imports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const out: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith(".") || fileName.endsWith(".json")) continue; // packages; package.json read at run time
    const base = resolve(dirname(file), fileName);
    const found = [`${base}.ts`, join(base, "index.ts")].find((p) => existsSync(p));
    assert.ok(found, `${relative(ROOT, file)}: cannot find ${fileName}`);
    out.push(relative(ROOT, found).split(sep).join("/"));
  }
  return out;
}

/**
 * The imports a file keeps at run time (type-only imports and re-exports are erased by TypeScript):
 * relative ones as repository paths, packages by name.
 */
function runtimeImports(file: string): { local: string[]; packages: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = clause?.isTypeOnly || (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const local: string[] = [];
  const packages: string[] = [];
  for (const name of specifiers) {
    if (!name.startsWith(".")) packages.push(name);
    else if (!name.endsWith(".json")) {
      const base = resolve(dirname(file), name);
      const found = [`${base}.ts`, join(base, "index.ts")].find((p) => existsSync(p));
      assert.ok(found, `${relative(ROOT, file)}: cannot find ${name}`);
      local.push(relative(ROOT, found).split(sep).join("/"));
    }
  }
  return { local, packages };
}

/** The layer unit of a kernel file: its folder (tasks/<task>, analysis with its tools) or a top-level file. */
function unit(path: string): string {
  const parts = path.split("/").slice(1);
  if (parts.length === 1) return parts[0];
  if (parts[0] === "tasks") return `tasks/${parts[1]}`;
  return parts[0];
}

test("every kernel folder and top-level file has a layer", () => {
  const units = new Set(tsFiles(join(ROOT, "kernel")).map((f) => unit(relative(ROOT, f).split(sep).join("/"))));
  assert.deepEqual([...units].filter((u) => !LAYERS.includes(u)), [], "add new folders to LAYERS and docs/architecture.md");
});

test("kernel code imports only its own layer unit and those below it", () => {
  const wrong: string[] = [];
  let count = 0;
  for (const file of tsFiles(join(ROOT, "kernel"))) {
    const from = relative(ROOT, file).split(sep).join("/");
    for (const to of imports(file)) {
      count++;
      if (!to.startsWith("kernel/")) wrong.push(`${from} -> ${to} (outside kernel/)`);
      else if (LAYERS.indexOf(unit(to)) > LAYERS.indexOf(unit(from)) && !EXCEPTIONS.has(`${from} -> ${to}`)) wrong.push(`${from} -> ${to}`);
    }
  }
  assert.ok(count > 300, `only ${count} imports found`);
  assert.deepEqual(wrong, []);
});

test("the listed exceptions still exist (remove them here and in docs/architecture.md when they go)", () => {
  for (const e of EXCEPTIONS) {
    const [from, to] = e.split(" -> ");
    assert.ok(imports(join(ROOT, from)).includes(to), e);
  }
});

test("the extension imports only browser-safe kernel modules: kernel/portable, and the dashboard's shared analysis", () => {
  const used = new Set<string>();
  for (const file of tsFiles(join(ROOT, "extension"))) {
    for (const to of imports(file)) {
      if (to.startsWith("kernel/")) used.add(to);
      assert.ok(to.startsWith("kernel/") || to.startsWith("extension/"), `${relative(ROOT, file)} -> ${to}`);
    }
  }
  assert.ok([...used].some((p) => p.startsWith(BROWSER_SAFE_DIR)), "the extension imports nothing from kernel/portable");
  assert.deepEqual([...used].filter((p) => !p.startsWith(BROWSER_SAFE_DIR) && !DASHBOARD_SHARED.has(p)), [], "update DASHBOARD_SHARED and docs/architecture.md");
  // kernel/portable: no package at all, and nothing from outside itself.
  for (const file of tsFiles(join(ROOT, BROWSER_SAFE_DIR))) {
    const p = relative(ROOT, file).split(sep).join("/");
    const packages = ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.filter((f) => !f.fileName.startsWith("."));
    assert.deepEqual(packages.map((f) => f.fileName), [], `${p} (browser-safe) imports packages`);
    assert.deepEqual(imports(file).filter((to) => !to.startsWith(BROWSER_SAFE_DIR)), [], `${p} (browser-safe) imports from outside kernel/portable`);
  }
  // The dashboard's shared modules, and all they load at run time: no Node, no TF.js.
  const seen = new Set<string>();
  const visit = (p: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    const { local, packages } = runtimeImports(join(ROOT, p));
    assert.deepEqual(packages.filter((name) => !BROWSER_PACKAGES.has(name)), [], `${p}, which the runs dashboard loads, imports packages the browser lacks`);
    local.forEach(visit);
  };
  DASHBOARD_SHARED.forEach(visit);
});
