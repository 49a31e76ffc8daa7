import { strict as assert } from "node:assert";
import { join } from "node:path";
import { test } from "node:test";
import { readConllFile } from "../../../kernel/data/conll";
import { LukeTokenizer } from "../../../kernel/tokenizer";
import { buildSpanFeatures, candidateSpans, contextRoom, joinWords } from "../../../kernel/tasks/ner/inputs";
import { ROOT, SHARED, runPython } from "../../helpers";

const TOKENIZER = join(ROOT, "samples", "tiny-luke");
const SCRIPT = join(ROOT, "test", "tasks", "ner", "span_inputs.py");
const LABELS = ["NIL", "MISC", "PER", "ORG", "LOC"];

interface Reference {
  input_ids: number[];
  entity_ids: number[];
  entity_position_ids: number[][];
  entity_start_positions: number[];
  entity_end_positions: number[];
  spans: [number, number][];
}

function compare(documents: ReturnType<typeof readConllFile>["documents"], options: { maxSeqLength: number; maxEntityLength: number; maxMentionLength: number }) {
  const tokenizer = LukeTokenizer.fromFolder(TOKENIZER);
  const { features } = buildSpanFeatures(tokenizer, documents, LABELS, options, "eng.testb");
  const ref = runPython<Reference[]>(SCRIPT, [], {
    tokenizer: TOKENIZER,
    documents: documents.map((d) => d.sentences.map((s) => s.words)),
    max_seq_length: options.maxSeqLength,
    max_entity_length: options.maxEntityLength,
    max_mention_length: options.maxMentionLength,
  });
  assert.equal(features.length, ref.length);
  features.forEach((f, i) => {
    const r = ref[i];
    const at = `feature ${i} (sentence ${f.sentence})`;
    assert.deepEqual(f.spans, r.spans, at);
    assert.deepEqual(f.encoding.inputIds, r.input_ids, at);
    assert.deepEqual(f.encoding.entityIds, r.entity_ids, at);
    // transformers pads every row to the tokenizer's max_mention_length (30) whatever the call says;
    // lukelab's rows are --max-mention-length wide. The positions themselves must be equal.
    const kept = (rows: number[][]) => rows.map((row) => row.filter((p) => p >= 0));
    assert.deepEqual(kept(f.encoding.entityPositionIds), kept(r.entity_position_ids), at);
    assert.ok(f.encoding.entityPositionIds.every((row) => row.length === options.maxMentionLength), at);
    assert.deepEqual(f.encoding.entityStartPositions, r.entity_start_positions, at);
    assert.deepEqual(f.encoding.entityEndPositions, r.entity_end_positions, at);
  });
  return features;
}

test("real CoNLL-2003 test documents: token ids, entity positions and start/end positions equal transformers' LukeTokenizer(task=entity_span_classification)", () => {
  const documents = readConllFile(join(SHARED, "data", "conll2003", "eng.testb")).documents.slice(0, 3);
  const features = compare(documents, { maxSeqLength: 512, maxEntityLength: 128, maxMentionLength: 16 });
  // Context from the document: some sentence's input holds more words than the sentence.
  assert.ok(features.some((f) => f.encoding.inputIds.length > 2 + f.spans.filter(([s, e]) => e - s === 1).length + 5));
  // Gold entities are labelled with their type.
  assert.ok(features.some((f) => f.labels.some((l) => l > 0)));
});

test("tight limits: context is cut to --max-seq-length, long sentences are chunked, long spans left out — still as transformers encodes them", () => {
  const documents = readConllFile(join(SHARED, "data", "conll2003", "eng.testb")).documents.slice(3, 5);
  const features = compare(documents, { maxSeqLength: 48, maxEntityLength: 20, maxMentionLength: 6 });
  assert.ok(features.every((f) => f.encoding.inputIds.length <= 48 && f.spans.length <= 20));
  const perSentence = new Map<number, number>();
  for (const f of features) perSentence.set(f.sentence, (perSentence.get(f.sentence) ?? 0) + 1);
  assert.ok([...perSentence.values()].some((n) => n > 1), "some sentence is split into chunks");
});

test("upstream's rules: words joined with punctuation and apostrophes attached, context shared out, spans by subword length", () => {
  assert.deepEqual(joinWords(["Peter", "Blackburn", "'s", "lamb", "."]), {
    text: "Peter Blackburn's lamb.",
    offsets: [[0, 5], [6, 15], [15, 17], [18, 22], [22, 23]],
  });
  assert.deepEqual(contextRoom(100, 10, 5, 50), [35, 5]);
  assert.deepEqual(contextRoom(3, 10, 100, 50), [3, 37]);
  assert.deepEqual(candidateSpans([1, 2, 1], 3), [[0, 1], [0, 2], [1, 2], [1, 3], [2, 3]]);
});

test("a sentence longer than --max-seq-length keeps its first words that fit, and says so", () => {
  const tokenizer = LukeTokenizer.fromFolder(TOKENIZER);
  const words = ["Internationalisation", "Lisbon", "Reykjavik", "Montevideo", "Tallinn"];
  const doc = { index: 0, sentences: [{ words, tags: ["O", "I-LOC", "I-LOC", "B-LOC", "I-LOC"], entities: [], line: 7 }] };
  const { features, truncated } = buildSpanFeatures(tokenizer, [doc], LABELS, { maxSeqLength: 20, maxEntityLength: 128, maxMentionLength: 16 }, "t");
  assert.equal(truncated.length, 1);
  assert.equal(truncated[0].line, 7);
  assert.ok(truncated[0].keptWords < words.length && truncated[0].keptWords > 0);
  assert.ok(features.every((f) => f.encoding.inputIds.length <= 20 && f.spans.every(([, e]) => e <= truncated[0].keptWords)));
});
