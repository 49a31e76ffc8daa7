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

test("byte-level pieces: a character split across pieces is shown once, where it completes, the pieces marked", async () => {
  const { wordTexts, tokenTitles, CONTINUED } = await import("../../kernel/portable/tokens");
  const { toByteLevel } = await import("../../kernel/tokenizer/byte-level");
  // "café": c a f, then é's two bytes C3 A9 ("Ã" "©") in two pieces.
  assert.deepEqual(wordTexts(["Ġcaf", "Ã", "©"]).map((w) => w.label), ["caf", CONTINUED, `${CONTINUED}é`]);
  // A CJK character's three bytes across pieces, and one piece ending one and starting the next.
  const tokyo = toByteLevel("東京"); // 6 bytes
  const cjk = [tokyo.slice(0, 2), tokyo.slice(2, 4), tokyo.slice(4)];
  assert.deepEqual(wordTexts(cjk).map((w) => w.label), ["…", "…東…", "…京"]);
  // An emoji's four bytes over 2, 3 and 4 pieces.
  const thumbs = toByteLevel("👍");
  assert.deepEqual(wordTexts([thumbs.slice(0, 2), thumbs.slice(2)]).map((w) => w.label), ["…", "…👍"]);
  assert.deepEqual(wordTexts([thumbs.slice(0, 1), thumbs.slice(1, 3), thumbs.slice(3)]).map((w) => w.label), ["…", "…", "…👍"]);
  assert.deepEqual(wordTexts([...thumbs]).map((w) => w.label), ["…", "…", "…", "…👍"]);
  // The tooltip keeps the raw piece and names its bytes.
  const titles = tokenTitles({ words: ["Ġcaf", "Ã", "©"], entities: ["[MASK]"] });
  assert.equal(titles[0], "word 0: Ġcaf");
  assert.match(titles[1], /^word 1: Ã \(bytes C3; a character continues into the next piece\)$/);
  assert.match(titles[2], /^word 2: © \(bytes A9; a character continues from the piece before\)$/);
  assert.equal(titles[3], "entity 0: [MASK]");
  // WordPiece (## and a vocabulary "café": not byte-level UTF-8) and SentencePiece stay token by token.
  assert.deepEqual(wordTexts(["[CLS]", "café", "##s", "[SEP]"]).map((w) => w.label), ["[CLS]", "café", "##s", "[SEP]"]);
  assert.deepEqual(wordTexts(["▁hello", "▁wor", "ld"]).map((w) => w.label), ["hello", "wor", "ld"]);
  // Entities are never decoded.
  assert.deepEqual(tokenLabels({ words: ["Ã", "©"], entities: ["Ã©"] }), ["…", "…é", "Ã©"]);
});

test("byte-level pieces of a real tokenizer: the characters shown, in order, are the text's (TextDecoder of the bytes)", async () => {
  const { LukeTokenizer } = await import("../../kernel/tokenizer");
  const { wordTexts, CHAR_TO_BYTE, CONTINUED } = await import("../../kernel/portable/tokens");
  const text = "Beyoncé visited 東京 with 👍🏽 and a naïve café";
  const pieces = LukeTokenizer.fromFolder("samples/tiny-luke").tokenize(text);
  assert.ok(pieces.includes("Ã") && pieces.includes("©"), "tiny-luke splits é into its bytes");
  const labels = wordTexts(pieces).map((w) => w.label);
  assert.ok(!labels.some((l) => /[ÃæäðŁ]/.test(l)), `no mojibake: ${labels}`);
  const bytes = Uint8Array.from(pieces.flatMap((p) => [...p].map((c) => CHAR_TO_BYTE.get(c)!)));
  const reference = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/ /g, "");
  assert.equal(labels.map((l) => l.split(CONTINUED).join("").replace("␣", "")).join(""), reference);
});
