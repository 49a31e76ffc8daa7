#!/usr/bin/env node
// Builds the prebuilt JupyterLab extension into lib/labextension, without Python.
//
// 1. `tsc -p extension/tsconfig.json` has compiled extension/ (and the pure kernel/display modules it
//    imports) as ES modules into lib/labextension-src/.
// 2. This script gives that folder a package.json named "lukelab" whose main is the renderer, and copies
//    style/ beside it. (@jupyterlab/builder bundles the package's own main as a shared module; the
//    root package's main is the Node library, which has no place in a browser bundle.)
// 3. @jupyterlab/builder's build-labextension bundles it, with @jupyterlab/core-meta's description of
//    JupyterLab's core packages standing in for an installed JupyterLab (--core-path), so the shared
//    singletons (@lumino/widgets, …) come from JupyterLab at run time.
//
// `npm run build:labextension` runs both steps; scripts/setup.sh installs the result.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const root = JSON.parse(readFileSync("package.json", "utf8"));
const src = "lib/labextension-src";
const shared = ["@jupyterlab/rendermime-interfaces", "@lumino/widgets"];
const pkg = {
  name: root.name,
  version: root.version,
  description: root.description,
  license: root.license,
  main: "extension/index.js",
  style: "style/index.css",
  keywords: ["jupyter", "jupyterlab", "jupyterlab-extension", "mimerenderer"],
  dependencies: Object.fromEntries(shared.map((p) => [p, root.dependencies[p]])),
  jupyterlab: {
    mimeExtension: true,
    outputDir: "../labextension",
    sharedPackages: Object.fromEntries(shared.map((p) => [p, { bundled: false, singleton: true }])),
  },
};
writeFileSync(join(src, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
rmSync(join(src, "style"), { recursive: true, force: true });
cpSync("style", join(src, "style"), { recursive: true });

const core = mkdtempSync(join(tmpdir(), "lukelab-core-"));
try {
  copyFileSync(require.resolve("@jupyterlab/core-meta/core.package.json"), join(core, "package.json"));
  const builder = join(dirname(require.resolve("@jupyterlab/builder/package.json")), "lib", "build-labextension.js");
  rmSync("lib/labextension", { recursive: true, force: true });
  const r = spawnSync(process.execPath, [builder, "--core-path", core, src], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) process.exit(r.status ?? 1);
  copyFileSync("install.json", "lib/labextension/install.json");
} finally {
  rmSync(core, { recursive: true, force: true });
}
