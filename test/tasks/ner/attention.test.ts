/**
 * nerAttention: attention over every span entity of each sentence, in the shape the attention views
 * take. A fresh tiny span-classification LUKE (random weights: many spans get a type) checks that
 * every candidate span is an entity named by its text, that the predicted ones and their types are
 * recognizeEntities' (the same decoding), that attention rows are softmax rows of one forward pass,
 * that the "predicted" view is that pass restricted to the predicted spans, that the display builds a
 * payload from it, and that no tensor is left behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ATTENTION_MIME, decodeAttentionPayload } from "../../../kernel/portable/attention-payload";
import { attentionPayload, showAttention } from "../../../kernel/display";
import { prepareModel } from "../../../kernel/tasks/entity-typing/model-setup";
import { nerAttention } from "../../../kernel/tasks/ner/attention";
import { recognizeEntities, splitWords } from "../../../kernel/tasks/ner/notebook";
import { expectNoLeak, FIXTURES, ready } from "../../helpers";

const TEXT = "Peter Blackburn visited Brussels. The EU rejects German calls!";

async function spanModel(head: "entity_span_classification" | "entity_classification" = "entity_span_classification") {
  await ready();
  const prepared = await prepareModel({
    modelSize: "tiny",
    modelConfig: join(FIXTURES, "training", "micro-config.json"),
    seed: 3,
    hiddenDropoutProb: 0.1,
    labels: head === "entity_span_classification" ? ["NIL", "MISC", "PER", "ORG", "LOC"] : ["person", "place"],
    head,
  });
  return prepared.luke;
}

test("every span entity of each sentence, named by its text; predictions as recognizeEntities gives them; softmax rows", async () => {
  const luke = await spanModel();
  try {
    // The sample tokenizer is nearly character-level: a mention limit that lets every span in.
    const views = await expectNoLeak(() => luke.nerAttention(TEXT, { maxMentionLength: 64 }));
    const sentences = splitWords(TEXT);
    assert.equal(views.length, sentences.length);
    const entities = await recognizeEntities(luke, TEXT, { maxMentionLength: 64 });
    const predicted: typeof entities = [];
    views.forEach((view, i) => {
      const n = sentences[i].length;
      // Every word span of the sentence.
      assert.equal(view.entities.length, (n * (n + 1)) / 2);
      assert.deepEqual(
        view.spans.map((s) => [s.start, s.end]).sort((a, b) => a[0] - b[0] || a[1] - b[1]),
        sentences[i].flatMap((w, a) => sentences[i].slice(a).map((v) => [w.start, v.end])).sort((x, y) => x[0] - y[0] || x[1] - y[1]),
      );
      view.spans.forEach((s, j) => {
        assert.equal(s.text, Array.from(TEXT).slice(s.start, s.end).join(""));
        assert.equal(view.entities[j], s.predicted ? `${s.text} → ${s.predicted.type}` : s.text);
        // The span's entity covers its words' tokens.
        assert.ok(view.entitySpans[j].length > 0 && view.entitySpans[j].every((p) => p > 0 && p < view.tokens.length - 1));
        if (s.predicted) predicted.push({ text: s.text, start: s.start, end: s.end, type: s.predicted.type, score: s.predicted.score, logit: 0 });
      });
      const size = view.tokens.length + view.entities.length;
      assert.equal(view.attentions.length, luke.config.numHiddenLayers);
      for (const layer of view.attentions) {
        assert.equal(layer.length, luke.config.numAttentionHeads);
        for (const head of layer) {
          assert.equal(head.length, size);
          for (const row of head) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, "a softmax row");
        }
      }
    });
    assert.ok(entities.length > 0, "the random model predicts some spans");
    predicted.sort((a, b) => a.start - b.start);
    assert.deepEqual(predicted.map(({ text, start, end, type }) => ({ text, start, end, type })), entities.map(({ text, start, end, type }) => ({ text, start, end, type })));
    predicted.forEach((p, k) => assert.ok(Math.abs(p.score - entities[k].score) < 1e-5));

    // The views draw them: a payload with every entity, sent to the display.
    const payload = decodeAttentionPayload(attentionPayload(views[0]));
    assert.ok(payload.ok, JSON.stringify(payload));
    const sent: [string, unknown][] = [];
    showAttention(views[0], { display: { raw: (m, d) => sent.push([m, d]) } });
    assert.equal(sent[0][0], ATTENTION_MIME);
  } finally {
    luke.dispose();
  }
});

test("entities: predicted keeps the predicted spans' rows and columns of the same pass; layers; errors", async () => {
  const luke = await spanModel();
  try {
    const [all] = await luke.nerAttention("Peter Blackburn visited Brussels.");
    const [only] = await expectNoLeak(() => luke.nerAttention("Peter Blackburn visited Brussels.", { entities: "predicted" }));
    const chosen = all.spans.flatMap((s, j) => (s.predicted ? [j] : []));
    assert.ok(chosen.length > 0);
    assert.deepEqual(only.entities, chosen.map((j) => all.entities[j]));
    assert.deepEqual(only.spans, chosen.map((j) => all.spans[j]));
    const w = all.tokens.length;
    const keep = [...Array(w).keys(), ...chosen.map((j) => w + j)];
    only.attentions.forEach((layer, l) => layer.forEach((head, h) => head.forEach((row, q) => row.forEach((v, k) => assert.equal(v, all.attentions[l][h][keep[q]][keep[k]])))));
    const [second] = await luke.nerAttention("Peter Blackburn visited Brussels.", { layers: [1] });
    assert.deepEqual(second.attentions, [all.attentions[1]]);
    await assert.rejects(luke.nerAttention("x", { layers: [7] }), /nerAttention: layer 7 does not exist \(the model has 2 layers\)/);
    await assert.rejects(luke.nerAttention("x", { entities: "some" as "all" }), /entities must be "all" or "predicted"/);
  } finally {
    luke.dispose();
  }
  const typing = await spanModel("entity_classification");
  try {
    await assert.rejects(typing.nerAttention("x"), /nerAttention needs a model with the entity_span_classification head/);
  } finally {
    typing.dispose();
  }
});
