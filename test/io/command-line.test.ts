/**
 * parseCommandLine, the option parsing of the CLI's subcommands: values typed and parsed as
 * node:util's parseArgs gives them, --help prints the usage, parse mistakes and missing required
 * options become the command's usage error, required options checked in the order given.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "node:util";
import { parseCommandLine } from "../../kernel/io/command-line";

class DemoUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_DEMO";
}

const SPEC = {
  strings: ["model", "output-dir", "seed"],
  flags: ["no-html"],
  options: { pair: { type: "string", multiple: true }, unit: { type: "string", default: "token" } },
  required: { model: "a checkpoint folder", "output-dir": "" },
  usage: "demo usage\n",
  error: DemoUsageError,
} as const;

test("parseCommandLine: the values parseArgs gives for the same table", () => {
  const argv = ["--model", "m", "--output-dir=o", "--no-html", "--pair", "a,b", "--pair", "c,d"];
  const values = parseCommandLine(argv, SPEC);
  const expected = parseArgs({
    args: argv,
    options: {
      model: { type: "string" },
      "output-dir": { type: "string" },
      seed: { type: "string" },
      "no-html": { type: "boolean", default: false },
      pair: { type: "string", multiple: true },
      unit: { type: "string", default: "token" },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
  assert.deepEqual({ ...values }, { ...expected });
  assert.equal(values?.["no-html"], true);
  assert.equal(values?.unit, "token");
  assert.equal(values?.seed, undefined);
});

test("parseCommandLine: --help and -h print the usage and return undefined, before the required check", (t) => {
  for (const flag of ["--help", "-h"]) {
    const written: string[] = [];
    const write = t.mock.method(process.stdout, "write", (chunk: string) => (written.push(chunk), true));
    const values = parseCommandLine([flag], SPEC);
    write.mock.restore();
    assert.equal(values, undefined);
    assert.deepEqual(written, ["demo usage\n"]);
  }
});

test("parseCommandLine: mistakes are the command's usage error with a message that names the option", () => {
  const cases: [string[], RegExp][] = [
    [["--model", "m", "--output-dir", "o", "--bogus"], /Unknown option '--bogus'/],
    [["--model", "m", "--output-dir"], /Option '--output-dir <value>' argument missing/],
    [["--model", "m", "--output-dir", "o", "stray"], /Unexpected argument 'stray'/],
    [[], /^--model is required \(a checkpoint folder\)$/],
    [["--model", ""], /^--model is required \(a checkpoint folder\)$/],
    [["--model", "m"], /^--output-dir is required$/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCommandLine(argv, SPEC), (err: unknown) => err instanceof DemoUsageError && message.test(err.message), argv.join(" "));
  }
});
