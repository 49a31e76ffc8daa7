/** Batches (padding true, "max_length", false), truncation and mention length against transformers. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { LukeTokenizer, type BatchEncoding, type EncodeInput, type EncodeOptions, type LukeTask, type LukePadding } from "../../kernel/tokenizer";
import { buildTokenizerFolder } from "./fixture-folder";
import { HARD_CASES, inputFor, TASKS } from "./hard-cases";
import { assertSameEncoding, reference, type Job, type PyEncoding } from "./reference";

const dir = buildTokenizerFolder({ addPrefixSpace: true });
const tok = LukeTokenizer.fromFolder(dir);

interface BatchRun {
  label: string;
  task: LukeTask;
  inputs: EncodeInput[];
  options: EncodeOptions & { padding?: LukePadding };
  python: Record<string, unknown>;
}

const batchRuns: BatchRun[] = [];
for (const task of TASKS) {
  const inputs = HARD_CASES.map((h) => inputFor(task, h, task === null)).filter((x): x is EncodeInput => x !== null);
  batchRuns.push({ label: `task ${task}, padding true`, task, inputs, options: { padding: true }, python: { padding: true } });
  batchRuns.push({
    label: `task ${task}, padding max_length 64`,
    task,
    inputs,
    options: { padding: "max_length", maxLength: 64 },
    python: { padding: "max_length", max_length: 64 },
  });
  batchRuns.push({
    label: `task ${task}, padding max_length 12 with truncation`,
    task,
    inputs,
    options: { padding: "max_length", maxLength: 12, truncation: true },
    python: { padding: "max_length", max_length: 12, truncation: true },
  });
  batchRuns.push({ label: `task ${task}, no padding`, task, inputs, options: { padding: false }, python: { padding: false } });
}
batchRuns.push({
  label: "task null, some texts without spans, padding true",
  task: null,
  inputs: HARD_CASES.map((h, i) => ({ text: h.text, spans: i % 2 ? [] : h.spans })),
  options: { padding: true },
  python: { padding: true },
});
batchRuns.push({
  label: "task null, no spans at all, padding true",
  task: null,
  inputs: HARD_CASES.map((h) => ({ text: h.text })),
  options: { padding: true },
  python: { padding: true },
});

interface SingleRun {
  label: string;
  task: LukeTask;
  options: EncodeOptions;
  python: Record<string, unknown>;
  load?: Record<string, unknown>;
}
const singleRuns: SingleRun[] = [];
for (const task of TASKS) {
  singleRuns.push({ label: `task ${task}, maxLength 10 (truncation implied)`, task, options: { maxLength: 10 }, python: { max_length: 10 } });
  singleRuns.push({ label: `task ${task}, maxLength 10, truncation off`, task, options: { maxLength: 10, truncation: false }, python: { max_length: 10, truncation: false } });
  singleRuns.push({ label: `task ${task}, truncation on, maxEntityLength 2`, task, options: { truncation: true, maxEntityLength: 2 }, python: { truncation: true, max_entity_length: 2 } });
  singleRuns.push({ label: `task ${task}, maxMentionLength 3`, task, options: { maxMentionLength: 3 }, python: {}, load: { max_mention_length: 3 } });
}

let py: unknown[];
before(() => {
  const jobs: Job[] = [
    ...batchRuns.map((r): Job => ({ dir, op: "batch", load: { task: r.task }, inputs: r.inputs, options: r.python })),
    ...singleRuns.map((r): Job => ({
      dir,
      op: "encode",
      load: { task: r.task, ...r.load },
      inputs: HARD_CASES.map((h) => inputFor(r.task, h, r.task === null)).filter((x): x is EncodeInput => x !== null),
      options: r.python,
    })),
  ];
  py = reference(jobs);
});

function asPythonBatch(b: BatchEncoding, keys: string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    tokens: b.tokens,
    input_ids: b.inputIds,
    attention_mask: b.attentionMask,
    entity_ids: b.entityIds,
    entity_position_ids: b.entityPositionIds,
    entity_attention_mask: b.entityAttentionMask,
    entity_start_positions: b.entityStartPositions,
    entity_end_positions: b.entityEndPositions,
  };
  return Object.fromEntries(keys.map((k) => [k, all[k]]));
}

for (const [k, run] of batchRuns.entries()) {
  test(`batch, ${run.label}: equals transformers`, () => {
    const ours = tok.encodeBatch(run.inputs, { ...run.options, task: run.task });
    const expected = py[k] as Record<string, unknown>;
    const keys = Object.keys(expected).sort();
    if (!("entity_ids" in expected)) assert.ok(ours.entityIds.every((row) => row.length === 0), "no entity rows without spans");
    const oursPy = asPythonBatch(ours, keys);
    for (const key of keys) assert.deepEqual(oursPy[key], expected[key], `${key}`);
    if (run.options.padding !== false) {
      const widths = new Set(ours.inputIds.map((r) => r.length));
      assert.equal(widths.size, 1, "padded rows have one width");
    }
  });
}

for (const [k, run] of singleRuns.entries()) {
  test(`encode, ${run.label}: equals transformers`, () => {
    const inputs = HARD_CASES.map((h) => inputFor(run.task, h, run.task === null)).filter((x): x is EncodeInput => x !== null);
    const expected = py[batchRuns.length + k] as PyEncoding[];
    inputs.forEach((input, i) => assertSameEncoding(tok.encode(input, { ...run.options, task: run.task }), expected[i], JSON.stringify(input)));
  });
}

test("truncation reports the entities it dropped", () => {
  const text = "Ana Ivanovic said on Thursday she could hardly believe her luck at Wimbledon.";
  const e = tok.encode({ text, spans: [[0, 12], [67, 76]] }, { task: null, maxLength: 8 });
  assert.equal(e.inputIds.length, 8);
  assert.equal(e.entityIds.length, 1);
  assert.equal(e.droppedEntities, 1);
});
