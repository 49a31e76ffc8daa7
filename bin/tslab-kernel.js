#!/usr/bin/env node
// The tslab kernel, started with lukelab's fix for tslab's "Unexpected pending rebuildTimer" crash
// (lib/kernel/notebook/tslab-timers.js says what it is). scripts/setup.sh registers this file as the
// TypeScript kernel; arguments are tslab's (`kernel --config-path <connection file>`).
const { dirname, join } = require("node:path");
const tslabMain = require.resolve("tslab/dist/main.js");
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [dirname(tslabMain)] }));
require(join(__dirname, "..", "lib", "kernel", "notebook", "tslab-timers.js")).patchTypeScriptSys(ts.sys);
require(tslabMain).main();
