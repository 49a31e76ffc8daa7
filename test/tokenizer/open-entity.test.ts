/**
 * Parity with transformers' LukeTokenizer on all 3 × 1,998 Open Entity sentences (task
 * entity_classification, the mention as the span): add_prefix_space true on every split, false on dev.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { LukeTokenizer, type EncodeInput } from "../../kernel/tokenizer";
import { SHARED } from "../helpers";
import { buildTokenizerFolder } from "./fixture-folder";
import { reference, type PyEncoding } from "./reference";

const SPLITS = ["train", "dev", "test"] as const;

interface OpenEntityExample {
  sent: string;
  start: number;
  end: number;
}

function readSplit(split: string): EncodeInput[] {
  const path = join(SHARED, "data", "open-entity", `${split}.json`);
  const rows = JSON.parse(readFileSync(path, "utf8")) as OpenEntityExample[];
  return rows.map((r) => ({ text: r.sent, spans: [[r.start, r.end]] }));
}

const data = Object.fromEntries(SPLITS.map((s) => [s, readSplit(s)])) as Record<(typeof SPLITS)[number], EncodeInput[]>;
const withPrefix = buildTokenizerFolder({ task: "entity_classification", addPrefixSpace: true });
const withoutPrefix = buildTokenizerFolder({ task: "entity_classification", addPrefixSpace: false });
const runs = [
  ...SPLITS.map((split) => ({ split, dir: withPrefix, addPrefixSpace: true })),
  { split: "dev" as const, dir: withoutPrefix, addPrefixSpace: false },
];
let expected: PyEncoding[][];

before(() => {
  expected = reference(runs.map((r) => ({ dir: r.dir, op: "encode" as const, inputs: data[r.split] }))) as PyEncoding[][];
});

test("every split has 1,998 examples", () => {
  for (const s of SPLITS) assert.equal(data[s].length, 1998, s);
});

for (const [k, run] of runs.entries()) {
  test(`open entity ${run.split}, add_prefix_space ${run.addPrefixSpace}: tokens, ids, entity ids and positions equal transformers`, () => {
    const tok = LukeTokenizer.fromFolder(run.dir);
    assert.equal(tok.addPrefixSpace, run.addPrefixSpace);
    const mismatches: string[] = [];
    data[run.split].forEach((input, i) => {
      const ours = tok.encode(input);
      const py = expected[k][i];
      const same =
        JSON.stringify([ours.tokens, ours.inputIds, ours.entityIds, ours.entityPositionIds]) ===
        JSON.stringify([py.tokens, py.input_ids, py.entity_ids, py.entity_position_ids]);
      if (!same) {
        mismatches.push(`#${i} ${JSON.stringify(input)}\n  ours:   ${ours.tokens.join(" ")}\n  python: ${py.tokens.join(" ")}`);
      }
    });
    assert.equal(mismatches.length, 0, `${mismatches.length} mismatches, first ones:\n${mismatches.slice(0, 5).join("\n")}`);
  });
}
