/** kernel/portable/tokens.ts: tokens as the views show them. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeByteLevel, prettifyToken, tokenLabels, truncateLabel } from "../../kernel/portable/tokens";

test("token labels: byte-level BPE decoded, long tokens shortened, entities kept", () => {
  assert.equal(prettifyToken("ĠBey"), "Bey");
  assert.equal(prettifyToken("Ã©"), "é");
  assert.equal(prettifyToken("Ã"), "Ã"); // half of a character stays as it is
  assert.equal(prettifyToken("Ġ"), "␣");
  assert.equal(prettifyToken("Ċ"), "↵");
  assert.equal(prettifyToken("▁hello"), "hello");
  assert.equal(prettifyToken("##ing"), "##ing");
  assert.equal(prettifyToken("<s>"), "<s>");
  assert.equal(decodeByteLevel("ĠBeyoncÃ©"), " Beyoncé");
  assert.equal(decodeByteLevel("a b"), null);
  assert.equal(truncateLabel("abcdefghij", 5), "abcd…");
  assert.equal(truncateLabel("😀😀😀", 3), "😀😀😀");
  assert.deepEqual(tokenLabels({ words: ["ĠThe", "Ġcat"], entities: ["[MASK] (cat)"] }), ["The", "cat", "[MASK] (cat)"]);
});
