/** The character classes we split words with are those of the reference's `regex` module and str.isspace. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import * as tables from "../../kernel/tokenizer/unicode-tables";
import { ROOT, runPython } from "../helpers";

interface PyTables {
  regexVersion: string;
  tables: Record<"letter" | "number" | "regexSpace" | "pythonSpace", Array<[number, number]>>;
}

const py = runPython<PyTables>(join(ROOT, "test", "tokenizer", "unicode_tables.py"));

function ranges(flat: string): Array<[number, number]> {
  const n = flat.split(",").map((h) => parseInt(h, 16));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n.length; i += 2) out.push([n[i], n[i + 1]]);
  return out;
}

for (const name of ["letter", "number", "regexSpace", "pythonSpace"] as const) {
  test(`unicode table ${name} equals the venv's regex module (${py.regexVersion})`, () => {
    const ours = ranges(tables[`${name}Ranges`]);
    assert.deepEqual(
      ours,
      py.tables[name],
      `kernel/tokenizer/unicode-tables.ts is stale: regenerate with .venv/bin/python test/tokenizer/unicode_tables.py --ts > kernel/tokenizer/unicode-tables.ts`,
    );
  });
}

test("the tables record the regex version they came from", () => {
  assert.equal(tables.REFERENCE_REGEX_VERSION, py.regexVersion);
});
