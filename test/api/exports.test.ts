/**
 * The public API as a user sees it: `lukelab` and its subpaths imported through the package name
 * (a node_modules/lukelab link to the package root, as scripts/setup.sh makes), at run time through
 * package.json "exports" and in TypeScript both through "exports" (node16) and through "typesVersions"
 * (node10, the resolution tslab compiles notebook cells with). The package root lists its names
 * (no `export *`), and every name the committed notebooks import from it is there.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { ROOT, tmpDir } from "../helpers";

interface PackageJson {
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: { "*": Record<string, string[]> };
  types: string;
}
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;

/** A few names each entry point must have (values, checked at run time). */
const EXPECTED: Record<string, string[]> = {
  ".": ["loadLuke", "Luke", "LukeTokenizer", "initBackend", "showAttention", "trainEntityTyping", "loadRuns", "planSweep", "resolveModelPath", "parseMarkedSentence"],
  "./backend": ["initBackend", "tf", "planBackends", "nativeBuilds"],
  "./tokenizer": ["LukeTokenizer", "BytePairEncoder", "splitWords", "offsetMap"],
  "./model": ["LukeModel", "createLukeConfig", "weightSpecs", "declareWeights"],
  "./checkpoint": ["loadHfCheckpoint", "loadSafetensors", "loadTorchCheckpoint", "loadOriginalLukeArchive"],
  "./data": ["readOpenEntityDir", "OPEN_ENTITY_LABELS", "readConllDir", "readJsonl"],
  "./display": ["showAttention", "attentionPayload", "encodeAttentionPayload", "ATTENTION_MIME"],
  "./train": ["AdamW", "Trainer", "learningRateAt", "EventWriter", "lineChartSvg"],
  "./entity-typing": ["trainEntityTyping", "runEntityTyping", "readResults", "microPrf", "entityTypingCommand"],
  "./ner": ["runNer", "recognizeEntities", "nerMetrics", "splitNerWords"],
  "./analysis": ["loadRuns", "summariseBy", "confusionMatrices", "calibrationCurve", "showFigure", "PLOTLY_MIME"],
  "./analysis/attention-stats": ["attentionStatistics", "computeAttentionStatistics", "AttentionStatsBuilder"],
  "./analysis/bias": ["analyseBiasProbe", "welchTTest", "permutationTest"],
  "./analysis/embedding": ["embedRuns", "pca", "tsne"],
  "./analysis/errors": ["misclassifiedExamples", "readRunFolder"],
  "./analysis/dataset-stats": ["datasetStatistics", "lengthSummary"],
  "./sweep": ["planSweep", "runSweep", "sweepStatus", "ORIGINAL_SWEEPS", "slurmScript"],
  "./hub": ["resolveModelPath", "parseHubId", "HubError", "hubCacheDir"],
  "./markup": ["parseMarkedSentence", "readMarkupFile", "markupExamples"],
  "./compare": ["compareModels", "compareAttention", "alignWords"],
};

const entries = Object.keys(pkg.exports).filter((k) => k !== "./package.json");
const specifier = (key: string) => (key === "." ? "lukelab" : `lukelab/${key.slice(2)}`);

/** A folder outside the repository whose node_modules/lukelab links to the package root. */
function consumer(): string {
  const dir = tmpDir("lukelab-consumer-");
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "lukelab"), "dir");
  writeFileSync(join(dir, "index.ts"), "");
  return dir;
}

test("every entry point in package.json is checked here, and typesVersions names the same ones", () => {
  assert.deepEqual([...entries].sort(), Object.keys(EXPECTED).sort());
  assert.deepEqual(
    Object.keys(pkg.typesVersions["*"]).sort(),
    entries.filter((k) => k !== ".").map((k) => k.slice(2)).sort(),
  );
  for (const key of entries.filter((k) => k !== ".")) {
    const target = pkg.exports[key] as { types: string };
    assert.deepEqual(pkg.typesVersions["*"][key.slice(2)], [target.types.slice(2)], `${key}: typesVersions and exports disagree`);
  }
});

test("each entry point loads through the package name and has its names", () => {
  const dir = consumer();
  const req = createRequire(join(dir, "index.js"));
  for (const key of entries) {
    const spec = specifier(key);
    const target = pkg.exports[key] as { default: string };
    assert.equal(realpathSync(req.resolve(spec)), realpathSync(join(ROOT, target.default)), `${spec} resolves to ${target.default}`);
    const mod = req(spec) as Record<string, unknown>;
    for (const name of EXPECTED[key]) assert.notEqual(mod[name], undefined, `${spec} has no ${name}`);
  }
});

test("deep paths that are not entry points are refused", () => {
  const req = createRequire(join(consumer(), "index.js"));
  for (const deep of ["lukelab/lib/kernel/cli.js", "lukelab/lib/kernel/model/ops", "lukelab/kernel/index"]) {
    assert.throws(() => req.resolve(deep), (e: NodeJS.ErrnoException) => e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED", deep);
  }
  assert.equal(realpathSync(req.resolve("lukelab/package.json")), realpathSync(join(ROOT, "package.json")));
});

test("TypeScript finds each entry point's declarations, by exports (node16) and by typesVersions (node10, tslab)", () => {
  const dir = consumer();
  const from = join(dir, "index.ts");
  const kinds = [
    { name: "node10", options: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 } },
    { name: "node16", options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 } },
  ];
  for (const key of entries) {
    const target = pkg.exports[key] as { types: string };
    for (const { name, options } of kinds) {
      const r = ts.resolveModuleName(specifier(key), from, options, ts.sys);
      const file = r.resolvedModule?.resolvedFileName;
      assert.ok(file, `${name}: ${specifier(key)} not resolved`);
      assert.equal(realpathSync(file), realpathSync(join(ROOT, target.types)), `${name}: ${specifier(key)}`);
    }
  }
});

test("the package root lists its names: no `export *` in kernel/index.ts", () => {
  const source = readFileSync(join(ROOT, "kernel", "index.ts"), "utf8");
  const sf = ts.createSourceFile("index.ts", source, ts.ScriptTarget.ES2022);
  const star = sf.statements.filter((s) => ts.isExportDeclaration(s) && !s.exportClause);
  assert.deepEqual(star.map((s) => s.getText(sf)), []);
  assert.equal(join(ROOT, pkg.types), join(ROOT, (pkg.exports["."] as { types: string }).types));
});

test("every name the committed notebooks import from lukelab is exported by the package root", () => {
  const req = createRequire(join(consumer(), "index.js"));
  const root = req("lukelab") as Record<string, unknown>;
  const folder = join(ROOT, "notebooks");
  const seen = new Set<string>();
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".ipynb"))) {
    const nb = JSON.parse(readFileSync(join(folder, file), "utf8")) as { cells: { cell_type: string; source: string[] | string }[] };
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source)).join("\n");
    for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']lukelab["']/g)) {
      for (const part of m[1].split(",")) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (!name || name.startsWith("type ")) continue;
        seen.add(name);
        assert.notEqual(root[name], undefined, `notebooks/${file} imports ${name} from "lukelab"`);
      }
    }
  }
  assert.ok(seen.size >= 20, `only ${seen.size} names found in the notebooks' imports`);
});
