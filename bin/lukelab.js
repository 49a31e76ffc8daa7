#!/usr/bin/env node
require("../lib/kernel/cli.js");
