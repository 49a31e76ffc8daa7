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
// 4. plotly.js (extension/plotly/loader.ts) is a dynamic import(), so webpack puts it in a chunk of its
//    own, static/plotly.<hash>.js, loaded on the first figure. The bundle is already minified, so a
//    small webpack config (jupyterlab.webpackConfig) keeps terser off that chunk (it took over a minute
//    on two cores), and a check after the build fails it if plotly.js was inlined anywhere else.
//
// `npm run build:labextension` runs both steps; scripts/setup.sh installs the result.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const root = JSON.parse(readFileSync("package.json", "utf8"));
const src = "lib/labextension-src";
// JupyterLab's own packages the extension imports: shared singletons from JupyterLab, never bundled.
const shared = ["@jupyterlab/rendermime-interfaces", "@lumino/widgets", "@jupyterlab/application", "@jupyterlab/apputils", "@jupyterlab/filebrowser", "@jupyterlab/launcher", "@jupyterlab/services"];
// A caret range, so that a newer JupyterLab 4 (e.g. 4.6.6 for packages recorded at 4.6.4) satisfies it.
const version = (p) => {
  const v = root.dependencies[p] ?? root.devDependencies[p];
  return /^\d/.test(v) ? `^${v}` : v;
};
const pkg = {
  name: root.name,
  version: root.version,
  description: root.description,
  license: root.license,
  main: "extension/index.js",
  style: "style/index.css",
  keywords: ["jupyter", "jupyterlab", "jupyterlab-extension", "mimerenderer"],
  dependencies: Object.fromEntries(shared.map((p) => [p, version(p)])),
  jupyterlab: {
    mimeExtension: true,
    // The runs dashboard (extension/dashboard/plugin.ts) is an application plugin: its own entry.
    extension: "extension/dashboard/plugin.js",
    outputDir: "../labextension",
    sharedPackages: Object.fromEntries(shared.map((p) => [p, { bundled: false, singleton: true }])),
    webpackConfig: "./webpack.config.js",
  },
};
writeFileSync(join(src, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
// webpack's own production minimizer (terser, two compress passes), minus the plotly chunk.
const terser = require.resolve("terser-webpack-plugin", { paths: [dirname(require.resolve("webpack/package.json"))] });
writeFileSync(
  join(src, "webpack.config.js"),
  `const TerserPlugin = require(${JSON.stringify(terser)});\n` +
    `module.exports = {\n` +
    `  optimization: { minimizer: [new TerserPlugin({ exclude: /^plotly\\./, terserOptions: { compress: { passes: 2 } } })] },\n` +
    `  performance: { assetFilter: (name) => !/^plotly\\./.test(name) },\n` +
    `};\n`,
);
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
checkPlotlyChunk("lib/labextension/static");

/**
 * plotly.js must be in exactly one chunk, plotly.<hash>.js, and in no other file: none carries its
 * banner, and none is anywhere near its size (lukelab's own code is under 100 kB).
 */
function checkPlotlyChunk(dir) {
  const js = readdirSync(dir).filter((f) => f.endsWith(".js"));
  const chunks = js.filter((f) => /^plotly\.[0-9a-f]+\.js$/.test(f));
  const inlined = js.filter((f) => {
    if (chunks.includes(f)) return false;
    const text = readFileSync(join(dir, f), "utf8");
    return text.includes("plotly.js v") || text.length > 1_000_000;
  });
  if (chunks.length !== 1 || inlined.length) {
    console.error(`build-labextension: expected plotly.js in one lazy chunk static/plotly.<hash>.js; found chunks [${chunks}] and plotly.js inlined in [${inlined}]`);
    process.exit(1);
  }
}
