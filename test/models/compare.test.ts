/** compareAttention: LUKE, BERT, RoBERTa and GPT-2 on one sentence, tokens aligned to words, a word pair across models. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { compareModels, comparisonBundle, loadLuke, loadWordModel, tf } from "../../kernel";
import type { AttentionComparison, Luke, WordModelRunner } from "../../kernel";
import { ROOT, ready } from "../helpers";
import { modelDir } from "./fixtures";

const TEXT = "Beyoncé lives in Los Angeles, naïvely.";

describe("compareModels", () => {
  let luke: Luke;
  let bert: WordModelRunner;
  let roberta: WordModelRunner;
  let gpt2: WordModelRunner;
  let c: AttentionComparison;
  before(async () => {
    await ready();
    luke = await loadLuke(join(ROOT, "samples", "tiny-luke"));
    [bert, roberta, gpt2] = await Promise.all(["bert", "roberta", "gpt2"].map((k) => loadWordModel(modelDir(k))));
    const baseline = tf.memory().numTensors;
    c = await compareModels([luke, bert, { name: "RoBERTa (tiny)", model: roberta }, gpt2], TEXT, { pair: ["lives", "Angeles"], spans: [[0, 7]] });
    assert.equal(tf.memory().numTensors, baseline, "tensors left behind");
  });
  after(() => [luke, bert, roberta, gpt2].forEach((m) => m.dispose()));

  test("each model's tokens and attentions are its own forward pass", async () => {
    assert.deepEqual(c.models.map((m) => m.name), ["LUKE", "BERT", "RoBERTa (tiny)", "GPT-2"]);
    const [b] = await bert.forward([TEXT], { attentions: true });
    assert.deepEqual(c.models[1].tokens, b.tokens);
    assert.deepEqual(c.models[1].attentions, b.attentions);
    const [l] = await luke.forward([{ text: TEXT, spans: [[0, 7]] }], { attentions: true, task: null });
    assert.deepEqual(c.models[0].tokens, l.tokens);
    assert.deepEqual(c.models[0].attentions, l.attentions);
    assert.deepEqual(c.models[0].entities, ["Beyoncé"]);
    assert.equal(c.models[0].attentions[0][0].length, l.tokens.length + 1, "LUKE's words, then its entity");
  });

  test("the words' pieces cover every piece of the text once, in order, after the leading special tokens", () => {
    assert.deepEqual(c.words.map((w) => w.text), ["Beyoncé", "lives", "in", "Los", "Angeles,", "naïvely."]);
    const leading = [1, 1, 1, 0];
    const pieces = [luke.tokenizer.tokenize(TEXT), bert.tokenizer.tokenize(TEXT), roberta.tokenizer.tokenize(TEXT), gpt2.tokenizer.tokenize(TEXT)];
    c.models.forEach((m, i) => {
      const all = m.wordTokens.flat();
      assert.deepEqual(all, pieces[i].map((_, k) => leading[i] + k), m.name);
      for (const w of m.wordTokens) assert.ok(w.length > 0, `${m.name}: every word has a piece`);
    });
  });

  test("WordPiece: a word's pieces are exactly the pieces of the word alone", () => {
    c.words.forEach((w, i) => assert.deepEqual(c.models[1].wordTokens[i].map((t) => c.models[1].tokens[t]), bert.tokenizer.tokenize(w.text)));
  });

  test("the word pair: GPT-2 cannot look ahead; an earlier word's attention over all words sums to 1 without special tokens", () => {
    assert.deepEqual(c.pair && [c.pair.from, c.pair.to], [1, 4]);
    const gpt = c.pair!.values[3];
    assert.equal(gpt.length, 2);
    for (const layer of gpt) for (const v of layer) assert.equal(v, 0);
    assert.ok(c.pair!.values[1].flat().some((v) => v > 0), "BERT attends both ways");
    const m = c.models[3];
    for (let l = 0; l < m.attentions.length; l++)
      for (let h = 0; h < m.attentions[l].length; h++) {
        const total = c.words.reduce((sum, _, j) => sum + m.wordTokens[4].reduce((s, q) => s + m.wordTokens[j].reduce((t, k) => t + m.attentions[l][h][q][k], 0), 0) / m.wordTokens[4].length, 0);
        assert.ok(Math.abs(total - 1) < 1e-5, `GPT-2 layer ${l} head ${h}: ${total}`);
      }
  });

  test("the notebook output: one image per model, the alignment table, the pair table", () => {
    const { data } = comparisonBundle(c);
    const html = data["text/html"] as string;
    assert.equal(html.match(/<img /g)?.length, 4);
    const pieceRows = c.models.reduce((n, m) => n + 1 + m.wordTokens[c.pair!.from].length, 0);
    assert.equal(html.match(/<tr>/g)?.length, 1 + c.words.length + 1 + c.models.length + pieceRows);
    // The token-to-token cell of BERT's first piece of "lives" and its first piece of "Angeles", last layer, mean over heads.
    const b = c.models[1];
    const [q, k] = [b.wordTokens[1][0], b.wordTokens[4][0]];
    const last = b.attentions[b.attentions.length - 1];
    const mean = last.reduce((s, h) => s + h[q][k], 0) / last.length;
    assert.ok(html.includes(`<tr><th><code>${b.tokens[q]}</code></th><td>${mean.toFixed(3)}</td>`), "BERT's token-to-token cell");
    assert.match(html, /Attention from “lives” to “Angeles,”/);
    assert.match(data["text/plain"] as string, /Beyoncé: LUKE \[.*\]  BERT \[.*\]/);
  });

  test("bad arguments are named", async () => {
    await assert.rejects(compareModels([], TEXT), /non-empty list of models/);
    await assert.rejects(compareModels([bert], TEXT, { pair: ["Paris", "lives"] }), /pair first word "Paris" is not a word of the sentence \("Beyoncé", "lives"/);
    await assert.rejects(compareModels([{ foo: 1 } as never], TEXT), /each model must be a loaded LUKE/);
    await assert.rejects(compareModels([luke], TEXT), /this LUKE's entity_classification head needs entities: pass \{ spans/);
  });
});
